"""Build the OpenAPI 3.1 document from the route table and read models.

`python -m api.rest.openapi` rewrites openapi/openapi.json; a test fails when the
committed file and this builder disagree, and the app serves what this builds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from api.app_meta import ATTRIBUTION, DATA_DOCUMENTS, LICENCE_CODE
from api.charts.routes import CHARTS
from api.charts.routes import params_of as chart_params
from api.http.negotiate import MEDIA
from api.http.render import NAME_PAIRS
from api.release.resources import BY_NAME
from api.rest.params import SHARED, shared_names
from api.rest.respond import Endpoint
from api.rest.routes import ENDPOINTS
from api.services.vocab import COHORTS
from api.settings import PROJECT_ROOT
from models import public as pub

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
    "query": {"type": "string", "minLength": 1},
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
                          ("PayloadTooLarge", "The GraphQL request is too large"),
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
    {"name": "explorer", "description": "Pages for people: rankings, provinces, coverage"},
    {"name": "charts", "description": "Charts as resources: SVG (for <img>), PNG, the "
                                      "Vega-Lite specification, or a page for <iframe>"},
    {"name": "release", "description": "The citable download: a Frictionless data package, "
                                       "its Table Schemas and catalog metadata (DCAT)"},
]


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


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    out = [{"name": n, "in": "path", "required": True, "description": d,
            "schema": {"type": "string", "minLength": 1, "examples": [example]}}
           for n, (d, example) in endpoint.path_params.items()]
    shared = list(shared_names(endpoint.paged, endpoint.collection))
    params = {**endpoint.params, **{k: SHARED[k] for k in shared}}
    for name, p in params.items():
        out.append({"name": name, "in": "query", "required": p.required,
                    "description": p.description, "schema": dict(p.schema)})
    return out


def _ok(content: dict[str, Any], link: bool = False) -> dict[str, Any]:
    names = ["ETag", "Cache-Control", "Vary", "RateLimit-Policy", "RateLimit",
             "X-Request-ID"] + (["Link"] if link else [])
    return {"description": "OK", "content": content,
            "headers": {k: {"$ref": f"#/components/headers/{k}"} for k in names}}


def _operation(endpoint: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    item = schema_of(endpoint.model, schemas)
    if endpoint.collection:
        body = {"type": "object", "required": ["data", "meta", "links"], "properties": {
            "data": {"type": "array", "items": item},
            "meta": schema_of(endpoint.meta, schemas),
            "links": {"$ref": REF.format(model="Links")}}}
        text = {"type": "string"}
        content = {"application/json": {"schema": body}, MEDIA["csv"]: {"schema": text},
                   MEDIA["ndjson"]: {"schema": text}}
    else:
        body = {"type": "object", "required": ["data", "links"], "properties": {
            "data": item, "links": {"$ref": REF.format(model="Links")}}}
        content = {"application/json": {"schema": body}}
    responses: dict[str, Any] = {"200": _ok(content, link=endpoint.collection),
                                 "304": _ref("NotModified"), "400": _ref("BadRequest"),
                                 "406": _ref("NotAcceptable"), "429": _ref("TooManyRequests"),
                                 "503": _ref("Unavailable"), "504": _ref("TimedOut")}
    if endpoint.not_found:
        responses["404"] = _ref("NotFound")
    if endpoint.paged:
        responses["410"] = _ref("DatasetChanged")
    return {"operationId": endpoint.operation_id, "summary": endpoint.summary,
            "tags": [endpoint.tag], "parameters": _parameters(endpoint),
            "responses": dict(sorted(responses.items()))}


def _plain(operation_id: str, summary: str, content: dict[str, Any], tag: str = "service",
           lang: bool = False, cached: bool = True, extra: dict[str, Any] | None = None,
           parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    params = list(parameters or [])
    if lang:
        params.append({"name": "lang", "in": "query", "required": False,
                       "description": SHARED["lang"].description,
                       "schema": dict(SHARED["lang"].schema)})
    ok = _ok(content) if cached else {"description": "OK", "content": content}
    responses = {"200": ok, "400": _ref("BadRequest"), **(extra or {})}
    if cached:  # the health checks are exempt from the rate limit
        responses["429"] = _ref("TooManyRequests")
    if cached:
        responses["304"] = _ref("NotModified")
    return {"get": {"operationId": operation_id, "summary": summary, "tags": [tag],
                    "parameters": params, "responses": dict(sorted(responses.items()))}}


def _graphql(schemas: dict[str, Any]) -> dict[str, Any]:
    schemas["GraphQLRequest"] = GRAPHQL_REQUEST
    schemas["GraphQLResponse"] = GRAPHQL_RESPONSE
    answer = {"application/json": {"schema": {"$ref": REF.format(model="GraphQLResponse")}}}
    errors = {"400": _ref("BadRequest"), "413": _ref("PayloadTooLarge"),
              "429": _ref("TooManyRequests"), "503": _ref("Unavailable")}
    return {
        "get": {"operationId": "graphql_get", "tags": ["graphql"],
                "summary": "Run a GraphQL query (cacheable); browsers asking for HTML get "
                           "the GraphiQL explorer",
                "parameters": [
                    {"name": "query", "in": "query", "required": True,
                     "schema": {"type": "string", "minLength": 1}},
                    {"name": "variables", "in": "query", "required": False,
                     "content": {"application/json": {"schema": {"type": "object"}}}},
                    {"name": "operationName", "in": "query", "required": False,
                     "schema": {"type": "string",
                                "pattern": "^([_A-Za-z][_0-9A-Za-z]{0,127})?$"}}],
                "responses": {"200": _ok({**answer, MEDIA["html"]: {
                    "schema": {"type": "string"}}}), "304": _ref("NotModified"), **errors}},
        "post": {"operationId": "graphql_post", "tags": ["graphql"],
                 "summary": "Run a GraphQL query",
                 "description": "A JSON body as below; a body sent as "
                                "`Content-Type: application/graphql` is the document alone.",
                 "requestBody": {"required": True, "content": {
                     "application/json": {"schema": {"$ref": REF.format(
                         model="GraphQLRequest")}}}},
                 "responses": {"200": _ok(answer), **errors}}}


def _release_paths(json_of: Any) -> dict[str, Any]:
    """The release: its list, files (Range, strong ETag = sha256), schemas and catalog."""
    version = {"name": "version", "in": "path", "required": True,
               "description": "A dataset version, or `latest` (a redirect to the current one)",
               "schema": {"type": "string", "minLength": 1, "examples": ["latest"]}}
    redirect = {"307": {"description": "`latest`: the same path under the current version",
                        "headers": {"Location": {"schema": {"type": "string"}}}}}
    building = {"503": _ref("Unavailable")}
    found = {"404": _ref("NotFound")}
    release = {"type": "object", "required": ["data", "links"], "properties": {
        "data": json_of(pub.Release)["application/json"]["schema"],
        "links": {"$ref": REF.format(model="Links")}}}
    listing = {"type": "object", "required": ["data", "meta", "links"], "properties": {
        "data": {"type": "array", "items": json_of(pub.Release)["application/json"]["schema"]},
        "meta": {"type": "object", "required": ["total", "latest"], "properties": {
            "total": {"type": "integer"}, "latest": {"type": ["string", "null"]}}},
        "links": {"$ref": REF.format(model="Links")}}}
    # One entry for every kind of file (zip, SQLite, Parquet, CSV, JSON, Markdown, YAML,
    # text): its Content-Type names which; /v1/releases lists each file's media type. Binary
    # files are bytes, text files strings, and datapackage.json a JSON object.
    any_file: dict[str, Any] = {media: {"schema": {"type": "string", "format": "binary"}}
                                for media in ("application/zip", "application/vnd.sqlite3",
                                              "application/vnd.apache.parquet")}
    any_file.update({media: {"schema": {"type": "string"}} for media in (
        "text/csv", "text/markdown", "text/plain")})
    any_file.update({media: {"schema": {"type": "object"}} for media in (
        "application/json", "application/x-yaml")})  # validators parse both
    file_ok = {"description": "The file; `Range: bytes=...` answers 206 with those bytes",
               "content": any_file, "headers": {
                   "ETag": {"description": "The file's sha256", "schema": {"type": "string"}},
                   "Repr-Digest": {"description": "sha-256 of the whole file (RFC 9530)",
                                   "schema": {"type": "string"}},
                   "Content-Disposition": {"schema": {"type": "string"}},
                   "Accept-Ranges": {"schema": {"type": "string"}}}}
    file_op = _plain("get_release_file", "One file of a release (resumable)", {},
                     tag="release", extra={**redirect, **building, **found,
                                           "416": _ref("RangeNotSatisfiable")},
                     parameters=[version, {"name": "file", "in": "path", "required": True,
                                           "description": "A file name from /v1/releases; "
                                                          "under `latest`, "
                                                          "`dti-open-data-latest.zip` names "
                                                          "the current zip",
                                           "schema": {"type": "string", "minLength": 1,
                                                      "examples": ["datapackage.json"]}}])
    file_op["get"]["responses"]["200"] = file_ok
    file_op["get"]["responses"]["206"] = {"description": "The bytes asked for by Range",
                                          "content": any_file}
    return {
        "/v1/releases": _plain("list_releases", "Releases of the dataset with their files, "
                               "sizes and sha256", {"application/json": {"schema": listing}},
                               tag="release", extra=building),
        "/v1/releases/{version}": _plain(
            "get_release", "One release", {"application/json": {"schema": release}},
            tag="release", extra={**redirect, **building, **found}, parameters=[version]),
        "/v1/releases/{version}/{file}": file_op,
        "/v1/releases/{version}/citation": _plain(
            "get_release_citation", "How to cite the release: BibTeX (default), APA or "
            "CITATION.cff", {"application/x-bibtex": {"schema": {"type": "string"}},
                             "text/plain": {"schema": {"type": "string"}},
                             "application/x-yaml": {"schema": {"type": "object"}}},
            tag="release", extra=found, parameters=[version, {
                "name": "format", "in": "query", "required": False,
                "schema": {"type": "string", "enum": ["bibtex", "apa", "cff"]}}]),
        "/v1/releases.atom": _plain(
            "get_releases_feed", "Atom feed: one entry per release, with the rows added, "
            "removed and changed per table", {"application/atom+xml": {"schema": {
                "type": "string"}}}, tag="release"),
        "/v1/schemas/{name}": _plain(
            "get_table_schema", "The Table Schema (Frictionless) of a CSV: CSV exports link "
            "it as rel=describedby", {"application/json": {"schema": {"type": "object"}}},
            tag="release", extra=found, parameters=[{
                "name": "name", "in": "path", "required": True,
                "schema": {"type": "string", "enum": sorted(BY_NAME)}}]),
        "/v1/catalog.jsonld": _plain(
            "get_catalog", "DCAT and schema.org Dataset metadata (JSON-LD) for harvesters",
            {"application/ld+json": {"schema": {"type": "object"}}}, tag="release"),
    }


def _chart_paths() -> dict[str, Any]:
    """Charts: the collections' parameters, four media types."""
    content = {"image/svg+xml": {"schema": {"type": "string"}},
               "image/png": {"schema": {"type": "string", "format": "binary"}},
               MEDIA["vl"]: {"schema": {"type": "object", "description": "A Vega-Lite v6 "
                                        "specification with its data inline"}},
               MEDIA["html"]: {"schema": {"type": "string"}}}
    paths = {}
    for chart in CHARTS:
        params = [{"name": name, "in": "query", "required": p.required,
                   "description": p.description, "schema": dict(p.schema)}
                  for name, p in chart_params(chart).items()]
        paths[f"/v1/charts/{chart.kind}"] = _plain(
            f"get_{chart.kind}_chart", chart.summary, content, tag="charts", lang=True,
            extra={"404": _ref("NotFound"), "406": _ref("NotAcceptable"),
                   "503": _ref("Unavailable")}, parameters=params)
    return paths


