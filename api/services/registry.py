"""The registry of the dataset's collections, each declared once: path, model, query.

REST serves every one (JSON pages, and every row as CSV, NDJSON...), the data release
exports the whole of each one it lists, and the contract documents them, all from these
declarations: adding a collection is adding one here. Parameters come from the filters'
own parsers; a fetch only builds the filter from the parsed values and calls the service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.services import catalog, exports, figures, method, rankings, scores, whatif
from api.services.context import QueryContext
from api.services.paging import MAX_LIMIT, CursorCodec, Page, PageRequest, Totals
from api.services.params import Filter, Param
from api.services.scores import SORT, ScoreFilter, SeriesFilter
from models import method_public as mp
from models import public as pub
from models.text import localise


@dataclass(frozen=True)
class Listing:
    """A fetch's answer: the data, the collection's meta, and the next page's cursor."""

    data: Any
    meta: dict[str, Any] = field(default_factory=dict)
    next_cursor: str | None = None


FK = tuple[tuple[str, ...], str, tuple[str, ...]]  # local fields, table, its fields


def fk(local: str, table: str, remote: str) -> FK:
    return (local,), table, (remote,)


SOURCE_FK = fk("source_id", "sources", "id")
ENTITY_FK = fk("entity_code", "entities", "code")
INDICATOR_FK = fk("indicator", "indicators", "code")
COHORT_FK = fk("cohort", "cohorts", "code")
FRAMEWORK_FK = fk("framework_id", "frameworks", "id")


@dataclass(frozen=True)
class Table:
    """A collection's rows as a table of the data release (and the Table Schema every
    CSV or Parquet of it names): its title in English and Vietnamese and its keys."""

    name: str
    title_en: str
    title_vi: str
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[FK, ...] = ()
    in_package: bool = True  # False: only the schema of a download the API serves


Fetch = Callable[[QueryContext, dict[str, Any], dict[str, str], PageRequest], Listing]
# An export reads every matching row straight into Arrow batches (no page cap).
Export = Callable[[dict[str, Any], str], exports.Export]
Queries = Callable[[], AbstractContextManager[QueryContext]]


@dataclass(frozen=True)
class Collection:
    """One collection (or one item of it). Its `query` is the service function, called as
    query(ctx, [path value,] [filter,] [page]): the path value when `key` names a path
    parameter, the filter built from the parsed parameters when `filter` is given, the
    page when it is a list. A list answers a Page, or (Page, meta). A collection whose
    call does not fit that shape gives its own `fetch` instead."""

    path: str
    operation_id: str
    summary: str
    model: type  # the read model of one item
    query: Callable[..., Any] | None = None
    filter: type[Filter] | None = None
    key: str | None = None  # the path parameter handed to `query`
    fetch: Fetch | None = None  # a call of another shape
    params: dict[str, Param] = field(default_factory=dict)  # beyond the filter's
    many: bool = True  # a list of items (else one item)
    paged: bool = True
    path_params: dict[str, tuple[str, str]] = field(default_factory=dict)  # doc, example
    not_found: bool = False  # may answer 404 (unknown code, no published data)
    export: Export | None = None  # every row through Arrow (CSV, Parquet), no cursor
    tag: str = "data"
    meta: type = pub.CollectionMeta  # the read model of `meta`
    table: Table | str | None = None  # its table, or the name of one it shares
    unofficial: str | None = None  # why its figures are not published ones (every surface
    # says so: the body, a header, the explorer)
    graphql: str | None = None  # its root connection's name, for a collection GraphQL
    # serves as it is (the others have fields and relations of their own in api/graphql)

    @property
    def table_name(self) -> str | None:
        return self.table.name if isinstance(self.table, Table) else self.table

    @property
    def parameters(self) -> dict[str, Param]:
        """Every parameter it takes: its filter's, then its own."""
        return {**(self.filter.PARAMS if self.filter else {}), **self.params}

    def get(self, ctx: QueryContext, params: dict[str, Any], path: dict[str, str],
            page: PageRequest) -> Listing:
        """One page (or the item) for these parsed parameters and path values."""
        if self.fetch is not None:
            return self.fetch(ctx, params, path, page)
        assert self.query is not None, self.operation_id
        args: list[Any] = [ctx]
        if self.key:
            args.append(path[self.key])
        if self.filter:
            args.append(self.filter.build(params))
        if not self.many:
            return Listing(self.query(*args))
        found = self.query(*args, page)
        listing, meta = found if isinstance(found, tuple) else (found, {})
        return Listing(listing.items, {"total": listing.total, **meta}, listing.next_cursor)


