"""Published figures: scores in long format, claims, and per-entity series."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Connection, Table, and_, bindparam, select, true

from api.errors import not_found
from api.services.context import YEARS, QueryContext, Years
from api.services.driver import fetch_rows
from api.services.paging import Page, PageRequest, SortKey, paginate
from api.services.params import Filter, Param, codes_param, enums, flag, items
from models import public as pub
from models import tables as t
from models.vocab import COHORTS, KINDS

SCORE: Table = t.Score.__table__  # type: ignore[attr-defined]
ENTITY: Table = t.Entity.__table__  # type: ignore[attr-defined]
COHORT: Table = t.Cohort.__table__  # type: ignore[attr-defined]
COHORT_YEAR: Table = t.CohortYear.__table__  # type: ignore[attr-defined]
CY = COHORT_YEAR.c
IN_YEAR = and_(CY.cohort == SCORE.c.cohort, CY.year == SCORE.c.year)  # the year's size
CLAIM: Table = t.Claim.__table__  # type: ignore[attr-defined]
SOURCE: Table = t.Source.__table__  # type: ignore[attr-defined]

S, E = SCORE.c, ENTITY.c
DEFAULT_INDICATOR = "DTI"  # the index itself, where a request names no indicator
SCORE_SORTS: dict[str, SortKey] = {
    "year": SortKey(S.year), "-year": SortKey(S.year, True),
    "rank": SortKey(S.rank, nullable=True), "-rank": SortKey(S.rank, True, nullable=True),
    "value": SortKey(S.value, nullable=True), "-value": SortKey(S.value, True, nullable=True),
    "entity": SortKey(S.entity_code), "-entity": SortKey(S.entity_code, True),
    "indicator": SortKey(S.indicator_code), "-indicator": SortKey(S.indicator_code, True),
}
DEFAULT_SCORE_SORT = ("year", "entity", "indicator")


def parse_sort(value: str | list[str]) -> tuple[str, ...]:
    """Sort keys in order ('-' for descending); one message for an unknown key."""
    keys = tuple(k.strip() for k in items(value))
    for name in keys:
        if name not in SCORE_SORTS:
            raise ValueError(f"unknown sort key {name!r}; use one of "
                             f"{', '.join(sorted(SCORE_SORTS))}")
    return keys


_SORT_ITEM = "(" + "|".join(k.replace("-", r"\-") for k in sorted(SCORE_SORTS)) + ")"
SORT = Param(parse_sort, "Comma-separated keys, '-' for descending: "
             + ", ".join(sorted(SCORE_SORTS)) + f" (default {','.join(DEFAULT_SCORE_SORT)}).",
             {"type": "string", "pattern": f"^{_SORT_ITEM}(,{_SORT_ITEM}){{0,9}}$"})


@dataclass(frozen=True)
class ScoreFilter(Filter):
    years: Years | None = None
    entities: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    has_value: bool | None = None
    has_rank: bool | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        "year": YEARS, "entity": codes_param("Entity codes"),
        "kind": enums(KINDS, "Entity kinds"), "cohort": enums(COHORTS, "Cohorts"),
        "indicator": codes_param("Indicator codes"),
        "has_value": flag("Only figures with (true) / without a value"),
        "has_rank": flag("Only figures with (true) / without a rank")}
    FIELDS: ClassVar[dict[str, str]] = {"year": "years", "entity": "entities", "kind": "kinds",
                                        "cohort": "cohorts", "indicator": "indicators"}


@dataclass(frozen=True)
class SeriesFilter(Filter):
    indicators: tuple[str, ...] = ()
    years: Years | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        "indicator": codes_param("Indicator codes (default DTI)"), "year": YEARS}
    FIELDS: ClassVar[dict[str, str]] = {"year": "years", "indicator": "indicators"}


def score_sort_keys(sort: Iterable[str]) -> list[SortKey]:
    return [*(SCORE_SORTS[name] for name in sort), SortKey(S.id)]


def score_where(f: ScoreFilter) -> ColumnElement[bool]:
    """The filter as a condition on the score table alone."""
    where: list[ColumnElement[bool]] = []
    if f.years:
        where.append(f.years.clause(S.year))
    for values, column in ((f.entities, S.entity_code), (f.cohorts, S.cohort),
                           (f.indicators, S.indicator_code)):
        if values:
            where.append(column.in_(values))
    if f.kinds:
        where.append(S.entity_code.in_(select(E.code).where(E.kind.in_(f.kinds))))
    if f.has_value is not None:
        where.append(S.value.is_not(None) if f.has_value else S.value.is_(None))
    if f.has_rank is not None:
        where.append(S.rank.is_not(None) if f.has_rank else S.rank.is_(None))
    return and_(true(), *where)


def score_select(f: ScoreFilter) -> Any:
    return (select(S.id, S.year, S.entity_code, S.indicator_code, S.cohort, S.value,
                   S.value_text, S.rank, S.rank_basis, S.qualifier, S.conflict_status, S.note,
                   S.source_id, S.has_conflict, S.source_ids, E.name_vi, E.name_en, E.kind, CY.size)
            .join(ENTITY, E.code == S.entity_code).join(COHORT_YEAR, IN_YEAR)
            .where(score_where(f)))


def claims_for(conn: Connection, kind: str, ids: list[int]) -> dict[int, list[tuple[bool,
                                                                                    pub.Claim]]]:
    """All claims of the given figures in one query, in a stable order."""
    out: dict[int, list[tuple[bool, pub.Claim]]] = defaultdict(list)
    if not ids:
        return out
    c = CLAIM.c
    rows = conn.execute(
        select(c.figure_id, c.agrees, c.source_id, SOURCE.c.url, SOURCE.c.publisher,
               SOURCE.c.tier, c.value, c.value_text, c.rank, c.rank_basis, c.qualifier, c.note)
        .join(SOURCE, SOURCE.c.id == c.source_id)
        .where(c.figure_kind == kind, c.figure_id.in_(ids))
        .order_by(c.figure_id, c.id)).all()  # claim ids follow tier, then source id
    for r in rows:
        out[r.figure_id].append((bool(r.agrees), {
            "source_id": r.source_id, "url": r.url, "publisher": r.publisher, "tier": r.tier,
            "value": r.value, "value_text": r.value_text, "rank": r.rank,
            "rank_basis": r.rank_basis, "qualifier": r.qualifier, "note": r.note}))
    return out


def split_claims(claims: list[tuple[bool, pub.Claim]]) -> tuple[list[pub.Claim],
                                                                list[pub.Claim]]:
    return [c for ok, c in claims if ok], [c for ok, c in claims if not ok]


def to_score(r: Mapping[Any, Any], claims: list[tuple[bool, pub.Claim]]) -> pub.Score:
    sources, conflicts = split_claims(claims)
    return {"id": r["id"], "year": r["year"], "entity_code": r["entity_code"],
            "entity_name_vi": r["name_vi"], "entity_name_en": r["name_en"],
            "entity_kind": r["kind"], "indicator": r["indicator_code"], "cohort": r["cohort"],
            "cohort_size": r["size"], "value": r["value"], "value_text": r["value_text"],
            "rank": r["rank"], "rank_basis": r["rank_basis"], "qualifier": r["qualifier"],
            "conflict_status": r["conflict_status"], "note": r["note"],
            "source_id": r["source_id"], "sources": sources, "conflicts": conflicts}


def with_claims(conn: Connection, page: Page[Any]) -> Page[pub.Score]:
    claims = claims_for(conn, "score", [r["id"] for r in page.items])
    return page.with_items([to_score(r, claims[r["id"]]) for r in page.items])


def list_scores(ctx: QueryContext, f: ScoreFilter, sort: tuple[str, ...],
                page: PageRequest) -> Page[pub.Score]:
    keys = score_sort_keys(sort or DEFAULT_SCORE_SORT)
    scope = f"scores|{f}|{','.join(sort)}"
    raw = paginate(ctx, scope, score_select(f), keys, page, dict)
    return with_claims(ctx.conn, raw)


def entity_exists(conn: Connection, code: str) -> None:
    if conn.execute(select(E.code).where(E.code == code)).first() is None:
        raise not_found(f"no entity with code {code!r}")


def _point(r: Mapping[Any, Any]) -> pub.SeriesPoint:
    """A series point; its sources are the agreeing claims, summarised on the score row."""
    return {"year": r["year"], "indicator": r["indicator_code"], "cohort": r["cohort"],
            "value": r["value"], "value_text": r["value_text"], "rank": r["rank"],
            "rank_basis": r["rank_basis"], "qualifier": r["qualifier"],
            "cohort_size": r["size"], "source_ids": r["source_ids"].split(";")
            if r["source_ids"] else [], "has_conflict": bool(r["has_conflict"]),
            "conflict_status": r["conflict_status"]}


SERIES_ORDER = (S.indicator_code, S.year, S.cohort, S.id)


def entity_series(ctx: QueryContext, code: str, series: SeriesFilter,
                  page: PageRequest) -> Page[pub.SeriesPoint]:
    """One entity's figures over time, oldest first."""
    entity_exists(ctx.conn, code)
    f = ScoreFilter(years=series.years, entities=(code,),
                    indicators=series.indicators or (DEFAULT_INDICATOR,))
    keys = [SortKey(c) for c in SERIES_ORDER]
    scope = f"series|{code}|{f}"
    return paginate(ctx, scope, score_select(f), keys, page, _point)


