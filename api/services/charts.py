"""What each chart shows, gathered from the same services the collections use: the
chart requests (one parser each, like every filter) and the rows and facts behind them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Connection, select

from api.errors import not_found
from api.services import catalog, figures, rankings, scores
from api.services.context import YEARS, QueryContext, Years, one_year
from api.services.paging import PageRequest
from api.services.params import (
    CODE,
    CODE_SCHEMA,
    Filter,
    Param,
    code,
    code_param,
    codes,
    enums,
    integer,
    items,
)
from api.services.rankings import RankingRequest
from api.services.scores import COHORT, DEFAULT_INDICATOR, SOURCE, ScoreFilter
from models import tables as t
from models.vocab import COHORTS, DTI_COHORTS, LEVEL_OF_KIND, PROVINCE_COHORTS, TIERS

ALL = PageRequest(1000)
MAX_SERIES = 8  # entities on one series chart: more lines cannot be told apart
# Which cohort an entity's yearly figure is charted from, when it has several.
PRIMARY = (*DTI_COHORTS, *(c for c in COHORTS if c not in DTI_COHORTS))
PILLARS = ("GOV", "ECO", "SOC")
FRAMEWORK = t.Framework.__table__  # type: ignore[attr-defined]
INDICATOR = t.Indicator.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RankingChart(Filter):
    year: int
    indicator: str = DEFAULT_INDICATOR
    cohort: str | None = None
    top: int | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        **RankingRequest.PARAMS,
        "top": Param(integer(1, 1000), "Only ranks up to this one (ties included)",
                     {"type": "integer", "minimum": 1, "maximum": 1000})}


def few_codes(value: str | list[str]) -> tuple[str, ...]:
    """Entity codes for one chart: at most MAX_SERIES, else the lines cannot be told apart."""
    found = codes(value)
    if len(found) > MAX_SERIES:
        raise ValueError(f"at most {MAX_SERIES} entities on one chart")
    return found


ONE_CODE = CODE.pattern
FEW_CODES = {"type": "string", "examples": ["48,49"],
             "pattern": f"^{ONE_CODE}(,{ONE_CODE}){{0,{MAX_SERIES - 1}}}$"}


@dataclass(frozen=True)
class SeriesChart(Filter):
    entities: tuple[str, ...] = ()
    indicator: str = DEFAULT_INDICATOR
    years: Years | None = None

    PARAMS: ClassVar[dict[str, Param]] = {
        "entity": Param(few_codes, f"Entity codes (comma-separated, at most {MAX_SERIES})",
                        FEW_CODES, required=True),
        "indicator": code_param(f"Indicator code (default {DEFAULT_INDICATOR})"),
        "year": YEARS}
    FIELDS: ClassVar[dict[str, str]] = {"entity": "entities", "year": "years"}


@dataclass(frozen=True)
class ProfileChart(Filter):
    entity: str
    year: int

    PARAMS: ClassVar[dict[str, Param]] = {
        "entity": Param(code, "Entity code", {**CODE_SCHEMA, "examples": ["48"]},
                        required=True),
        "year": Param(one_year, "Edition year", {"type": "integer", "minimum": 1990,
                                                 "maximum": 2100, "examples": [2022]},
                      required=True)}


@dataclass(frozen=True)
class CoverageChart(Filter):
    years: Years | None = None
    cohorts: tuple[str, ...] = PROVINCE_COHORTS
    indicator: str = DEFAULT_INDICATOR

    PARAMS: ClassVar[dict[str, Param]] = {
        "year": YEARS, "cohort": enums(COHORTS, f"Cohorts (default {','.join(PROVINCE_COHORTS)})"),
        "indicator": code_param(f"Indicator code (default {DEFAULT_INDICATOR})")}
    FIELDS: ClassVar[dict[str, str]] = {"year": "years", "cohort": "cohorts"}


def publishers_of(conn: Connection, source_ids: list[str]) -> list[str]:
    """The publishers behind some figures: the best tier first, then the most cited."""
    if not source_ids:
        return []
    cited = Counter(source_ids)
    s = SOURCE.c
    found = conn.execute(select(s.id, s.publisher, s.tier).where(s.id.in_(set(cited)))).all()
    weight: dict[str, tuple[int, int]] = {}
    for sid, publisher, tier in found:
        rank, count = weight.get(publisher, (len(TIERS), 0))
        weight[publisher] = (min(rank, TIERS.index(tier)), count - cited[sid])
    return sorted(weight, key=lambda p: (*weight[p], p))


def _names(conn: Connection, table: Any, key: Any, value: str) -> dict[str, str]:
    row = conn.execute(select(table.c.name_vi, table.c.name_en).where(key == value)).first()
    return {"vi": row[0], "en": row[1]} if row else {"vi": value, "en": value}


def indicator_names(conn: Connection, indicator: str) -> dict[str, str]:
    return _names(conn, INDICATOR, INDICATOR.c.code, indicator)


def ranking(ctx: QueryContext, request: RankingChart) -> dict[str, Any]:
    """Every entry of one ranking in rank order (members without a rank last)."""
    page, meta = rankings.ranking(ctx, RankingRequest(request.year, request.indicator,
                                                      request.cohort), ALL)
    entries = [e for e in page.items
               if request.top is None or (e["rank"] is not None and e["rank"] <= request.top)]
    return {"entries": entries, "meta": meta,
            "indicator": indicator_names(ctx.conn, request.indicator),
            "cohort": _names(ctx.conn, COHORT, COHORT.c.code, meta["cohort"]),
            "publishers": publishers_of(ctx.conn, [s for e in entries
                                                   for s in e["source_ids"]])}


def series(ctx: QueryContext, request: SeriesChart) -> dict[str, Any]:
    """Each entity's figure per year, from its primary cohort; years without one kept."""
    for entity in request.entities:
        scores.entity_exists(ctx.conn, entity)
    found = scores.list_scores(ctx, ScoreFilter(years=request.years, entities=request.entities,
                                                indicators=(request.indicator,)),
                               ("year",), ALL).items
    chosen: dict[tuple[str, int], Any] = {}
    for row in found:
        key = (row["entity_code"], row["year"])
        if key not in chosen or PRIMARY.index(row["cohort"]) < PRIMARY.index(
                chosen[key]["cohort"]):
            chosen[key] = row
    if not chosen:
        raise not_found(f"no published {request.indicator} figures for "
                        f"{', '.join(request.entities)} in these years")
    years = sorted({y for _, y in chosen} | set(_span(request.years)))
    names = {e: catalog.get_entity(ctx, e) for e in request.entities}
    points = []
    for entity in request.entities:
        for year in years:
            point = chosen.get((entity, year))
            points.append({"entity_code": entity, "name_vi": names[entity]["name_vi"],
                           "name_en": names[entity]["name_en"], "year": year,
                           "value": point["value"] if point else None,
                           "value_text": point["value_text"] if point else None,
                           "rank": point["rank"] if point else None,
                           "cohort": point["cohort"] if point else None,
                           "cohort_size": point["cohort_size"] if point else None,
                           "conflict_status": point["conflict_status"] if point else None})
    return {"points": points, "indicator": indicator_names(ctx.conn, request.indicator),
            "publishers": publishers_of(ctx.conn, [c["source_id"] for r in chosen.values()
                                                   for c in r["sources"]])}


