"""What every service call gets: a connection, the cursor codec, and shared filter types."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, or_

from api.services.paging import CursorCodec


@dataclass(frozen=True)
class QueryContext:
    conn: Connection
    codec: CursorCodec


@dataclass(frozen=True)
class Years:
    """A year filter: listed years and/or inclusive ranges, as parsed from 2020,2022:2024."""

    values: tuple[int, ...] = ()
    ranges: tuple[tuple[int, int], ...] = ()

    def clause(self, column: ColumnElement[int]) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.values:
            parts.append(column.in_(self.values))
        parts += [and_(column >= lo, column <= hi) for lo, hi in self.ranges]
        return or_(*parts)

    def __str__(self) -> str:
        return ",".join([str(v) for v in self.values] + [f"{a}:{b}" for a, b in self.ranges])
