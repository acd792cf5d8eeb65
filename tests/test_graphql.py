"""GraphQL: resolvers through schema.execute, transports, parity with REST, limits, N+1."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from api.graphql.http import execute as run_graphql

RANKING_DEEP = """
query($first: Int!) { ranking(year: 2022, first: $first) { ranked entries { totalCount
  edges { node { rank valueChange previous { rank year }
    entity { code name(lang: EN) series(years: "2020:2024") { year value sources { id } }
             statistics { metric value source { id } } predecessors { code } successors { code } }
    sources { id tier } } } } } }"""


def execute(app: Any, query: str, variables: dict[str, Any] | None = None) -> Any:
    state = app.state.api
    return run_graphql(state, state.extras["graphql"], query, variables, None)


def data(app: Any, query: str, variables: dict[str, Any] | None = None) -> Any:
    result = execute(app, query, variables)
    assert result.errors is None, result.errors
    return result.data


def test_ranking_with_ties_and_change(app: Any) -> None:
    ranking = data(app, "{ ranking(year: 2022) { ranked complete entries { edges { node { "
                        "rank entity { code } } } } } }")["ranking"]
    ranks = [(e["node"]["rank"], e["node"]["entity"]["code"])
             for e in ranking["entries"]["edges"]]
    assert len(ranks) == 63 and ranking["complete"]
    assert (15, "38") in ranks and (15, "15") in ranks and 16 not in [r for r, _ in ranks]


def test_unknown_codes_are_null_and_bad_arguments_have_codes(app: Any) -> None:
    assert data(app, '{ entity(code: "ZZ") { code } source(id: "x") { id } '
                     'ranking(year: 2019) { ranked } }') == {
        "entity": None, "source": None, "ranking": None}
    result = execute(app, '{ scores(filter: {year: "2024:2020"}) { totalCount } }')
    (error,) = result.errors
    assert "descending" in error.message
    assert error.extensions["code"] == "BAD_USER_INPUT"
    bad_cohort = execute(app, '{ ranking(year: 2022, cohort: "planets") { ranked } }')
    assert bad_cohort.errors[0].extensions["code"] == "BAD_USER_INPUT"
    bad_first = execute(app, "{ metrics(first: 5000) { totalCount } }")
    assert "first" in bad_first.errors[0].message


def test_links_both_ways(app: Any) -> None:
    got = data(app, """{ entity(code: "M-da-nang") { predecessors { code successors { code } } }
      indicator(code: "GOV", framework: "DTI_922_2022-province") { parent { code }
        framework { decision } }
      source(id: "qn-interview-dti2020") { scores { year entity { code } indicator { code } } }
    }""")
    assert {p["code"] for p in got["entity"]["predecessors"]} == {"48", "49"}
    assert got["entity"]["predecessors"][0]["successors"] == [{"code": "M-da-nang"}]
    assert got["indicator"]["parent"]["code"] == "DTI"
    assert got["indicator"]["framework"]["decision"] == "922/QĐ-BTTTT"
    assert {(s["year"], s["entity"]["code"], s["indicator"]["code"])
            for s in got["source"]["scores"]} >= {(2020, "49", "DTI")}


def test_names_in_both_languages(app: Any) -> None:
    e = data(app, '{ entity(code: "48") { nameVi nameEn vi: name en: name(lang: EN) } }')
    assert e["entity"] == {"nameVi": "Đà Nẵng", "nameEn": "Da Nang", "vi": "Đà Nẵng",
                           "en": "Da Nang"}


def count_statements(app: Any, query: str, variables: dict[str, Any]) -> int:
    from api.release.store import Releases

    app.state.api.part(Releases).wait()  # its background build's statements are not ours
    engine = app.state.api.db.engine
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        data(app, query, variables)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def test_nested_query_statement_count_does_not_grow_with_entities(app: Any) -> None:
    few = count_statements(app, RANKING_DEEP, {"first": 3})
    many = count_statements(app, RANKING_DEEP, {"first": 63})
    print(f"SQL statements: first=3 -> {few}, first=63 -> {many}")
    # One statement per nested field and depth, fetched for the whole group of rows.
    assert few == many and many <= 20


def test_get_post_and_304(client: Any) -> None:
    query = '{ entity(code: "48") { code nameEn } }'
    post = client.post("/graphql", json={"query": query})
    assert post.status_code == 200 and post.json()["data"]["entity"]["nameEn"] == "Da Nang"
    get = client.get("/graphql", params={"query": query})
    assert get.json() == post.json()
    assert get.headers["cache-control"].startswith("public, max-age=")
    again = client.get("/graphql", params={"query": query},
                       headers={"If-None-Match": get.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    with_vars = client.get("/graphql", params={
        "query": "query($c: String!) { entity(code: $c) { code } }",
        "variables": '{"c": "49"}'})
    assert with_vars.json()["data"]["entity"]["code"] == "49"
    assert with_vars.headers["etag"] != get.headers["etag"]


def test_transport_errors_are_problem_json(client: Any) -> None:
    cases = [client.post("/graphql", content=b"{not json", headers={
                 "content-type": "application/json"}),
             client.post("/graphql", json={"variables": {}}),
             client.get("/graphql", params={"query": "{ dataset { version } }", "x": "1"}),
             client.post("/graphql", json={"query": "mutation { x }"}),
             client.put("/graphql")]
    assert [c.status_code for c in cases] == [400, 400, 400, 400, 405]
    assert all(c.headers["content-type"] == "application/problem+json" for c in cases)


def test_explorer_is_served_without_a_cdn(client: Any) -> None:
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js",
                  "react-dom.production.min.js", "explorer.js"):
        assert client.get(f"/graphql/assets/{asset}").status_code == 200, asset


LIMITS = {
    "depth": ("{ entity(code: \"48\") { " + "predecessors { successors { " * 7 + "code"
              + " } } " * 7 + "} }",
              "exceeds maximum operation depth"),
    "aliases": ("{ " + " ".join(f"a{i}: dataset {{ version }}" for i in range(20)) + " }",
                "aliases"),
    "tokens": ("{ " + " ".join("dataset { version }" for _ in range(600)) + " }", "token"),
    "cost": ("{ sources(first: 1000) { edges { node { scores { sources { source { "
             "scores { conflicts { source { scores { id } } } } } } } } } } }",
             "the budget is 50000"),
    "empty": ("{ }", "a selection set needs at least one field"),
}


@pytest.mark.parametrize("name", LIMITS)
def test_limits_reject_with_their_own_message(client: Any, name: str) -> None:
    query, message = LIMITS[name]
    response = client.post("/graphql", json={"query": query})
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    assert message in body["errors"][0]["message"], body["errors"][0]["message"]


def test_cost_counts_every_list_with_its_real_bound(app: Any) -> None:
    """Lists multiply what they hold by their longest length in this dataset; aliases
    and fragments count each use; first bounds a connection by the collection's size."""
    one = cost(app, "{ entity(code: \"48\") { code scores { id sources { id } } } }")
    bounds = list_bounds(app)
    assert one == 1 + 1 + 1 + bounds["scores_per_entity"] * (1 + 1 + bounds[
        "claims_per_figure"] * 1)
    assert cost(app, "{ a: entity(code: \"48\") { code } b: entity(code: \"49\") { code } }") \
        == 4
    assert cost(app, "query { ...F ...F } fragment F on Query { dataset { version } }") == 4
    query = "query($n: Int) { entities(first: $n) { edges { node { code } } } }"
    page = cost(app, query, n=1000)
    assert page == 1 + 1 + bounds["entities"] * (1 + 1)  # first=1000 > 126 entities
    # every source of an argument: literal, variable, variable's default, field default
    assert cost(app, query.replace("$n: Int", "$n: Int = 1000")) == page
    assert cost(app, query.replace("$n", "1000").replace("query(1000: Int) ", "")) == page
    assert cost(app, query) == 1 + 1 + 100 * 2  # no value: the default page, 100
    fragment = ("query($n: Int = 3) { entities(first: $n) { ...E } } "
                "fragment E on EntityConnection { edges { node { code } } totalCount }")
    assert cost(app, fragment) == 1 + 1 + 3 * 2 + 1  # a fragment inside the connection


