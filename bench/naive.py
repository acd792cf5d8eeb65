"""The naive handler: bare Starlette and the sqlite3 module, no cache, no framework of ours.

It runs the same ranking query on the same file and returns the same JSON document as
`/v1/rankings?year=...` (bench/run checks the bytes are equal), so the difference
between the two is what our layers cost.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PATH = os.environ["BENCH_SQLITE_FILE"]
LOCAL = threading.local()
META = ("SELECT framework_id, cohort_size, cohort_size_basis, cohort_size_source, "
        "members_listed, ranked, with_value, complete, unresolved, rank_bases, "
        "previous_available, computed, computed_only, computed_checked, computed_agree, "
        "computed_precision FROM ranking WHERE year = ? AND cohort = ? AND indicator_code = ?")
ENTRIES = ("SELECT year, indicator_code, cohort, rank, entity_code, entity_name_vi, "
           "entity_name_en, value, value_text, previous_rank, rank_change, previous_value, "
           "value_change, has_conflict, conflict_status, rank_basis, source_ids, "
           "computed_rank, computed_rank_basis, previous_rank_basis, rank_change_basis, "
           "rank_median, rank_p05, rank_p95 FROM rankingentry "
           "WHERE year = ? AND cohort = ? AND indicator_code = ? ORDER BY position LIMIT 100")


def connection() -> sqlite3.Connection:
    if not hasattr(LOCAL, "db"):
        LOCAL.db = sqlite3.connect(f"file:{PATH}?mode=ro", uri=True)
    return LOCAL.db  # type: ignore[no-any-return]


def ranking(request: Request) -> Response:
    year = int(request.query_params["year"])
    key = (year, "provinces-63" if year < 2025 else "provinces-34", "DTI")
    db = connection()
    (framework, size, basis, size_source, listed, ranked, with_value, complete, unresolved,
     bases, previous, computed, computed_only, checked, agree,
     precision) = db.execute(META, key).fetchone()
    data = []
    for (y, indicator, cohort, rank, code, vi, en, value, text, prev_rank, change, prev_value,
         value_change, conflict, status, rank_basis, sources, computed_rank, computed_basis,
         prev_basis, change_basis, median, low, high) in db.execute(ENTRIES, key):
        data.append({"year": y, "indicator": indicator, "cohort": cohort, "rank": rank,
                     "entity_code": code, "entity_name_vi": vi, "entity_name_en": en,
                     "value": value, "value_text": text, "previous_rank": prev_rank,
                     "rank_change": change, "previous_value": prev_value,
                     "value_change": value_change, "has_conflict": bool(conflict),
                     "conflict_status": status, "rank_basis": rank_basis,
                     "framework_id": framework,
                     "source_ids": sources.split(";") if sources else [],
                     "computed_rank": computed_rank, "computed_rank_basis": computed_basis,
                     "previous_rank_basis": prev_basis, "rank_change_basis": change_basis,
                     "rank_median": median,
                     "rank_interval": [low, high] if low is not None else None,
                     "entity_name": vi})
    document = {"data": data, "meta": {
        "total": listed, "year": year, "indicator": "DTI", "cohort": key[1],
        "framework_id": framework, "cohort_size": size, "cohort_size_basis": basis,
        "cohort_size_source": size_source, "members_listed": listed, "ranked": ranked,
        "with_value": with_value, "complete": None if complete is None else bool(complete),
        "unresolved": unresolved, "rank_bases": json.loads(bases), "previous_year": year - 1,
        "previous_available": bool(previous), "computed": computed,
        "computed_only": computed_only, "computed_checked": checked, "computed_agree": agree,
        "computed_precision": precision},
        "links": {"self": f"/v1/rankings?year={year}", "next": None}}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, media_type="application/json")


app = Starlette(routes=[Route("/v1/rankings", ranking)])
