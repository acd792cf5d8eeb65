"""The REST route table: each endpoint names its parameters, read model and service call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from api.rest.params import Param, boolean, code, codes, many_of, one_of, text_query
from api.rest.respond import Endpoint, Result
from api.services import catalog, exports, figures, rankings, scores
from api.services.context import QueryContext, Years, iso_date
from api.services.paging import Page, PageRequest
from api.services.vocab import COHORTS, INDICATOR_KINDS, KINDS, LEVELS, STATISTICS, TIERS
from models import public as pub

YEAR = r"(199\d|20\d\d|2100)"
YEARS = Param(Years.parse, "One year, a list (2020,2022) or an inclusive range (2020:2024); "
                     "a range must not be descending.",
              {"type": "string", "pattern": f"^{YEAR}(:{YEAR})?(,{YEAR}(:{YEAR})?)*$"})
CODES = {"type": "string", "pattern": r"^[A-Za-z0-9_.|-]{1,64}(,[A-Za-z0-9_.|-]{1,64})*$"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"}


def _enum(values: tuple[str, ...], doc: str) -> Param:
    return Param(one_of(*values), doc, {"type": "string", "enum": list(values)})


def _list_pattern(values: tuple[str, ...] | list[str]) -> str:
    item = "(" + "|".join(v.replace(".", r"\.") for v in values) + ")"
    return f"^{item}(,{item})*$"


def _enums(values: tuple[str, ...], doc: str) -> Param:
    return Param(many_of(*values), doc + " (comma-separated)",
                 {"type": "string", "pattern": _list_pattern(values)})


def _codes(doc: str) -> Param:
    return Param(codes, doc + " (comma-separated)", CODES)


def _code(doc: str) -> Param:
    return Param(code, doc, {"type": "string", "pattern": r"^[A-Za-z0-9_.|-]{1,64}$"})


BOOL = {"type": "boolean"}


def page_result(page: Page[Any], **meta: Any) -> Result:
    return Result(page.items, {"total": page.total, **meta}, page.next_cursor)


def _frameworks(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                page: PageRequest) -> Result:
    return page_result(catalog.list_frameworks(ctx, page))


def _framework(ctx: QueryContext, _: dict[str, Any], path: dict[str, str],
               __: PageRequest) -> Result:
    return Result(catalog.get_framework(ctx, path["id"]))


def _indicators(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                page: PageRequest) -> Result:
    f = catalog.IndicatorFilter(p.get("framework"), p.get("level"), p.get("kind"),
                                p.get("parent"))
    if p.get("tree"):
        return page_result(catalog.indicator_tree(ctx, f, page), tree=True)
    return page_result(catalog.list_indicators(ctx, f, page), tree=False)


def _indicator(ctx: QueryContext, p: dict[str, Any], path: dict[str, str],
               _: PageRequest) -> Result:
    return Result(catalog.get_indicator(ctx, path["code"], p.get("framework")))


def _entities(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
              page: PageRequest) -> Result:
    f = catalog.EntityFilter(p.get("kind", ()), p.get("region"), p.get("cohort"), p.get("q"))
    return page_result(catalog.list_entities(ctx, f, page))


def _entity(ctx: QueryContext, _: dict[str, Any], path: dict[str, str],
            __: PageRequest) -> Result:
    return Result(catalog.get_entity(ctx, path["code"]))


def _series(ctx: QueryContext, p: dict[str, Any], path: dict[str, str],
            page: PageRequest) -> Result:
    series = scores.entity_series(ctx, path["code"], p.get("indicator", ()), p.get("year"), page)
    return page_result(series, entity=path["code"])


def _score_filter(p: dict[str, Any]) -> scores.ScoreFilter:
    return scores.ScoreFilter(p.get("year"), p.get("entity", ()), p.get("kind", ()),
                              p.get("cohort", ()), p.get("indicator", ()), p.get("has_value"),
                              p.get("has_rank"))


def _scores(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
            page: PageRequest) -> Result:
    return page_result(scores.list_scores(ctx, _score_filter(p), p.get("sort", ()), page))


def _scores_export(ctx: QueryContext, p: dict[str, Any], lang: str) -> Iterator[str]:
    return exports.score_lines(ctx.conn, _score_filter(p), p.get("sort", ()), lang)


def _rankings(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
              page: PageRequest) -> Result:
    result, meta = rankings.ranking(ctx, p["year"], p.get("indicator", "DTI"), p.get("cohort"),
                                    page)
    return page_result(result, **asdict(meta))


def _aggregates(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                page: PageRequest) -> Result:
    f = figures.AggregateFilter(p.get("year"), p.get("cohort", ()), p.get("indicator", ()),
                                p.get("statistic", ()))
    return page_result(figures.list_aggregates(ctx, f, page))


def _statistics(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                page: PageRequest) -> Result:
    f = figures.StatisticFilter(p.get("entity", ()), p.get("metric", ()), p.get("from"),
                                p.get("to"), p.get("dated"))
    return page_result(figures.list_statistics(ctx, f, page))


def _metrics(ctx: QueryContext, _: dict[str, Any], __: dict[str, str],
             page: PageRequest) -> Result:
    return page_result(catalog.list_metrics(ctx, page))


def _sources(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
             page: PageRequest) -> Result:
    return page_result(figures.list_sources(ctx, p.get("tier"), page))


def _source(ctx: QueryContext, _: dict[str, Any], path: dict[str, str],
            __: PageRequest) -> Result:
    return Result(figures.get_source(ctx, path["id"]))


def _coverage(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
              page: PageRequest) -> Result:
    f = figures.CoverageFilter(p.get("year"), p.get("cohort", ()), p.get("indicator", ()))
    return page_result(figures.coverage(ctx, f, page))


def _one_year(text: str) -> int:
    parsed = Years.parse(text)
    if parsed.ranges or len(parsed.values) != 1:
        raise ValueError("expected a single year")
    return parsed.values[0]


def _sort(text: str) -> tuple[str, ...]:
    keys = tuple(text.split(","))
    bad = [k for k in keys if k not in scores.SCORE_SORTS]
    if bad:
        raise ValueError(f"unknown sort key {bad[0]!r}")
    return keys


SORT_DOC = ("Comma-separated keys, '-' for descending: " + ", ".join(sorted(scores.SCORE_SORTS))
            + " (default year,entity,indicator).")
ENDPOINTS: list[Endpoint] = [
    Endpoint("/v1/frameworks", "list_frameworks", "DTI framework editions per level",
             pub.Framework, _frameworks),
    Endpoint("/v1/frameworks/{id}", "get_framework", "One framework edition and level",
             pub.Framework, _framework, collection=False, paged=False,
             path_params={"id": "Framework id, e.g. DTI_922_2022-province"}, not_found=True),
    Endpoint("/v1/indicators", "list_indicators", "The indicator catalog (tree=true nests it)",
             pub.Indicator, _indicators, {
                 "framework": _code("Framework id"), "level": _enum(LEVELS, "Level"),
                 "kind": _enum(INDICATOR_KINDS, "Indicator kind"),
                 "parent": _code("Parent indicator code"),
                 "tree": Param(boolean, "Return the nested tree", BOOL)}),
    Endpoint("/v1/indicators/{code}", "get_indicator", "One indicator with parent and children",
             pub.Indicator, _indicator, {"framework": _code("Framework id (default: latest)")},
             collection=False, paged=False, path_params={"code": "Indicator code, e.g. DTI"},
             not_found=True),
    Endpoint("/v1/entities", "list_entities", "Provinces, ministries and the nation",
             pub.Entity, _entities, {
                 "kind": _enums(KINDS, "Entity kinds"),
                 "region": Param(text_query, "GSO region, exact", TEXT),
                 "cohort": _enum(COHORTS, "Members of a cohort"),
                 "q": Param(text_query, "Name search ignoring case and diacritics", TEXT)}),
    Endpoint("/v1/entities/{code}", "get_entity", "One entity with merger links",
             pub.Entity, _entity, collection=False, paged=False,
             path_params={"code": "Entity code, e.g. 48 or M-da-nang"}, not_found=True),
    Endpoint("/v1/entities/{code}/series", "get_entity_series", "One entity's figures over time",
             pub.SeriesPoint, _series, {"indicator": _codes("Indicator codes (default DTI)"),
                                        "year": YEARS},
             path_params={"code": "Entity code"}, not_found=True),
    Endpoint("/v1/scores", "list_scores", "Every published figure, long format", pub.Score,
             _scores, {
                 "year": YEARS, "entity": _codes("Entity codes"),
                 "kind": _enums(KINDS, "Entity kinds"), "cohort": _enums(COHORTS, "Cohorts"),
                 "indicator": _codes("Indicator codes"),
                 "has_value": Param(boolean, "Only figures with (true) / without a value", BOOL),
                 "has_rank": Param(boolean, "Only figures with (true) / without a rank", BOOL),
                 "sort": Param(_sort, SORT_DOC, {
                     "type": "string", "pattern": _list_pattern(sorted(scores.SCORE_SORTS))})},
             export=_scores_export),
    Endpoint("/v1/rankings", "get_ranking", "A ranked list with year-on-year change",
             pub.RankingEntry, _rankings, {
                 "year": Param(_one_year, "Edition year (required)",
                               {"type": "integer", "minimum": 1990, "maximum": 2100},
                               required=True),
                 "indicator": _code("Indicator code (default DTI)"),
                 "cohort": _enum(COHORTS, "Cohort (default provinces-63 to 2024, "
                                          "provinces-34 from 2025)")}, not_found=True),
    Endpoint("/v1/aggregates", "list_aggregates", "Published averages, growth and counts",
             pub.Aggregate, _aggregates, {
                 "year": YEARS, "cohort": _enums(COHORTS, "Cohorts"),
                 "indicator": _codes("Indicator codes"),
                 "statistic": _enums(STATISTICS, "Statistics")}),
    Endpoint("/v1/statistics", "list_statistics", "Public-service statistics", pub.Statistic,
             _statistics, {
                 "entity": _codes("Entity codes"), "metric": _codes("Metric codes"),
                 "from": Param(iso_date, "Reference date on or after (YYYY-MM-DD)",
                               {"type": "string", "format": "date"}),
                 "to": Param(iso_date, "Reference date on or before (YYYY-MM-DD)",
                             {"type": "string", "format": "date"}),
                 "dated": Param(boolean, "Only dated (true) or undated (false) rows", BOOL)}),
    Endpoint("/v1/metrics", "list_metrics", "The metric catalog", pub.Metric, _metrics),
    Endpoint("/v1/sources", "list_sources", "Every source a figure was read from", pub.Source,
             _sources, {"tier": _enum(TIERS, "Source tier")}),
    Endpoint("/v1/sources/{id}", "get_source", "One source with the figures it gives",
             pub.Source, _source, collection=False, paged=False,
             path_params={"id": "Source id"}, not_found=True),
    Endpoint("/v1/coverage", "list_coverage", "How complete each year, cohort and indicator is",
             pub.Coverage, _coverage, {"year": YEARS, "cohort": _enums(COHORTS, "Cohorts"),
                                       "indicator": _codes("Indicator codes")}),
]
