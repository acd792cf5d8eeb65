"""The REST route table: each endpoint names its parameters, read model and service call.

Parameters come from the service layer's filters (their one parser each); a handler only
builds the filter from the parsed values and calls the service.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from api.rest.respond import Endpoint, Result
from api.services import catalog, exports, figures, method, rankings, scores, whatif
from api.services.context import QueryContext
from api.services.paging import Page, PageRequest
from api.services.scores import SORT, ScoreFilter, SeriesFilter
from models import method_public as mp
from models import public as pub


def page_result(page: Page[Any], **meta: Any) -> Result:
    return Result(page.items, {"total": page.total, **meta}, page.next_cursor)


def _frameworks(ctx: QueryContext, _: dict[str, Any], __: dict[str, str],
                page: PageRequest) -> Result:
    return page_result(catalog.list_frameworks(ctx, page))


def _framework(ctx: QueryContext, _: dict[str, Any], path: dict[str, str],
               __: PageRequest) -> Result:
    return Result(catalog.get_framework(ctx, path["id"]))


def _indicators(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                page: PageRequest) -> Result:
    f = catalog.IndicatorFilter.build(p)
    return page_result(catalog.list_indicators(ctx, f, page), tree=f.tree)


def _indicator(ctx: QueryContext, p: dict[str, Any], path: dict[str, str],
               _: PageRequest) -> Result:
    return Result(catalog.get_indicator(ctx, path["code"], p.get("framework")))


def _entities(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
              page: PageRequest) -> Result:
    return page_result(catalog.list_entities(ctx, catalog.EntityFilter.build(p), page))


def _entity(ctx: QueryContext, _: dict[str, Any], path: dict[str, str],
            __: PageRequest) -> Result:
    return Result(catalog.get_entity(ctx, path["code"]))


def _series(ctx: QueryContext, p: dict[str, Any], path: dict[str, str],
            page: PageRequest) -> Result:
    series = scores.entity_series(ctx, path["code"], SeriesFilter.build(p), page)
    return page_result(series, entity=path["code"])


def _scores(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
            page: PageRequest) -> Result:
    return page_result(scores.list_scores(ctx, ScoreFilter.build(p), p.get("sort", ()), page))


def _scores_export(ctx: QueryContext, p: dict[str, Any], lang: str) -> Iterator[str]:
    return exports.score_lines(ctx.conn, ScoreFilter.build(p), p.get("sort", ()), lang)


def _rankings(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
              page: PageRequest) -> Result:
    result, meta = rankings.ranking(ctx, rankings.RankingRequest.build(p), page)
    return Result(result.items, dict(meta), result.next_cursor)


def _ranking_history(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                     page: PageRequest) -> Result:
    result, meta = rankings.history(ctx, rankings.HistoryRequest.build(p), page)
    return Result(result.items, dict(meta), result.next_cursor)


def _merger(ctx: QueryContext, _: dict[str, Any], __: dict[str, str],
            page: PageRequest) -> Result:
    return page_result(catalog.list_merger(ctx, page))


def _aggregates(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                page: PageRequest) -> Result:
    return page_result(figures.list_aggregates(ctx, figures.AggregateFilter.build(p), page))


def _statistics(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                page: PageRequest) -> Result:
    return page_result(figures.list_statistics(ctx, figures.StatisticFilter.build(p), page))


def _metrics(ctx: QueryContext, _: dict[str, Any], __: dict[str, str],
             page: PageRequest) -> Result:
    return page_result(catalog.list_metrics(ctx, page))


def _sources(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
             page: PageRequest) -> Result:
    return page_result(figures.list_sources(ctx, figures.SourceFilter.build(p), page))


def _source(ctx: QueryContext, _: dict[str, Any], path: dict[str, str],
            __: PageRequest) -> Result:
    return Result(figures.get_source(ctx, path["id"]))


def _coverage(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
              page: PageRequest) -> Result:
    return page_result(figures.coverage(ctx, figures.CoverageFilter.build(p), page))


def _what_if(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
             page: PageRequest) -> Result:
    result, meta = whatif.what_if(ctx, whatif.WhatIfRequest.build(p), page)
    return Result(result.items, dict(meta), result.next_cursor)


def _stability(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
               page: PageRequest) -> Result:
    result, meta = method.stability(ctx, method.StabilityFilter.build(p), page)
    return Result(result.items, dict(meta), result.next_cursor)


FRAMEWORK = {"framework": catalog.IndicatorFilter.PARAMS["framework"]}
ENDPOINTS: list[Endpoint] = [
    Endpoint("/v1/frameworks", "list_frameworks", "DTI framework editions per level",
             pub.Framework, _frameworks, tag="catalog"),
    Endpoint("/v1/frameworks/{id}", "get_framework", "One framework edition and level",
             pub.Framework, _framework, collection=False, paged=False,
             path_params={"id": ("Framework id", "DTI_922_2022-province")}, not_found=True,
             tag="catalog"),
    Endpoint("/v1/indicators", "list_indicators", "The indicator catalog (tree=true nests it)",
             pub.Indicator, _indicators, catalog.IndicatorFilter.PARAMS, tag="catalog",
             meta=pub.IndicatorMeta),
    Endpoint("/v1/indicators/{code}", "get_indicator", "One indicator with parent and children",
             pub.Indicator, _indicator, FRAMEWORK, collection=False, paged=False,
             path_params={"code": ("Indicator code", "DTI")}, not_found=True, tag="catalog"),
    Endpoint("/v1/entities", "list_entities", "Provinces, ministries and the nation",
             pub.Entity, _entities, catalog.EntityFilter.PARAMS, tag="catalog"),
    Endpoint("/v1/entities/{code}", "get_entity", "One entity with merger links",
             pub.Entity, _entity, collection=False, paged=False,
             path_params={"code": ("Entity code (48, M-da-nang...)", "48")}, not_found=True,
             tag="catalog"),
    Endpoint("/v1/entities/{code}/series", "get_entity_series", "One entity's figures over time",
             pub.SeriesPoint, _series, SeriesFilter.PARAMS,
             path_params={"code": ("Entity code", "48")}, not_found=True, meta=pub.SeriesMeta),
    Endpoint("/v1/scores", "list_scores", "Every published figure, long format", pub.Score,
             _scores, {**ScoreFilter.PARAMS, "sort": SORT}, export=_scores_export),
    Endpoint("/v1/rankings", "get_ranking", "A ranked list with year-on-year change",
             pub.RankingEntry, _rankings, rankings.RankingRequest.PARAMS, not_found=True,
             meta=pub.RankingMeta),
    Endpoint("/v1/rankings/history", "get_ranking_history",
             "Every published rank of some entities across editions", pub.RankingEntry,
             _ranking_history, rankings.HistoryRequest.PARAMS, meta=pub.RankingHistoryMeta),
    Endpoint("/v1/rankings/what-if", "get_ranking_what_if",
             "Unofficial: a ranking recomputed with your weights of the main indicators",
             mp.WhatIfEntry, _what_if, whatif.WhatIfRequest.PARAMS, not_found=True,
             meta=mp.WhatIfMeta),
    Endpoint("/v1/rankings/stability", "list_rank_stability",
             "How each rank moves when the weights do (derived at load time)",
             mp.StabilityEntry, _stability, method.StabilityFilter.PARAMS,
             meta=mp.StabilityMeta),
    Endpoint("/v1/merger", "list_merger", "The 2025 merger: old province -> new province",
             pub.MergerLink, _merger, tag="catalog"),
    Endpoint("/v1/aggregates", "list_aggregates", "Published averages, growth and counts",
             pub.Aggregate, _aggregates, figures.AggregateFilter.PARAMS),
    Endpoint("/v1/statistics", "list_statistics", "Public-service statistics", pub.Statistic,
             _statistics, figures.StatisticFilter.PARAMS),
    Endpoint("/v1/metrics", "list_metrics", "The metric catalog", pub.Metric, _metrics,
             tag="catalog"),
    Endpoint("/v1/sources", "list_sources", "Every source a figure was read from", pub.Source,
             _sources, figures.SourceFilter.PARAMS, tag="provenance"),
    Endpoint("/v1/sources/{id}", "get_source", "One source with the figures it gives",
             pub.Source, _source, collection=False, paged=False,
             path_params={"id": ("Source id", "dti-gov-vn-xep-hang-2022")}, not_found=True,
             tag="provenance"),
    Endpoint("/v1/coverage", "list_coverage", "How complete each year, cohort and indicator is",
             pub.Coverage, _coverage, figures.CoverageFilter.PARAMS, tag="provenance"),
]
