"""A static cost for every GraphQL query, checked before it runs.

Every field costs 1. A list multiplies the cost of what is selected inside it by its
real upper bound: a connection by its page size (`first`, default 100, never more than
the collection holds), a plain list by the longest such list in this dataset (measured
at start-up, e.g. the most claims any figure has). Aliases and fragments count each
time they are used. A query above the budget is refused before execution, with its
cost; the cost of an accepted query is recorded for metrics and the rate limiter.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from api.services.paging import DEFAULT_LIMIT

# (type, field) -> the bound (a key of catalog.list_bounds) of the list of objects it
# returns; a test holds every such field of the schema to have one.
LIST_BOUNDS = {
    ("Score", "sources"): "claims_per_figure", ("Score", "conflicts"): "claims_per_figure",
    ("Aggregate", "sources"): "claims_per_figure",
    ("Aggregate", "conflicts"): "claims_per_figure",
    ("SeriesPoint", "sources"): "claims_per_figure",
    ("RankingEntry", "sources"): "claims_per_figure",
    ("Entity", "scores"): "scores_per_entity",
    ("Entity", "series"): "figures_per_entity_indicator",
    ("Entity", "statistics"): "statistics_per_entity",
    ("Entity", "predecessors"): "predecessors_per_entity",
    ("Entity", "successors"): "successors_per_entity",
    ("Source", "scores"): "scores_per_source",
    ("Framework", "indicators"): "indicators_per_framework",
    ("Indicator", "children"): "children_per_indicator",
    ("RankingHistory", "editions"): "ranking_editions",
}
# Root connections -> the collection whose size bounds their page.
CONNECTIONS = {"frameworks": "frameworks", "indicators": "indicators", "entities": "entities",
               "scores": "scores", "aggregates": "aggregates", "statistics": "statistics",
               "metrics": "metrics", "sources": "sources", "coverage": "coverage",
               "ranking": "ranking_entries", "rankingHistory": "ranking_entries_all",
               "merger": "merger_links"}
PER_INDICATOR = {("Entity", "series"), ("Entity", "scores")}  # times the indicators asked


def _argument(field: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    for arg in field.arguments or ():
        if arg.name.value == name:
            value = arg.value
            if isinstance(value, VariableNode):
                return variables.get(value.name.value)
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, ListValueNode):
                return list(value.values)
            return getattr(value, "value", None)
    return None


def _is_list(graphql_type: Any) -> bool:
    while isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLList)


class Cost:
    """Walks one operation; `bounds` are catalog.list_bounds of the dataset."""

    def __init__(self, schema: GraphQLSchema, document: Any, bounds: Mapping[str, int],
                 variables: Mapping[str, Any]) -> None:
        self.schema, self.bounds, self.variables = schema, bounds, variables
        self.depth = 0  # the deepest field, root fields at 1
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}

    def operation(self, document: Any, name: str | None) -> int:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                      and (name is None or (d.name and d.name.value == name))]
        if not operations or self.schema.query_type is None:
            return 0
        return self.selections(self.schema.query_type, operations[0].selection_set, 1,
                               frozenset(), 1)

    def selections(self, parent: GraphQLObjectType, node: SelectionSetNode, page: int,
                   seen: frozenset[str], depth: int) -> int:
        total = 0
        for selection in node.selections:
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in self.fragments and name not in seen:
                    total += self.selections(parent, self.fragments[name].selection_set,
                                             page, seen | {name}, depth)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selections(parent, selection.selection_set, page, seen, depth)
            elif isinstance(selection, FieldNode):
                total += self.field(parent, selection, page, seen, depth)
        return total

    def field(self, parent: GraphQLObjectType, node: FieldNode, page: int,
              seen: frozenset[str], depth: int) -> int:
        self.depth = max(self.depth, depth)
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 1
        inner_page = page
        if "first" in definition.args:  # a connection: its edges are one page long
            first = _argument(node, "first", self.variables)
            size = first if isinstance(first, int) and first > 0 else DEFAULT_LIMIT
            inner_page = min(size, self.bounds.get(CONNECTIONS.get(node.name.value, ""), size))
        times = 1
        if _is_list(definition.type):
            times = page if node.name.value == "edges" else self._bound(parent, node)
        child = get_named_type(definition.type)
        inside = self.selections(child, node.selection_set, inner_page, seen, depth + 1) \
            if node.selection_set and isinstance(child, GraphQLObjectType) else 0
        return 1 + times * inside  # a list of scalars costs what one field does

    def _bound(self, parent: GraphQLObjectType, node: FieldNode) -> int:
        key = LIST_BOUNDS.get((parent.name, node.name.value))
        bound = self.bounds.get(key, max(self.bounds.values(), default=1)) if key else \
            max(self.bounds.values(), default=1)
        if (parent.name, node.name.value) in PER_INDICATOR:
            asked = _argument(node, "indicator", self.variables)
            if isinstance(asked, list) and asked:
                bound = min(bound * len(asked), self.bounds.get("scores_per_entity", bound))
            elif node.name.value == "scores":
                bound = self.bounds.get("scores_per_entity", bound)
        return bound


def empty_selection(document: Any) -> bool:
    """A selection set with no field (`{}`): the spec requires at least one."""
    def empty(node: Any) -> bool:
        selection_set = getattr(node, "selection_set", None)
        if selection_set is None:
            return False
        if not selection_set.selections:
            return True
        return any(empty(s) for s in selection_set.selections)
    return any(empty(d) for d in document.definitions)


class CostLimit(SchemaExtension):
    """Depth and cost, checked after validation (place it after ValidationCache): it adds
    its error only to an otherwise valid query, and runs nothing that fails on one."""

    def __init__(self, budget: int, max_depth: int, bounds: Mapping[str, int]) -> None:
        self.budget, self.max_depth, self.bounds = budget, max_depth, bounds

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.pre_execution_errors:
            error = self.check(ctx, document)
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield

    def check(self, ctx: Any, document: Any) -> GraphQLError | None:
        if empty_selection(document):
            return GraphQLError("a selection set needs at least one field",
                                extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
        walk = Cost(ctx.schema._schema, document, self.bounds, ctx.variables or {})
        cost = walk.operation(document, ctx.operation_name)
        if hasattr(ctx.context, "cost"):
            ctx.context.cost = cost
        if walk.depth > self.max_depth:
            return GraphQLError(f"the query exceeds maximum operation depth of "
                                f"{self.max_depth} (it nests {walk.depth} fields deep)",
                                extensions={"code": "DEPTH_LIMIT"})
        if cost > self.budget:
            return GraphQLError(f"this query may cost up to {cost}; the budget is "
                                f"{self.budget}. Ask for fewer items (`first`) or fewer "
                                "nested lists.", extensions={"code": "COST_LIMIT", "cost": cost,
                                                            "budget": self.budget})
        return None
