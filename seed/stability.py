"""How stable each rank is when the weights move, for every complete main-indicator table.

In the manner of the JRC's composite-indicator audits: each of the edition's weights is
multiplied by a factor drawn uniformly from 1 ± SPREAD, independently, the weights are
renormalised, every entity's DTI is recomputed from its published main indicators and
rounded to the table's precision, and the entities are ranked (standard competition
ranking). Over DRAWS draws each entity gets its median rank and its 5th-95th percentile
interval (nearest-rank percentiles). Which weight drives a rank's variance: the
first-order share Var(E[rank | factor_i]) / Var(rank), estimated by sorting the draws by
factor i into BINS equal bins; the cohort's shares weight each entity by its variance.

Deterministic: one seeded Mersenne Twister (the stdlib's `random`, whose sequence for a
seed is fixed), fixed orders, no hashing: the same tables give the same bytes.
"""

from __future__ import annotations

import json
import math
import random
from statistics import median

from models.ranks import competition_ranks, composite, decimals
from seed.weights import EditionWeights, Rows, complete_rows

DRAWS = 4000
SPREAD = 0.25
SEED = 20240
BINS = 20


def _percentile(ordered: list[int], q: float) -> int:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def _variance(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def _first_order(ranks: list[int], factor: list[float]) -> float:
    """Var(E[rank | factor]) estimated over BINS bins of the draws sorted by factor."""
    order = sorted(range(len(factor)), key=lambda k: (factor[k], k))
    size = len(order) // BINS
    means = [sum(ranks[k] for k in order[b * size:(b + 1) * size]) / size
             for b in range(BINS)]
    return _variance(means)


def analyse(entities: list[str], values: list[list[float]], points: list[float],
            precision: int) -> tuple[list[list[int]], list[list[float]]]:
    """The rank of every entity in every draw, and the factors drawn."""
    rng = random.Random(SEED)
    ranks: list[list[int]] = [[] for _ in entities]
    factors: list[list[float]] = [[] for _ in points]
    for _ in range(DRAWS):
        drawn = [1 + SPREAD * (2 * rng.random() - 1) for _ in points]
        weights = [w * f for w, f in zip(points, drawn, strict=True)]
        for i, f in enumerate(drawn):
            factors[i].append(f)
        scores = {k: round(composite(weights, row), precision) for k, row in enumerate(values)}
        for k, rank in competition_ranks(scores).items():
            ranks[k].append(rank)
    return ranks, factors


def derive_stability(rows: Rows, editions: dict[str, EditionWeights]) -> None:
    """rows['stabilityanalysis'] and rows['rankstability'] for every table whose weights
    check covered the whole cohort."""
    rows["stabilityanalysis"], rows["rankstability"] = [], []
    for check in rows["weightcheck"]:
        if check["cohort_size"] is None or check["rows_checked"] != check["cohort_size"]:
            continue
        edition = editions[check["framework_id"]]
        year, cohort = check["year"], check["cohort"]
        found = complete_rows(rows, edition, year, cohort)
        entities = sorted(found)
        values = [[s["value"] for s in found[e][1]] for e in entities]
        precision = max(decimals(s["value_text"]) for e in entities for s in found[e][1])
        ranks, factors = analyse(entities, values, edition.points, precision)
        baseline = competition_ranks({k: round(composite(edition.points, row), precision)
                                      for k, row in enumerate(values)})
        totals = [0.0] * len(edition.points)
        variance_sum = 0.0
        out = []
        for k, entity in enumerate(entities):
            ordered = sorted(ranks[k])
            variance = _variance([float(r) for r in ranks[k]])
            shares = [_first_order(ranks[k], f) / variance if variance else 0.0
                      for f in factors]
            for i, share in enumerate(shares):
                totals[i] += share * variance
            variance_sum += variance
            top = max(range(len(shares)), key=lambda i: (shares[i], -i))
            out.append({"year": year, "cohort": cohort, "entity_code": entity,
                        "rank": found[entity][0]["rank"], "recomputed_rank": baseline[k],
                        "rank_median": float(median(ordered)),
                        "rank_p05": _percentile(ordered, 0.05),
                        "rank_p95": _percentile(ordered, 0.95),
                        "driver": edition.indicators[top] if variance else None,
                        "driver_share": round(shares[top], 4) if variance else None})
        out.sort(key=lambda r: (r["recomputed_rank"], r["entity_code"]))
        for position, row in enumerate(out, 1):
            row["position"] = position
        rows["rankstability"] += out
        cohort_shares = {code: round(totals[i] / variance_sum, 4) if variance_sum else 0.0
                         for i, code in enumerate(edition.indicators)}
        rows["stabilityanalysis"].append({
            "year": year, "cohort": cohort, "framework_id": edition.framework_id,
            "draws": DRAWS, "spread": SPREAD, "seed": SEED, "bins": BINS,
            "precision": precision, "shares": json.dumps(cohort_shares),
            "driver": max(cohort_shares, key=lambda c: cohort_shares[c])})
