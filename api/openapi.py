"""Build the OpenAPI 3.1 document from every surface's endpoint declarations.

It stands above REST, the charts, the pages, the release and GraphQL, and reads the same
declarations the endpoint wrapper serves (no second route table): each endpoint's
parameters (with their parsers' schemas), its formats (the format registry's media
types), its read models and the statuses it may answer. `python -m api.openapi` rewrites
openapi/openapi.json; a test fails when the committed file and this builder disagree,
and the app serves what this builds.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.charts import routes as charts
from api.geo import routes as geo
from api.http.endpoint import Body, Call, Doc, Endpoint
from api.http.formats import FORMATS
from api.mcp import http as mcp_http
from api.pages import routes as pages
from api.release import routes as release
from api.rest import routes as rest
from api.rest import service
from api.settings import PROJECT_ROOT
from models.text import NAME_PAIRS

OPENAPI_PATH = PROJECT_ROOT / "openapi" / "openapi.json"
REF = "#/components/schemas/{model}"
PROBLEM = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "description": "An RFC 9457 problem: every error answer has this shape.",
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
GRAPHQL_REQUEST = {"type": "object", "required": ["query"], "properties": {
    "query": {"type": "string", "minLength": 1, "pattern": r"\S"},  # not only blanks
    "variables": {"anyOf": [{"type": "object"}, {"type": "null"}]},
    "operationName": {"anyOf": [{"type": "string",
                                 "pattern": "^([_A-Za-z][_0-9A-Za-z]{0,127})?$"},
                                {"type": "null"}]}}}
GRAPHQL_RESPONSE = {"type": "object", "required": ["data"], "properties": {
    "data": {"anyOf": [{"type": "object"}, {"type": "null"}]},
    "errors": {"type": "array", "items": {"type": "object", "required": ["message"]}}},
    "description": "A GraphQL answer; its shape follows openapi/schema.graphql."}
HEADERS = {
    "ETag": {"description": "Strong validator: dataset version and request (a `-gzip` "
                            "suffix for the gzip-coded form)", "schema": {"type": "string"}},
    "Cache-Control": {"description": "public, max-age=N", "schema": {"type": "string"}},
    "Vary": {"description": "Accept, Accept-Language, Accept-Encoding",
             "schema": {"type": "string"}},
    "Link": {"description": "The next page (rel=\"next\"); on CSV, the Table Schema "
                            "(rel=\"describedby\")", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before retrying",
                    "schema": {"type": "string"}},
    "RateLimit-Policy": {"description": "The client's budget per window, e.g. "
                                        "\"minute\";q=6000;w=60 (IETF RateLimit fields)",
                         "schema": {"type": "string"}},
    "RateLimit": {"description": "What is left of the budget nearest to empty and when it "
                                 "refills, e.g. \"minute\";r=5990;t=42",
                  "schema": {"type": "string"}},
    "Allow": {"description": "The methods this path answers", "schema": {"type": "string"},
              "example": "GET, HEAD"},
    "X-Request-ID": {"description": "The request's id (the client's, when it sent a plain "
                                    "token, else a new one); logs carry it",
                     "schema": {"type": "string"}},
}
RESPONSES = {
    "NotModified": {"description": "Not modified: If-None-Match named the current ETag",
                    "headers": {k: {"$ref": f"#/components/headers/{k}"}
                                for k in ("ETag", "Cache-Control", "Vary")}},
    **{name: {"description": text, "content": {
        "application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
        **({"headers": {k: {"$ref": f"#/components/headers/{k}"}
                        for k in ("Retry-After", "RateLimit-Policy", "RateLimit")}}
           if name in ("Unavailable", "TooManyRequests") else {})}
       for name, text in (("BadRequest", "Invalid parameter (each one named in `errors`)"),
                          ("NotFound", "Unknown code, or nothing published for it"),
                          ("NotAcceptable", "Accept names no format this resource has"),
                          ("PayloadTooLarge", "The GraphQL or MCP request is too large"),
                          ("Unavailable", "The database is busy or unavailable; retry"),
                          ("TimedOut", "A database statement ran out of time and was "
                                       "stopped"),
                          ("RangeNotSatisfiable", "The Range starts beyond the file's end"),
                          ("DatasetChanged", "The cursor belongs to a dataset version no "
                                             "longer served; start again from the first page"),
                          ("TooManyRequests", "The client's request budget is spent; retry "
                                              "after Retry-After seconds"))},
    # Not referenced by an operation (an operation is a method that exists): every path
    # answers other methods with it, as info.description says.
    "MethodNotAllowed": {
        "description": "The API is read-only: a method other than those the path lists",
        "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
        "content": {"application/problem+json": {
            "schema": {"$ref": REF.format(model="Problem")}}}},
}
TAGS = [
    {"name": "data", "description": "Scores, rankings, aggregates and statistics"},
    {"name": "catalog", "description": "Frameworks, indicators, entities, metrics"},
    {"name": "provenance", "description": "Sources and coverage: how sure and how complete"},
    {"name": "service", "description": "Index, health, version, documents"},
    {"name": "graphql", "description": "The same data as a GraphQL graph"},
    {"name": "mcp", "description": "The same data as Model Context Protocol tools"},
    {"name": "explorer", "description": "Pages for people: rankings, provinces, coverage"},
    {"name": "charts", "description": "Charts as resources: SVG (for <img>), PNG, the "
                                      "Vega-Lite specification, or a page for <iframe>"},
    {"name": "geo", "description": "The boundaries and tile grids the maps draw (CC BY-SA "
                                  "4.0, geoBoundaries)"},
    {"name": "release", "description": "The citable download: a Frictionless data package, "
                                       "its Table Schemas and catalog metadata (DCAT)"},
]


STATUS = {304: "NotModified", 400: "BadRequest", 404: "NotFound", 406: "NotAcceptable",
          410: "DatasetChanged", 413: "PayloadTooLarge", 416: "RangeNotSatisfiable",
          429: "TooManyRequests", 503: "Unavailable", 504: "TimedOut"}
EXEMPT = ("/health", "/metrics")  # off the rate limit
FILE_HEADERS = {"ETag": {"description": "The file's sha256", "schema": {"type": "string"}},
                "Repr-Digest": {"description": "sha-256 of the whole file (RFC 9530)",
                                "schema": {"type": "string"}},
                "Content-Disposition": {"schema": {"type": "string"}},
                "Accept-Ranges": {"schema": {"type": "string"}}}
OTHER = {307: {"description": "`latest`: the same path under the current version",
               "headers": {"Location": {"schema": {"type": "string"}}}},
         206: {"description": "The bytes asked for by Range",
               "content": {"application/octet-stream": {
                   "schema": {"type": "string", "format": "binary"}}}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _with_names(schema: dict[str, Any]) -> None:
    """Document the `name` fields the renderer adds next to each vi/en pair."""
    props = schema.get("properties", {})
    for vi, en, name in NAME_PAIRS:
        if vi in props and en in props:
            props[name] = {"type": "string", "description": f"{vi} or {en}, by lang"}
            schema.setdefault("required", []).append(name)


def schema_of(model: type, schemas: dict[str, Any]) -> dict[str, str]:
    """Put a read model (and the models it refers to) in `schemas`; return its $ref.

    A recursive model (an indicator's children are indicators) comes back from pydantic
    as a bare $ref into its own $defs: the $defs entry is the schema then.
    """
    schema = TypeAdapter(model).json_schema(ref_template=REF)
    for name, sub in schema.pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    if set(schema) != {"$ref"}:
        schemas[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _path(template: str) -> str:
    """The OpenAPI form of a route template: `{file:path}` is `{file}`."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", template)


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    doc = endpoint.doc
    out: list[dict[str, Any]] = [
        {"name": n, "in": "path", "required": True, "description": d,
         "schema": {"type": "string", "minLength": 1, "examples": [example]}}
        for n, (d, example) in doc.path_params.items()]
    for name, p in endpoint.accepted.items():
        out.append({"name": name, "in": "query", "required": p.required,
                    "description": p.description, "schema": dict(p.schema)})
    return out