def build_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {"Problem": PROBLEM, "Links": LINKS}
    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        paths[endpoint.path] = {"get": _operation(endpoint, schemas)}

    def json_of(model: type) -> dict[str, Any]:
        return {"application/json": {"schema": schema_of(model, schemas)}}

    html = {MEDIA["html"]: {"schema": {"type": "string"}}}
    paths["/"] = _plain("get_home", "What this is, in Vietnamese and English (HTML for "
                        "browsers, the /v1 index otherwise)", {**json_of(pub.ServiceIndex),
                                                               **html},
                        lang=True, extra={"406": _ref("NotAcceptable")})
    paths["/v1"] = _plain("get_index", "Links to every collection and the dataset version",
                          json_of(pub.ServiceIndex), lang=True)
    paths["/health"] = _plain("get_health", "The process is alive (no database needed)",
                              json_of(pub.Health), cached=False)
    paths["/health/ready"] = _plain("get_readiness", "The database answers",
                                    json_of(pub.Health), cached=False,
                                    extra={"503": _ref("Unavailable")})
    paths["/metrics"] = _plain(
        "get_metrics", "Prometheus metrics (off the rate limit; DTI_METRICS, "
        "DTI_METRICS_PORT)", {"text/plain": {"schema": {"type": "string"}}}, cached=False)
    paths["/version"] = _plain("get_version", "Dataset and service version",
                               json_of(pub.VersionInfo))
    paths["/openapi.json"] = _plain("get_openapi", "This document",
                                    {"application/json": {"schema": {"type": "object"}}})
    paths["/docs"] = _plain("get_docs", "Interactive API documentation (Swagger UI)", html)
    paths["/data/{name}"] = _plain(
        "get_data_document", "The dataset's READMEs: what each file holds and lacks",
        {"text/markdown": {"schema": {"type": "string"}}}, extra={"404": _ref("NotFound")},
        parameters=[{"name": "name", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": list(DATA_DOCUMENTS)}}])
    paths["/graphql"] = _graphql(schemas)
    paths.update(_release_paths(json_of))
    paths.update(_chart_paths())
    year = {"name": "year", "in": "query", "required": False, "description": "Edition year",
            "schema": {"type": "integer", "minimum": 1990, "maximum": 2100}}
    cohort = {"name": "cohort", "in": "query", "required": False,
              "schema": {"type": "string", "enum": list(COHORTS)}}
    for path, summary, params in (
            ("/explore", "The explorer (the ranking view)", [year, cohort]),
            ("/explore/ranking", "A ranking for people: ties, changes, conflicts, sources",
             [year, cohort]),
            ("/explore/province/{code}", "One province: charts, every figure, sources, the "
             "merger", [{"name": "code", "in": "path", "required": True,
                         "schema": {"type": "string", "examples": ["48"]}}]),
            ("/explore/coverage", "How complete each year is", [])):
        paths[path] = _plain(f"get_explore_{path.split('/')[2] if path.count('/') > 1 else 'home'}",
                             summary, html, tag="explorer", lang=True, parameters=params,
                             extra={"404": _ref("NotFound")} if "{" in path else None)
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