def _span(years: Years | None) -> list[int]:
    """Every year the filter names, so a year without a figure still gets its gap."""
    if years is None:
        return []
    return sorted({*years.values, *(y for lo, hi in years.ranges if hi - lo <= 50
                                    for y in range(lo, hi + 1))})


def framework_in_force(conn: Connection, level: str, year: int) -> str | None:
    f = FRAMEWORK.c
    rows = conn.execute(select(f.id, f.valid_from_year, f.valid_to_year)
                        .where(f.level == level)).all()
    found = [(start or 0, fid) for fid, start, end in rows
             if (start or 0) <= year and (end is None or year <= end)]
    return max(found)[1] if found else None


def profile(ctx: QueryContext, request: ProfileChart) -> dict[str, Any]:
    """One entity's pillars and main indicators in one year, with the cohort's published
    mean of each where one exists."""
    entity = catalog.get_entity(ctx, request.entity)
    framework = framework_in_force(ctx.conn, LEVEL_OF_KIND[entity["kind"]], request.year)
    i = INDICATOR.c
    tree = ctx.conn.execute(
        select(i.code, i.kind, i.name_vi, i.name_en).where(
            i.framework_id == framework, i.kind.in_(("pillar", "main")))
        .order_by(i.kind.desc(), i.id)).all()  # the pillars, then the main indicators
    one = Years((request.year,))
    found = scores.list_scores(ctx, ScoreFilter(years=one, entities=(request.entity,)), (),
                               ALL).items
    if not found:
        raise not_found(f"no published figures for {request.entity} in {request.year}")
    by_code: dict[str, Any] = {}
    for row in sorted(found, key=lambda r: PRIMARY.index(r["cohort"])):
        by_code.setdefault(row["indicator"], row)
    cohort = by_code.get("DTI", found[0])["cohort"]
    means = {a["indicator"]: a for a in figures.list_aggregates(
        ctx, figures.AggregateFilter(years=one, cohorts=(cohort,), statistics=("mean",)),
        ALL).items}
    bars = []
    for code_, kind, vi, en in tree:
        figure, mean = by_code.get(code_), means.get(code_)
        bars.append({"indicator": code_, "kind": kind, "name_vi": vi, "name_en": en,
                     "value": figure["value"] if figure else None,
                     "value_text": figure["value_text"] if figure else None,
                     "rank": figure["rank"] if figure else None,
                     "mean": mean["value"] if mean else None})
    dti = by_code.get("DTI")
    return {"entity": entity, "year": request.year, "cohort": cohort, "framework": framework,
            "bars": bars, "dti": dti,
            "publishers": publishers_of(ctx.conn, [c["source_id"] for r in found
                                                   for c in r["sources"]])}


