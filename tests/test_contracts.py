"""The committed contracts match the code, and the services stay framework-free."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from starlette.routing import Mount, Route

from api.openapi import OPENAPI_PATH, render

ROOT = Path(__file__).resolve().parents[1]


def test_committed_openapi_matches_the_code() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == render(), \
        "openapi/openapi.json is stale: run python -m api.openapi"


def test_served_routes_and_documented_paths_are_the_same_set(app: Any) -> None:
    documented = set(json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))["paths"])
    # The asset routes serve the pages' own files (scripts, styles), not the API.
    assert not [r for r in app.routes if isinstance(r, Mount)]
    # {file:path} is starlette's converter for names with a slash (data/scores.csv)
    served = {r.path.replace(":path}", "}") for r in app.routes if isinstance(r, Route)}
    assets = {"/assets/{name}", "/docs/assets/{name}", "/graphql/assets/{name}",
              "/favicon.ico"}
    assert served - assets == documented


def test_committed_graphql_sdl_matches_the_code() -> None:
    from api.graphql.sdl import SDL_PATH
    from api.graphql.sdl import render as render_sdl

    assert SDL_PATH.read_text(encoding="utf-8") == render_sdl(), \
        "openapi/schema.graphql is stale: run python -m api.graphql.sdl"


def test_services_import_neither_starlette_nor_strawberry() -> None:
    for path in (ROOT / "api" / "services").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in names if m.split(".")[0] in ("starlette", "strawberry")}, path


def test_every_setting_is_documented_in_the_readme() -> None:
    from api.settings import settings_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "README settings are stale: python -m api.settings"


def test_the_committed_openapi_document_is_valid() -> None:
    """The reference validator (openapi-spec-validator) accepts the document as 3.1."""
    import pytest
    from openapi_spec_validator import validate

    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    validate(document)  # raises on any fault
    # The fault the previous contract had: a component that only refers to itself.
    document["components"]["schemas"]["Indicator"] = {"$ref": "#/components/schemas/Indicator"}
    with pytest.raises(RecursionError):
        validate(document)


def test_recursive_read_models_are_real_schemas() -> None:
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    indicator = document["components"]["schemas"]["Indicator"]
    assert indicator["type"] == "object" and "code" in indicator["properties"]
    children = indicator["properties"]["children"]
    assert children["items"] == {"$ref": "#/components/schemas/Indicator"}
    meta = document["paths"]["/v1/rankings"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]["properties"]["meta"]
    ranking_meta = document["components"]["schemas"][meta["$ref"].split("/")[-1]]
    assert {"complete", "ranked", "with_value", "cohort_size"} <= set(ranking_meta["required"])
    for path in ("/v1", "/health", "/version"):
        schema = document["paths"][path]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"]
        component = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
        assert set(component["required"]) <= set(component["properties"]), path


def test_a_405_is_the_documented_problem(client: Any) -> None:
    """Methods that exist are operations; every other one answers as the contract says."""
    from jsonschema import Draft202012Validator

    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    described = document["components"]["responses"]["MethodNotAllowed"]
    assert "MethodNotAllowed" in document["info"]["description"]
    schema = {**described["content"]["application/problem+json"]["schema"],
              "components": document["components"]}
    for method, path, template in (("POST", "/v1/rankings", "/v1/rankings"),
                                   ("DELETE", "/v1/entities/48", "/v1/entities/{code}"),
                                   ("PUT", "/graphql", "/graphql"), ("PATCH", "/", "/")):
        answer = client.request(method, path)
        assert answer.status_code == 405, (method, path)
        assert answer.headers["content-type"] == "application/problem+json"
        assert method not in answer.headers["allow"] and "GET" in answer.headers["allow"]
        Draft202012Validator(schema).validate(answer.json())
        assert set(document["paths"][template]) == {
            m.lower() for m in answer.headers["allow"].split(", ") if m != "HEAD"}
