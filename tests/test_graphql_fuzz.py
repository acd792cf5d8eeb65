"""GraphQL under generated input: schemathesis fuzzes the schema (no server error), and a
property test generates documents to hold the static cost to its promises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import schemathesis
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    Undefined,
    get_named_type,
    is_non_null_type,
    parse,
)
from graphql.language import Visitor, visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_schemathesis import APP

schema = schemathesis.graphql.from_asgi("/graphql", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_graphql_never_fails_on_the_server(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
    body = response.json()
    for error in body.get("errors", []):
        assert error["message"] != "Unexpected error.", (case.body, error)


# Values for the arguments a field requires (and a few optional ones worth varying).
REQUIRED = {"code": '"48"', "year": "2022", "entity": '["48", "49"]', "name": '"Entity"',
            "id": '"qn-interview-dti2020"'}
FIRSTS = (1, 2, 5, 1000)


@dataclass
class Document:
    """A document being generated: fragments, variables and their values."""

    draw: Any
    fragments: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type, body)
    variables: list[str] = field(default_factory=list)  # `$v0: Int = 5` definitions
    values: dict[str, Any] = field(default_factory=dict)
    aliases: int = 0
    arguments: dict[tuple[str, str], str] = field(default_factory=dict)

    def first(self) -> str:
        how = self.draw(st.sampled_from(["none", "literal", "default", "given", "both"]))
        if how == "none":
            return ""
        size = self.draw(st.sampled_from(FIRSTS))
        if how == "literal":
            return f"first: {size}"
        name = f"v{len(self.variables)}"
        default = f" = {size}" if how in ("default", "both") else ""
        self.variables.append(f"${name}: Int{default}")
        if how in ("given", "both"):
            self.values[name] = self.draw(st.sampled_from(FIRSTS))
        return f"first: ${name}"

    def argument_list(self, parent: GraphQLObjectType, name: str) -> str:
        """The same arguments for a field wherever it appears unaliased (fields of one name
        must merge)."""
        key = (parent.name, name)
        if key not in self.arguments:
            definition = parent.fields[name]
            parts = [f"{a}: {REQUIRED.get(a, '1')}" for a, arg in definition.args.items()
                     if is_non_null_type(arg.type) and arg.default_value in (None, Undefined)]
            if name == "whatIf":  # the one year and cohort whose table is complete
                parts = ['year: 2024', 'cohort: "provinces-34"']
            if "first" in definition.args:
                parts.append(self.first())
            if "indicator" in definition.args and parent.name == "Entity" \
                    and self.draw(st.booleans()):
                parts.append('indicator: ["DTI", "GOV"]')
            if "includeDeprecated" in definition.args and self.draw(st.booleans()):
                parts.append("includeDeprecated: true")
            self.arguments[key] = ", ".join(p for p in parts if p)
        found = self.arguments[key]
        return f"({found})" if found else ""

    def selection(self, parent: GraphQLObjectType, depth: int) -> str:
        names = [n for n, f in parent.fields.items()
                 if not (isinstance(get_named_type(f.type), GraphQLScalarType)
                         and get_named_type(f.type).name == "JSON")]
        if parent.name == "Query" and depth == 0:
            names += ["__schema", "__type"]
        chosen = self.draw(st.lists(st.sampled_from(sorted(names)), min_size=1, max_size=3,
                                    unique=True))
        parts = [self.field(parent, name, depth) for name in chosen]
        if self.draw(st.integers(0, 3)) == 0:
            parts.append("__typename")
        if depth < 4 and self.draw(st.integers(0, 2)) == 0:
            parts.append(self.spread(parent, depth))
        return "{ " + " ".join(parts) + " }"

    def field(self, parent: GraphQLObjectType, name: str, depth: int) -> str:
        if name in ("__schema", "__type"):
            child: Any = APP_SCHEMA.type_map["__Schema" if name == "__schema" else "__Type"]
            arguments = '(name: "Entity")' if name == "__type" else ""
        else:
            child = get_named_type(parent.fields[name].type)
            arguments = self.argument_list(parent, name)
        head = name + arguments
        if self.aliases < 4 and self.draw(st.integers(0, 5)) == 0:
            self.aliases += 1
            head = f"a{self.aliases}: {head}"
        if not isinstance(child, GraphQLObjectType):
            return head
        if depth >= 4:
            leaves = [n for n, f in child.fields.items()
                      if isinstance(get_named_type(f.type), GraphQLScalarType | GraphQLEnumType)
                      and not f.args and get_named_type(f.type).name != "JSON"]
            return f"{head} {{ {leaves[0] if leaves else '__typename'} }}"
        return f"{head} {self.selection(child, depth + 1)}"

    def spread(self, parent: GraphQLObjectType, depth: int) -> str:
        same = [n for n, (t, _) in self.fragments.items() if t == parent.name]
        if same and self.draw(st.booleans()):
            return "..." + self.draw(st.sampled_from(same))  # used again
        body = self.selection(parent, depth + 1)  # may spread earlier fragments only
        name = f"F{len(self.fragments)}"
        self.fragments[name] = (parent.name, body)
        return "..." + name


APP_SCHEMA: Any = None


@st.composite
def documents(draw: Any) -> tuple[str, dict[str, Any]]:
    doc = Document(draw)
    body = doc.selection(APP_SCHEMA.query_type, 0)
    head = f"query({', '.join(doc.variables)})" if doc.variables else "query"
    fragments = " ".join(f"fragment {n} on {t} {b}" for n, (t, b) in doc.fragments.items())
    return f"{head} {body} {fragments}", doc.values


class Selections(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def enter(self, node: Any, *_: Any) -> None:
        self.count += isinstance(node, FieldNode | FragmentSpreadNode | InlineFragmentNode)


def answer_fields(value: Any) -> int:
    """Fields in an answer: each key of each object, inside lists too."""
    if isinstance(value, dict):
        return sum(1 + answer_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(answer_fields(v) for v in value)
    return 0


def schema_elements(core: Any) -> int:
    """Everything introspection can visit: types (and their wrappers), fields, arguments,
    input fields, enum values, directives."""
    total = 3 * len(core.type_map) + len(core.directives) + 1
    for named in core.type_map.values():
        for found in getattr(named, "fields", {}).values():
            total += 1 + len(getattr(found, "args", {}))
        total += len(getattr(named, "values", {}))
    return total + sum(len(d.args) for d in core.directives)


def test_pricing_is_linear_and_never_under_counts(cached_app: Any) -> None:
    """For generated documents (fragments used again, aliases, variables with defaults
    or values, introspection): the walk visits each selection of the document once
    (introspection: once per schema element it reaches), and no answer has more fields
    than the price said."""
    from api.graphql.build import core_schema
    from api.graphql.cost import Cost
    from api.graphql.http import execute
    from api.services.registry import list_bounds

    global APP_SCHEMA
    state = cached_app.state.api
    strawberry_schema = state.extras["graphql"]
    APP_SCHEMA = core_schema(strawberry_schema)
    with state.query() as query:
        bounds = list_bounds(query.conn)
    elements = schema_elements(APP_SCHEMA)
    seen = {"executed": 0, "refused": 0, "introspection": 0}

    @given(documents())
    @settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    def check(generated: tuple[str, dict[str, Any]]) -> None:
        text, variables = generated
        document = parse(text)
        counter = Selections()
        visit(document, counter)
        walk = Cost(APP_SCHEMA, document, bounds, variables)
        price = walk.operation(document, None)
        data_work = walk.meter.work - walk.introspection.work
        assert data_work <= counter.count, (data_work, counter.count, text)
        assert walk.introspection.work <= counter.count * elements, text
        if walk.introspection.total:
            seen["introspection"] += 1
        if price > 20_000:
            seen["refused"] += 1
            return
        result = execute(state, strawberry_schema, text, variables, None)
        if result.data is None:  # a limit (depth, aliases) or an argument refused it
            return
        seen["executed"] += 1
        assert answer_fields(result.data) <= price, (answer_fields(result.data), price, text)

    check()
    print(seen)
    assert seen["executed"] > 50 and seen["introspection"] > 10
