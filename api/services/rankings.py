"""Rankings: one cohort, year and indicator in rank order, with year-on-year change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from api.errors import invalid, not_found
from api.services.context import QueryContext
from api.services.paging import Page, PageRequest, paginate_list
from api.services.scores import COHORT, ENTITY, SCORE, claims_for
from models import public as pub
from models import tables as t

S, E = SCORE.c, ENTITY.c
MEMBER_TABLE = t.CohortMember.__table__  # type: ignore[attr-defined]
MEMBER = MEMBER_TABLE.c
MERGER_YEAR = 2025  # the 34-province cohort is the default from this edition on


def default_cohort(year: int) -> str:
    return "provinces-63" if year < MERGER_YEAR else "provinces-34"


@dataclass(frozen=True)
class RankingMeta:
    year: int
    indicator: str
    cohort: str
    cohort_size: int
    members_listed: int
    ranked: int
    with_value: int
    complete: bool
    previous_year: int
    previous_available: bool


def _figures(conn: Connection, year: int, cohort: str, indicator: str) -> dict[str, Any]:
    rows = conn.execute(
        select(S.id, S.entity_code, S.value, S.value_text, S.rank, S.has_conflict)
        .where(S.year == year, S.cohort == cohort, S.indicator_code == indicator)).all()
    return {r.entity_code: r for r in rows}


def ranking(ctx: QueryContext, year: int, indicator: str, cohort: str | None,
            page: PageRequest) -> tuple[Page[pub.RankingEntry], RankingMeta]:
    conn = ctx.conn
    cohort = cohort or default_cohort(year)
    size = conn.execute(select(COHORT.c.size).where(COHORT.c.code == cohort)).scalar()
    if size is None:
        raise invalid("cohort", f"unknown cohort {cohort!r}")
    current = _figures(conn, year, cohort, indicator)
    if not current:
        raise not_found(f"no published {indicator} figures for cohort {cohort} in {year}")
    previous = _figures(conn, year - 1, cohort, indicator)
    members = conn.execute(
        select(E.code, E.name_vi, E.name_en).join(MEMBER_TABLE, MEMBER.entity_code == E.code)
        .where(MEMBER.cohort == cohort)).all()
    names = {m.code: (m.name_vi, m.name_en) for m in members}
    extra = [c for c in current if c not in names]
    if extra:
        names.update({r.code: (r.name_vi, r.name_en) for r in conn.execute(
            select(E.code, E.name_vi, E.name_en).where(E.code.in_(extra))).all()})
    claims = claims_for(conn, "score", [r.id for r in current.values()])

    def entry(code: str) -> pub.RankingEntry:
        now, before = current.get(code), previous.get(code)
        rank = now.rank if now else None
        value = now.value if now else None
        prev_rank = before.rank if before else None
        prev_value = before.value if before else None
        return {
            "rank": rank, "entity_code": code, "entity_name_vi": names[code][0],
            "entity_name_en": names[code][1], "value": value,
            "value_text": now.value_text if now else None, "previous_rank": prev_rank,
            "rank_change": prev_rank - rank if rank and prev_rank else None,
            "previous_value": prev_value,
            "value_change": round(value - prev_value, 6)
            if value is not None and prev_value is not None else None,
            "has_conflict": bool(now.has_conflict) if now else False,
            "source_ids": [c["source_id"] for ok, c in claims[now.id] if ok] if now else [],
        }

    def order(code: str) -> tuple[int, float, str]:
        now = current.get(code)
        if now is not None and now.rank is not None:
            return (0, now.rank, code)
        if now is not None and now.value is not None:
            return (1, -now.value, code)
        return (2, 0.0, code)

    entries = [entry(code) for code in sorted(names, key=order)]
    meta = RankingMeta(
        year=year, indicator=indicator, cohort=cohort, cohort_size=size,
        members_listed=len(entries), ranked=sum(1 for e in entries if e["rank"] is not None),
        with_value=sum(1 for e in entries if e["value"] is not None),
        complete=sum(1 for e in entries if e["rank"] is not None) >= size,
        previous_year=year - 1, previous_available=bool(previous))
    scope = f"rankings|{year}|{indicator}|{cohort}"
    return paginate_list(ctx.codec, scope, entries, lambda e: e["entity_code"], page), meta
