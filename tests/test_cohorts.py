"""/v1/cohorts: the ranked groups and their sizes per year, on every surface from one
declaration (REST pages, CSV and Parquet, GraphQL, the release's Table Schema)."""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq


def test_rest_lists_each_cohort_year_with_its_size(client: Any) -> None:
    body = client.get("/v1/cohorts?cohort=provinces-34,ministries-public-services").json()
    rows = {(r["cohort"], r["year"]): r for r in body["data"]}
    assert rows[("provinces-34", 2024)]["cohort_size"] == 34
    assert rows[("ministries-public-services", 2020)]["cohort_size"] == 18  # 17 later
    assert body["meta"]["total"] == len(rows)
    unknown = [r for r in body["data"] if r["cohort_size"] is None]
    assert all(r["cohort_size_basis"] == "unknown" for r in unknown)  # never borrowed


def test_csv_parquet_and_graphql_agree_with_json(client: Any) -> None:
    json_rows = client.get("/v1/cohorts?year=2024&limit=1000").json()["data"]
    csv = client.get("/v1/cohorts?year=2024&format=csv").text.splitlines()
    assert len(csv) == len(json_rows) + 1 and csv[0].startswith("cohort,year,name_vi")
    table = pq.read_table(io.BytesIO(client.get("/v1/cohorts?year=2024&format=parquet")
                                     .content))
    assert table.column("cohort_size").to_pylist() == [r["cohort_size"] for r in json_rows]
    query = "{ cohorts(year: \"2024\", first: 100) { totalCount edges { node { cohort " \
            "cohortSize cohortSizeBasis name(lang: EN) } } } }"
    data = client.post("/graphql", json={"query": query}).json()["data"]["cohorts"]
    assert data["totalCount"] == len(json_rows)
    assert [e["node"]["cohortSize"] for e in data["edges"]] == \
        [r["cohort_size"] for r in json_rows]


def test_bad_parameters_are_named(client: Any) -> None:
    response = client.get("/v1/cohorts?cohort=provinces-99")
    assert response.status_code == 400 and response.json()["errors"][0]["parameter"] == "cohort"
    errors = client.post("/graphql", json={"query": "{ cohorts(year: \"20x\") { totalCount } }"}
                         ).json()["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT" and "year" in \
        errors[0]["message"]


def test_the_release_has_the_table_with_its_schema(client: Any) -> None:
    schema = client.get("/v1/schemas/cohort_sizes").json()
    assert [f["name"] for f in schema["fields"]][:3] == ["cohort", "year", "name_vi"]
    assert schema["primaryKey"] == ["cohort", "year"]
