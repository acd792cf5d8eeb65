"""The weights of each edition's main indicators, and the check that they are right.

No public page states them; the reviewed table framework_weights.csv records weights
inferred from the published tables. Every load recomputes every DTI total we hold
whose main indicators are all published (Σ weight × indicator / Σ weight) and stops with
the entity, year and deviation if one differs from the published total by more than
rounding allows: one unit in the last published decimal (half a unit for the total,
at most half a unit for the weighted mean of the rounded indicators).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.ranks import composite, decimals
from models.vocab import DTI_COHORTS, WEIGHTS_BASES
from seed.catalog import Catalog
from seed.coverage import framework_of
from seed.rows import Problems, read_rows

Rows = dict[str, list[dict[str, Any]]]
TOTAL = "DTI"


@dataclass
class EditionWeights:
    framework_id: str
    line: int  # of its first row in framework_weights.csv, for problems
    indicators: list[str] = field(default_factory=list)
    points: list[float] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)


def parse_weights(d: Path, p: Problems, cat: Catalog) -> dict[str, EditionWeights]:
    """framework_weights.csv: one row per scored main indicator of an edition."""
    columns = ["framework_id", "level", "indicator", "points", "basis", "evidence"]
    mains = {(i["framework_id"], i["code"]): i for i in cat.indicators if i["kind"] == "main"}
    out: dict[str, EditionWeights] = {}
    for row in read_rows(p, d, "framework_weights.csv", columns):
        fid = f"{row.required('framework_id')}-{row.text('level')}"
        code, points = row.required("indicator"), row.number("points")
        basis = row.choice("basis", WEIGHTS_BASES, "weights basis")
        if fid not in cat.frameworks:
            row.fail("framework_id", f"unknown framework/level {fid!r}")
            continue
        found = mains.get((fid, code))
        if found is None:
            row.fail("indicator", f"{code!r} is not a main indicator of {fid}")
            continue
        if points is None or points[0] <= 0:
            row.fail("points", "a positive number of points is required")
            continue
        published = found["max_points"]
        if published is not None and published != points[0]:
            row.fail("points", f"{fid} publishes {published:g} points for {code}")
            continue
        edition = out.setdefault(fid, EditionWeights(fid, row.line))
        if code in edition.indicators:
            row.fail("indicator", f"duplicate weight of {code} in {fid}")
            continue
        edition.indicators.append(code)
        edition.points.append(points[0])
        edition.rows.append({"framework_id": fid, "indicator_code": code,
                             "position": len(edition.indicators), "points": points[0],
                             "basis": basis, "evidence": row.required("evidence")})
    for fid, edition in out.items():
        scored = [c for (f, c), i in mains.items() if f == fid and i["max_points"] != 0]
        missing = [c for c in scored if c not in edition.indicators]
        if missing:
            p.add("framework_weights.csv", edition.line, "indicator",
                  f"{fid} has no weight for {', '.join(missing)}")
        total = sum(edition.points)
        for row_ in edition.rows:
            row_["share"] = round(row_["points"] / total, 10)
    return out


def _tables(rows: Rows) -> dict[tuple[int, str, str], dict[str, dict[str, Any]]]:
    """(year, cohort, indicator) -> entity -> served score, for the DTI cohorts."""
    out: dict[tuple[int, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for s in rows["score"]:
        if s["cohort"] in DTI_COHORTS and s["value"] is not None:
            out[s["year"], s["cohort"], s["indicator_code"]][s["entity_code"]] = s
    return out


def complete_rows(rows: Rows, edition: EditionWeights, year: int, cohort: str
                  ) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Entity -> (its DTI score, its main-indicator scores in weight order), for every
    entity of one year and cohort with all of them published."""
    tables = _tables(rows)
    totals = tables.get((year, cohort, TOTAL), {})
    out = {}
    for entity in sorted(totals):
        parts = [tables.get((year, cohort, code), {}).get(entity) for code in edition.indicators]
        if all(parts):
            out[entity] = (totals[entity], [p for p in parts if p])
    return out


def check_weights(rows: Rows, editions: dict[str, EditionWeights], p: Problems) -> None:
    """rows['frameworkweight'] and rows['weightcheck']; a total the weights do not
    reproduce within rounding is a problem that stops the load."""
    sizes = {(c["cohort"], c["year"]): c["size"] for c in rows["cohortyear"]}
    levels = {c["code"]: c["level"] for c in rows["cohort"]}
    rows["frameworkweight"] = [r for e in editions.values() for r in e.rows]
    rows["weightcheck"] = []
    for fid, edition in sorted(editions.items()):
        checked = 0
        for cohort, year in sorted(k for k in sizes if k[0] in DTI_COHORTS):
            if framework_of(rows, year, levels[cohort]) != fid:
                continue
            found = complete_rows(rows, edition, year, cohort)
            if not found:
                continue
            precision = max(decimals(s["value_text"]) for total, parts in found.values()
                            for s in (total, *parts))
            tolerance = 10.0 ** -precision
            worst, deviation = "", -1.0
            for entity, (total, parts) in found.items():
                off = abs(composite(edition.points, [s["value"] for s in parts])
                          - total["value"])
                if off > deviation:
                    worst, deviation = entity, off
                if off > tolerance + 1e-12:
                    p.add("framework_weights.csv", edition.line, "points",
                          f"the weights of {fid} give {entity} {year} ({cohort}) "
                          f"{composite(edition.points, [s['value'] for s in parts]):.6f}, "
                          f"published {total['value_text']}: off by {off:.6f}, more than "
                          f"rounding allows ({tolerance:g})")
            checked += len(found)
            rows["weightcheck"].append({
                "framework_id": fid, "year": year, "cohort": cohort,
                "rows_checked": len(found), "cohort_size": sizes[cohort, year],
                "max_deviation": round(deviation, 8), "worst_entity": worst,
                "tolerance": tolerance, "precision": precision})
        if not checked:
            p.add("framework_weights.csv", edition.line, "framework_id",
                  f"no published table has every main indicator of {fid}: nothing checks "
                  "its weights")
