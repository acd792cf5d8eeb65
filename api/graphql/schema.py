"""The read-only GraphQL schema over the shared service layer.

Root fields parse their arguments with the services' own filters (the same parsers, the
same messages as REST) and return read models; nested fields are in `types`.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.graphql import types as t
from api.graphql.context import context, grouped
from api.graphql.errors import UserInputError
from api.services import catalog, figures, rankings, scores
from api.services.paging import Page, page_request
from api.services.params import Filter, parse_params
from api.services.scores import DEFAULT_INDICATOR

Conn = t.Connection
PAGE_NAMES = ("first", "after")
GRAPHQL_NAMES = {"limit": "first", "cursor": "after", "from": "dateFrom", "to": "dateTo",
                 "has_value": "hasValue", "has_rank": "hasRank"}


def _connection(page: Page[Any]) -> dict[str, Any]:
    cursors = page.cursors or [""] * len(page.items)
    return {"edges": [{"cursor": c, "node": n}
                      for c, n in zip(cursors, grouped(page.items), strict=True)],
            "page_info": {"has_next_page": page.next_cursor is not None,
                          "end_cursor": page.next_cursor},
            "total_count": page.total}


def _list(info: Info, fn: Any, parser: type[Filter] | None, raw: dict[str, Any],
          first: int | None, after: str | None) -> Any:
    """A root connection: parse the filter and the page, call the service."""
    def run(ctx: Any) -> Any:
        page = page_request(first, after, edge_cursors=True, names=PAGE_NAMES)
        return fn(ctx, parser.parse(raw), page) if parser else fn(ctx, page)
    return _connection(context(info).call(run, names=GRAPHQL_NAMES))


def _ranked(info: Info, fn: Any, parser: type[Filter], raw: dict[str, Any],
            first: int | None, after: str | None) -> Any:
    """A ranking-shaped answer: its meta, and its entries as a connection; null when the
    service says nothing was published."""
    def run(ctx: Any) -> Any:
        page = page_request(first, after, edge_cursors=True, names=PAGE_NAMES)
        result, meta = fn(ctx, parser.parse(raw), page)
        return {**meta, "entries": _connection(result)}
    return _maybe(info, run)


def _maybe(info: Info, fn: Any, *args: Any) -> Any:
    """A single read model, or null when the service says it does not exist."""
    try:
        found = context(info).call(fn, *args)
    except UserInputError as error:
        if (error.extensions or {}).get("code") == "NOT_FOUND":
            return None
        raise
    return grouped([found])[0]


@strawberry.input
class ScoreFilterInput:
    year: str | None = strawberry.field(default=None, description="2020, 2020,2022, 2020:2024")
    entity: list[str] | None = None
    kind: list[str] | None = None
    cohort: list[str] | None = None
    indicator: list[str] | None = None
    has_value: bool | None = None
    has_rank: bool | None = None


@strawberry.type
class Query:
    @strawberry.field
    def dataset(self, info: Info) -> t.Dataset:
        """The dataset this answer's figures come from (the one its connection reads)."""
        ctx = context(info)
        snap = ctx.dataset.snapshot(ctx.query.conn.info["dataset_version"])
        return {"version": snap.version, "built_at": snap.built_at,  # type: ignore[return-value]
                "synthetic": snap.synthetic, "licence": LICENCE_CODE,
                "attribution": ATTRIBUTION}

    @strawberry.field
    def frameworks(self, info: Info, first: int | None = None,
                   after: str | None = None) -> Conn[t.Framework]:
        return _list(info, catalog.list_frameworks, None, {}, first, after)

    @strawberry.field
    def framework(self, info: Info, id: str) -> t.Framework | None:
        return _maybe(info, catalog.get_framework, id)

    @strawberry.field
    def indicators(self, info: Info, framework: str | None = None, level: str | None = None,
                   kind: str | None = None, parent: str | None = None,
                   first: int | None = None, after: str | None = None) -> Conn[t.Indicator]:
        raw = {"framework": framework, "level": level, "kind": kind, "parent": parent}
        return _list(info, catalog.list_indicators, catalog.IndicatorFilter, raw,
                     first, after)

    @strawberry.field
    def indicator(self, info: Info, code: str,
                  framework: str | None = None) -> t.Indicator | None:
        return _maybe(info, catalog.get_indicator, code, framework)

    @strawberry.field
    def entities(self, info: Info, kind: list[str] | None = None, region: str | None = None,
                 cohort: str | None = None, q: str | None = None, first: int | None = None,
                 after: str | None = None) -> Conn[t.Entity]:
        raw = {"kind": kind, "region": region, "cohort": cohort, "q": q}
        return _list(info, catalog.list_entities, catalog.EntityFilter, raw,
                     first, after)

    @strawberry.field
    def entity(self, info: Info, code: str) -> t.Entity | None:
        return _maybe(info, catalog.get_entity, code)

    @strawberry.field(description="Sort keys as in REST: year, -value, rank, entity, indicator.")
    def scores(self, info: Info, filter: ScoreFilterInput | None = None,
               sort: list[str] | None = None, first: int | None = None,
               after: str | None = None) -> Conn[t.Score]:
        f = filter or ScoreFilterInput()
        raw = {"year": f.year, "entity": f.entity, "kind": f.kind, "cohort": f.cohort,
               "indicator": f.indicator, "has_value": f.has_value, "has_rank": f.has_rank}

        def run(ctx: Any, score_filter: Any, page: Any) -> Any:
            order = parse_params({"sort": scores.SORT}, {"sort": sort}).get("sort", ())
            return scores.list_scores(ctx, score_filter, order, page)
        return _list(info, run, scores.ScoreFilter, raw, first, after)

    @strawberry.field(description="null when nothing was published for that year and cohort.")
    def ranking(self, info: Info, year: int, indicator: str = DEFAULT_INDICATOR,
                cohort: str | None = None, first: int | None = None,
                after: str | None = None) -> t.Ranking | None:
        raw = {"year": year, "indicator": indicator, "cohort": cohort}
        return _ranked(info, rankings.ranking, rankings.RankingRequest, raw, first, after)

    @strawberry.field(description="Every published rank of some entities across editions.")
    def ranking_history(self, info: Info, entity: list[str], years: str | None = None,
                        indicator: str = DEFAULT_INDICATOR, cohort: str | None = None,
                        first: int | None = None,
                        after: str | None = None) -> t.RankingHistory | None:
        raw = {"entity": entity, "year": years, "indicator": indicator, "cohort": cohort}
        return _ranked(info, rankings.history, rankings.HistoryRequest, raw, first, after)

    @strawberry.field(description="The 2025 merger: old province -> new province.")
    def merger(self, info: Info, first: int | None = None,
               after: str | None = None) -> Conn[t.MergerLink]:
        return _list(info, catalog.list_merger, None, {}, first, after)

    @strawberry.field
    def aggregates(self, info: Info, year: str | None = None, cohort: list[str] | None = None,
                   indicator: list[str] | None = None, statistic: list[str] | None = None,
                   first: int | None = None, after: str | None = None) -> Conn[t.Aggregate]:
        raw = {"year": year, "cohort": cohort, "indicator": indicator, "statistic": statistic}
        return _list(info, figures.list_aggregates, figures.AggregateFilter, raw,
                     first, after)

    @strawberry.field(description="date_from/date_to compare each row's reference date.")
    def statistics(self, info: Info, entity: list[str] | None = None,
                   metric: list[str] | None = None, date_from: str | None = None,
                   date_to: str | None = None, dated: bool | None = None,
                   first: int | None = None, after: str | None = None) -> Conn[t.Statistic]:
        raw = {"entity": entity, "metric": metric, "from": date_from, "to": date_to,
               "dated": dated}
        return _list(info, figures.list_statistics, figures.StatisticFilter, raw,
                     first, after)

    @strawberry.field
    def metrics(self, info: Info, first: int | None = None,
                after: str | None = None) -> Conn[t.Metric]:
        return _list(info, catalog.list_metrics, None, {}, first, after)

    @strawberry.field
    def sources(self, info: Info, tier: str | None = None, first: int | None = None,
                after: str | None = None) -> Conn[t.Source]:
        return _list(info, figures.list_sources, figures.SourceFilter,
                     {"tier": tier}, first, after)

    @strawberry.field
    def source(self, info: Info, id: str) -> t.Source | None:
        return _maybe(info, figures.get_source, id)

    @strawberry.field
    def coverage(self, info: Info, year: str | None = None, cohort: list[str] | None = None,
                 indicator: list[str] | None = None, first: int | None = None,
                 after: str | None = None) -> Conn[t.Coverage]:
        raw = {"year": year, "cohort": cohort, "indicator": indicator}
        return _list(info, figures.coverage, figures.CoverageFilter, raw,
                     first, after)

