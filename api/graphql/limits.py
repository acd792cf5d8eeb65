"""Reject GraphQL queries that could ask for too many nodes, before running them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from api.services.paging import DEFAULT_LIMIT


def _first(field: FieldNode, variables: dict[str, Any]) -> int:
    for arg in field.arguments or ():
        if arg.name.value != "first":
            continue
        if isinstance(arg.value, IntValueNode):
            return int(arg.value.value)
        if isinstance(arg.value, VariableNode):
            value = variables.get(arg.value.name.value)
            return value if isinstance(value, int) else DEFAULT_LIMIT
    return DEFAULT_LIMIT


def estimate_nodes(schema: GraphQLSchema, document: Any, variables: dict[str, Any],
                   operation_name: str | None) -> int:
    """Sum over connections of the product of `first` along the path (GitHub's rule)."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if not operation_name or
              (o.name and o.name.value == operation_name)]
    if not chosen or schema.query_type is None:
        return 0

    def walk(parent: Any, selections: SelectionSetNode, factor: int, seen: frozenset[str]) -> int:
        total = 0
        for sel in selections.selections:
            if isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                if name in fragments and name not in seen:
                    total += walk(parent, fragments[name].selection_set, factor, seen | {name})
            elif isinstance(sel, InlineFragmentNode):
                total += walk(parent, sel.selection_set, factor, seen)
            elif isinstance(sel, FieldNode):
                definition = getattr(parent, "fields", {}).get(sel.name.value)
                if definition is None:
                    continue
                inner = factor
                if "first" in definition.args:
                    inner = factor * max(_first(sel, variables), 1)
                    total += inner
                if sel.selection_set:
                    total += walk(get_named_type(definition.type), sel.selection_set, inner,
                                  seen)
        return total

    return walk(schema.query_type, chosen[0].selection_set, 1, frozenset())


class NodeLimit(SchemaExtension):
    """Place after ValidationCache: it adds its error only to an otherwise valid query."""

    def __init__(self, max_nodes: int) -> None:
        self.max_nodes = max_nodes

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and not ctx.pre_execution_errors:
            nodes = estimate_nodes(ctx.schema._schema, ctx.graphql_document,
                                   ctx.variables or {}, ctx.operation_name)
            if nodes > self.max_nodes:
                ctx.pre_execution_errors = [GraphQLError(
                    f"this query may return up to {nodes} nodes; the limit is "
                    f"{self.max_nodes}. Ask for fewer items with `first` on nested "
                    "connections.", extensions={"code": "TOO_MANY_NODES"})]
        yield