def item(path: str, operation_id: str, summary: str, model: type, query: Callable[..., Any],
         key: str, doc: str, example: str, **more: Any) -> Collection:
    """One item of a collection, found by the code in its path (404 when unknown)."""
    return Collection(path, operation_id, summary, model, query, key=key, many=False,
                      paged=False, not_found=True, path_params={key: (doc, example)}, **more)


def listed(page: Page[Any], **meta: Any) -> Listing:
    return Listing(page.items, {"total": page.total, **meta}, page.next_cursor)


def every_row(queries: Queries, collection: Collection, params: dict[str, Any],
              path: dict[str, str], lang: str) -> Iterator[dict[str, Any]]:
    """Every matching row, page after page, each page on a connection of its own."""
    cursor = params.get("cursor")
    while True:
        with queries() as ctx:
            result = collection.get(ctx, params, path, PageRequest(MAX_LIMIT, cursor))
        data = result.data if isinstance(result.data, list) else [result.data]
        yield from localise(data, lang)
        cursor = result.next_cursor
        if not cursor:
            return


def export_batches(queries: Queries, export: exports.Export) -> Iterator[pa.RecordBatch]:
    """An export's batches, read on one connection held while they are."""
    with queries() as ctx:
        yield from export.batches(ctx.conn)


def _indicators(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
                page: PageRequest) -> Listing:
    f = catalog.IndicatorFilter.build(p)
    return listed(catalog.list_indicators(ctx, f, page), tree=f.tree)


def _indicator(ctx: QueryContext, p: dict[str, Any], path: dict[str, str],
               _: PageRequest) -> Listing:
    return Listing(catalog.get_indicator(ctx, path["code"], p.get("framework")))


def _series(ctx: QueryContext, p: dict[str, Any], path: dict[str, str],
            page: PageRequest) -> Listing:
    series = scores.entity_series(ctx, path["code"], SeriesFilter.build(p), page)
    return listed(series, entity=path["code"])


def _scores(ctx: QueryContext, p: dict[str, Any], _: dict[str, str],
            page: PageRequest) -> Listing:
    return listed(scores.list_scores(ctx, ScoreFilter.build(p), p.get("sort", ()), page))


def _scores_export(p: dict[str, Any], lang: str) -> exports.Export:
    return exports.score_export(ScoreFilter.build(p), p.get("sort", ()), lang)


