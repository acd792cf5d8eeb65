"""What every service call gets: a connection, the cursor codec, and shared filter types."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, or_

from api.services.paging import CursorCodec, Totals
from api.services.params import MAX_ITEMS, Param

MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_YEAR_ITEMS = MAX_ITEMS
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
YEAR = re.compile(r"[0-9]{4}")  # ASCII digits only: int() would also read '٢٠٢٠'


@dataclass(frozen=True)
class QueryContext:
    conn: Connection
    codec: CursorCodec
    totals: Totals


@dataclass(frozen=True)
class Years:
    """A year filter: listed years and/or inclusive ranges, as parsed from 2020,2022:2024."""

    values: tuple[int, ...] = ()
    ranges: tuple[tuple[int, int], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Years:
        """Parse 2020 / 2020,2022 / 2020:2024; raise ValueError with a reason."""
        values, ranges = [], []
        parts = text.split(",")
        if len(parts) > MAX_YEAR_ITEMS:
            raise ValueError(f"at most {MAX_YEAR_ITEMS} years or ranges")
        for part in parts:
            if ":" in part:
                lo, _, hi = part.partition(":")
                a, b = _year(lo), _year(hi)
                if a > b:
                    raise ValueError(f"range {part!r} is descending; write {b}:{a}")
                ranges.append((a, b))
            else:
                values.append(_year(part))
        return cls(tuple(sorted(set(values))), tuple(sorted(set(ranges))))

    def includes(self, year: int) -> bool:
        return year in self.values or any(lo <= year <= hi for lo, hi in self.ranges)

    def clause(self, column: ColumnElement[int]) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.values:
            parts.append(column.in_(self.values))
        parts += [and_(column >= lo, column <= hi) for lo, hi in self.ranges]
        return or_(*parts)

    def __str__(self) -> str:
        return ",".join([str(v) for v in self.values] + [f"{a}:{b}" for a, b in self.ranges])


def iso_date(text: str) -> str:
    """Parse a YYYY-MM-DD date filter; raise ValueError with a reason."""
    try:
        if not DATE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{text[:20]!r} is not a date (YYYY-MM-DD)") from None


def _year(text: str) -> int:
    if not YEAR.fullmatch(text.strip()):
        raise ValueError(f"{text[:20]!r} is not a year")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{year} is outside {MIN_YEAR}..{MAX_YEAR}")
    return year


def one_year(value: str | int) -> int:
    """A single edition year, from text or an integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not MIN_YEAR <= value <= MAX_YEAR:
            raise ValueError(f"{value} is outside {MIN_YEAR}..{MAX_YEAR}")
        return value
    parsed = Years.parse(str(value))
    if parsed.ranges or len(parsed.values) != 1:
        raise ValueError("expected a single year")
    return parsed.values[0]


_Y = r"(199\d|20\d\d|2100)"
YEARS = Param(Years.parse, "One year, a list (2020,2022) or an inclusive range (2020:2024); "
                           "a range must not be descending.",
              {"type": "string",
               "pattern": f"^{_Y}(:{_Y})?(,{_Y}(:{_Y})?){{0,{MAX_YEAR_ITEMS - 1}}}$",
               "examples": ["2022", "2020:2024"]})
DATE_FROM = Param(iso_date, "Reference date on or after (YYYY-MM-DD)",
                  {"type": "string", "format": "date"})
DATE_TO = Param(iso_date, "Reference date on or before (YYYY-MM-DD)",
                {"type": "string", "format": "date"})
