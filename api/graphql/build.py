"""The schema with its limits: tokens, depth, aliases, nodes, parse caches, masking."""

from __future__ import annotations

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

from api.graphql.context import UserInputError
from api.graphql.limits import NodeLimit
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


def build_schema(settings: Settings) -> strawberry.Schema:
    # Factories: strawberry builds fresh extension objects per request; the parser and
    # validation caches behind ParserCache/ValidationCache are shared per maxsize. The
    # depth and alias rules are built once: the validation cache is keyed by the rule
    # classes, so rules made anew per request would never hit it.
    limits = [*QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
              *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules]
    return DtiSchema(query=Query, config=CONFIG, extensions=[
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: AddValidationRules(limits),
        lambda: ParserCache(maxsize=settings.graphql_parse_cache),
        lambda: ValidationCache(maxsize=settings.graphql_parse_cache),
        lambda: NodeLimit(max_nodes=settings.graphql_max_nodes),  # after ValidationCache
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Unexpected error."),
    ])
