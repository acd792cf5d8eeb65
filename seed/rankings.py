"""Derive every ranking from the scores at load time, so a request reads it in one query.

The rules are the API's: entities in rank order (the published rank, else the computed
one; ties by code), then entities with a value but no rank by value, then cohort members
with no figure, by code. Where every member of the cohort has a value, each entry also
gets a rank computed from the values (`computed_rank`, basis `computed_from_values`):
standard competition ranking at the precision the list is published at. It never
replaces a published rank; the ranking's meta counts how many computed ranks a published
one checks and how many agree. Year-on-year change compares this edition's rank
(published, else computed) with the previous edition's of the same cohort and
indicator, and says what each side rests on. Nothing else is added to `score`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from models.ranks import at_precision, competition_ranks, table_precision
from models.vocab import COMPUTED_RANK_BASIS
from seed.coverage import framework_of

Rows = dict[str, list[dict[str, Any]]]
Figures = dict[str, dict[str, Any]]  # entity -> served score


def computed_ranks(current: Figures, members: list[str], size: int | None
                   ) -> tuple[dict[str, int], int | None]:
    """Ranks from the values when every one of the cohort's `size` (two or more) members
    has one."""
    valued = {c: s for c, s in current.items() if s["value"] is not None}
    if not size or size < 2 or len(valued) != size or set(members) - set(valued):
        return {}, None
    texts = {c: s["value_text"] or repr(s["value"]) for c, s in valued.items()}
    places = table_precision(texts.values())
    return competition_ranks({c: at_precision(t, places) for c, t in texts.items()}), places


def _order(code: str, figure: dict[str, Any] | None, computed: int | None
           ) -> tuple[int, float, str]:
    rank = figure["rank"] if figure is not None else None
    if rank is not None or computed is not None:
        return (0, rank if rank is not None else computed or 0, code)
    if figure is not None and figure["value"] is not None:
        return (1, -figure["value"], code)
    return (2, 0.0, code)


def _used(figure: dict[str, Any] | None, computed: int | None
          ) -> tuple[int | None, str | None]:
    """The rank a change is measured with, and its basis: published, else computed."""
    if figure is not None and figure["rank"] is not None:
        return figure["rank"], figure["rank_basis"] or "unclear"
    if computed is not None:
        return computed, COMPUTED_RANK_BASIS
    return None, None


def derive_rankings(rows: Rows) -> None:
    """Fill rows['ranking'] and rows['rankingentry'] from scores, members, entities and
    the stability analysis."""
    names = {e["code"]: (e["name_vi"], e["name_en"]) for e in rows["entity"]}
    sizes = {(c["cohort"], c["year"]): c for c in rows["cohortyear"]}
    levels = {c["code"]: c["level"] for c in rows["cohort"]}
    members: dict[str, list[str]] = defaultdict(list)
    for m in rows["cohortmember"]:
        members[m["cohort"]].append(m["entity_code"])
    figures: dict[tuple[int, str, str], Figures] = defaultdict(dict)
    for s in rows["score"]:
        figures[s["year"], s["cohort"], s["indicator_code"]][s["entity_code"]] = s
    computed = {key: computed_ranks(current, members[key[1]], sizes[key[1], key[0]]["size"])
                for key, current in figures.items()}
    stability = {(r["year"], r["cohort"], "DTI", r["entity_code"]): r
                 for r in rows.get("rankstability", [])}
    rows["ranking"], rows["rankingentry"] = [], []
    for (year, cohort, indicator), current in sorted(figures.items()):
        ranks, places = computed[year, cohort, indicator]
        previous = figures.get((year - 1, cohort, indicator), {})
        previous_ranks = computed.get((year - 1, cohort, indicator), ({}, None))[0]
        codes = sorted(set(members[cohort]) | set(current),
                       key=lambda c: _order(c, current.get(c), ranks.get(c)))
        counts: Counter[str] = Counter()
        bases: Counter[str] = Counter()
        for position, code in enumerate(codes, 1):
            now, before = current.get(code), previous.get(code)
            rank = now["rank"] if now else None
            value = now["value"] if now else None
            mine = ranks.get(code)
            this_rank, this_basis = _used(now, mine)
            prev_rank, prev_basis = _used(before, previous_ranks.get(code))
            prev_value = before["value"] if before else None
            counts["ranked"] += rank is not None
            counts["with_value"] += value is not None
            counts["unresolved"] += bool(now and now["conflict_status"] == "unresolved")
            counts["computed"] += mine is not None
            counts["computed_only"] += mine is not None and rank is None
            counts["computed_checked"] += mine is not None and rank is not None
            counts["computed_agree"] += mine is not None and rank == mine
            if now is not None and rank is not None:
                bases[now["rank_basis"] or "unclear"] += 1
            spread = stability.get((year, cohort, indicator, code))
            changed = this_rank is not None and prev_rank is not None
            rows["rankingentry"].append({
                "year": year, "cohort": cohort, "indicator_code": indicator,
                "position": position, "entity_code": code, "entity_name_vi": names[code][0],
                "entity_name_en": names[code][1], "rank": rank, "value": value,
                "value_text": now["value_text"] if now else None, "previous_rank": prev_rank,
                "previous_rank_basis": prev_basis,
                "rank_change": prev_rank - this_rank if changed else None,  # type: ignore[operator]
                "rank_change_basis": this_basis if changed else None,
                "previous_value": prev_value,
                "value_change": round(value - prev_value, 6)
                if value is not None and prev_value is not None else None,
                "has_conflict": bool(now["has_conflict"]) if now else False,
                "conflict_status": now["conflict_status"] if now else "none",
                "rank_basis": now["rank_basis"] if now else None,
                "source_ids": now["source_ids"] if now else "",
                "computed_rank": mine,
                "computed_rank_basis": COMPUTED_RANK_BASIS if mine is not None else None,
                "rank_median": spread["rank_median"] if spread else None,
                "rank_p05": spread["rank_p05"] if spread else None,
                "rank_p95": spread["rank_p95"] if spread else None})
        size = sizes[cohort, year]
        rows["ranking"].append({
            "year": year, "cohort": cohort, "indicator_code": indicator,
            "cohort_size": size["size"], "cohort_size_basis": size["basis"],
            "cohort_size_source": size["source_id"], "members_listed": len(codes),
            "ranked": counts["ranked"], "with_value": counts["with_value"],
            "complete": counts["ranked"] >= size["size"] if size["size"] else None,
            "previous_available": bool(previous), "unresolved": counts["unresolved"],
            "rank_bases": json.dumps(dict(sorted(bases.items()))),
            "framework_id": framework_of(rows, year, levels[cohort]),
            "computed": counts["computed"], "computed_only": counts["computed_only"],
            "computed_checked": counts["computed_checked"],
            "computed_agree": counts["computed_agree"], "computed_precision": places})
