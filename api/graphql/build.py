"""The schema with its limits: tokens, depth, aliases, nodes, parse caches, masking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)

from api.graphql.context import UserInputError
from api.graphql.cost import CostLimit
from api.graphql.schema import Query, should_mask
from api.graphql.views import CONFIG
from api.settings import Settings


class DtiSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError],
                       execution_context: Any = None) -> None:
        """Log unexpected errors only; a bad argument is the client's, not ours."""
        unexpected = [e for e in errors if not isinstance(e.original_error, UserInputError)
                      and e.original_error is not None]
        if unexpected:
            super().process_errors(unexpected, execution_context)


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
    graphql = schema._schema
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
    limits = MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules
    schema = DtiSchema(query=Query, config=CONFIG, extensions=[
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: AddValidationRules(limits),
        lambda: ParserCache(maxsize=settings.graphql_parse_cache),
        lambda: ValidationCache(maxsize=settings.graphql_parse_cache),
        lambda: CostLimit(settings.graphql_max_cost, settings.graphql_max_depth, bounds),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Unexpected error."),
    ])
    direct_resolvers(schema)
    return schema
