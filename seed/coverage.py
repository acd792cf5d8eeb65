"""Derived at load time: each cohort's size per year, the edition in force, and coverage.

Nothing here is a figure: sizes come from cohorts.csv (fixed membership) or
cohort_sizes.csv (stated by a source that year), and stay unknown otherwise; coverage
counts what `score` holds, and lists the combinations that hold nothing as zeros.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from models.vocab import COHORT_YEARS, DTI_COHORTS
from seed.catalog import Catalog

Rows = dict[str, list[dict[str, Any]]]


def framework_of(rows: Rows, year: int, level: str) -> str | None:
    """The edition in force in `year` for `level`: the latest whose validity covers it."""
    found = [f for f in rows["framework"] if f["level"] == level
             and (f["valid_from_year"] or 0) <= year
             and (f["valid_to_year"] is None or year <= f["valid_to_year"])]
    return max(found, key=lambda f: f["valid_from_year"] or 0)["id"] if found else None


def derive_cohort_years(rows: Rows, catalog: Catalog) -> None:
    """rows['cohortyear']: the size of every cohort in every year it has figures."""
    years: dict[str, set[int]] = defaultdict(set)
    for table in ("score", "aggregate"):
        for row in rows[table]:
            years[row["cohort"]].add(row["year"])
    for cohort in DTI_COHORTS:  # their empty years are worth a zero row in coverage
        start, end = COHORT_YEARS.get(cohort, (None, None))
        years[cohort].update(y for y in edition_years(rows)
                             if (start is None or y >= start) and (end is None or y <= end))
    rows["cohortyear"] = []
    for cohort in sorted(years):
        for year in sorted(years[cohort]):
            if cohort in catalog.cohorts:
                size, basis, source = catalog.year_size(cohort, year)
            else:  # a synthetic cohort: fixed by construction
                size, basis, source = next(
                    (c["size"], "membership", c["source_id"]) for c in rows["cohort"]
                    if c["code"] == cohort)
            rows["cohortyear"].append({"cohort": cohort, "year": year, "size": size,
                                       "basis": basis, "source_id": source})


def edition_years(rows: Rows) -> list[int]:
    """Years with a published DTI figure for an assessed cohort."""
    return sorted({s["year"] for s in rows["score"]
                   if s["indicator_code"] == "DTI" and s["cohort"] in DTI_COHORTS})


def derive_coverage(rows: Rows) -> None:
    """rows['coverage']: per year, cohort and indicator, entities with a value, with a
    published rank and with a computed rank (rows['rankingentry']), figures and unresolved
    conflicts, with zero rows for the DTI cohorts' years."""
    sizes = {(c["cohort"], c["year"]): c for c in rows["cohortyear"]}
    levels = {c["code"]: c["level"] for c in rows["cohort"]}
    defined = {(i["framework_id"], i["code"]) for i in rows["indicator"]}
    cells: dict[tuple[int, str, str], dict[str, Any]] = {}
    for s in rows["score"]:
        cell = cells.setdefault((s["year"], s["cohort"], s["indicator_code"]), {
            "value": set(), "rank": set(), "figures": 0, "unresolved": 0})
        cell["figures"] += 1
        cell["unresolved"] += s["conflict_status"] == "unresolved"
        if s["value"] is not None:
            cell["value"].add(s["entity_code"])
        if s["rank"] is not None:
            cell["rank"].add(s["entity_code"])
    computed: Counter[tuple[int, str, str]] = Counter(
        (e["year"], e["cohort"], e["indicator_code"]) for e in rows["rankingentry"]
        if e["computed_rank"] is not None)
    pairs = {(c, i) for _, c, i in cells if c in DTI_COHORTS}
    for cohort, indicator in pairs:
        for entry in (e for e in rows["cohortyear"] if e["cohort"] == cohort):
            edition = framework_of(rows, entry["year"], levels[cohort])
            if (edition, indicator) in defined:
                cells.setdefault((entry["year"], cohort, indicator), {
                    "value": set(), "rank": set(), "figures": 0, "unresolved": 0})
    rows["coverage"] = [
        {"year": y, "cohort": c, "indicator_code": i,
         "cohort_size": sizes[c, y]["size"] if (c, y) in sizes else None,
         "cohort_size_basis": sizes[c, y]["basis"] if (c, y) in sizes else "unknown",
         "with_value": len(cell["value"]), "with_rank": len(cell["rank"]),
         "with_computed_rank": computed[y, c, i],
         "figures": cell["figures"], "unresolved": cell["unresolved"]}
        for (y, c, i), cell in sorted(cells.items())]
