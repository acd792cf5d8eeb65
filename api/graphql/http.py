"""/graphql over HTTP: GET (cacheable, ETag) and POST, the explorer, body limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.errors import ApiError, bad_request
from api.graphql.context import GraphQLContext
from api.rest.cache import Rendered, cache_headers, etag_for, etag_matches, request_key
from api.rest.render import dumps
from api.rest.respond import ApiState, rendered_response, worth_gzip

STATIC = Path(__file__).resolve().parent / "static"
EXPLORER = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>DTI Open Data GraphQL</title>
<link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
<style>body{margin:0;height:100vh}#graphiql{height:100vh}</style></head>
<body><div id="graphiql"></div>
<script src="/graphql/assets/react.production.min.js"></script>
<script src="/graphql/assets/react-dom.production.min.js"></script>
<script src="/graphql/assets/graphiql.min.js"></script>
<script src="/graphql/assets/explorer.js"></script></body></html>"""
GET_PARAMS = {"query", "variables", "operationName"}


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the GraphQL request is larger than {limit} bytes")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return body


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request([{"parameter": name, "message": "not valid JSON"}]) from None


async def _request_parts(request: Request, limit: int) -> tuple[Any, Any, Any, bytes]:
    """query, variables, operationName, and the raw body (empty for GET)."""
    if request.method == "GET":
        if len(request.url.query.encode()) > limit:
            raise _too_large(limit)
        unknown = sorted(set(request.query_params) - GET_PARAMS)
        if unknown:
            raise bad_request([{"parameter": u, "message": "unknown parameter"} for u in unknown])
        q = request.query_params
        return q.get("query"), _json_param(q.get("variables"), "variables"), q.get(
            "operationName"), b""
    body = await _read_body(request, limit)
    if request.headers.get("content-type", "").startswith("application/graphql"):
        return body.decode("utf-8", "replace"), None, None, body
    payload = _json_param(body.decode("utf-8", "replace"), "body")
    if not isinstance(payload, dict):
        raise bad_request([{"parameter": "body", "message": "expected a JSON object with "
                                                           "query, variables, operationName"}])
    return payload.get("query"), payload.get("variables"), payload.get("operationName"), body


def _check(query: Any, variables: Any, operation: Any) -> None:
    errors = []
    if not isinstance(query, str) or not query.strip():
        errors.append({"parameter": "query", "message": "a GraphQL query string is required"})
    if variables is not None and not isinstance(variables, dict):
        errors.append({"parameter": "variables", "message": "expected a JSON object"})
    if operation is not None and not isinstance(operation, str):
        errors.append({"parameter": "operationName", "message": "expected a string"})
    if errors:
        raise bad_request(errors)


VARY = "Accept, Accept-Encoding"


def _headers(state: ApiState, etag: str) -> dict[str, str]:
    return cache_headers(etag, state.settings.cache_max_age, VARY)


async def graphql_endpoint(request: Request) -> Response:
    state: ApiState = request.app.state.api
    schema: strawberry.Schema = request.app.state.graphql
    if (request.method == "GET" and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")):
        return HTMLResponse(EXPLORER)
    query, variables, operation, body = await _request_parts(
        request, state.settings.graphql_max_body_bytes)
    _check(query, variables, operation)
    key = "graphql|" + json.dumps([query, variables, operation], sort_keys=True)
    etag = etag_for(state.db.version, key)
    etags = (etag, etag[:-1] + '-gzip"')
    if request.method == "GET" and etag_matches(request.headers.get("if-none-match"), etags):
        return Response(status_code=304, headers=_headers(state, etag))
    stored_as = request_key(request.method, request.url.path, request.scope["query_string"],
                            request.headers.get("accept", ""),
                            request.headers.get("accept-language", ""), body)
    rendered = state.cache.get(stored_as)
    if rendered is None:
        try:
            result = await schema.execute(
                query, variable_values=variables, operation_name=operation,
                context_value=GraphQLContext(state),
                allowed_operation_types={OperationType.QUERY})
        except InvalidOperationTypeError:
            message = "only queries are supported: this API is read-only"
            raise bad_request([{"parameter": "query", "message": message}]) from None
        document: dict[str, Any] = {}
        if result.errors:
            document["errors"] = [e.formatted for e in result.errors]
        document["data"] = result.data
        rendered = Rendered.build(dumps(document), etag, VARY,
                                  compress=worth_gzip(request, state.cache))
        if not result.errors:
            state.cache.put(stored_as, rendered)
    return rendered_response(rendered, request, state.settings.cache_max_age)
