"""The read-only GraphQL schema over the shared service layer.

Root fields take the arguments their service filter declares (`arguments`: the same
parsers, the same messages as REST, under the GraphQL names) and return read models;
nested fields are in `types`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from strawberry.types import Info

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.graphql import types as t
from api.graphql.arguments import (
    PAGE,
    Argument,
    collect,
    filter_arguments,
    generated_field,
    input_type,
    input_values,
)
from api.graphql.context import context, grouped
from api.graphql.errors import UserInputError
from api.graphql.views import VIEWS, view
from api.services import catalog, figures, rankings, scores, whatif
from api.services.paging import Page, page_request
from api.services.params import Filter, parse_params
from api.services.registry import COLLECTIONS, Collection

Conn = t.Connection


def _connection(page: Page[Any]) -> dict[str, Any]:
    cursors = page.cursors or [""] * len(page.items)
    return {"edges": [{"cursor": c, "node": n}
                      for c, n in zip(cursors, grouped(page.items), strict=True)],
            "page_info": {"has_next_page": page.next_cursor is not None,
                          "end_cursor": page.next_cursor},
            "total_count": page.total}


def _page(raw: dict[str, Any]) -> Any:
    return page_request(raw.pop("limit", None), raw.pop("cursor", None), edge_cursors=True,
                        names=("first", "after"))


def connection(fn: Callable[..., Page[Any]], node: Any, parser: type[Filter] | None = None,
               description: str | None = None, exclude: Sequence[str] = ()) -> Any:
    """A root connection: the filter's arguments and a page; calls `fn(ctx, filter, page)`
    (or `fn(ctx, page)` without a filter)."""
    arguments = [*(filter_arguments(parser, exclude=exclude) if parser else []), *PAGE]

    def run(_: Any, info: Info, raw: dict[str, Any], names: dict[str, str]) -> Any:
        def call(ctx: Any) -> Page[Any]:
            page = _page(raw)
            return fn(ctx, parser.parse(raw), page) if parser else fn(ctx, page)
        return _connection(context(info).call(call, names=names))
    return generated_field(arguments, Conn[node], run, description)


def ranked(fn: Callable[..., Any], returns: Any, parser: type[Filter], description: str,
           deprecated: dict[str, str] | None = None) -> Any:
    """A ranking-shaped answer: its meta, and its entries as a connection; null when the
    service says nothing was published."""
    arguments = [*filter_arguments(parser, deprecated=deprecated), *PAGE]

    def run(_: Any, info: Info, raw: dict[str, Any], names: dict[str, str]) -> Any:
        def call(ctx: Any) -> Any:
            page = _page(raw)
            result, meta = fn(ctx, parser.parse(raw), page)
            return {**meta, "entries": _connection(result)}
        return _maybe(info, call, names=names)
    return generated_field(arguments, returns | None, run, description)


def _maybe(info: Info, fn: Any, *args: Any, names: dict[str, str] | None = None) -> Any:
    """A single read model, or null when the service says it does not exist."""
    try:
        found = context(info).call(fn, *args, names=names)
    except UserInputError as error:
        if (error.extensions or {}).get("code") == "NOT_FOUND":
            return None
        raise
    return grouped([found])[0]


SCORE_FILTER = filter_arguments(scores.ScoreFilter)
ScoreFilterInput = input_type("ScoreFilterInput", SCORE_FILTER)
SCORES = [Argument("filter", "filter", ScoreFilterInput | None),
          Argument("sort", "sort", list[str] | None, description=scores.SORT.description
                   .replace("Comma-separated keys", "Sort keys")), *PAGE]


def _scores(_: Any, info: Info, raw: dict[str, Any], names: dict[str, str]) -> Any:
    values, filter_names = collect(SCORE_FILTER, input_values(SCORE_FILTER, raw.pop("filter",
                                                                                  None)),
                                   prefix="filter.")

    def call(ctx: Any) -> Page[Any]:
        order = parse_params({"sort": scores.SORT}, raw).get("sort", ())
        page = _page(raw)
        return scores.list_scores(ctx, scores.ScoreFilter.parse(values), order, page)
    return _connection(context(info).call(call, names={**names, **filter_names}))


class Query:
    @strawberry.field
    def dataset(self, info: Info) -> t.Dataset:
        """The dataset this answer's figures come from (the one its connection reads)."""
        ctx = context(info)
        snap = ctx.dataset.snapshot(ctx.query.conn.info["dataset_version"])
        return {"version": snap.version, "built_at": snap.built_at,  # type: ignore[return-value]
                "synthetic": snap.synthetic, "licence": LICENCE_CODE,
                "attribution": ATTRIBUTION}

    frameworks = connection(catalog.list_frameworks, t.Framework)

    @strawberry.field
    def framework(self, info: Info, id: str) -> t.Framework | None:
        return _maybe(info, catalog.get_framework, id)

    indicators = connection(catalog.list_indicators, t.Indicator, catalog.IndicatorFilter,
                            exclude=("tree",))

    @strawberry.field
    def indicator(self, info: Info, code: str,
                  framework: str | None = None) -> t.Indicator | None:
        return _maybe(info, catalog.get_indicator, code, framework)

    entities = connection(catalog.list_entities, t.Entity, catalog.EntityFilter)

    @strawberry.field
    def entity(self, info: Info, code: str) -> t.Entity | None:
        return _maybe(info, catalog.get_entity, code)

    scores = generated_field(SCORES, Conn[t.Score], _scores,
                             "Sort keys as in REST: year, -value, rank, entity, indicator.")
    ranking = ranked(rankings.ranking, t.Ranking, rankings.RankingRequest,
                     "null when nothing was published for that year and cohort.")
    what_if = ranked(whatif.what_if, t.WhatIf, whatif.WhatIfRequest,
                     "Unofficial: the ranking recomputed with your weights of the main "
                     "indicators (where the year's table is complete); never a published "
                     "figure.")
    ranking_history = ranked(rankings.history, t.RankingHistory, rankings.HistoryRequest,
                             "Every published rank of some entities across editions.",
                             deprecated={"years": "year"})
    merger = connection(catalog.list_merger, t.MergerLink,
                        description="The 2025 merger: old province -> new province.")
    aggregates = connection(figures.list_aggregates, t.Aggregate, figures.AggregateFilter)
    statistics = connection(figures.list_statistics, t.Statistic, figures.StatisticFilter,
                            "dateFrom/dateTo compare each row's reference date.")
    metrics = connection(catalog.list_metrics, t.Metric)
    sources = connection(figures.list_sources, t.Source, figures.SourceFilter)

    @strawberry.field
    def source(self, info: Info, id: str) -> t.Source | None:
        return _maybe(info, figures.get_source, id)

    coverage = connection(figures.coverage, t.Coverage, figures.CoverageFilter)


def _plain(collection: Collection) -> Any:
    """A collection the registry names for GraphQL: a connection of its read model (its
    view, derived here when no type of its own exists) with its filter's arguments."""
    assert collection.query is not None, collection.operation_id
    node = VIEWS.get(collection.model) or view(collection.model)(
        type(collection.model.__name__, (), {}))
    return connection(collection.query, node, collection.filter, collection.summary)


for _collection in COLLECTIONS:  # each declared once: REST, the contract and GraphQL
    if _collection.graphql:
        setattr(Query, _collection.graphql, _plain(_collection))
Query = strawberry.type(Query)  # type: ignore[misc]
