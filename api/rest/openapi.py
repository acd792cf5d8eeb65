"""Build the OpenAPI 3.1 document from the route table and read models.

`python -m api.rest.openapi` rewrites openapi/openapi.json; a test fails when the
committed file and this builder disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from api.http.render import NAME_PAIRS
from api.rest.params import SHARED, shared_names
from api.rest.routes import ENDPOINTS
from api.settings import PROJECT_ROOT

OPENAPI_PATH = PROJECT_ROOT / "openapi" / "openapi.json"
REF = "#/components/schemas/{model}"
PROBLEM = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["parameter", "message"],
            "properties": {"parameter": {"type": "string"}, "message": {"type": "string"}}}},
    },
}
LINKS = {"type": "object", "required": ["self"], "properties": {
    "self": {"type": "string"}, "next": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {
        "application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}}


def _with_names(schema: dict[str, Any]) -> None:
    """Document the `name` fields the renderer adds next to each vi/en pair."""
    props = schema.get("properties", {})
    for vi, en, name in NAME_PAIRS:
        if vi in props and en in props:
            props[name] = {"type": "string", "description": f"{vi} or {en}, by lang"}
            schema.setdefault("required", []).append(name)


def _parameters(endpoint: Any) -> list[dict[str, Any]]:
    out = [{"name": n, "in": "path", "required": True, "description": d,
            "schema": {"type": "string", "minLength": 1}}
           for n, d in endpoint.path_params.items()]
    shared = list(shared_names(endpoint.paged, endpoint.collection))
    params = {**endpoint.params, **{k: SHARED[k] for k in shared}}
    for name, p in params.items():
        out.append({"name": name, "in": "query", "required": p.required,
                    "description": p.description, "schema": dict(p.schema)})
    return out


def _operation(endpoint: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    adapter = TypeAdapter(endpoint.model)
    schema = adapter.json_schema(ref_template=REF)
    for name, sub in schema.pop("$defs", {}).items():
        schemas[name] = sub
    model = endpoint.model.__name__
    schemas[model] = schema
    item = {"$ref": REF.format(model=model)}
    if endpoint.collection:
        body = {"type": "object", "required": ["data", "meta", "links"], "properties": {
            "data": {"type": "array", "items": item},
            "meta": {"type": "object", "required": ["total"],
                     "properties": {"total": {"type": "integer", "minimum": 0}}},
            "links": {"$ref": REF.format(model="Links")}}}
        content = {"application/json": {"schema": body},
                   "text/csv": {"schema": {"type": "string"}},
                   "application/x-ndjson": {"schema": {"type": "string"}}}
    else:
        body = {"type": "object", "required": ["data", "links"], "properties": {
            "data": item, "links": {"$ref": REF.format(model="Links")}}}
        content = {"application/json": {"schema": body}}
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": content},
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        "400": _problem("Invalid parameter"),
    }
    if endpoint.not_found:
        responses["404"] = _problem("Unknown code or no published data")
    return {"operationId": endpoint.operation_id, "summary": endpoint.summary,
            "parameters": _parameters(endpoint), "responses": responses}


def _plain(operation_id: str, summary: str, media: str, schema: dict[str, Any],
           lang: bool = False) -> dict[str, Any]:
    params = [{"name": "lang", "in": "query", "required": False, "description":
               SHARED["lang"].description, "schema": dict(SHARED["lang"].schema)}] if lang else []
    return {"get": {"operationId": operation_id, "summary": summary, "parameters": params,
                    "responses": {"200": {"description": "OK",
                                          "content": {media: {"schema": schema}}},
                                  "400": _problem("Invalid parameter")}}}


def build_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {"Problem": PROBLEM, "Links": LINKS}
    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        paths[endpoint.path] = {"get": _operation(endpoint, schemas)}
    for schema in schemas.values():
        _with_names(schema)
    obj = {"type": "object"}
    paths["/v1"] = _plain("get_index", "Links to every collection and the dataset version",
                          "application/json", {"type": "object", "required": ["data", "links"]},
                          lang=True)
    paths["/health"] = _plain("get_health", "The process is alive", "application/json",
                              {"type": "object", "required": ["status"]})
    paths["/health/ready"] = _plain("get_readiness", "Checks the database", "application/json",
                                    {"type": "object", "required": ["status"]})
    paths["/version"] = _plain("get_version", "Dataset and service version", "application/json",
                               {"type": "object", "required": ["dataset_version"]})
    paths["/openapi.json"] = _plain("get_openapi", "This document", "application/json", obj)
    paths["/docs"] = _plain("get_docs", "Interactive API documentation", "text/html",
                            {"type": "string"})
    return {
        "openapi": "3.1.0",
        "info": {"title": "DTI Open Data", "version": "1.0.0",
                 "description": "Vietnam's Digital Transformation Index (DTI) as open data: "
                                "every figure with the public page it came from.",
                 "license": {"name": "MIT (code); data attributed to its sources",
                             "identifier": "MIT"}},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return json.dumps(build_document(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def main() -> int:
    Path(OPENAPI_PATH).write_text(render(), encoding="utf-8")
    print(f"wrote {OPENAPI_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
