"""What every service call gets: a connection, the cursor codec, and shared filter types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, or_

from api.services.paging import CursorCodec, Totals

MIN_YEAR, MAX_YEAR = 1990, 2100


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
        for part in text.split(","):
            if ":" in part:
                lo, _, hi = part.partition(":")
                a, b = _year(lo), _year(hi)
                if a > b:
                    raise ValueError(f"range {part!r} is descending; write {b}:{a}")
                ranges.append((a, b))
            else:
                values.append(_year(part))
        return cls(tuple(sorted(set(values))), tuple(sorted(set(ranges))))

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
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _year(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"{text!r} is not a year")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{year} is outside {MIN_YEAR}..{MAX_YEAR}")
    return year