def _json_schema(doc: Doc, schemas: dict[str, Any]) -> dict[str, Any]:
    if doc.model is None:
        return dict(doc.schema or {"type": "object"})
    item = schema_of(doc.model, schemas)
    links = {"$ref": REF.format(model="Links")}
    if doc.shape == "list":
        meta = schema_of(doc.meta, schemas) if doc.meta else {"type": "object"}
        return {"type": "object", "required": ["data", "meta", "links"], "properties": {
            "data": {"type": "array", "items": item}, "meta": meta, "links": links}}
    if doc.shape == "item":
        return {"type": "object", "required": ["data", "links"],
                "properties": {"data": item, "links": links}}
    return item


def _content(endpoint: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    """One entry per format the endpoint offers, by the format registry."""
    doc = endpoint.doc
    if not endpoint.formats:  # a file: whatever its name says
        return dict(doc.schema or {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}})
    content: dict[str, Any] = {}
    for name in endpoint.formats:
        fmt = FORMATS[name]
        if name in ("json", "jsonld"):
            schema = _json_schema(doc, schemas)
        elif fmt.structured:
            schema = {"type": "object", "description": fmt.description}
        elif fmt.binary:
            schema = {"type": "string", "format": "binary"}
        else:
            schema = {"type": "string", "description": fmt.description}
        content[fmt.essence] = {"schema": schema}
    return content


