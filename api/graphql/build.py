"""The schema with its limits: tokens, depth, aliases, nodes, parse caches, masking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema
from graphql.validation.rules import overlapping_fields_can_be_merged as overlapping
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)

from api.graphql.cost import CostLimit
from api.graphql.errors import MESSAGE, log_unexpected, unexpected
from api.graphql.guard import DeadlineRule, Guard, alias_limit
from api.graphql.introspection import fix_is_one_of
from api.graphql.schema import Query
from api.graphql.views import CONFIG
from api.settings import Settings

# graphql-core meters the work of its overlapping-fields rule (quadratic in fields of one
# name) and aborts validation past this budget: 500,000 by default, about 0.7 s of CPU
# for a 9 KB document of one field repeated; 10,000 is about 30 ms. Queries that do not
# repeat a field spend none of it (GraphiQL's introspection query and the README's: 0).
VALIDATION_BUDGET = 10_000
overlapping.MAX_COMPLEXITY_BUDGET = VALIDATION_BUDGET


def core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema strawberry built. strawberry keeps it only in the private
    attribute `_schema`; this is the one place that reads it, and a test fails by name
    when an upgrade moves it."""
    found = schema._schema
    assert isinstance(found, GraphQLSchema), "strawberry.Schema._schema moved"
    return found


class DtiSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError],
                       execution_context: Any = None) -> None:
        """Log unexpected errors once per request; the client's are not logged at all."""
        log_unexpected(errors)


def _key(name: str) -> Callable[..., Any]:
    def resolve(source: dict[str, Any], info: Any) -> Any:
        return source[name]
    return resolve


def _direct(fn: Callable[..., Any], names: dict[str, str], info: str | None
            ) -> Callable[..., Any]:
    def resolve(source: Any, resolve_info: Any, **args: Any) -> Any:
        kwargs = {names[k]: v for k, v in args.items()}
        if info:
            kwargs[info] = resolve_info
        return fn(source, **kwargs)
    return resolve


def direct_resolvers(schema: strawberry.Schema) -> int:
    """Let graphql-core call plain fields and our resolvers directly.

    strawberry builds the schema (and the SDL); executing it, each field would otherwise
    pass through strawberry's per-field wrappers (an Info object, argument conversion,
    extension chains) that our fields do not need: a plain field is a key of the read
    model, and our resolvers take the row, the context and scalar arguments. Root fields
    (one call per query, some with input objects) keep strawberry's path. Returns the
    number of fields made direct.
    """
    made = 0
    graphql = core_schema(schema)
    for named in graphql.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__") \
                or named is graphql.query_type:
            continue
        for field in named.fields.values():
            definition = field.extensions.get("strawberry-definition")
            if definition is None or definition.extensions:
                continue
            resolver = definition.base_resolver
            if resolver is None:
                field.resolve = _key(definition.python_name)
            else:
                names = {schema.config.name_converter.from_argument(a): a.python_name
                         for a in definition.arguments}
                info = resolver.info_parameter
                field.resolve = _direct(resolver.wrapped_func, names,
                                        info.name if info else None)
            made += 1
    return made


def build_schema(settings: Settings, bounds: dict[str, int]) -> strawberry.Schema:
    """The schema with its limits; `bounds` are the dataset's list lengths (static cost)."""
    # Factories: strawberry builds fresh extension objects per request; the parser and
    # validation caches behind ParserCache/ValidationCache are shared per maxsize. The
    # alias rule is built once: the validation cache is keyed by the rule classes, so
    # rules made anew per request would never hit it. Depth is checked with the cost
    # (strawberry's depth rule fails on an empty selection set).
    # Guard goes first: it checks the deadline and number literals before any rule runs.
    rules = [alias_limit(settings.graphql_max_aliases), DeadlineRule]
    schema = DtiSchema(query=Query, config=CONFIG, extensions=[
        Guard,
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=settings.graphql_parse_cache),
        lambda: ValidationCache(maxsize=settings.graphql_parse_cache),
        lambda: CostLimit(graphql, settings.graphql_max_cost, settings.graphql_max_depth,
                          bounds),
        lambda: MaskErrors(should_mask_error=unexpected, error_message=MESSAGE),
    ])
    graphql = core_schema(schema)
    fix_is_one_of(graphql)
    direct_resolvers(schema)
    return schema