def list_bounds(app: Any) -> dict[str, int]:
    from api.services.registry import list_bounds as measure

    with app.state.api.query() as query:
        return measure(query.conn)


def cost(app: Any, text: str, **variables: Any) -> int:
    from graphql import parse

    from api.graphql.build import core_schema
    from api.graphql.cost import Cost

    document = parse(text)
    walk = Cost(core_schema(app.state.api.extras["graphql"]), document, list_bounds(app),
                variables)
    return walk.operation(document, None)


def test_pricing_work_is_linear_in_the_document(app: Any) -> None:
    """Each fragment is priced once: a chain of fragments that each spread the previous
    one twice (exponential to expand) takes work in proportion to its length."""
    from graphql import parse

    from api.graphql.build import core_schema
    from api.graphql.cost import Cost
    from tests.test_abuse import fragment_chain

    def work(k: int) -> tuple[int, int]:
        document = parse(fragment_chain(k))
        walk = Cost(core_schema(app.state.api.extras["graphql"]), document, {}, {})
        return walk.operation(document, None), walk.meter.work

    (price20, work20), (price40, work40) = work(20), work(40)
    assert price20 == 2 ** 19 * 40 + 2 ** 19 - 1 and price40 == 2 ** 39 * 40 + 2 ** 39 - 1
    assert work20 == 40 + 3 * 19 + 1 and work40 == 40 + 3 * 39 + 1  # one visit per selection
    budget = Cost(core_schema(app.state.api.extras["graphql"]), parse(fragment_chain(40)), {},
                  {}, budget=50_000)
    assert budget.operation(parse(fragment_chain(40)), None) > 50_000
    assert budget.meter.work < work40  # it stops once past the budget