FRAMEWORK = {"framework": catalog.IndicatorFilter.PARAMS["framework"]}
COLLECTIONS: tuple[Collection, ...] = (
    Collection("/v1/frameworks", "list_frameworks", "DTI framework editions per level",
               pub.Framework, catalog.list_frameworks, tag="catalog",
               table=Table("frameworks", "Framework editions (decisions and levels)",
                           "Các bộ chỉ số (quyết định và cấp)", ("id",), (SOURCE_FK,))),
    item("/v1/frameworks/{id}", "get_framework", "One framework edition and level",
         pub.Framework, catalog.get_framework, "id", "Framework id", "DTI_922_2022-province",
         tag="catalog"),
    Collection("/v1/indicators", "list_indicators",
               "The indicator catalog (tree=true nests it)", pub.Indicator,
               fetch=_indicators, params=catalog.IndicatorFilter.PARAMS, tag="catalog",
               meta=pub.IndicatorMeta,
               table=Table("indicators", "Indicators: the tree of each framework "
                           "(parent_code)", "Chỉ số: cây chỉ số của từng bộ (parent_code)",
                           ("framework_id", "level", "code"), (FRAMEWORK_FK, SOURCE_FK))),
    Collection("/v1/indicators/{code}", "get_indicator",
               "One indicator with parent and children", pub.Indicator, fetch=_indicator,
               params=FRAMEWORK, many=False, paged=False, not_found=True, tag="catalog",
               path_params={"code": ("Indicator code", "DTI")}),
    Collection("/v1/entities", "list_entities", "Provinces, ministries and the nation",
               pub.Entity, catalog.list_entities, catalog.EntityFilter, tag="catalog",
               table=Table("entities", "Entities: provinces (63 and 34), ministries, the "
                           "nation", "Đơn vị: tỉnh (63 và 34), bộ, quốc gia", ("code",),
                           (SOURCE_FK,))),
    item("/v1/entities/{code}", "get_entity", "One entity with merger links", pub.Entity,
         catalog.get_entity, "code", "Entity code (48, M-da-nang...)", "48", tag="catalog"),
    Collection("/v1/entities/{code}/series", "get_entity_series",
               "One entity's figures over time", pub.SeriesPoint, fetch=_series,
               params=SeriesFilter.PARAMS, path_params={"code": ("Entity code", "48")},
               not_found=True, meta=pub.SeriesMeta,
               table=Table("series", "One entity's figures over time",
                           "Số liệu của một đơn vị theo thời gian", in_package=False)),
    Collection("/v1/scores", "list_scores", "Every published figure, long format", pub.Score,
               fetch=_scores, params={**ScoreFilter.PARAMS, "sort": SORT},
               export=_scores_export,
               table=Table("scores", "Scores: one row per published figure (value and rank)",
                           "Điểm số: mỗi dòng một số liệu đã công bố (giá trị và thứ hạng)",
                           ("id",), (ENTITY_FK, INDICATOR_FK, COHORT_FK, SOURCE_FK))),
    Collection("/v1/rankings", "get_ranking", "A ranked list with year-on-year change",
               pub.RankingEntry, rankings.ranking, rankings.RankingRequest, not_found=True,
               meta=pub.RankingMeta, table="rankings"),
    Collection("/v1/rankings/history", "get_ranking_history",
               "Every published rank of some entities across editions", pub.RankingEntry,
               rankings.history, rankings.HistoryRequest, meta=pub.RankingHistoryMeta,
               table="rankings"),
    Collection("/v1/rankings/what-if", "get_ranking_what_if",
               "Unofficial: a ranking recomputed with your weights of the main indicators",
               mp.WhatIfEntry, whatif.what_if, whatif.WhatIfRequest, not_found=True,
               meta=mp.WhatIfMeta,
               table=Table("what-if", "Unofficial what-if ranking with the weights asked "
                           "for", "Xếp hạng giả định không chính thức theo trọng số yêu cầu",
                           in_package=False),
               unofficial="what-if: recomputed with the weights asked for; not a published "
                          "ranking"),
    Collection("/v1/rankings/stability", "list_rank_stability",
               "How each rank moves when the weights do (derived at load time)",
               mp.StabilityEntry, method.stability, method.StabilityFilter,
               meta=mp.StabilityMeta,
               table=Table("stability", "Rank stability: each rank over perturbed weights "
                           "(derived)", "Độ ổn định thứ hạng khi trọng số thay đổi (suy ra)",
                           ("year", "cohort", "entity_code"), (ENTITY_FK, COHORT_FK))),
    Collection("/v1/merger", "list_merger", "The 2025 merger: old province -> new province",
               pub.MergerLink, catalog.list_merger, tag="catalog",
               table=Table("merger", "The 2025 merger: old province to new province",
                           "Sáp nhập 2025: tỉnh cũ sang tỉnh mới", ("old_code", "new_code"),
                           (fk("old_code", "entities", "code"),
                            fk("new_code", "entities", "code"), SOURCE_FK))),
    Collection("/v1/aggregates", "list_aggregates", "Published averages, growth and counts",
               pub.Aggregate, figures.list_aggregates, figures.AggregateFilter,
               table=Table("aggregates", "Aggregates: published means, minima, maxima of a "
                           "cohort", "Số liệu tổng hợp: trung bình, thấp nhất, cao nhất của "
                           "nhóm", ("id",), (COHORT_FK, SOURCE_FK))),
    Collection("/v1/statistics", "list_statistics", "Public-service statistics",
               pub.Statistic, figures.list_statistics, figures.StatisticFilter,
               table=Table("statistics", "Public-service statistics of provinces and "
                           "ministries", "Số liệu dịch vụ công của tỉnh và bộ", ("id",),
                           (ENTITY_FK, fk("metric", "metrics", "code"), SOURCE_FK))),
    Collection("/v1/cohorts", "list_cohorts", "The ranked groups and their sizes per year",
               pub.CohortSize, catalog.list_cohorts, catalog.CohortFilter, tag="catalog",
               graphql="cohorts",
               # not packaged: the release has these sizes already (coverage.csv)
               table=Table("cohort_sizes", "Cohort sizes: each ranked group, year by year",
                           "Số thành viên của mỗi nhóm xếp hạng theo năm", ("cohort", "year"),
                           (COHORT_FK, SOURCE_FK), in_package=False)),
    Collection("/v1/metrics", "list_metrics", "The metric catalog", pub.Metric,
               catalog.list_metrics, tag="catalog",
               table=Table("metrics", "Metrics the statistics measure",
                           "Các chỉ tiêu thống kê", ("code",))),
    Collection("/v1/sources", "list_sources", "Every source a figure was read from",
               pub.Source, figures.list_sources, figures.SourceFilter, tag="provenance",
               table=Table("sources", "Sources: every public page a figure was read from",
                           "Nguồn: mọi trang công khai đã đọc số liệu", ("id",))),
    item("/v1/sources/{id}", "get_source", "One source with the figures it gives",
         pub.Source, figures.get_source, "id", "Source id", "dti-gov-vn-xep-hang-2022",
         tag="provenance"),
    Collection("/v1/coverage", "list_coverage",
               "How complete each year, cohort and indicator is", pub.Coverage,
               figures.coverage, figures.CoverageFilter, tag="provenance",
               table=Table("coverage", "Coverage: per year, cohort and indicator, how "
                           "complete", "Độ phủ: theo năm, nhóm và chỉ số, dữ liệu đầy đủ đến "
                           "đâu", ("year", "cohort", "indicator"), (INDICATOR_FK, COHORT_FK))),
)
BY_OPERATION = {c.operation_id: c for c in COLLECTIONS}
LICENCE = {"code": LICENCE_CODE, "data": ATTRIBUTION}


def index(version: str, built_at: str, synthetic: bool) -> dict[str, Any]:
    """The service index (/v1, and / for clients that do not ask for HTML): links to
    every collection, the dataset version and the licence."""
    links = {c.operation_id: c.path for c in COLLECTIONS}
    return {"data": {"dataset_version": version, "built_at": built_at, "synthetic": synthetic,
                     "licence": LICENCE, "collections": links},
            "links": {"self": "/v1", "openapi": "/openapi.json", "docs": "/docs",
                      "graphql": "/graphql"}}


def list_bounds(conn: Connection) -> dict[str, int]:
    """The longest list each GraphQL field can return in this dataset version (its static
    cost): the catalog's relations, and the size of each collection GraphQL serves as it
    is (no filter can make a page longer than the whole collection)."""
    bounds = catalog.list_bounds(conn)
    ctx = QueryContext(conn, CursorCodec("bounds"), Totals())
    for c in COLLECTIONS:
        if c.graphql:
            bounds[c.graphql] = max(int(c.get(ctx, {}, {}, PageRequest(1)).meta["total"]), 1)
    return bounds