def coverage(ctx: QueryContext, request: CoverageChart) -> dict[str, Any]:
    rows = figures.coverage(ctx, figures.CoverageFilter(request.years, request.cohorts,
                                                        (request.indicator,)), ALL).items
    if not rows:
        raise not_found(f"no {request.indicator} coverage for these years and cohorts")
    names = {c: _names(ctx.conn, COHORT, COHORT.c.code, c) for c in {r["cohort"] for r in rows}}
    return {"rows": rows, "cohorts": names,
            "indicator": indicator_names(ctx.conn, request.indicator)}



MAX_PROFILES = 4  # entities on one radar: more outlines cannot be told apart
MIN_AXES = 3  # a profile of fewer indicators is not a shape


def _up_to_four(value: str | list[str]) -> tuple[str, ...]:
    """Entity codes in the order given (the first one's cohort is the one compared)."""
    found = tuple(dict.fromkeys(code(i.strip()) for i in items(value)))
    if len(found) > MAX_PROFILES:
        raise ValueError(f"at most {MAX_PROFILES} entities on one radar")
    return found


@dataclass(frozen=True)
class RadarChart(Filter):
    """Main indicators of one to four entities against their cohort's mean and best, on
    the indicators whose cohort table is complete in that year."""

    entities: tuple[str, ...]
    year: int

    PARAMS: ClassVar[dict[str, Param]] = {
        "entity": Param(_up_to_four, f"Entity codes (comma-separated, at most {MAX_PROFILES};"
                        " the first one's cohort is the one compared with)",
                        {"type": "string", "examples": ["M-ha-noi"], "pattern":
                         f"^{ONE_CODE}(,{ONE_CODE}){{0,{MAX_PROFILES - 1}}}$"}, required=True),
        "year": ProfileChart.PARAMS["year"]}
    FIELDS: ClassVar[dict[str, str]] = {"entity": "entities"}


def complete_mains(ctx: QueryContext, year: int, cohort: str) -> list[tuple[str, str, str]]:
    """(code, name_vi, name_en) of the main indicators in force whose table is complete
    for this cohort and year: every member has a value (counted by /v1/coverage)."""
    level = "ministry" if cohort.startswith("ministries") else "province"
    framework = framework_in_force(ctx.conn, level, year)
    i = INDICATOR.c
    mains = ctx.conn.execute(select(i.code, i.name_vi, i.name_en).where(
        i.framework_id == framework, i.kind == "main").order_by(i.id)).all()
    rows = figures.coverage(ctx, figures.CoverageFilter(
        Years((year,)), (cohort,), tuple(m[0] for m in mains)), ALL).items
    complete = {r["indicator"] for r in rows
                if r["cohort_size"] and r["with_value"] == r["cohort_size"]}
    return [(c, vi, en) for c, vi, en in mains if c in complete]


def radar(ctx: QueryContext, request: RadarChart) -> dict[str, Any]:
    """Each entity's value on every complete main indicator, with the cohort's mean and
    best of that indicator computed from its complete table (labelled as computed)."""
    names = {e: catalog.get_entity(ctx, e) for e in request.entities}
    one = Years((request.year,))
    own = scores.list_scores(ctx, ScoreFilter(years=one, entities=request.entities[:1],
                                              indicators=(DEFAULT_INDICATOR,)), (), ALL).items
    if not own:
        raise not_found(f"no published figures for {request.entities[0]} in {request.year}")
    cohort = min((r["cohort"] for r in own), key=PRIMARY.index)
    axes = complete_mains(ctx, request.year, cohort)
    if len(axes) < MIN_AXES:
        raise not_found(f"no complete table of main indicators for {cohort} in "
                        f"{request.year} (see /v1/coverage?year={request.year}&cohort="
                        f"{cohort}): a profile needs every member's value")
    table = scores.list_scores(ctx, ScoreFilter(years=one, cohorts=(cohort,), indicators=tuple(
        a[0] for a in axes)), (), ALL).items
    indicators = []
    for code_, vi, en in axes:
        rows = [r for r in table if r["indicator"] == code_ and r["value"] is not None]
        values = [float(r["value"] or 0) for r in rows]  # every one has a value
        indicators.append({
            "indicator": code_, "name_vi": vi, "name_en": en, "members": len(values),
            "mean": round(sum(values) / len(values), 4), "best": max(values),
            "entities": {r["entity_code"]: {"value": r["value"], "value_text": r["value_text"],
                                            "rank": r["rank"], "rank_basis": r["rank_basis"]}
                         for r in rows if r["entity_code"] in names}})
    return {"year": request.year, "cohort": cohort,
            "cohort_names": _names(ctx.conn, COHORT, COHORT.c.code, cohort),
            "entities": [names[e] for e in request.entities], "indicators": indicators,
            "publishers": publishers_of(ctx.conn, [c["source_id"] for r in table
                                                   if r["entity_code"] in names
                                                   for c in r["sources"]])}


def cohort_names(conn: Connection) -> dict[str, dict[str, str]]:
    """Every cohort's name in vi and en, and its level, by code."""
    rows = conn.execute(select(COHORT.c.code, COHORT.c.name_vi, COHORT.c.name_en,
                               COHORT.c.level)).all()
    return {code_: {"vi": vi, "en": en, "level": level} for code_, vi, en, level in rows}
