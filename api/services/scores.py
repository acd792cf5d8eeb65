"""Published figures: scores in long format, claims, and per-entity series."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, select

from api.errors import invalid, not_found
from api.services.context import QueryContext, Years
from api.services.paging import Page, PageRequest, SortKey, paginate
from models import public as pub
from models import tables as t

SCORE: Table = t.Score.__table__  # type: ignore[attr-defined]
ENTITY: Table = t.Entity.__table__  # type: ignore[attr-defined]
COHORT: Table = t.Cohort.__table__  # type: ignore[attr-defined]
CLAIM: Table = t.Claim.__table__  # type: ignore[attr-defined]
SOURCE: Table = t.Source.__table__  # type: ignore[attr-defined]

S, E = SCORE.c, ENTITY.c
SCORE_SORTS: dict[str, SortKey] = {
    "year": SortKey(S.year), "-year": SortKey(S.year, True),
    "rank": SortKey(S.rank, nullable=True), "-rank": SortKey(S.rank, True, nullable=True),
    "value": SortKey(S.value, nullable=True), "-value": SortKey(S.value, True, nullable=True),
    "entity": SortKey(S.entity_code), "-entity": SortKey(S.entity_code, True),
    "indicator": SortKey(S.indicator_code), "-indicator": SortKey(S.indicator_code, True),
}
DEFAULT_SCORE_SORT = ("year", "entity", "indicator")


@dataclass(frozen=True)
class ScoreFilter:
    years: Years | None = None
    entities: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    has_value: bool | None = None
    has_rank: bool | None = None
    include_synthetic: bool = False


def score_sort_keys(sort: Iterable[str]) -> list[SortKey]:
    keys = []
    for name in sort:
        if name not in SCORE_SORTS:
            raise invalid("sort", f"unknown sort key {name!r}; use one of "
                                  f"{', '.join(sorted(SCORE_SORTS))}")
        keys.append(SCORE_SORTS[name])
    return keys + [SortKey(S.id)]


def score_select(f: ScoreFilter) -> Any:
    stmt = (select(S.id, S.year, S.entity_code, S.indicator_code, S.cohort, S.value,
                   S.value_text, S.rank, S.note, S.has_conflict, E.name_vi, E.name_en, E.kind,
                   COHORT.c.size)
            .join(ENTITY, E.code == S.entity_code).join(COHORT, COHORT.c.code == S.cohort))
    where = []
    if f.years:
        where.append(f.years.clause(S.year))
    for values, column in ((f.entities, S.entity_code), (f.kinds, E.kind),
                           (f.cohorts, S.cohort), (f.indicators, S.indicator_code)):
        if values:
            where.append(column.in_(values))
    if f.has_value is not None:
        where.append(S.value.is_not(None) if f.has_value else S.value.is_(None))
    if f.has_rank is not None:
        where.append(S.rank.is_not(None) if f.has_rank else S.rank.is_(None))
    if not f.include_synthetic:
        where.append(S.synthetic.is_(False))
    return stmt.where(and_(*where)) if where else stmt


def claims_for(conn: Connection, kind: str, ids: list[int]) -> dict[int, list[tuple[bool,
                                                                                    pub.Claim]]]:
    """All claims of the given figures in one query, in a stable order."""
    out: dict[int, list[tuple[bool, pub.Claim]]] = defaultdict(list)
    if not ids:
        return out
    c = CLAIM.c
    rows = conn.execute(
        select(c.figure_id, c.agrees, c.source_id, SOURCE.c.url, SOURCE.c.publisher,
               SOURCE.c.tier, c.value, c.value_text, c.rank, c.note)
        .join(SOURCE, SOURCE.c.id == c.source_id)
        .where(c.figure_kind == kind, c.figure_id.in_(ids))
        .order_by(c.figure_id, SOURCE.c.tier_rank, c.source_id)).all()
    for r in rows:
        out[r.figure_id].append((bool(r.agrees), {
            "source_id": r.source_id, "url": r.url, "publisher": r.publisher, "tier": r.tier,
            "value": r.value, "value_text": r.value_text, "rank": r.rank, "note": r.note}))
    return out


def split_claims(claims: list[tuple[bool, pub.Claim]]) -> tuple[list[pub.Claim],
                                                                list[pub.Claim]]:
    return [c for ok, c in claims if ok], [c for ok, c in claims if not ok]


def to_score(r: Mapping[str, Any], claims: list[tuple[bool, pub.Claim]]) -> pub.Score:
    sources, conflicts = split_claims(claims)
    return {"id": r["id"], "year": r["year"], "entity_code": r["entity_code"],
            "entity_name_vi": r["name_vi"], "entity_name_en": r["name_en"],
            "entity_kind": r["kind"], "indicator": r["indicator_code"], "cohort": r["cohort"],
            "cohort_size": r["size"], "value": r["value"], "value_text": r["value_text"],
            "rank": r["rank"], "note": r["note"], "sources": sources, "conflicts": conflicts}


def with_claims(conn: Connection, page: Page[Mapping[str, Any]]) -> Page[pub.Score]:
    claims = claims_for(conn, "score", [r["id"] for r in page.items])
    return Page([to_score(r, claims[r["id"]]) for r in page.items], page.total,
                page.next_cursor)


def list_scores(ctx: QueryContext, f: ScoreFilter, sort: tuple[str, ...],
                page: PageRequest) -> Page[pub.Score]:
    keys = score_sort_keys(sort or DEFAULT_SCORE_SORT)
    scope = f"scores|{f}|{','.join(sort)}"
    raw = paginate(ctx.conn, ctx.codec, scope, score_select(f), keys, page, dict)
    return with_claims(ctx.conn, raw)


def entity_exists(conn: Connection, code: str) -> None:
    if conn.execute(select(E.code).where(E.code == code)).first() is None:
        raise not_found(f"no entity with code {code!r}")


def entity_series(ctx: QueryContext, code: str, indicators: tuple[str, ...],
                  years: Years | None, page: PageRequest) -> Page[pub.SeriesPoint]:
    """One entity's figures over time, oldest first."""
    entity_exists(ctx.conn, code)
    f = ScoreFilter(years=years, entities=(code,), indicators=indicators or ("DTI",))
    keys = [SortKey(S.indicator_code), SortKey(S.year), SortKey(S.cohort), SortKey(S.id)]
    scope = f"series|{code}|{f}"
    raw = paginate(ctx.conn, ctx.codec, scope, score_select(f), keys, page, dict)
    claims = claims_for(ctx.conn, "score", [r["id"] for r in raw.items])
    points: list[pub.SeriesPoint] = [
        {"year": r["year"], "indicator": r["indicator_code"], "cohort": r["cohort"],
         "value": r["value"], "value_text": r["value_text"], "rank": r["rank"],
         "cohort_size": r["size"], "has_conflict": bool(r["has_conflict"]),
         "source_ids": [c["source_id"] for ok, c in claims[r["id"]] if ok]}
        for r in raw.items]
    return Page(points, raw.total, raw.next_cursor)