def _rows(conn: Connection, f: ScoreFilter, *order: Any) -> list[Mapping[Any, Any]]:
    return [r._mapping for r in conn.execute(score_select(f).order_by(*order))]


_SERIES = (select(S.entity_code, S.year, S.indicator_code, S.cohort, S.value, S.value_text,
                  S.rank, S.rank_basis, S.qualifier, CY.size, S.has_conflict, S.source_ids,
                  S.conflict_status)
           .join(COHORT_YEAR, IN_YEAR)
           .where(S.entity_code.in_(bindparam("keys", expanding=True)),
                  S.indicator_code.in_(bindparam("indicators", expanding=True)))
           .order_by(S.entity_code, *SERIES_ORDER))


def series_for(conn: Connection, codes: list[str],
               series: SeriesFilter) -> dict[str, list[pub.SeriesPoint]]:
    """The series of many entities in one query (for batched GraphQL fields)."""
    rows = fetch_rows(conn, _SERIES, keys=codes,
                      indicators=series.indicators or (DEFAULT_INDICATOR,))
    years = series.years
    out: dict[str, list[pub.SeriesPoint]] = defaultdict(list)
    for (code, year, indicator, cohort, value, text, rank, basis, qualifier, size, conflict,
         sources, status) in rows:
        if years is not None and not years.includes(year):
            continue
        out[code].append({"year": year, "indicator": indicator, "cohort": cohort,
                          "value": value, "value_text": text, "rank": rank,
                          "rank_basis": basis, "qualifier": qualifier, "cohort_size": size,
                          "source_ids": sources.split(";") if sources else [],
                          "has_conflict": bool(conflict), "conflict_status": status})
    return out


