"""The method behind the scores: each edition's weights and their check (derived at load
time, seed/weights.py), and the rank-stability analysis (seed/stability.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, and_, select

from api.services.context import YEARS, QueryContext, Years
from api.services.paging import Page, PageRequest, SortKey, paginate
from api.services.params import Filter, Param, enums
from models import method as m
from models import method_public as mp
from models import tables as t
from models.vocab import COHORTS

WEIGHT: Table = m.FrameworkWeight.__table__  # type: ignore[attr-defined]
CHECK: Table = m.WeightCheck.__table__  # type: ignore[attr-defined]
ANALYSIS: Table = m.StabilityAnalysis.__table__  # type: ignore[attr-defined]
STABILITY: Table = m.RankStability.__table__  # type: ignore[attr-defined]
INDICATOR: Table = t.Indicator.__table__  # type: ignore[attr-defined]
ENTITY: Table = t.Entity.__table__  # type: ignore[attr-defined]
W, CK, AN, ST, IND, E = WEIGHT.c, CHECK.c, ANALYSIS.c, STABILITY.c, INDICATOR.c, ENTITY.c
STABILITY_METHOD = (
    "Each weight of the edition's main indicators times a factor drawn uniformly from "
    "1 ± spread, independently, renormalised; every DTI recomputed from the published main "
    "indicators, rounded to the table's precision and ranked (standard competition ranking); "
    "over `draws` draws from a Mersenne Twister seeded with `seed`: the median rank and the "
    "5th-95th percentile interval (nearest rank). Shares: first-order Var(E[rank | factor]) "
    "/ Var(rank), over `bins` bins of the draws sorted by the factor; the cohort's weight each "
    "entity by its rank variance. Derived by this project; not a published figure.")


def edition_weights(conn: Connection, framework_id: str
                    ) -> tuple[list[mp.IndicatorWeight], str | None]:
    """An edition's weights in its order, and how they are known (None: no weights)."""
    rows = conn.execute(select(W.indicator_code, W.points, W.share, W.basis)
                        .where(W.framework_id == framework_id).order_by(W.position)).all()
    return ([{"indicator": c, "points": p, "weight": s} for c, p, s, _ in rows],
            rows[0][3] if rows else None)


def framework_methods(conn: Connection) -> dict[str, mp.FrameworkMethod]:
    """Every edition's method, where its weights or pillars' shares are known."""
    weights: dict[str, list[mp.IndicatorWeight]] = defaultdict(list)
    bases: dict[str, str] = {}
    for fid, code, points, share, basis in conn.execute(
            select(W.framework_id, W.indicator_code, W.points, W.share, W.basis)
            .order_by(W.framework_id, W.position)):
        weights[fid].append({"indicator": code, "points": points, "weight": share})
        bases[fid] = basis
    checks: dict[str, list[mp.WeightCheck]] = defaultdict(list)
    for fid, year, cohort, n, size, deviation, worst, tolerance in conn.execute(
            select(CK.framework_id, CK.year, CK.cohort, CK.rows_checked, CK.cohort_size,
                   CK.max_deviation, CK.worst_entity, CK.tolerance)
            .order_by(CK.framework_id, CK.year, CK.cohort)):
        checks[fid].append({"year": year, "cohort": cohort, "rows_checked": n,
                            "cohort_size": size, "max_deviation": deviation,
                            "worst_entity": worst, "tolerance": tolerance})
    pillars: dict[str, list[mp.PillarWeight]] = defaultdict(list)
    for fid, code, points, weight, source in conn.execute(
            select(IND.framework_id, IND.code, IND.max_points, IND.weight, IND.source_id)
            .where(IND.kind == "pillar", (IND.max_points.is_not(None))
                   | (IND.weight.is_not(None))).order_by(IND.id)):
        pillars[fid].append({"indicator": code, "points": points, "weight": weight,
                             "source_id": source})
    return {fid: {"weights_basis": bases.get(fid),
                  "total_points": sum(w["points"] for w in weights[fid]) or None,
                  "weights": weights[fid], "checks": checks[fid], "pillars": pillars[fid]}
            for fid in sorted(set(weights) | set(pillars))}


@dataclass(frozen=True)
class StabilityFilter(Filter):
    years: Years | None = None
    cohorts: tuple[str, ...] = ()

    PARAMS: ClassVar[dict[str, Param]] = {"year": YEARS, "cohort": enums(COHORTS, "Cohorts")}
    FIELDS: ClassVar[dict[str, str]] = {"year": "years", "cohort": "cohorts"}


def _where(f: StabilityFilter, year: Any, cohort: Any) -> Any:
    where = [f.years.clause(year)] if f.years else []
    if f.cohorts:
        where.append(cohort.in_(f.cohorts))
    return and_(True, *where)


def _analysis(r: Any) -> mp.StabilityAnalysis:
    (year, cohort, framework, draws, spread, seed, bins, precision, shares, driver) = r
    return {"year": year, "cohort": cohort, "framework_id": framework, "draws": draws,
            "spread": spread, "seed": seed, "bins": bins, "precision": precision,
            "shares": json.loads(shares), "driver": driver}


def _entry(r: Any) -> mp.StabilityEntry:
    return {"year": r["year"], "cohort": r["cohort"], "entity_code": r["entity_code"],
            "entity_name_vi": r["name_vi"], "entity_name_en": r["name_en"], "rank": r["rank"],
            "recomputed_rank": r["recomputed_rank"], "rank_median": r["rank_median"],
            "rank_interval": [r["rank_p05"], r["rank_p95"]], "driver": r["driver"],
            "driver_share": r["driver_share"]}


def stability(ctx: QueryContext, f: StabilityFilter, page: PageRequest
              ) -> tuple[Page[mp.StabilityEntry], mp.StabilityMeta]:
    """Each entity's rank over perturbed weights, with every analysis's parameters."""
    stmt = (select(ST.year, ST.cohort, ST.entity_code, E.name_vi, E.name_en, ST.rank,
                   ST.recomputed_rank, ST.rank_median, ST.rank_p05, ST.rank_p95, ST.driver,
                   ST.driver_share, ST.position)
            .join(ENTITY, E.code == ST.entity_code).where(_where(f, ST.year, ST.cohort)))
    keys = [SortKey(ST.year), SortKey(ST.cohort), SortKey(ST.position)]
    found = paginate(ctx, f"stability|{f}", stmt, keys, page, _entry)
    analyses = [_analysis(tuple(r)) for r in ctx.conn.execute(
        select(AN.year, AN.cohort, AN.framework_id, AN.draws, AN.spread, AN.seed, AN.bins,
               AN.precision, AN.shares, AN.driver)
        .where(_where(f, AN.year, AN.cohort)).order_by(AN.year, AN.cohort))]
    return found, {"total": found.total, "method": STABILITY_METHOD, "analyses": analyses}
