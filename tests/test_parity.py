"""REST and GraphQL answer the same logical queries with the same ids, values and order."""

from __future__ import annotations

from typing import Any


def rest(client: Any, url: str) -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def gql(client: Any, query: str) -> Any:
    body = client.post("/graphql", json={"query": query}).json()
    assert "errors" not in body, body
    return body["data"]


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in connection["edges"]]


def test_ranking(client: Any) -> None:
    a = [(r["entity_code"], r["rank"], r["value"], r["previous_rank"], r["value_change"])
         for r in rest(client, "/v1/rankings?year=2022&limit=1000")]
    g = gql(client, "{ ranking(year: 2022, first: 1000) { entries { edges { node { "
                    "entityCode rank value previousRank valueChange } } } } }")
    b = [(n["entityCode"], n["rank"], n["value"], n["previousRank"], n["valueChange"])
         for n in nodes(g["ranking"]["entries"])]
    assert a == b and len(a) == 63


def test_scores_with_filters_and_sort(client: Any) -> None:
    a = [(r["id"], r["value"], r["rank"]) for r in rest(
        client, "/v1/scores?year=2020:2021&indicator=GOV,ECO&has_value=true&sort=-value,year"
                "&limit=1000")]
    g = gql(client, '{ scores(filter: {year: "2020:2021", indicator: ["GOV", "ECO"], '
                    'hasValue: true}, sort: ["-value", "year"], first: 1000) '
                    '{ totalCount edges { node { id value rank } } } }')
    assert a == [(n["id"], n["value"], n["rank"]) for n in nodes(g["scores"])]
    assert g["scores"]["totalCount"] == len(a) > 10


def test_entity_series(client: Any) -> None:
    a = [(p["year"], p["indicator"], p["value"], p["rank"], p["source_ids"])
         for p in rest(client, "/v1/entities/48/series?indicator=DTI,GOV&limit=1000")]
    g = gql(client, '{ entity(code: "48") { series(indicator: ["DTI", "GOV"]) { '
                    "year indicatorCode value rank sourceIds } } }")
    assert a == [(p["year"], p["indicatorCode"], p["value"], p["rank"], p["sourceIds"])
                 for p in g["entity"]["series"]]


def test_statistics(client: Any) -> None:
    a = [(s["id"], s["value"], s["as_of"]) for s in rest(
        client, "/v1/statistics?entity=38&from=2021-01-01&limit=1000")]
    g = gql(client, '{ statistics(entity: ["38"], dateFrom: "2021-01-01", first: 1000) '
                    "{ edges { node { id value asOf } } } }")
    assert a == [(n["id"], n["value"], n["asOf"]) for n in nodes(g["statistics"])] and a


def test_paging_walks_the_same_rows_and_cursors_are_shared(client: Any) -> None:
    rest_ids, url = [], "/v1/scores?year=2022&limit=7"
    while url:
        body = client.get(url).json()
        rest_ids += [r["id"] for r in body["data"]]
        url = body["links"]["next"]
    gql_ids, after = [], None
    while True:
        arg = f', after: "{after}"' if after else ""
        page = gql(client, f'{{ scores(filter: {{year: "2022"}}, first: 7{arg}) '
                           "{ pageInfo { hasNextPage endCursor } edges { node { id } } } }")
        gql_ids += [n["id"] for n in nodes(page["scores"])]
        if not page["scores"]["pageInfo"]["hasNextPage"]:
            break
        after = page["scores"]["pageInfo"]["endCursor"]
    assert rest_ids == gql_ids and len(set(gql_ids)) == len(gql_ids) > 100
    cursor = client.get("/v1/scores?year=2022&limit=7").json()["links"]["next"].split(
        "cursor=")[1]
    from urllib.parse import unquote
    shared = gql(client, f'{{ scores(filter: {{year: "2022"}}, first: 7, '
                         f'after: "{unquote(cursor)}") {{ edges {{ node {{ id }} }} }} }}')
    assert [n["id"] for n in nodes(shared["scores"])] == rest_ids[7:14]