def scores_for_entities(conn: Connection, codes: list[str],
                        f: ScoreFilter) -> dict[str, list[pub.Score]]:
    rows = _rows(conn, ScoreFilter(f.years, tuple(codes), (), (), f.indicators),
                 S.year, S.indicator_code, S.cohort, S.id)
    claims = claims_for(conn, "score", [r["id"] for r in rows])
    out: dict[str, list[pub.Score]] = defaultdict(list)
    for r in rows:
        out[r["entity_code"]].append(to_score(r, claims[r["id"]]))
    return out


def scores_by_ids(conn: Connection, ids: list[int]) -> dict[int, pub.Score]:
    rows = [r._mapping for r in conn.execute(score_select(ScoreFilter()).where(S.id.in_(ids)))]
    claims = claims_for(conn, "score", [r["id"] for r in rows])
    return {r["id"]: to_score(r, claims[r["id"]]) for r in rows}


def scores_by_keys(conn: Connection, keys: list[tuple[int, str, str, str]]
                   ) -> dict[tuple[int, str, str, str], pub.Score]:
    """Scores by (year, cohort, indicator, entity), e.g. the previous year's figures."""
    if not keys:
        return {}
    f = ScoreFilter(years=Years(tuple(sorted({k[0] for k in keys}))),
                    cohorts=tuple(sorted({k[1] for k in keys})),
                    indicators=tuple(sorted({k[2] for k in keys})),
                    entities=tuple(sorted({k[3] for k in keys})))
    rows = _rows(conn, f, S.id)
    claims = claims_for(conn, "score", [r["id"] for r in rows])
    found = {(r["year"], r["cohort"], r["indicator_code"], r["entity_code"]):
             to_score(r, claims[r["id"]]) for r in rows}
    return {k: found[k] for k in keys if k in found}


FigureKey = tuple[int, str, str, str]  # year, cohort, indicator, entity


def previous_figures(conn: Connection, keys: list[FigureKey]) -> dict[FigureKey, pub.Score]:
    """The same entity's figure in the previous edition, for many figures at once."""
    before = scores_by_keys(conn, [(y - 1, c, i, e) for y, c, i, e in keys])
    return {(y, c, i, e): before[y - 1, c, i, e] for y, c, i, e in keys
            if (y - 1, c, i, e) in before}


def scores_by_source(conn: Connection, source_ids: list[str]) -> dict[str, list[pub.Score]]:
    """Every score each source gives (agreeing or conflicting), in id order."""
    ids: dict[str, list[int]] = defaultdict(list)
    for r in conn.execute(select(CLAIM.c.source_id, CLAIM.c.figure_id)
                          .where(CLAIM.c.figure_kind == "score",
                                 CLAIM.c.source_id.in_(source_ids))
                          .order_by(CLAIM.c.source_id, CLAIM.c.figure_id)):
        ids[r.source_id].append(r.figure_id)
    found = scores_by_ids(conn, sorted({i for v in ids.values() for i in v}))
    return {s: [found[i] for i in ids.get(s, []) if i in found] for s in source_ids}