def test_every_list_field_has_a_bound(app: Any) -> None:
    from graphql import GraphQLObjectType, get_named_type

    from api.graphql.build import core_schema
    from api.graphql.cost import CONNECTIONS, LIST_BOUNDS
    from api.graphql.introspection import is_list

    schema = core_schema(app.state.api.extras["graphql"])
    lists = {(t.name, n) for t in schema.type_map.values() if isinstance(t, GraphQLObjectType)
             and not t.name.startswith("__") for n, f in t.fields.items()
             if is_list(f.type) and isinstance(get_named_type(f.type), GraphQLObjectType)
             and n != "edges"}  # edges: a connection's page
    assert lists == set(LIST_BOUNDS)
    bounds = list_bounds(app)
    assert set(LIST_BOUNDS.values()) | set(CONNECTIONS.values()) <= set(bounds)
    connections = {n for n, f in schema.query_type.fields.items() if "first" in f.args}
    assert connections == set(CONNECTIONS)


def test_oversize_body_is_413(client: Any) -> None:
    big = {"query": "{ dataset { version } }", "variables": {"pad": "x" * 70_000}}
    response = client.post("/graphql", json=big)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_unexpected_errors_are_masked(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.services import catalog

    def boom(*args: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(catalog, "paginate", boom)  # what list_metrics calls
    result = execute(app, "{ metrics { totalCount } }")
    assert result.errors[0].message == "Unexpected error."
    assert "secret" not in str(result.errors[0].formatted)


def test_readme_examples_run(app: Any) -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```graphql\n(.*?)```", readme, re.S)
    assert len(examples) == 3
    for query in examples:
        result = data(app, query)
        assert all(v is not None for v in result.values()), query


def test_every_read_model_field_is_a_graphql_field_and_back() -> None:
    """The GraphQL types are derived from the read models: a key added to a read model
    appears in GraphQL, and a GraphQL field is a read-model key or a resolver."""
    from strawberry.types.base import get_object_definition

    import api.graphql.schema  # noqa: F401  (defines the views, the registry's too)
    from api.graphql.views import VIEWS, model_fields
    from api.services.registry import COLLECTIONS

    # 15 of the catalog and figures, 6 of the method (weights, their check, what-if), and
    # one for each collection the registry serves as it is
    assert len(VIEWS) == 21 + sum(1 for c in COLLECTIONS if c.graphql)
    for model, graphql_type in VIEWS.items():
        definition = get_object_definition(graphql_type, strict=True)
        plain = {f.python_name for f in definition.fields if f.base_resolver is None}
        resolved = {f.python_name for f in definition.fields if f.base_resolver is not None}
        keys = set(model_fields(model))
        assert keys <= plain, (model.__name__, keys - plain)
        assert plain - keys <= {"entries"}, (model.__name__, plain - keys)  # Ranking's page
        assert not resolved & keys, model.__name__


def test_strawberry_private_schema_is_read_in_one_place(app: Any) -> None:
    """strawberry keeps the graphql-core schema in the private `_schema`; build.core_schema
    reads it (cost, direct resolvers, isOneOf). If an upgrade moves it, this fails by name."""
    import strawberry
    from graphql import GraphQLSchema

    from api.graphql.build import core_schema

    schema = app.state.api.extras["graphql"]
    assert isinstance(schema, strawberry.Schema)
    assert isinstance(getattr(schema, "_schema", None), GraphQLSchema), \
        "strawberry.Schema._schema is gone: update api.graphql.build.core_schema"
    core = core_schema(schema)
    # the schema we changed is the one that executes: direct resolvers and isOneOf
    assert core.type_map["Entity"].fields["code"].resolve.__qualname__.startswith("_key")
    assert core.type_map["__Type"].fields["isOneOf"].resolve.__qualname__.startswith(
        "fix_is_one_of")
    assert data(app, '{ entity(code: "48") { code } }') == {"entity": {"code": "48"}}


FILTERS = {  # root field -> (filter, parameters GraphQL does not take)
    "indicators": ("IndicatorFilter", {"tree"}), "entities": ("EntityFilter", set()),
    "ranking": ("RankingRequest", set()), "rankingHistory": ("HistoryRequest", set()),
    "aggregates": ("AggregateFilter", set()), "statistics": ("StatisticFilter", set()),
    "sources": ("SourceFilter", set()), "coverage": ("CoverageFilter", set()),
}


@pytest.mark.parametrize("name", FILTERS)
def test_arguments_are_the_filters_parameters(app: Any, name: str) -> None:
    from api.graphql.arguments import graphql_name
    from api.graphql.build import core_schema
    from api.services import catalog, figures, rankings

    filter_name, skipped = FILTERS[name]
    parser = next(getattr(m, filter_name) for m in (catalog, figures, rankings)
                  if hasattr(m, filter_name))
    field = core_schema(app.state.api.extras["graphql"]).query_type.fields[name]
    current = [a for a, arg in field.args.items() if arg.deprecation_reason is None]
    expected = [graphql_name(p) for p in parser.PARAMS if p not in skipped]
    assert current == [*expected, "first", "after"]
    for param, spec in parser.PARAMS.items():
        if param not in skipped:
            argument = field.args[graphql_name(param)]
            assert argument.description and spec.description.split(" (")[0] in \
                argument.description


def test_score_filter_input_is_the_score_filter() -> None:
    from api.graphql.arguments import graphql_name
    from api.graphql.schema import ScoreFilterInput
    from api.services.scores import ScoreFilter

    fields = ScoreFilterInput.__strawberry_definition__.fields
    assert [f.graphql_name or f.python_name for f in fields] == [
        graphql_name(p) for p in ScoreFilter.PARAMS]


ARGUMENT_ERRORS = [
    ('{ rankingHistory(entity: ["48"], year: "2024:2020") { entries { totalCount } } }',
     "year"),
    ('{ rankingHistory(entity: ["48"], years: "2024:2020") { entries { totalCount } } }',
     "years"),  # the deprecated name, as the client wrote it
    ('{ entity(code: "48") { series(year: "2024:2020") { year } } }', "year"),
    ('{ entity(code: "48") { series(years: "2024:2020") { year } } }', "years"),
    ('{ entity(code: "48") { scores(year: "2024:2020") { year } } }', "year"),
    ('{ scores(filter: {year: "2024:2020"}) { totalCount } }', "filter.year"),
    ('{ scores(filter: {entity: ["x y"]}) { totalCount } }', "filter.entity"),
    ('{ statistics(dateFrom: "2021-13-01") { totalCount } }', "dateFrom"),
    ('{ coverage(cohort: ["planets"]) { totalCount } }', "cohort"),
    ('{ metrics(first: 0) { totalCount } }', "first"),
    ('{ scores(sort: ["nope"]) { totalCount } }', "sort"),
]


@pytest.mark.parametrize("query,parameter", ARGUMENT_ERRORS,
                         ids=[f"{p}-{i}" for i, (_, p) in enumerate(ARGUMENT_ERRORS)])
def test_argument_errors_name_the_graphql_argument(app: Any, query: str,
                                                   parameter: str) -> None:
    (error,) = execute(app, query).errors
    assert error.extensions["code"] == "BAD_USER_INPUT"
    assert [e["parameter"] for e in error.extensions["errors"]] == [parameter]
    assert error.message.startswith(f"{parameter}: ")


def test_renamed_arguments_keep_their_old_name_deprecated(app: Any) -> None:
    from api.graphql.build import core_schema

    schema = core_schema(app.state.api.extras["graphql"])
    for field in (schema.query_type.fields["rankingHistory"],
                  schema.type_map["Entity"].fields["series"]):
        assert field.args["year"].deprecation_reason is None
        assert "Use `year`" in field.args["years"].deprecation_reason
    new = data(app, '{ rankingHistory(entity: ["48"], year: "2020:2022") { entries { '
                    'edges { node { year rank } } } } }')
    old = data(app, '{ rankingHistory(entity: ["48"], years: "2020:2022") { entries { '
                    'edges { node { year rank } } } } }')
    assert new == old and len(new["rankingHistory"]["entries"]["edges"]) == 3
    both = execute(app, '{ entity(code: "48") { series(year: "2020", years: "2021") { '
                        "year } } }")
    assert "not both" in both.errors[0].message


def test_sources_have_one_shape_everywhere(app: Any) -> None:
    """Every `sources` field lists Source objects; what each source said is `claims`."""
    from graphql import get_named_type

    from api.graphql.build import core_schema

    schema = core_schema(app.state.api.extras["graphql"])
    sources = {t.name: str(t.fields["sources"].type) for t in schema.type_map.values()
               if not t.name.startswith("__") and "sources" in getattr(t, "fields", {})
               and t is not schema.query_type}
    assert set(sources) == {"Score", "Aggregate", "SeriesPoint", "RankingEntry"}
    assert set(sources.values()) == {"[Source!]!"}
    assert {str(get_named_type(schema.type_map[t].fields["claims"].type))
            for t in ("Score", "Aggregate")} == {"Claim"}
    shape = "sources { id url publisher tier }"
    got = data(app, f"""{{ scores(filter: {{year: "2022", entity: ["48"]}}, first: 3) {{
        edges {{ node {{ {shape} claims {{ sourceId value }} }} }} }}
      aggregates(first: 3) {{ edges {{ node {{ {shape} }} }} }}
      entity(code: "48") {{ series {{ {shape} }} }}
      ranking(year: 2022, first: 3) {{ entries {{ edges {{ node {{ {shape} }} }} }} }} }}""")
    score = got["scores"]["edges"][0]["node"]
    assert score["sources"] and {s["id"] for s in score["sources"]} == {
        c["sourceId"] for c in score["claims"]}
    assert got["entity"]["series"][0]["sources"][0]["url"]


def test_introspection_is_priced_at_its_answer(app: Any) -> None:
    """The full introspection query (every option, as GraphiQL sends it) is priced at the
    fields it returns, runs, and stays well inside the introspection budget."""
    from graphql import get_introspection_query

    from api.graphql.introspection import INTROSPECTION_BUDGET
    from tests.test_graphql_fuzz import answer_fields

    query = get_introspection_query(descriptions=True, specified_by_url=True,
                                    directive_is_repeatable=True, schema_description=True,
                                    input_value_deprecation=True, one_of=True)
    price = cost(app, query)
    assert price == answer_fields(data(app, query))  # exact, not a bound
    assert price * 1.5 < INTROSPECTION_BUDGET, price


def test_aliases_in_fragments_count_at_every_use(client: Any) -> None:
    aliases = " ".join(f"a{i}: dataset {{ version }}" for i in range(8))
    body = client.post("/graphql", json={
        "query": f"query {{ ...A ...A }} fragment A on Query {{ {aliases} }}"}).json()
    assert "at least 16 aliases found" in body["errors"][0]["message"]


def test_readme_quotes_the_costs_the_code_computes(app: Any) -> None:
    import re
    from pathlib import Path

    from graphql import get_introspection_query

    from api.graphql.build import VALIDATION_BUDGET
    from api.graphql.introspection import INTROSPECTION_BUDGET

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## GraphQL"):readme.index("## Performance")]
    quoted = re.findall(r"`(\{[^`]*\})` costs ([\d,]+)", section)
    assert len(quoted) == 3
    for query, number in quoted:
        assert cost(app, query) == int(number.replace(",", "")), query
    full = get_introspection_query(descriptions=True, specified_by_url=True,
                                   directive_is_repeatable=True, schema_description=True,
                                   input_value_deprecation=True, one_of=True)
    assert "GraphiQL sends costs less than half the budget" in " ".join(section.split())
    assert cost(app, full) * 2 < INTROSPECTION_BUDGET
    assert f"may use {INTROSPECTION_BUDGET:,} at most" in section
    assert f"stops after {VALIDATION_BUDGET:,}" in " ".join(section.split())
