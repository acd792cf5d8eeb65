"""What-if: a ranking recomputed with the caller's weights over the published main
indicators. Unofficial by construction, and every answer says so."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import select

from api.errors import invalid, not_found
from api.services.context import QueryContext, one_year
from api.services.method import CK, edition_weights
from api.services.paging import Page, PageRequest, paginate_list
from api.services.params import Filter, Param, enum, items
from api.services.rankings import EN, R
from api.services.scores import SCORE
from models import method_public as mp
from models.ranks import at_precision, competition_ranks, to_decimal
from models.vocab import COHORTS, COMPUTED_RANK_BASIS, default_cohort

S = SCORE.c
MAX_WEIGHT = 1000.0
ALL = PageRequest(1000)
LABEL = ("Unofficial what-if, computed by DTI Open Data: the published main indicators "
         "weighted as asked, not a DTI result published by the ministry.")
NUMBER = re.compile(r"[0-9]{1,4}(\.[0-9]{1,6})?")


def weight_list(value: str | list[Any]) -> tuple[float, ...]:
    """Non-negative weights, comma-separated, in the order of the edition's main
    indicators; any scale (they are normalised), at least one above zero."""
    found = items(value) if isinstance(value, str) else list(value)
    out = []
    for item in found:
        text = str(item).strip()
        if not NUMBER.fullmatch(text):
            raise ValueError(f"{text[:20]!r} is not a weight: a number from 0 to "
                             f"{MAX_WEIGHT:g} with at most 6 decimals")
        number = float(text)
        if not (math.isfinite(number) and 0 <= number <= MAX_WEIGHT):
            raise ValueError(f"each weight must be in 0..{MAX_WEIGHT:g}")
        out.append(number)
    if not any(out):
        raise ValueError("at least one weight must be above zero")
    return tuple(out)


_W = r"[0-9]{1,4}(\.[0-9]{1,6})?"
WEIGHTS = Param(weight_list, "Weights of the edition's main indicators, comma-separated in "
                "its order (AWARENESS, INSTITUTION, INFRASTRUCTURE, HUMAN_RESOURCES, "
                "CYBERSECURITY, GOV_ACTIVITY, ECO_ACTIVITY, SOC_ACTIVITY), each 0..1000, "
                "normalised to sum to 1 (default: the edition's inferred weights)",
                {"type": "string", "pattern": f"^{_W}(,{_W}){{0,49}}$",
                 "examples": ["50,50,140,100,100,200,150,150", "1,1,1,1,1,1,1,1"]})


@dataclass(frozen=True)
class WhatIfRequest(Filter):
    year: int
    cohort: str | None = None
    weights: tuple[float, ...] | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        "year": Param(one_year, "Edition year (required)",
                      {"type": "integer", "minimum": 1990, "maximum": 2100,
                       "examples": [2024]}, required=True),
        "cohort": enum(COHORTS, "Cohort (default provinces-63 to 2024, provinces-34 from "
                                "2025)"),
        "weights": WEIGHTS}


def _complete(ctx: QueryContext) -> str:
    rows = ctx.conn.execute(select(CK.year, CK.cohort).where(
        CK.rows_checked == CK.cohort_size).order_by(CK.year, CK.cohort)).all()
    return ", ".join(f"{y} {c}" for y, c in rows) or "none"


def what_if(ctx: QueryContext, request: WhatIfRequest, page: PageRequest = ALL
            ) -> tuple[Page[mp.WhatIfEntry], mp.WhatIfMeta]:
    """The cohort's ranking recomputed from its main indicators with `request.weights`."""
    year = request.year
    cohort = request.cohort or default_cohort(year)
    framework = ctx.conn.execute(select(R.framework_id).where(
        R.year == year, R.cohort == cohort, R.indicator_code == "DTI")).scalar()
    if framework is None:
        raise not_found(f"no published DTI ranking for cohort {cohort} in {year}")
    official, basis = edition_weights(ctx.conn, framework)
    check = ctx.conn.execute(select(CK.rows_checked, CK.cohort_size, CK.precision).where(
        CK.framework_id == framework, CK.year == year, CK.cohort == cohort)).first()
    if not official or check is None or check[0] != check[1]:
        held = f"{check[0]} of {check[1]}" if check is not None else "none"
        raise invalid("cohort", f"the {year} {cohort} table of main indicators is incomplete "
                                f"(entities with the DTI and every main indicator: {held}); "
                                f"what-if needs a complete one: {_complete(ctx)}")
    codes = [w["indicator"] for w in official]
    given = request.weights or tuple(w["points"] for w in official)
    if len(given) != len(codes):
        raise invalid("weights", f"expected {len(codes)} weights, one for each of "
                                 f"{', '.join(codes)}; got {len(given)}")
    precision = int(check[2])
    values: dict[str, dict[str, Decimal]] = {}
    for entity, indicator, text in ctx.conn.execute(
            select(S.entity_code, S.indicator_code, S.value_text).where(
                S.year == year, S.cohort == cohort, S.indicator_code.in_(codes),
                S.value.is_not(None))):
        values.setdefault(entity, {})[indicator] = to_decimal(text)
    entries = {r.entity_code: r for r in ctx.conn.execute(
        select(EN.entity_code, EN.entity_name_vi, EN.entity_name_en, EN.value, EN.value_text,
               EN.rank, EN.rank_basis, EN.computed_rank).where(
            EN.year == year, EN.cohort == cohort, EN.indicator_code == "DTI"))}
    # In decimal arithmetic, so weights in proportion (1,1,... and 2,2,...) give the
    # same figures to the last digit, rounded half up as the published tables are.
    exact = [to_decimal(repr(w)) for w in given]
    scores = {e: at_precision(sum((w * v[c] for w, c in zip(exact, codes, strict=True)),
                                  Decimal(0)) / sum(exact), precision)
              for e, v in sorted(values.items())}
    ranks = competition_ranks(scores)
    rows: list[mp.WhatIfEntry] = []
    for entity in sorted(scores, key=lambda e: (ranks[e], e)):
        entry = entries[entity]
        rank = entry.rank if entry.rank is not None else entry.computed_rank
        rank_basis = entry.rank_basis if entry.rank is not None else (
            COMPUTED_RANK_BASIS if rank is not None else None)
        rows.append({"entity_code": entity, "entity_name_vi": entry.entity_name_vi,
                     "entity_name_en": entry.entity_name_en, "official_value": entry.value,
                     "official_value_text": entry.value_text, "official_rank": rank,
                     "official_rank_basis": rank_basis, "recomputed_value": float(scores[entity]),
                     "recomputed_rank": ranks[entity],
                     "rank_shift": rank - ranks[entity] if rank is not None else None})
    total = sum(given)
    scope = f"what-if|{year}|{cohort}|{','.join(map(repr, given))}"
    found = paginate_list(ctx.codec, scope, rows, lambda r: r["entity_code"], page)
    return found, {
        "total": len(rows), "unofficial": True, "label": LABEL, "year": year,
        "cohort": cohort, "framework_id": framework, "indicators": codes,
        "weights": [round(w / total, 10) for w in given],
        "official_weights": [w["weight"] for w in official],
        "official_weights_basis": str(basis), "precision": precision,
        "moved": sum(1 for r in rows if r["rank_shift"])}

