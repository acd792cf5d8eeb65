"""/graphql over HTTP: GET (cacheable, ETag) and POST, the explorer, body limits.

Execution runs synchronously in a worker thread (the event loop stays free), on one
connection for the whole request, with a deadline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio.to_thread
import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.types import ASGIApp
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.errors import ApiError, bad_request
from api.graphql.context import GraphQLContext
from api.graphql.schema import should_mask
from api.http.assets import Assets
from api.http.keys import SCOPE_KEY, RequestInfo, request_key
from api.http.negotiate import MEDIA, choose
from api.http.render import dumps
from api.http.representation import RenderedResponse, not_modified
from api.http.state import AppState, app_state

STATIC = Path(__file__).resolve().parent / "static"
EXPLORER = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>DTI Open Data GraphQL</title><link rel="icon" href="/assets/favicon.svg">
<link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
<link rel="stylesheet" href="/graphql/assets/explorer.css"></head>
<body><div id="graphiql"></div>
<script src="/graphql/assets/react.production.min.js"></script>
<script src="/graphql/assets/react-dom.production.min.js"></script>
<script src="/graphql/assets/graphiql.min.js"></script>
<script src="/graphql/assets/explorer.js"></script></body></html>"""
ASSET_FILES = ("graphiql.min.css", "graphiql.min.js", "react.production.min.js",
               "react-dom.production.min.js", "explorer.js", "explorer.css")
GET_PARAMS = {"query", "variables", "operationName"}


def assets(max_age: int) -> Assets:
    return Assets({name: STATIC / name for name in ASSET_FILES}, max_age)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the GraphQL request is larger than {limit} bytes")


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request([{"parameter": name, "message": "not valid JSON"}]) from None


async def _info(request: Request, limit: int) -> RequestInfo:
    """What the front door learnt (key and body); read here only when it did not run."""
    info: RequestInfo | None = request.scope.get(SCOPE_KEY)
    if info is None:
        body = await request.body() if request.method == "POST" else b""
        info = RequestInfo(request_key(request.scope, body), body)
    if info.key is None or len(info.body) > limit:
        raise _too_large(limit)
    return info


def _request_parts(request: Request, body: bytes, limit: int) -> tuple[Any, Any, Any]:
    """query, variables, operationName."""
    if request.method == "GET":
        if len(request.scope["query_string"]) > limit:
            raise _too_large(limit)
        unknown = sorted(set(request.query_params) - GET_PARAMS)
        if unknown:
            raise bad_request([{"parameter": u[:64], "message": "unknown parameter"}
                               for u in unknown[:10]])
        q = request.query_params
        return q.get("query"), _json_param(q.get("variables"), "variables"), q.get(
            "operationName")
    if request.headers.get("content-type", "").startswith("application/graphql"):
        return body.decode("utf-8", "replace"), None, None
    payload = _json_param(body.decode("utf-8", "replace"), "body")
    if not isinstance(payload, dict):
        raise bad_request([{"parameter": "body", "message": "expected a JSON object with "
                                                           "query, variables, operationName"}])
    return payload.get("query"), payload.get("variables"), payload.get("operationName")


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


def execute(state: AppState, schema: strawberry.Schema, query: str, variables: Any,
            operation: str | None) -> ExecutionResult:
    """Run one operation synchronously (in a worker thread) on one connection."""
    ctx = GraphQLContext(state.query, state.db, state.settings.graphql_deadline_seconds)
    try:
        result = schema.execute_sync(query, variable_values=variables,
                                     operation_name=operation, context_value=ctx,
                                     allowed_operation_types={OperationType.QUERY})
    finally:
        ctx.close()
    if result.errors:  # strawberry leaves errors raised before execution unmasked
        result.errors = [masked(e) for e in result.errors]
    return result


def masked(error: GraphQLError) -> GraphQLError:
    """An error from our code (not the client's) as "Unexpected error." (strawberry's
    process_errors has logged it, once)."""
    if not should_mask(error):
        return error
    return GraphQLError("Unexpected error.", path=error.path)


async def graphql_endpoint(request: Request) -> ASGIApp:
    state = app_state(request)
    schema: strawberry.Schema = state.extras["graphql"]
    if (request.method == "GET" and "query" not in request.query_params
            and choose(request.headers.get("accept", ""), ("json", "html")) == "html"):
        return RenderedResponse(state.extras["graphql_explorer"])
    limit = state.settings.graphql_max_body_bytes
    info = await _info(request, limit)
    query, variables, operation = _request_parts(request, info.body, limit)
    _check(query, variables, operation)
    etag = state.etag(request.scope)
    if request.method == "GET" and (early := not_modified(request.scope, etag,
                                                          state.settings.cache_max_age)):
        return early
    try:
        result = await anyio.to_thread.run_sync(execute, state, schema, query, variables,
                                                operation)
    except InvalidOperationTypeError:
        message = "only queries are supported: this API is read-only"
        raise bad_request([{"parameter": "query", "message": message}]) from None
    document: dict[str, Any] = {}
    if result.errors:
        document["errors"] = [e.formatted for e in result.errors]
    document["data"] = result.data
    return state.respond(request.scope, dumps(document), MEDIA["json"],
                         store=not result.errors)
