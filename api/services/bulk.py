"""Whole tables no paged collection serves as such: every ranking entry of every edition,
every claim, the cohorts, and a panel of entities by year for statistics packages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Table, and_, func, select

from api.services.rankings import EN, ENTRY, ENTRY_COLUMNS, RANKING, R, to_entry
from api.services.scores import CLAIM, COHORT, ENTITY, SCORE
from models import public as pub
from models import tables as t
from models.vocab import DTI_COHORTS

MEMBER: Table = t.CohortMember.__table__  # type: ignore[attr-defined]
COVERAGE: Table = t.Coverage.__table__  # type: ignore[attr-defined]
FRAMEWORK: Table = t.Framework.__table__  # type: ignore[attr-defined]
INDICATOR: Table = t.Indicator.__table__  # type: ignore[attr-defined]
# The panel: the DTI and its three pillars, for the cohorts the DTI assesses.
PANEL_INDICATORS = ("DTI", "GOV", "ECO", "SOC")
PANEL_COHORTS = DTI_COHORTS
PANEL_COLUMNS = ("entity_code", "entity_name_vi", "entity_name_en", "entity_kind", "year",
                 "cohort", "cohort_size", "framework_id",
                 *(f"{i.lower()}_{p}" for i in PANEL_INDICATORS for p in ("value", "rank")))
CLAIM_COLUMNS = ("id", "figure_kind", "score_id", "aggregate_id", "source_id", "value",
                 "value_text", "rank", "agrees", "rank_basis", "qualifier", "note")
COHORT_COLUMNS = ("code", "level", "name_vi", "name_en", "size", "fixed", "members",
                  "source_id", "note")


def ranking_entries(conn: Connection) -> Iterator[pub.RankingEntry]:
    """Every entry of every ranking: by year, cohort, indicator, then rank order."""
    stmt = (select(*(EN[c] for c in ENTRY_COLUMNS), R.framework_id)
            .join(RANKING, and_(R.year == EN.year, R.cohort == EN.cohort,
                                R.indicator_code == EN.indicator_code))
            .order_by(EN.year, EN.cohort, EN.indicator_code, EN.position))
    for row in conn.execute(stmt):
        yield to_entry(tuple(row))


def ranking_entry_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(ENTRY)).scalar_one())


def claims(conn: Connection) -> Iterator[dict[str, Any]]:
    """What every source says about every score and aggregate, conflicts included."""
    c = CLAIM.c
    stmt = select(c.id, c.figure_kind, c.figure_id, c.source_id, c.value, c.value_text,
                  c.rank, c.agrees, c.rank_basis, c.qualifier, c.note).order_by(c.id)
    for (id_, kind, figure, source, value, text, rank, agrees, basis, qualifier,
         note) in conn.execute(stmt):
        yield {"id": id_, "figure_kind": kind,
               "score_id": figure if kind == "score" else None,
               "aggregate_id": figure if kind == "aggregate" else None,
               "source_id": source, "value": value, "value_text": text, "rank": rank,
               "agrees": bool(agrees), "rank_basis": basis, "qualifier": qualifier,
               "note": note}


def cohorts(conn: Connection) -> Iterator[dict[str, Any]]:
    """Each cohort with the number of entities listed as its members."""
    members: dict[str, int] = {cohort: int(n) for cohort, n in conn.execute(
        select(MEMBER.c.cohort, func.count()).group_by(MEMBER.c.cohort))}
    co = COHORT.c
    for code, level, vi, en, size, fixed, source, note in conn.execute(
            select(co.code, co.level, co.name_vi, co.name_en, co.size, co.fixed,
                   co.source_id, co.note).order_by(co.code)):
        yield {"code": code, "level": level, "name_vi": vi, "name_en": en, "size": size,
               "fixed": bool(fixed), "members": members.get(code, 0), "source_id": source,
               "note": note}


def _framework_of(frameworks: list[tuple[str, str, int | None, int | None]], level: str,
                  year: int) -> str | None:
    """The edition in force in `year` for `level` (as seed/coverage.py decides it)."""
    found = [(start or 0, fid) for fid, lvl, start, end in frameworks
             if lvl == level and (start or 0) <= year and (end is None or year <= end)]
    return max(found)[1] if found else None


def panel(conn: Connection, indicators: tuple[str, ...] = PANEL_INDICATORS,
          parts: tuple[str, ...] = ("value", "rank")) -> Iterator[dict[str, Any]]:
    """One row per member of each assessed cohort and each year the cohort was assessed:
    each indicator's published `parts` (value, rank, rank_basis) as columns named
    `<indicator>_<part>` in lower case, empty where nothing was published."""
    cv, e, s = COVERAGE.c, ENTITY.c, SCORE.c
    editions = conn.execute(
        select(cv.cohort, cv.year, cv.cohort_size)
        .where(cv.indicator_code == "DTI", cv.cohort.in_(PANEL_COHORTS))).all()
    members: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for cohort, code, vi, en, kind, level in conn.execute(
            select(MEMBER.c.cohort, e.code, e.name_vi, e.name_en, e.kind, e.level)
            .join(ENTITY, e.code == MEMBER.c.entity_code)
            .where(MEMBER.c.cohort.in_(PANEL_COHORTS)).order_by(e.code)):
        members.setdefault(cohort, []).append((code, vi, en, kind, level))
    figures = {(year, cohort, code, indicator): {"value": value, "rank": rank,
                                                 "rank_basis": basis}
               for year, cohort, code, indicator, value, rank, basis in conn.execute(
                   select(s.year, s.cohort, s.entity_code, s.indicator_code, s.value, s.rank,
                          s.rank_basis)
                   .where(s.indicator_code.in_(indicators), s.cohort.in_(PANEL_COHORTS)))}
    frameworks = [tuple(r) for r in conn.execute(
        select(FRAMEWORK.c.id, FRAMEWORK.c.level, FRAMEWORK.c.valid_from_year,
               FRAMEWORK.c.valid_to_year))]
    order = {c: i for i, c in enumerate(PANEL_COHORTS)}
    empty: dict[str, Any] = {}
    for cohort, year, size in sorted(editions, key=lambda r: (order[r[0]], r[1])):
        for code, vi, en, kind, level in members.get(cohort, []):
            row: dict[str, Any] = {
                "entity_code": code, "entity_name_vi": vi, "entity_name_en": en,
                "entity_kind": kind, "year": year, "cohort": cohort, "cohort_size": size,
                "framework_id": _framework_of(frameworks, level, year)}
            for indicator in indicators:
                found = figures.get((year, cohort, code, indicator), empty)
                for part in parts:
                    row[f"{indicator.lower()}_{part}"] = found.get(part)
            yield row


WIDE_PARTS = ("value", "rank", "rank_basis")
KIND_ORDER = ("root", "pillar", "main", "component", "criterion", "external")


def panel_indicators(conn: Connection) -> list[tuple[str, str, str]]:
    """Every indicator with a figure in an assessed cohort, index first, then pillars,
    main indicators and the rest: (code, name_en, name_vi), the first edition's names."""
    s, i = SCORE.c, INDICATOR.c
    used = {code for (code,) in conn.execute(
        select(s.indicator_code).where(s.cohort.in_(PANEL_COHORTS)).distinct())}
    found: dict[str, tuple[int, str, str, str]] = {}
    for code, kind, en, vi in conn.execute(
            select(i.code, i.kind, i.name_en, i.name_vi).order_by(i.id)):
        if code in used and code not in found:
            rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
            found[code] = (rank, code, en, vi)
    return [(code, en, vi) for _, code, en, vi in sorted(found.values())]


def wide_panel(conn: Connection, codes: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """The panel with every indicator in `codes`: value, rank and rank basis of each."""
    return panel(conn, codes, WIDE_PARTS)
