"""Aggregates, public-service statistics, coverage and sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, select

from api.errors import not_found
from api.services.context import DATE_FROM, DATE_TO, YEARS, QueryContext, Years
from api.services.driver import fetch_rows
from api.services.paging import Page, PageRequest, SortKey, paginate
from api.services.params import Filter, Param, codes_param, enum, enums, flag
from api.services.scores import CLAIM, SCORE, SOURCE, claims_for, split_claims
from models import public as pub
from models import tables as t
from models.vocab import COHORTS, STATISTICS, TIERS

AGGREGATE: Table = t.Aggregate.__table__  # type: ignore[attr-defined]
STATISTIC: Table = t.Statistic.__table__  # type: ignore[attr-defined]
A, ST, S, C, SRC = AGGREGATE.c, STATISTIC.c, SCORE.c, CLAIM.c, SOURCE.c


@dataclass(frozen=True)
class AggregateFilter(Filter):
    years: Years | None = None
    cohorts: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    statistics: tuple[str, ...] = ()

    PARAMS: ClassVar[dict[str, Param]] = {
        "year": YEARS, "cohort": enums(COHORTS, "Cohorts"),
        "indicator": codes_param("Indicator codes"),
        "statistic": enums(STATISTICS, "Statistics")}
    FIELDS: ClassVar[dict[str, str]] = {"year": "years", "cohort": "cohorts",
                                        "indicator": "indicators", "statistic": "statistics"}


def list_aggregates(ctx: QueryContext, f: AggregateFilter,
                    page: PageRequest) -> Page[pub.Aggregate]:
    where: list[ColumnElement[bool]] = [f.years.clause(A.year)] if f.years else []
    for values, column in ((f.cohorts, A.cohort), (f.indicators, A.indicator_code),
                           (f.statistics, A.statistic)):
        if values:
            where.append(column.in_(values))
    stmt = select(AGGREGATE).where(and_(*where)) if where else select(AGGREGATE)
    keys = [SortKey(A.year), SortKey(A.cohort), SortKey(A.indicator_code),
            SortKey(A.statistic)]
    raw = paginate(ctx, f"aggregates|{f}", stmt, keys, page, dict)
    claims = claims_for(ctx.conn, "aggregate", [r["id"] for r in raw.items])
    items: list[pub.Aggregate] = []
    for r in raw.items:
        sources, conflicts = split_claims(claims[r["id"]])
        items.append({"id": r["id"], "year": r["year"], "cohort": r["cohort"],
                      "indicator": r["indicator_code"], "statistic": r["statistic"],
                      "value": r["value"], "value_text": r["value_text"],
                      "qualifier": r["qualifier"], "conflict_status": r["conflict_status"],
                      "note": r["note"], "source_id": r["source_id"], "sources": sources,
                      "conflicts": conflicts})
    return raw.with_items(items)


@dataclass(frozen=True)
class StatisticFilter(Filter):
    entities: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    dated: bool | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        "entity": codes_param("Entity codes"), "metric": codes_param("Metric codes"),
        "from": DATE_FROM, "to": DATE_TO,
        "dated": flag("Only dated (true) or undated (false) rows")}
    FIELDS: ClassVar[dict[str, str]] = {"entity": "entities", "metric": "metrics",
                                        "from": "date_from", "to": "date_to"}


STATISTIC_KEYS = ("id", "entity_code", "entity_name_vi", "entity_name_en",
                  "entity_name_published", "metric", "unit", "as_of", "period_start",
                  "period_end", "value", "value_text", "rank_basis", "qualifier", "source_id",
                  "note")
ENTITY: Table = t.Entity.__table__  # type: ignore[attr-defined]
# The entity's names, and the name the source printed (which may differ: a merged unit).
_STATISTIC_COLUMNS = (ST.id, ST.entity_code, ENTITY.c.name_vi, ENTITY.c.name_en,
                      ST.entity_name, ST.metric, ST.unit, ST.as_of, ST.period_start,
                      ST.period_end, ST.value, ST.value_text, ST.rank_basis, ST.qualifier,
                      ST.source_id, ST.note)


def _statistic_select() -> Any:
    return select(*_STATISTIC_COLUMNS).join(ENTITY, ENTITY.c.code == ST.entity_code)


def _statistic(r: Any) -> pub.Statistic:
    values = r.values() if hasattr(r, "values") else r
    return dict(zip(STATISTIC_KEYS, values, strict=False))  # type: ignore[return-value]


def list_statistics(ctx: QueryContext, f: StatisticFilter,
                    page: PageRequest) -> Page[pub.Statistic]:
    """Statistics; a date range keeps only dated rows whose reference date falls in it."""
    where: list[ColumnElement[bool]] = []
    if f.entities:
        where.append(ST.entity_code.in_(f.entities))
    if f.metrics:
        where.append(ST.metric.in_(f.metrics))
    if f.date_from:
        where.append(ST.ref_date >= f.date_from)
    if f.date_to:  # a partial date compares as its first day: 2021-05 <= 2021-05-31
        where.append(ST.ref_date <= f.date_to)
    if f.dated is not None:
        where.append(ST.ref_date.is_not(None) if f.dated else ST.ref_date.is_(None))
    stmt = _statistic_select().where(and_(True, *where))
    return paginate(ctx, f"statistics|{f}", stmt, [SortKey(ST.id)], page, _statistic)


@dataclass(frozen=True)
class CoverageFilter(Filter):
    years: Years | None = None
    cohorts: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()

    PARAMS: ClassVar[dict[str, Param]] = {
        "year": YEARS, "cohort": enums(COHORTS, "Cohorts"),
        "indicator": codes_param("Indicator codes")}
    FIELDS: ClassVar[dict[str, str]] = {"year": "years", "cohort": "cohorts",
                                        "indicator": "indicators"}


@dataclass(frozen=True)
class SourceFilter(Filter):
    tier: str | None = None

    PARAMS: ClassVar[dict[str, Param]] = {"tier": enum(TIERS, "Source tier")}


COVERAGE: Table = t.Coverage.__table__  # type: ignore[attr-defined]
CV = COVERAGE.c
COVERAGE_COLUMNS = (CV.year, CV.cohort, CV.indicator_code, CV.cohort_size,
                    CV.cohort_size_basis, CV.with_value, CV.with_rank, CV.with_computed_rank,
                    CV.figures, CV.unresolved)
COVERAGE_KEYS = ("year", "cohort", "indicator", "cohort_size", "cohort_size_basis",
                 "with_value", "with_rank", "with_computed_rank", "figures", "unresolved")


def coverage(ctx: QueryContext, f: CoverageFilter, page: PageRequest) -> Page[pub.Coverage]:
    """Derived at load time, combinations without a figure included (as zeros)."""
    where: list[ColumnElement[bool]] = []
    if f.years:
        where.append(f.years.clause(CV.year))
    if f.cohorts:
        where.append(CV.cohort.in_(f.cohorts))
    if f.indicators:
        where.append(CV.indicator_code.in_(f.indicators))
    stmt = select(*COVERAGE_COLUMNS).where(and_(True, *where))
    keys = [SortKey(CV.year), SortKey(CV.cohort), SortKey(CV.indicator_code)]
    return paginate(ctx, f"coverage|{f}", stmt, keys, page,
                    lambda r: cast(pub.Coverage, dict(zip(COVERAGE_KEYS, r.values(),
                                                          strict=False))))


SOURCE_KEYS = ("id", "url", "title", "publisher", "published_date", "language", "tier",
               "tier_reason", "figure_count")


def _source(r: Any) -> pub.Source:
    """From a row mapping (paged lists) or a plain row in SOURCE_KEYS order."""
    values = r.values() if hasattr(r, "values") else r
    return dict(zip(SOURCE_KEYS, values, strict=False))  # type: ignore[return-value]


def _source_select() -> Any:
    return select(*(SRC[k] for k in SOURCE_KEYS))


def list_sources(ctx: QueryContext, f: SourceFilter, page: PageRequest) -> Page[pub.Source]:
    stmt = _source_select()
    if f.tier:
        stmt = stmt.where(SRC.tier == f.tier)
    found = paginate(ctx, f"sources|{f.tier}", stmt, [SortKey(SRC.id)], page, _source)
    figures = figures_of_sources(ctx.conn, [s["id"] for s in found.items])
    for item in found.items:
        item["figures"] = figures[item["id"]]
    return found


def get_source(ctx: QueryContext, source_id: str) -> pub.Source:
    """A source with every figure it supports or contradicts."""
    row = ctx.conn.execute(_source_select().where(SRC.id == source_id)).first()
    if row is None:
        raise not_found(f"no source with id {source_id!r}")
    item = _source(row._mapping)
    item["figures"] = figures_of_sources(ctx.conn, [source_id])[source_id]
    return item


def figures_of_sources(conn: Any, ids: list[str]) -> dict[str, list[pub.FigureRef]]:
    """Every figure each source supports or contradicts: scores, aggregates, statistics."""
    out: dict[str, list[pub.FigureRef]] = {i: [] for i in ids}
    if not ids:
        return out
    for r in conn.execute(
            select(C.source_id, S.id, S.year, S.entity_code, S.cohort, S.indicator_code,
                   C.value_text, C.rank, C.agrees)
            .join(CLAIM, and_(C.figure_kind == "score", C.figure_id == S.id))
            .where(C.source_id.in_(ids)).order_by(C.source_id, S.id)):
        out[r.source_id].append({
            "kind": "score", "id": r.id, "year": r.year, "entity_code": r.entity_code,
            "cohort": r.cohort, "indicator": r.indicator_code, "statistic": None,
            "metric": None, "value_text": r.value_text, "rank": r.rank,
            "agrees": bool(r.agrees)})
    for r in conn.execute(
            select(C.source_id, A.id, A.year, A.cohort, A.indicator_code, A.statistic,
                   C.value_text, C.agrees)
            .join(CLAIM, and_(C.figure_kind == "aggregate", C.figure_id == A.id))
            .where(C.source_id.in_(ids)).order_by(C.source_id, A.id)):
        out[r.source_id].append({
            "kind": "aggregate", "id": r.id, "year": r.year, "entity_code": None,
            "cohort": r.cohort, "indicator": r.indicator_code, "statistic": r.statistic,
            "metric": None, "value_text": r.value_text, "rank": None,
            "agrees": bool(r.agrees)})
    for r in conn.execute(
            select(ST.source_id, ST.id, ST.entity_code, ST.metric, ST.value_text)
            .where(ST.source_id.in_(ids)).order_by(ST.source_id, ST.id)):
        out[r.source_id].append({
            "kind": "statistic", "id": r.id, "year": None, "entity_code": r.entity_code,
            "cohort": None, "indicator": None, "statistic": None, "metric": r.metric,
            "value_text": r.value_text, "rank": None, "agrees": True})
    return out


def statistics_for(conn: Any, codes: list[str]) -> dict[str, list[pub.Statistic]]:
    """Every statistic of many entities in one query."""
    out: dict[str, list[pub.Statistic]] = {c: [] for c in codes}
    for r in conn.execute(_statistic_select().where(ST.entity_code.in_(codes))
                          .order_by(ST.id)).all():
        out[r[1]].append(_statistic(r))
    return out


_SOURCES_BY_ID = _source_select().where(SRC.id.in_(bindparam("keys", expanding=True)))


def sources_by_id(conn: Any, ids: list[str]) -> dict[str, pub.Source]:
    return {r[0]: _source(r) for r in fetch_rows(conn, _SOURCES_BY_ID, keys=ids)}
