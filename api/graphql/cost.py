"""A static cost for every GraphQL query, checked before it runs, in time linear in the
document.

Every field costs 1. A list multiplies the cost of what is selected inside it by its
real upper bound: a connection by its page size (`first`, default 100, never more than
the collection holds), a plain list by the longest such list in this dataset (measured
at start-up, e.g. the most claims any figure has). Aliases and fragments count each
time they are used; a fragment is priced once and its price reused at every spread.
Arguments are read as execution will read them (graphql-core's own coercion: literals,
variables, variables' defaults, fields' defaults). Introspection is priced exactly (see
`introspection`). A query above the budget is refused before execution, with its cost;
the cost of an accepted query is recorded for metrics and the rate limiter.

How the walk stays linear: a selection inside a connection costs more with a larger
page, which only the connection field knows, so a price is kept as a polynomial in the
page size (coefficients of 1, page, page², ...) and evaluated at that field; a fragment
then has one price wherever it is spread. The walk stops as soon as the price passes the
budget (prices only grow on the way up), checks the request's deadline, and never does
more than WORK_LIMIT units of work.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension

from api.graphql.guard import Deadline, Meter
from api.graphql.introspection import INTROSPECTION_BUDGET, IntrospectionCount, is_list
from api.services.paging import DEFAULT_LIMIT
from api.services.registry import COLLECTIONS

# (type, field) -> the bound (a key of registry.list_bounds) of the list of objects it
# returns; a test holds every such field of the schema to have one.
LIST_BOUNDS = {
    ("Score", "sources"): "claims_per_figure", ("Score", "claims"): "claims_per_figure",
    ("Score", "conflicts"): "claims_per_figure",
    ("Aggregate", "sources"): "claims_per_figure", ("Aggregate", "claims"): "claims_per_figure",
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
    ("FrameworkMethod", "weights"): "indicators_per_framework",
    ("FrameworkMethod", "pillars"): "indicators_per_framework",
    ("FrameworkMethod", "checks"): "checks_per_framework",
}
# Root connections -> the collection whose size bounds their page.
CONNECTIONS = {"frameworks": "frameworks", "indicators": "indicators", "entities": "entities",
               "scores": "scores", "aggregates": "aggregates", "statistics": "statistics",
               "metrics": "metrics", "sources": "sources", "coverage": "coverage",
               "ranking": "ranking_entries", "rankingHistory": "ranking_entries_all",
               "merger": "merger_links", "whatIf": "ranking_entries",
               # and each collection the registry names for GraphQL, bounded by its size
               **{c.graphql: c.graphql for c in COLLECTIONS if c.graphql}}
PER_INDICATOR = {("Entity", "series"), ("Entity", "scores")}  # times the indicators asked
# A document has at most graphql_max_tokens (2,000) tokens, so far fewer selections; the
# data walk visits each once and introspection at most its budget: a safety net.
WORK_LIMIT = 10_000 + INTROSPECTION_BUDGET

Poly = tuple[int, ...]  # a price: coefficients of 1, page, page², ...
ZERO: Poly = (0,)
ONE: Poly = (1,)


def _plus(a: Poly, b: Poly) -> Poly:
    if len(a) < len(b):
        a, b = b, a
    return tuple(x + b[i] if i < len(b) else x for i, x in enumerate(a))


def _at(price: Poly, page: int) -> int:
    return sum(c * page ** i for i, c in enumerate(price))


class Cost:
    """Prices one operation; `bounds` are registry.list_bounds of the dataset. After
    `operation`, `depth` is the deepest field (root fields at 1, introspection at its
    root field) and `meter.work` the units of work the walk took."""

    def __init__(self, schema: GraphQLSchema, document: Any, bounds: Mapping[str, int],
                 variables: Mapping[str, Any], budget: int = 10**18,
                 deadline: Deadline | None = None) -> None:
        self.schema, self.bounds, self.raw_variables = schema, bounds, variables
        self.budget, self.depth, self.over = budget, 0, False
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.meter = Meter(WORK_LIMIT, deadline)
        self.introspection = IntrospectionCount(schema, self.fragments, self._arguments,
                                                self.meter)
        self.variables: Any = None  # graphql-core's VariableValues
        self._memo: dict[str, tuple[Poly, int]] = {}
        self._active: set[str] = set()

    @property
    def stopped(self) -> bool:
        return self.over or self.meter.exhausted or self.introspection.over

    def operation(self, document: Any, name: str | None) -> int:
        """The price (a lower bound above the budget, where the walk stopped); 0 when
        execution will refuse the variables before any field runs."""
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                      and (name is None or (d.name and d.name.value == name))]
        if not operations or self.schema.query_type is None:
            return 0
        coerced = get_variable_values(self.schema, operations[0].variable_definitions or (),
                                      dict(self.raw_variables))
        if isinstance(coerced, list):
            return 0
        self.variables = coerced
        price, self.depth = self.selections(self.schema.query_type, operations[0].selection_set)
        return _at(price, 1)

    def selections(self, parent: GraphQLObjectType, node: SelectionSetNode) -> tuple[Poly, int]:
        total, height = ZERO, 0
        for selection in node.selections:
            if self.meter.tick() or self.stopped:
                break
            if isinstance(selection, FragmentSpreadNode):
                price, deep = self._fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                price, deep = self.selections(self._type(selection.type_condition, parent),
                                              selection.selection_set)
            elif isinstance(selection, FieldNode):
                price, deep = self._field(parent, selection)
            else:
                continue
            total, height = _plus(total, price), max(height, deep)
            if sum(total) > self.budget:  # its value at page 1, the least it can be
                self.over = True
        return total, height

    def _fragment(self, name: str) -> tuple[Poly, int]:
        found = self._memo.get(name)
        if found is not None:
            return found
        fragment = self.fragments.get(name)
        if fragment is None or name in self._active:  # validation refuses both
            return ZERO, 0
        self._active.add(name)
        found = self.selections(self._type(fragment.type_condition, None),
                                fragment.selection_set)
        self._active.discard(name)
        self._memo[name] = found
        return found

    def _type(self, condition: NamedTypeNode | None,
              default: GraphQLObjectType | None) -> GraphQLObjectType:
        found = self.schema.get_type(condition.name.value) if condition else default
        assert isinstance(found, GraphQLObjectType), "validation admits object types only"
        return found

    def _field(self, parent: GraphQLObjectType, node: FieldNode) -> tuple[Poly, int]:
        name = node.name.value
        if name in ("__schema", "__type"):
            return (1 + self.introspection.meta_field(node),), 1
        definition = parent.fields.get(name)
        if definition is None:  # __typename
            return ONE, 1
        args = self._arguments(definition, node)
        child = get_named_type(definition.type)
        inside, height = ZERO, 0
        if node.selection_set is not None and isinstance(child, GraphQLObjectType):
            inside, height = self.selections(child, node.selection_set)
        if "first" in definition.args:  # a connection: its edges are one page long
            inside = (_at(inside, self._page(name, args)),)
        if is_list(definition.type):
            inside = (0, *inside) if name == "edges" else \
                tuple(c * self._bound(parent, name, args) for c in inside)
        return _plus(ONE, inside), 1 + height  # a list of scalars costs what one field does

    def _arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(definition, node, self.variables)
        except GraphQLError:  # execution reports it for this field
            return {}

    def _page(self, name: str, args: Mapping[str, Any]) -> int:
        first = args.get("first")
        size = first if isinstance(first, int) and first > 0 else DEFAULT_LIMIT
        return min(size, self.bounds.get(CONNECTIONS.get(name, ""), size))

    def _bound(self, parent: GraphQLObjectType, name: str, args: Mapping[str, Any]) -> int:
        widest = max(self.bounds.values(), default=1)
        key = LIST_BOUNDS.get((parent.name, name))
        bound = self.bounds.get(key, widest) if key else widest
        if (parent.name, name) in PER_INDICATOR:
            asked = args.get("indicator")
            if isinstance(asked, list) and asked:
                bound = min(bound * len(asked), self.bounds.get("scores_per_entity", bound))
            elif name == "scores":
                bound = self.bounds.get("scores_per_entity", bound)
        return bound


def empty_selection(document: Any) -> bool:
    """A selection set with no field (`{}`): the spec requires at least one."""
    stack = list(document.definitions)
    while stack:
        selection_set = getattr(stack.pop(), "selection_set", None)
        if selection_set is not None:
            if not selection_set.selections:
                return True
            stack.extend(selection_set.selections)
    return False


class CostLimit(SchemaExtension):
    """Depth and cost, checked after validation (place it after ValidationCache): it adds
    its error only to an otherwise valid query, and runs nothing that fails on one."""

    def __init__(self, schema: GraphQLSchema, budget: int, max_depth: int,
                 bounds: Mapping[str, int]) -> None:
        self.schema, self.budget, self.max_depth, self.bounds = (schema, budget, max_depth,
                                                                 bounds)

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
        walk = Cost(self.schema, document, self.bounds, ctx.variables or {}, self.budget,
                    getattr(ctx.context, "deadline", None))
        cost = walk.operation(document, ctx.operation_name)
        if hasattr(ctx.context, "cost"):  # what the rate limiter charges, refused or not
            ctx.context.cost = min(cost, self.budget)
        if walk.meter.exhausted:
            return _refused(f"this query takes more than {WORK_LIMIT} steps to price; "
                            "ask for less", self.budget, cost)
        if walk.depth > self.max_depth:
            return GraphQLError(f"the query exceeds maximum operation depth of "
                                f"{self.max_depth} (it nests {walk.depth} fields deep)",
                                extensions={"code": "DEPTH_LIMIT"})
        if walk.introspection.over:
            return _refused(f"this query asks for more than {INTROSPECTION_BUDGET} fields "
                            "of introspection; the full introspection query needs fewer",
                            self.budget, cost)
        if cost > self.budget:
            return _refused(f"this query may cost {cost} or more; the budget is "
                            f"{self.budget}. Ask for fewer items (`first`) or fewer nested "
                            "lists.", self.budget, cost)
        return None


def _refused(message: str, budget: int, cost: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "COST_LIMIT", "cost": cost,
                                             "budget": budget})
