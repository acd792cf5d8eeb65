"""Synthetic rows for benchmarks and scale tests: flagged, deterministic, never published."""

from __future__ import annotations

import random
from typing import Any

SOURCE_ID = "synthetic-benchmark"
COHORT = "synthetic"
YEARS = tuple(range(2020, 2025))
INDICATORS = ("DTI", "GOV", "ECO", "SOC", "AWARENESS", "INSTITUTION", "INFRASTRUCTURE",
              "HUMAN_RESOURCES", "CYBERSECURITY", "GOV_ACTIVITY", "ECO_ACTIVITY", "SOC_ACTIVITY")


def add_synthetic(rows: dict[str, list[dict[str, Any]]], count: int, seed: int = 2026) -> None:
    """Append `count` synthetic scores (and their entities, cohort, source, claims) to `rows`.

    Every row is marked: entities and scores carry synthetic=True, codes start with `S-`,
    and the one source they cite says it is synthetic.
    """
    per_entity = len(YEARS) * len(INDICATORS)
    entities = -(-count // per_entity)
    rng = random.Random(seed)
    rows["source"].append({
        "id": SOURCE_ID, "url": None, "title": "Synthetic benchmark data (not a publication)",
        "publisher": "dti-api seed --synthetic", "published_date": None, "language": "en",
        "tier": "third-party", "tier_reason": "synthetic benchmark data", "tier_rank": 3,
        "file": "synthetic"})
    rows["cohort"].append({
        "code": COHORT, "level": "province", "name_vi": "Dữ liệu tổng hợp (benchmark)",
        "name_en": "Synthetic entities (benchmark)", "size": entities, "fixed": True,
        "source_id": SOURCE_ID, "note": "synthetic"})
    codes = [f"S-{i:06d}" for i in range(1, entities + 1)]
    for code in codes:
        rows["entity"].append({
            "code": code, "kind": "province", "level": "province",
            "name_vi": f"Tỉnh tổng hợp {code}", "name_en": f"Synthetic province {code}",
            "search_key": f"tinh tong hop {code.lower()} synthetic province {code.lower()}",
            "region": None, "valid_from": None, "valid_to": None, "has_public_services": None,
            "admin_centre": None, "group_2020": None, "group_2020_source_id": None,
            "source_id": SOURCE_ID, "note": "synthetic", "synthetic": True, "iso_code": None})
        rows["cohortmember"].append({"cohort": COHORT, "entity_code": code})
    score_id = len(rows["score"])
    claim_id = len(rows["claim"])
    # Values and ranks per (year, indicator) first, then rows in the collection's default
    # order (year, entity, indicator), so ids follow that order as they do for real rows.
    figures: dict[tuple[int, str], tuple[list[float], list[int]]] = {}
    for year in YEARS:
        for indicator in INDICATORS:
            values = [round(rng.random(), 4) for _ in codes]
            order = sorted(range(len(codes)), key=lambda i: -values[i])
            ranks = [0] * len(codes)
            for position, index in enumerate(order, 1):
                ranks[index] = position
            figures[year, indicator] = values, ranks
    made = 0
    for year in YEARS:
        for i, code in enumerate(codes):
            for indicator in sorted(INDICATORS):
                if made == count:
                    return
                made += 1
                score_id += 1
                claim_id += 1
                value, rank = figures[year, indicator][0][i], figures[year, indicator][1][i]
                text = f"{value:.4f}"
                rows["score"].append({
                    "id": score_id, "year": year, "entity_code": code,
                    "indicator_code": indicator, "cohort": COHORT, "value": value,
                    "value_text": text, "rank": rank, "note": "synthetic",
                    "has_conflict": False, "conflict_status": "none", "rank_basis": "stated",
                    "qualifier": None, "source_id": SOURCE_ID, "source_ids": SOURCE_ID,
                    "conflict_ids": "",
                    "synthetic": True})
                rows["claim"].append({
                    "id": claim_id, "figure_kind": "score", "figure_id": score_id,
                    "source_id": SOURCE_ID, "value": value, "value_text": text,
                    "rank": rank, "agrees": True, "rank_basis": "stated", "qualifier": None,
                    "note": "synthetic",
                    "file": "synthetic", "line": 0})
