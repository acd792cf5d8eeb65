"""Rankings: one cohort, year and indicator in rank order, with year-on-year change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Table, bindparam, select

from api.errors import invalid, not_found
from api.services.context import QueryContext, one_year
from api.services.paging import Page, PageRequest
from api.services.params import Filter, Param, code_param, enum
from api.services.scores import COHORT, DEFAULT_INDICATOR
from api.services.vocab import COHORTS
from models import public as pub
from models import tables as t

RANKING: Table = t.Ranking.__table__  # type: ignore[attr-defined]
ENTRY: Table = t.RankingEntry.__table__  # type: ignore[attr-defined]
MERGER_YEAR = 2025  # the 34-province cohort is the default from this edition on


def default_cohort(year: int) -> str:
    return "provinces-63" if year < MERGER_YEAR else "provinces-34"


@dataclass(frozen=True)
class RankingRequest(Filter):
    year: int
    indicator: str = DEFAULT_INDICATOR
    cohort: str | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        "year": Param(one_year, "Edition year (required)",
                      {"type": "integer", "minimum": 1990, "maximum": 2100,
                       "examples": [2022, 2024]}, required=True),
        "indicator": code_param(f"Indicator code (default {DEFAULT_INDICATOR})"),
        "cohort": enum(COHORTS, "Cohort (default provinces-63 to 2024, provinces-34 from 2025)")}


_KEY = (RANKING.c.year == bindparam("year"), RANKING.c.cohort == bindparam("cohort"),
        RANKING.c.indicator_code == bindparam("indicator"))
_META = select(RANKING.c.cohort_size, RANKING.c.members_listed, RANKING.c.ranked,
               RANKING.c.with_value, RANKING.c.complete, RANKING.c.previous_available
               ).where(*_KEY)
ENTRY_COLUMNS = ("year", "indicator_code", "cohort", "rank", "entity_code", "entity_name_vi",
                 "entity_name_en", "value", "value_text", "previous_rank", "rank_change",
                 "previous_value", "value_change", "has_conflict", "source_ids", "position")
# Built once with bind parameters: a request only binds values (the ranking is the
# API's most asked-for page, and building the statement cost more than running it).
_ENTRIES = (select(*(ENTRY.c[c] for c in ENTRY_COLUMNS))
            .where(ENTRY.c.year == bindparam("year"), ENTRY.c.cohort == bindparam("cohort"),
                   ENTRY.c.indicator_code == bindparam("indicator"),
                   ENTRY.c.position > bindparam("after"))
            .order_by(ENTRY.c.position).limit(bindparam("limit")))
_COHORT = select(COHORT.c.code).where(COHORT.c.code == bindparam("cohort"))


def _entry(row: Any) -> pub.RankingEntry:
    (year, indicator, cohort, rank, code, vi, en, value, text, previous_rank, rank_change,
     previous_value, value_change, conflict, sources, _) = row
    return {"year": year, "indicator": indicator, "cohort": cohort, "rank": rank,
            "entity_code": code, "entity_name_vi": vi, "entity_name_en": en,
            "value": value, "value_text": text, "previous_rank": previous_rank,
            "rank_change": rank_change, "previous_value": previous_value,
            "value_change": value_change, "has_conflict": bool(conflict),
            "source_ids": sources.split(";") if sources else []}


def ranking(ctx: QueryContext, request: RankingRequest,
            page: PageRequest) -> tuple[Page[pub.RankingEntry], pub.RankingMeta]:
    """The ranking derived at load time (seed/rankings.py), paged by position."""
    year, indicator = request.year, request.indicator
    cohort = request.cohort or default_cohort(year)
    key = {"year": year, "cohort": cohort, "indicator": indicator}
    meta = ctx.conn.execute(_META, key).first()
    if meta is None:
        if ctx.conn.execute(_COHORT, key).first() is None:
            raise invalid("cohort", f"unknown cohort {cohort!r}")
        raise not_found(f"no published {indicator} figures for cohort {cohort} in {year}")
    size, listed, ranked, with_value, complete, previous = meta
    scope = f"rankings|{year}|{indicator}|{cohort}"
    after = 0
    if page.cursor:
        found = ctx.codec.decode(scope, page.cursor)
        if len(found) != 1 or type(found[0]) is not int:
            raise invalid("cursor", "the cursor does not fit this collection")
        after = found[0]
    rows = ctx.conn.execute(_ENTRIES, {**key, "after": after, "limit": page.limit + 1}).all()
    more = len(rows) > page.limit
    rows = rows[:page.limit]
    cursors = [ctx.codec.encode(scope, [r[-1]]) for r in rows] if page.edge_cursors else None
    entries = Page([_entry(r) for r in rows], listed,
                   ctx.codec.encode(scope, [rows[-1][-1]]) if more else None, cursors)
    return entries, {
        "total": listed, "year": year, "indicator": indicator, "cohort": cohort,
        "cohort_size": size, "members_listed": listed, "ranked": ranked,
        "with_value": with_value, "complete": bool(complete), "previous_year": year - 1,
        "previous_available": bool(previous)}
