"""Introspection: priced exactly (the schema is small and fixed), and strawberry's
`isOneOf` made safe on wrapper types.

Static bounds (the most fields any type has, times the most arguments any field has...)
would price the full introspection query GraphiQL sends at about 320,000 for an answer
of 5,500 fields. Instead the fields an introspection selection returns are counted by
walking the schema with graphql-core's own introspection resolvers (what execution
calls), memoised per (selection set, schema element), and stopping past the budget.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    TypeMetaFieldDef,
    get_named_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
)

from api.graphql.guard import Meter

# Fields of introspection one request may return: the full introspection query of this
# schema (every option, as GraphiQL asks) returns about 6,100; a test keeps it under half.
INTROSPECTION_BUDGET = 20_000
Arguments = Callable[[GraphQLField, FieldNode], dict[str, Any]]


def _identity(value: Any) -> Any:
    """A key for a schema element: resolvers return fresh (name, definition) tuples of
    objects that live as long as the schema."""
    return tuple(map(id, value)) if isinstance(value, tuple) else id(value)


def is_list(graphql_type: Any) -> bool:
    return is_list_type(graphql_type.of_type if is_non_null_type(graphql_type)
                        else graphql_type)


class IntrospectionCount:
    """Counts the fields below `__schema` / `__type` selections of one document."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 arguments: Arguments, meter: Meter) -> None:
        self.schema, self.fragments, self.arguments, self.meter = (schema, fragments,
                                                                   arguments, meter)
        self.info = SimpleNamespace(schema=schema)  # all that the resolvers read of info
        self.memo: dict[tuple[int, Any], int] = {}
        self.total = 0  # fields counted by meta_field so far
        self.work = 0  # selections visited: at most the introspection selections of the
        self.over = False  # document times the schema elements (a fixed number)

    def meta_field(self, node: FieldNode) -> int:
        """The fields a `__schema` or `__type` field returns below itself."""
        if node.selection_set is None:
            return 0
        if node.name.value == "__schema":
            found: Any = self.schema
        else:
            found = self.schema.get_type(str(self.arguments(TypeMetaFieldDef, node)
                                             .get("name", "")))
        if found is None:
            return 0
        parent = self.schema.type_map["__Schema" if node.name.value == "__schema" else "__Type"]
        assert isinstance(parent, GraphQLObjectType)
        count = self.selections(parent, node.selection_set, found)
        self.total += count
        self.over = self.over or self.total > INTROSPECTION_BUDGET
        return count

    def selections(self, parent: GraphQLObjectType, node: SelectionSetNode, value: Any) -> int:
        key = (id(node), _identity(value))
        found = self.memo.get(key)
        if found is not None:
            return found
        total = 0
        for selection in node.selections:
            self.work += 1
            if self.meter.tick() or self.over:
                break
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    total += self.selections(parent, fragment.selection_set, value)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selections(parent, selection.selection_set, value)
            elif isinstance(selection, FieldNode):
                total += self._field(parent, selection, value)
            if self.total + total > INTROSPECTION_BUDGET:
                self.over = True
        self.memo[key] = total
        return total

    def _field(self, parent: GraphQLObjectType, node: FieldNode, value: Any) -> int:
        definition = parent.fields.get(node.name.value)
        if definition is None or node.selection_set is None or definition.resolve is None:
            return 1
        try:
            result = definition.resolve(value, self.info, **self.arguments(definition, node))
        except Exception:  # execution answers null (or an error) for it: one field
            return 1
        if result is None:
            return 1
        child = get_named_type(definition.type)
        assert isinstance(child, GraphQLObjectType)
        total = 1
        for item in (result if is_list(definition.type) else (result,)):
            total += self.selections(child, node.selection_set, item)
            if self.over or self.total + total > INTROSPECTION_BUDGET:
                self.over = True
                break
        return total


def fix_is_one_of(schema: GraphQLSchema) -> None:
    """Answer `__Type.isOneOf` without raising: null except for input objects.

    strawberry adds `isOneOf` with a resolver that reads `obj.extensions`, which wrapper
    types (lists, non-null) do not have: it raises AttributeError for every wrapper type
    an introspection query reaches (276 times for one 90-byte query). The unguarded read
    came with strawberry-graphql/strawberry#3528 ("Fix oneOf introspection", whose review
    flagged it); graphql-core itself answers isOneOf (graphql-python/graphql-core#241)
    with exactly this rule. strawberry puts its field on graphql-core's shared `__Type`,
    so this replaces the resolver on that shared field, after each schema is built; a
    plain strawberry.Schema built later in the same process puts the raising one back
    (bench/fields.py builds one after ours, and asks no introspection).
    """
    def is_one_of(type_: Any, _info: Any) -> bool | None:
        if not is_input_object_type(type_):
            return None
        definition = type_.extensions.get("strawberry-definition")
        return bool(getattr(definition, "is_one_of", getattr(type_, "is_one_of", False)))

    introspected = schema.type_map["__Type"]
    assert isinstance(introspected, GraphQLObjectType)
    introspected.fields["isOneOf"].resolve = is_one_of
