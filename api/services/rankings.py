"""Rankings: one cohort, year and indicator in rank order, with year-on-year change; and
the history of some entities' ranks across editions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, and_, bindparam, case, literal, select

from api.errors import invalid, not_found
from api.services.context import YEARS, QueryContext, Years, one_year
from api.services.paging import Page, PageRequest, SortKey, paginate
from api.services.params import CODES_SCHEMA, MAX_ITEMS, Filter, Param, code_param, codes, enum
from api.services.scores import COHORT, DEFAULT_INDICATOR, FigureKey
from models import public as pub
from models import tables as t
from models.vocab import COHORTS, MERGER_YEAR, default_cohort

RANKING: Table = t.Ranking.__table__  # type: ignore[attr-defined]
ENTRY: Table = t.RankingEntry.__table__  # type: ignore[attr-defined]
R, EN = RANKING.c, ENTRY.c
COHORT_DOC = "Cohort (default provinces-63 to 2024, provinces-34 from 2025)"


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
        "cohort": enum(COHORTS, COHORT_DOC)}


@dataclass(frozen=True)
class HistoryRequest(Filter):
    entities: tuple[str, ...] = ()
    years: Years | None = None
    indicator: str = DEFAULT_INDICATOR
    cohort: str | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        "entity": Param(codes, f"Entity codes (comma-separated, at most {MAX_ITEMS})",
                        {**CODES_SCHEMA, "examples": ["48,49"]}, required=True),
        "year": YEARS, "indicator": code_param(f"Indicator code (default {DEFAULT_INDICATOR})"),
        "cohort": enum(COHORTS, COHORT_DOC + ", per edition")}
    FIELDS: ClassVar[dict[str, str]] = {"entity": "entities", "year": "years"}


_KEY = (R.year == bindparam("year"), R.cohort == bindparam("cohort"),
        R.indicator_code == bindparam("indicator"))
META_COLUMNS = (R.year, R.indicator_code, R.cohort, R.framework_id, R.cohort_size,
                R.cohort_size_basis, R.cohort_size_source, R.members_listed, R.ranked,
                R.with_value, R.complete, R.unresolved, R.rank_bases, R.previous_available,
                R.computed, R.computed_only, R.computed_checked, R.computed_agree,
                R.computed_precision)
_META = select(*META_COLUMNS).where(*_KEY)
ENTRY_COLUMNS = ("year", "indicator_code", "cohort", "rank", "entity_code", "entity_name_vi",
                 "entity_name_en", "value", "value_text", "previous_rank", "rank_change",
                 "previous_value", "value_change", "has_conflict", "conflict_status",
                 "rank_basis", "source_ids", "computed_rank", "computed_rank_basis",
                 "previous_rank_basis", "rank_change_basis", "rank_median", "rank_p05",
                 "rank_p95", "position")
# Built once with bind parameters: a request only binds values (the ranking is the
# API's most asked-for page, and building the statement cost more than running it).
_ENTRIES = (select(*(EN[c] for c in ENTRY_COLUMNS), R.framework_id)
            .join(RANKING, and_(R.year == EN.year, R.cohort == EN.cohort,
                                R.indicator_code == EN.indicator_code))
            .where(EN.year == bindparam("year"), EN.cohort == bindparam("cohort"),
                   EN.indicator_code == bindparam("indicator"),
                   EN.position > bindparam("after"))
            .order_by(EN.position).limit(bindparam("limit")))
_COHORT = select(COHORT.c.code).where(COHORT.c.code == bindparam("cohort"))


def computed_ranks(conn: Connection, keys: list[FigureKey]) -> dict[FigureKey, int]:
    """Ranks this service computed from published values (derived, never published), by
    (year, cohort, indicator, entity): for a figure whose sources give no rank."""
    if not keys:
        return {}
    rows = conn.execute(
        select(EN.year, EN.cohort, EN.indicator_code, EN.entity_code, EN.computed_rank)
        .where(EN.year.in_({k[0] for k in keys}), EN.cohort.in_({k[1] for k in keys}),
               EN.indicator_code.in_({k[2] for k in keys}),
               EN.entity_code.in_({k[3] for k in keys}), EN.computed_rank.is_not(None)))
    found = {(y, c, i, e): rank for y, c, i, e, rank in rows}
    return {k: found[k] for k in keys if k in found}


def to_entry(row: Any) -> pub.RankingEntry:
    (year, indicator, cohort, rank, code, vi, en, value, text, previous_rank, rank_change,
     previous_value, value_change, conflict, status, basis, sources, computed, computed_basis,
     previous_basis, change_basis, median, low, high, _, framework) = row
    return {"year": year, "indicator": indicator, "cohort": cohort, "rank": rank,
            "entity_code": code, "entity_name_vi": vi, "entity_name_en": en,
            "value": value, "value_text": text, "previous_rank": previous_rank,
            "rank_change": rank_change, "previous_value": previous_value,
            "value_change": value_change, "has_conflict": bool(conflict),
            "conflict_status": status, "rank_basis": basis, "framework_id": framework,
            "source_ids": sources.split(";") if sources else [],
            "computed_rank": computed, "computed_rank_basis": computed_basis,
            "previous_rank_basis": previous_basis, "rank_change_basis": change_basis,
            "rank_median": median, "rank_interval": [low, high] if low is not None else None}


def _meta(row: Any, total: int) -> pub.RankingMeta:
    (year, indicator, cohort, framework, size, basis, source, listed, ranked, with_value,
     complete, unresolved, bases, previous, computed, computed_only, checked, agree,
     precision) = row
    return {"total": total, "year": year, "indicator": indicator, "cohort": cohort,
            "framework_id": framework, "cohort_size": size, "cohort_size_basis": basis,
            "cohort_size_source": source, "members_listed": listed, "ranked": ranked,
            "with_value": with_value, "complete": None if complete is None else bool(complete),
            "unresolved": unresolved, "rank_bases": json.loads(bases),
            "previous_year": year - 1, "previous_available": bool(previous),
            "computed": computed, "computed_only": computed_only, "computed_checked": checked,
            "computed_agree": agree, "computed_precision": precision}


def _missing(ctx: QueryContext, year: int, indicator: str, cohort: str) -> Exception:
    if ctx.conn.execute(_COHORT, {"cohort": cohort}).first() is None:
        return invalid("cohort", f"unknown cohort {cohort!r}")
    return not_found(f"no published {indicator} figures for cohort {cohort} in {year}")


def ranking(ctx: QueryContext, request: RankingRequest,
            page: PageRequest) -> tuple[Page[pub.RankingEntry], pub.RankingMeta]:
    """The ranking derived at load time (seed/rankings.py), paged by position."""
    year, indicator = request.year, request.indicator
    cohort = request.cohort or default_cohort(year)
    key = {"year": year, "cohort": cohort, "indicator": indicator}
    meta = ctx.conn.execute(_META, key).first()
    if meta is None:
        raise _missing(ctx, year, indicator, cohort)
    listed = meta[7]
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
    position = ENTRY_COLUMNS.index("position")
    cursors = [ctx.codec.encode(scope, [r[position]]) for r in rows] \
        if page.edge_cursors else None
    entries = Page([to_entry(r) for r in rows], listed,
                   ctx.codec.encode(scope, [rows[-1][position]]) if more else None, cursors)
    return entries, _meta(meta, listed)


def history(ctx: QueryContext, request: HistoryRequest,
            page: PageRequest) -> tuple[Page[pub.RankingEntry], pub.RankingHistoryMeta]:
    """Every published rank of some entities across editions, oldest first. Change is
    against the previous edition of the same cohort; each row names its framework."""
    where = [EN.entity_code.in_(request.entities), EN.indicator_code == request.indicator]
    if request.years:
        where.append(request.years.clause(EN.year))
    if request.cohort:
        where.append(EN.cohort == request.cohort)
    else:  # each edition's own default cohort: 63 provinces to 2024, 34 from 2025
        before, after = default_cohort(MERGER_YEAR - 1), default_cohort(MERGER_YEAR)
        where.append(EN.cohort == case((EN.year < MERGER_YEAR, literal(before)),
                                       else_=literal(after)))
    stmt = (select(*(EN[c] for c in ENTRY_COLUMNS), R.framework_id)
            .join(RANKING, and_(R.year == EN.year, R.cohort == EN.cohort,
                                R.indicator_code == EN.indicator_code))
            .where(and_(*where)))
    keys = [SortKey(EN.year), SortKey(EN.cohort), SortKey(EN.entity_code)]
    found = paginate(ctx, f"ranking-history|{request}", stmt, keys, page,
                     lambda r: to_entry(tuple(r.values())[:len(ENTRY_COLUMNS) + 1]))
    editions = {(e["year"], e["cohort"]) for e in found.items}
    metas = [_meta(m, m[7]) for m in ctx.conn.execute(
        select(*META_COLUMNS).where(R.indicator_code == request.indicator)
        .order_by(R.year, R.cohort)) if (m[0], m[2]) in editions]
    return found, {"total": found.total, "editions": metas}