def _ok(endpoint: Endpoint, content: dict[str, Any]) -> dict[str, Any]:
    if not endpoint.cache:
        headers = ["X-Request-ID"] if endpoint.path in EXEMPT else [
            "RateLimit-Policy", "RateLimit", "X-Request-ID"]
        files = FILE_HEADERS if endpoint.doc.responses and 206 in endpoint.doc.responses \
            else {}
        return {"description": "OK", "content": content, "headers": {
            **{k: {"$ref": f"#/components/headers/{k}"} for k in headers}, **files}}
    names = ["ETag", "Cache-Control", "Vary", "RateLimit-Policy", "RateLimit",
             "X-Request-ID"] + (["Link"] if endpoint.paged or "csv" in endpoint.formats
                                else [])
    return {"description": "OK", "content": content,
            "headers": {k: {"$ref": f"#/components/headers/{k}"} for k in names}}


def operation(endpoint: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    """The GET operation of one declaration."""
    statuses = {400, *endpoint.doc.responses}
    if endpoint.cache:
        statuses.add(304)
    if endpoint.formats:
        statuses.add(406)
    if endpoint.path not in EXEMPT:
        statuses.add(429)
    if endpoint.query is not None:
        statuses |= {503, 504}
    if endpoint.paged:
        statuses.add(410)
    responses: dict[str, Any] = {"200": _ok(endpoint, _content(endpoint, schemas))}
    for status in sorted(statuses):
        responses[str(status)] = OTHER[status] if status in OTHER else _ref(STATUS[status])
    found = {"operationId": endpoint.operation_id, "summary": endpoint.summary,
             "tags": [endpoint.tag], "parameters": _parameters(endpoint),
             "responses": dict(sorted(responses.items()))}
    if endpoint.doc.description:
        found["description"] = endpoint.doc.description
    return found


def _graphql(schemas: dict[str, Any]) -> dict[str, Any]:
    schemas["GraphQLRequest"] = GRAPHQL_REQUEST
    schemas["GraphQLResponse"] = GRAPHQL_RESPONSE
    answer = {"application/json": {"schema": {"$ref": REF.format(model="GraphQLResponse")}}}
    ok = {"description": "OK", "content": answer, "headers": {
        k: {"$ref": f"#/components/headers/{k}"}
        for k in ("ETag", "Cache-Control", "Vary", "RateLimit-Policy", "RateLimit",
                  "X-Request-ID")}}
    errors = {"400": _ref("BadRequest"), "413": _ref("PayloadTooLarge"),
              "429": _ref("TooManyRequests"), "503": _ref("Unavailable")}
    return {
        "get": {"operationId": "graphql_get", "tags": ["graphql"],
                "summary": "Run a GraphQL query (cacheable); browsers asking for HTML get "
                           "the GraphiQL explorer",
                "parameters": [
                    {"name": "query", "in": "query", "required": True,
                     "schema": {"type": "string", "minLength": 1, "pattern": r"\S"}},
                    {"name": "variables", "in": "query", "required": False,
                     "content": {"application/json": {"schema": {"type": "object"}}}},
                    {"name": "operationName", "in": "query", "required": False,
                     "schema": {"type": "string",
                                "pattern": "^([_A-Za-z][_0-9A-Za-z]{0,127})?$"}}],
                "responses": {"200": {**ok, "content": {**answer, "text/html": {
                    "schema": {"type": "string"}}}}, "304": _ref("NotModified"), **errors}},
        "post": {"operationId": "graphql_post", "tags": ["graphql"],
                 "summary": "Run a GraphQL query",
                 "description": "A JSON body as below; a body sent as "
                                "`Content-Type: application/graphql` is the document alone.",
                 "requestBody": {"required": True, "content": {
                     "application/json": {"schema": {"$ref": REF.format(
                         model="GraphQLRequest")}}}},
                 "responses": {"200": ok, **errors}}}


def _mcp() -> dict[str, Any]:
    """/mcp: JSON-RPC over streamable HTTP (the MCP SDK's); its errors are JSON-RPC's."""
    request = {"type": "object", "required": ["jsonrpc", "method"], "properties": {
        "jsonrpc": {"const": "2.0"}, "id": {"type": ["string", "integer"]},
        "method": {"type": "string"},
        "params": {"type": ["object", "null"]}},
        "description": "A JSON-RPC 2.0 request (or, without id, notification) of the Model "
                       "Context Protocol: initialize, tools/list, tools/call..."}
    answer = {"application/json": {"schema": {
        "type": "object", "required": ["jsonrpc"], "description": "A JSON-RPC 2.0 answer",
        "properties": {"jsonrpc": {"const": "2.0"}, "id": {"type": ["string", "integer",
                                                                    "null"]},
                       "result": {"type": "object"}, "error": {"type": "object"}}}}}
    return {"post": {
        "operationId": "mcp", "tags": ["mcp"], "summary": "Model Context Protocol endpoint "
        "for AI agents (streamable HTTP, stateless, JSON answers; see /llms.txt)",
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": request}}},
        "responses": {"200": {"description": "The JSON-RPC answer (a tool error is a "
                                             "result with isError)", "content": answer},
                      "202": {"description": "A notification, accepted"},
                      "400": {"description": "Not a JSON-RPC message (a JSON-RPC error), "
                                             "or not sent as JSON (a problem)", "content": {
                                                 **answer, "application/problem+json": {
                                                     "schema": {"$ref": REF.format(
                                                         model="Problem")}}}},
                      "406": {"description": "Accept names neither JSON nor event streams",
                              "content": answer},
                      "413": _ref("PayloadTooLarge"),
                      "429": _ref("TooManyRequests"), "503": _ref("Unavailable")}}}


async def _serve(call: Call) -> Body:
    return Body(call.state.part(Contract).body)


class Contract:
    """The document this process serves at /openapi.json (a Part of the app)."""

    def __init__(self) -> None:
        self.body = render().encode()

    def start(self) -> None: ...

    def stop(self) -> None: ...


ENDPOINT = Endpoint("/openapi.json", "get_openapi", "This document", handle=_serve,
                    tag="service", doc=Doc(schema={"type": "object"}))
METRICS = {"get": {"operationId": "get_metrics", "summary": "Prometheus metrics (off the rate "
                   "limit; DTI_METRICS, DTI_METRICS_PORT)", "tags": ["service"],
                   "parameters": [], "responses": {
                       "200": {"description": "OK", "content": {
                           "text/plain": {"schema": {"type": "string"}}}},
                       "400": _ref("BadRequest")}}}


def endpoints() -> list[Endpoint]:
    """Every endpoint the wrapper serves, from every surface."""
    return [*service.ENDPOINTS, *rest.ENDPOINTS, *release.ENDPOINTS, *charts.ENDPOINTS,
            *geo.ENDPOINTS, *pages.ENDPOINTS, *mcp_http.ENDPOINTS, ENDPOINT]


def build_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {"Problem": PROBLEM, "Links": LINKS}
    paths: dict[str, Any] = {}
    for endpoint in (e for e in endpoints() if e.contract):
        paths[_path(endpoint.path)] = {"get": operation(endpoint, schemas)}
    paths["/graphql"] = _graphql(schemas)
    paths["/mcp"] = _mcp()
    paths["/metrics"] = METRICS
    for schema in schemas.values():
        _with_names(schema)
    return {
        "openapi": "3.1.0",
        "info": {"title": "DTI Open Data", "version": "1.0.0",
                 "summary": "Vietnam's Digital Transformation Index (DTI) as open data",
                 "description": "Every figure with the public page it came from. "
                                f"Code: {LICENCE_CODE}. Data: {ATTRIBUTION}\n\n"
                                "Read-only: each path answers the methods listed here (and "
                                "HEAD for every GET); any other method is a 405 problem "
                                "with an `Allow` header "
                                "(`#/components/responses/MethodNotAllowed`).",
                 "license": {"name": "MIT (code); data attributed to its sources",
                             "identifier": "MIT"},
                 "contact": {"name": "DTI Open Data developers"}},
        "servers": [{"url": "/", "description": "This server"}],
        "tags": TAGS,
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "headers": HEADERS,
                       "responses": RESPONSES},
    }


def render() -> str:
    return json.dumps(build_document(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def main() -> int:
    Path(OPENAPI_PATH).write_text(render(), encoding="utf-8")
    print(f"wrote {OPENAPI_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
