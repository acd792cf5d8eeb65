"""Rankings: one cohort, year and indicator in rank order, with year-on-year change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Table, select

from api.errors import invalid, not_found
from api.services.context import QueryContext, one_year
from api.services.paging import Page, PageRequest, SortKey, paginate
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
                      {"type": "integer", "minimum": 1990, "maximum": 2100}, required=True),
        "indicator": code_param(f"Indicator code (default {DEFAULT_INDICATOR})"),
        "cohort": enum(COHORTS, "Cohort (default provinces-63 to 2024, provinces-34 from 2025)")}


def _entry(r: Any) -> pub.RankingEntry:
    return {"year": r["year"], "indicator": r["indicator_code"], "cohort": r["cohort"],
            "rank": r["rank"], "entity_code": r["entity_code"],
            "entity_name_vi": r["entity_name_vi"], "entity_name_en": r["entity_name_en"],
            "value": r["value"], "value_text": r["value_text"],
            "previous_rank": r["previous_rank"], "rank_change": r["rank_change"],
            "previous_value": r["previous_value"], "value_change": r["value_change"],
            "has_conflict": bool(r["has_conflict"]),
            "source_ids": r["source_ids"].split(";") if r["source_ids"] else []}


def ranking(ctx: QueryContext, request: RankingRequest,
            page: PageRequest) -> tuple[Page[pub.RankingEntry], pub.RankingMeta]:
    """The ranking derived at load time (seed/rankings.py), paged by position."""
    year, indicator = request.year, request.indicator
    cohort = request.cohort or default_cohort(year)
    meta = ctx.conn.execute(select(RANKING).where(
        RANKING.c.year == year, RANKING.c.cohort == cohort,
        RANKING.c.indicator_code == indicator)).first()
    if meta is None:
        if ctx.conn.execute(select(COHORT.c.code).where(COHORT.c.code == cohort)).first() is None:
            raise invalid("cohort", f"unknown cohort {cohort!r}")
        raise not_found(f"no published {indicator} figures for cohort {cohort} in {year}")
    stmt = select(ENTRY).where(ENTRY.c.year == year, ENTRY.c.cohort == cohort,
                               ENTRY.c.indicator_code == indicator)
    entries = paginate(ctx, f"rankings|{year}|{indicator}|{cohort}", stmt,
                       [SortKey(ENTRY.c.position)], page, _entry)
    return entries, {
        "total": entries.total, "year": year, "indicator": indicator, "cohort": cohort,
        "cohort_size": meta.cohort_size, "members_listed": meta.members_listed,
        "ranked": meta.ranked, "with_value": meta.with_value, "complete": meta.complete,
        "previous_year": year - 1, "previous_available": meta.previous_available}
