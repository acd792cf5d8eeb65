"""Derive every ranking from the scores at load time, so a request reads it in one query.

The rules are the API's: ranked entities in rank order (ties as published), then
entities with a value but no rank by value, then cohort members with no figure, by
code; the previous year's figure of the same cohort and indicator gives the change.
Nothing is added that is not in `score`: changes are differences of stored figures.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from seed.coverage import framework_of


def _order(figure: dict[str, Any] | None, code: str) -> tuple[int, float, str]:
    if figure is not None and figure["rank"] is not None:
        return (0, figure["rank"], code)
    if figure is not None and figure["value"] is not None:
        return (1, -figure["value"], code)
    return (2, 0.0, code)


def derive_rankings(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Fill rows['ranking'] and rows['rankingentry'] from scores, members and entities."""
    names = {e["code"]: (e["name_vi"], e["name_en"]) for e in rows["entity"]}
    sizes = {(c["cohort"], c["year"]): c for c in rows["cohortyear"]}
    levels = {c["code"]: c["level"] for c in rows["cohort"]}
    members: dict[str, list[str]] = defaultdict(list)
    for m in rows["cohortmember"]:
        members[m["cohort"]].append(m["entity_code"])
    figures: dict[tuple[int, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for s in rows["score"]:
        figures[s["year"], s["cohort"], s["indicator_code"]][s["entity_code"]] = s
    rows["ranking"], rows["rankingentry"] = [], []
    for (year, cohort, indicator), current in sorted(figures.items()):
        previous = figures.get((year - 1, cohort, indicator), {})
        codes = sorted(set(members[cohort]) | set(current),
                       key=lambda c: _order(current.get(c), c))
        ranked = with_value = unresolved = 0
        bases: Counter[str] = Counter()
        for position, code in enumerate(codes, 1):
            now, before = current.get(code), previous.get(code)
            rank = now["rank"] if now else None
            value = now["value"] if now else None
            prev_rank = before["rank"] if before else None
            prev_value = before["value"] if before else None
            ranked += rank is not None
            with_value += value is not None
            unresolved += bool(now and now["conflict_status"] == "unresolved")
            if now is not None and rank is not None:
                bases[now["rank_basis"] or "unclear"] += 1
            rows["rankingentry"].append({
                "year": year, "cohort": cohort, "indicator_code": indicator,
                "position": position, "entity_code": code, "entity_name_vi": names[code][0],
                "entity_name_en": names[code][1], "rank": rank, "value": value,
                "value_text": now["value_text"] if now else None, "previous_rank": prev_rank,
                "rank_change": prev_rank - rank if rank and prev_rank else None,
                "previous_value": prev_value,
                "value_change": round(value - prev_value, 6)
                if value is not None and prev_value is not None else None,
                "has_conflict": bool(now["has_conflict"]) if now else False,
                "conflict_status": now["conflict_status"] if now else "none",
                "rank_basis": now["rank_basis"] if now else None,
                "source_ids": now["source_ids"] if now else ""})
        size = sizes[cohort, year]
        rows["ranking"].append({
            "year": year, "cohort": cohort, "indicator_code": indicator,
            "cohort_size": size["size"], "cohort_size_basis": size["basis"],
            "cohort_size_source": size["source_id"], "members_listed": len(codes),
            "ranked": ranked, "with_value": with_value,
            "complete": ranked >= size["size"] if size["size"] else None,
            "previous_available": bool(previous), "unresolved": unresolved,
            "rank_bases": json.dumps(dict(sorted(bases.items()))),
            "framework_id": framework_of(rows, year, levels[cohort])})
