"""The read-only GraphQL schema over the shared service layer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import Info

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.errors import ApiError
from api.graphql import types as t
from api.graphql.args import choices, page, parse_years
from api.graphql.context import UserInputError, to_graphql_error
from api.graphql.limits import NodeLimit
from api.services import catalog, figures, rankings, scores
from api.services.vocab import COHORTS, INDICATOR_KINDS, KINDS, LEVELS, STATISTICS, TIERS
from api.settings import Settings

Conn = t.Connection


def _ctx(info: Info) -> Any:
    return t.ctx_of(info)


async def _maybe(info: Info, fn: Any, *args: Any) -> Any:
    """Call a service that may raise 404: expected absence is null, not an error."""
    try:
        return await _ctx(info).call(fn, *args)
    except UserInputError as error:
        if (error.extensions or {}).get("code") == "NOT_FOUND":
            return None
        raise


def _codes(values: list[str] | None) -> tuple[str, ...]:
    """Normalise a list argument as REST does, so both share cache keys and cursors."""
    return tuple(sorted(set(values or ())))


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
    async def dataset(self, info: Info) -> t.Dataset:
        db = _ctx(info).state.db
        return t.Dataset(version=db.version, built_at=db.built_at, synthetic=db.synthetic,
                         licence=LICENCE_CODE, attribution=ATTRIBUTION)

    @strawberry.field
    async def frameworks(self, info: Info, first: int | None = None,
                         after: str | None = None) -> Conn[t.Framework]:
        result = await _ctx(info).call(catalog.list_frameworks, page(first, after))
        return t.connection(result, t.Framework.of)

    @strawberry.field
    async def framework(self, info: Info, id: str) -> t.Framework | None:
        found = await _maybe(info, catalog.get_framework, id)
        return t.Framework.of(found) if found else None

    @strawberry.field
    async def indicators(self, info: Info, framework: str | None = None,
                         level: str | None = None, kind: str | None = None,
                         parent: str | None = None, first: int | None = None,
                         after: str | None = None) -> Conn[t.Indicator]:
        choices("level", level, LEVELS)
        choices("kind", kind, INDICATOR_KINDS)
        f = catalog.IndicatorFilter(framework, level, kind, parent)
        return t.connection(await _ctx(info).call(catalog.list_indicators, f, page(first, after)),
                            t.Indicator.of)

    @strawberry.field
    async def indicator(self, info: Info, code: str,
                        framework: str | None = None) -> t.Indicator | None:
        found = await _maybe(info, catalog.get_indicator, code, framework)
        return t.Indicator.of(found) if found else None

    @strawberry.field
    async def entities(self, info: Info, kind: list[str] | None = None,
                       region: str | None = None, cohort: str | None = None,
                       q: str | None = None, first: int | None = None,
                       after: str | None = None) -> Conn[t.Entity]:
        choices("kind", tuple(kind or ()), KINDS)
        choices("cohort", cohort, COHORTS)
        f = catalog.EntityFilter(_codes(kind), region, cohort, q)
        return t.connection(await _ctx(info).call(catalog.list_entities, f, page(first, after)),
                            t.Entity.of)

    @strawberry.field
    async def entity(self, info: Info, code: str) -> t.Entity | None:
        found = await _maybe(info, catalog.get_entity, code)
        return t.Entity.of(found) if found else None

    @strawberry.field(description="Sort keys as in REST: year, -value, rank, entity, indicator.")
    async def scores(self, info: Info, filter: ScoreFilterInput | None = None,
                     sort: list[str] | None = None, first: int | None = None,
                     after: str | None = None) -> Conn[t.Score]:
        f = filter or ScoreFilterInput()
        choices("kind", tuple(f.kind or ()), KINDS)
        choices("cohort", tuple(f.cohort or ()), COHORTS)
        service_filter = scores.ScoreFilter(
            years=parse_years(f.year), entities=_codes(f.entity), kinds=_codes(f.kind),
            cohorts=_codes(f.cohort), indicators=_codes(f.indicator), has_value=f.has_value,
            has_rank=f.has_rank)
        try:
            scores.score_sort_keys(sort or ())
        except ApiError as error:
            raise to_graphql_error(error) from None
        result = await _ctx(info).call(scores.list_scores, service_filter, tuple(sort or ()),
                                       page(first, after))
        return t.connection(result, t.Score.of)

    @strawberry.field(description="null when nothing was published for that year and cohort.")
    async def ranking(self, info: Info, year: int, indicator: str = "DTI",
                      cohort: str | None = None, first: int | None = None,
                      after: str | None = None) -> t.Ranking | None:
        choices("cohort", cohort, COHORTS)
        with_entities = t.selects(info, "entries", "edges", "node", "entity")

        def fetch(ctx: Any) -> Any:
            result, meta = rankings.ranking(ctx, year, indicator, cohort, page(first, after))
            codes = [e["entity_code"] for e in result.items] if with_entities else []
            return result, meta, catalog.entities_by_code(ctx.conn, codes) if codes else {}

        found = await _maybe(info, fetch)
        if found is None:
            return None
        result, meta, entities = found
        extra = {"year": meta.year, "cohort": meta.cohort, "indicator": meta.indicator}
        entries = t.connection(result, lambda e: t.build(t.RankingEntry, {
            **e, **extra, "prefetched": entities.get(e["entity_code"])}))
        return t.Ranking(**asdict(meta), entries=entries)

    @strawberry.field
    async def aggregates(self, info: Info, year: str | None = None,
                         cohort: list[str] | None = None, indicator: list[str] | None = None,
                         statistic: list[str] | None = None, first: int | None = None,
                         after: str | None = None) -> Conn[t.Aggregate]:
        choices("cohort", tuple(cohort or ()), COHORTS)
        choices("statistic", tuple(statistic or ()), STATISTICS)
        f = figures.AggregateFilter(parse_years(year), _codes(cohort), _codes(indicator),
                                    _codes(statistic))
        return t.connection(await _ctx(info).call(figures.list_aggregates, f,
                                                  page(first, after)), t.Aggregate.of)

    @strawberry.field(description="date_from/date_to compare each row's reference date.")
    async def statistics(self, info: Info, entity: list[str] | None = None,
                         metric: list[str] | None = None, date_from: str | None = None,
                         date_to: str | None = None, dated: bool | None = None,
                         first: int | None = None,
                         after: str | None = None) -> Conn[t.Statistic]:
        from api.graphql.args import parse_date
        f = figures.StatisticFilter(_codes(entity), _codes(metric),
                                    parse_date(date_from, "dateFrom"),
                                    parse_date(date_to, "dateTo"), dated)
        return t.connection(await _ctx(info).call(figures.list_statistics, f,
                                                  page(first, after)),
                            lambda s: t.build(t.Statistic, s))

    @strawberry.field
    async def metrics(self, info: Info, first: int | None = None,
                      after: str | None = None) -> Conn[t.Metric]:
        return t.connection(await _ctx(info).call(catalog.list_metrics, page(first, after)),
                            lambda m: t.build(t.Metric, m))

    @strawberry.field
    async def sources(self, info: Info, tier: str | None = None, first: int | None = None,
                      after: str | None = None) -> Conn[t.Source]:
        choices("tier", tier, TIERS)
        return t.connection(await _ctx(info).call(figures.list_sources, tier,
                                                  page(first, after)),
                            lambda s: t.build(t.Source, s))

    @strawberry.field
    async def source(self, info: Info, id: str) -> t.Source | None:
        found = await _maybe(info, figures.get_source, id)
        return t.build(t.Source, found) if found else None

    @strawberry.field
    async def coverage(self, info: Info, year: str | None = None,
                       cohort: list[str] | None = None, indicator: list[str] | None = None,
                       first: int | None = None, after: str | None = None) -> Conn[t.Coverage]:
        choices("cohort", tuple(cohort or ()), COHORTS)
        f = figures.CoverageFilter(parse_years(year), _codes(cohort), _codes(indicator))
        return t.connection(await _ctx(info).call(figures.coverage, f, page(first, after)),
                            lambda c: t.build(t.Coverage, c))


def _should_mask(error: GraphQLError) -> bool:
    """Mask unexpected errors only; argument errors and validation messages stay."""
    return error.original_error is not None and not isinstance(error.original_error,
                                                               GraphQLError)


class DtiSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError],
                       execution_context: Any = None) -> None:
        """Log unexpected errors only; a bad argument is the client's, not ours."""
        unexpected = [e for e in errors if not isinstance(e.original_error, UserInputError)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings) -> strawberry.Schema:
    # Factories: strawberry builds fresh extension objects per request; the parser and
    # validation caches behind ParserCache/ValidationCache are shared per maxsize. The
    # depth and alias rules are built once: the validation cache is keyed by the rule
    # classes, so rules made anew per request would never hit it.
    limits = [*QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
              *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules]
    return DtiSchema(query=Query, extensions=[
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: AddValidationRules(limits),
        lambda: ParserCache(maxsize=settings.graphql_parse_cache),
        lambda: ValidationCache(maxsize=settings.graphql_parse_cache),
        lambda: NodeLimit(max_nodes=settings.graphql_max_nodes),  # after ValidationCache
        lambda: MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error."),
    ])
