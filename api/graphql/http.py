"""/graphql over HTTP: GET and HEAD (cacheable, ETag) and POST, the explorer, body limits.

All GraphQL work (parsing, validation, pricing, execution) runs synchronously in a worker
thread (the event loop stays free), on one connection for the whole request, under the
request's deadline; if the client disconnects meanwhile, the work is abandoned at its
next check.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import anyio
import strawberry
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.errors import ApiError, bad_request
from api.graphql.context import GraphQLContext
from api.graphql.errors import masked
from api.graphql.guard import CURRENT, Deadline
from api.http.assets import Assets
from api.http.formats import MEDIA
from api.http.keys import SCOPE_KEY, RequestInfo, header, request_key
from api.http.negotiate import choose
from api.http.render import dumps
from api.http.representation import Rendered, RenderedResponse, not_modified
from api.http.state import AppState, app_state
from api.http.turns import offload

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
OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,127}")


def assets(max_age: int) -> Assets:
    return Assets({name: STATIC / name for name in ASSET_FILES}, max_age)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the GraphQL request is larger than {limit} bytes")


MAX_JSON_DEPTH = 32  # arrays and objects inside one another, in a body or `variables`


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a decoded JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict)
                                                  else item))
    return deepest


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise bad_request([{"parameter": name, "message": "not valid JSON"}]) from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise bad_request([{"parameter": name, "message": "nested more than "
                                                          f"{MAX_JSON_DEPTH} levels deep"}])
    return value


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
    if request.method in ("GET", "HEAD"):
        if len(request.scope["query_string"]) > limit:
            raise _too_large(limit)
        unknown = sorted(set(request.query_params) - GET_PARAMS)
        if unknown:
            raise bad_request([{"parameter": u[:64], "message": "unknown parameter"}
                               for u in unknown[:10]])
        q = request.query_params
        return q.get("query"), _json_param(q.get("variables"), "variables"), q.get(
            "operationName")
    if header(request.scope, b"content-type").startswith("application/graphql"):
        return body.decode("utf-8", "replace"), None, None
    payload = _json_param(body.decode("utf-8", "replace"), "body")
    if not isinstance(payload, dict):
        raise bad_request([{"parameter": "body", "message": "expected a JSON object with "
                                                           "query, variables, operationName"}])
    return payload.get("query"), payload.get("variables"), payload.get("operationName")


def _check(query: Any, variables: Any, operation: Any) -> None:
    """Refuse a request that is not a query with an object of variables and a name."""
    errors = []
    if not isinstance(query, str) or not query.strip():
        errors.append({"parameter": "query", "message": "a GraphQL query string is required"})
    if variables is not None and not isinstance(variables, dict):
        errors.append({"parameter": "variables", "message": "expected a JSON object"})
    if operation is not None and (not isinstance(operation, str)
                                  or not OPERATION_NAME.fullmatch(operation)):
        errors.append({"parameter": "operationName", "message": "expected a GraphQL name"})
    if errors:
        raise bad_request(errors)


def execute(state: AppState, schema: strawberry.Schema, query: str, variables: Any,
            operation: str | None, info: RequestInfo | None = None,
            deadline: Deadline | None = None) -> ExecutionResult:
    """Run one operation synchronously (in a worker thread) on one connection."""
    deadline = deadline or Deadline(state.settings.graphql_deadline_seconds)
    ctx = GraphQLContext(state.query, state.db, deadline)
    started = time.perf_counter()
    token = CURRENT.set(deadline)
    try:
        result = schema.execute_sync(query, variable_values=variables,
                                     operation_name=operation, context_value=ctx,
                                     allowed_operation_types={OperationType.QUERY})
    except (CannotGetOperationTypeError, MissingQueryError):
        message = f"the document has no operation named {operation!r}" if operation \
            else "the document has no operation to run"
        raise bad_request([{"parameter": "operationName" if operation else "query",
                            "message": message}]) from None
    finally:
        CURRENT.reset(token)
        ctx.close()
    if info is not None:  # what the rate limiter charges: the price, refused or not
        info.extra["graphql_cost"] = ctx.cost
        info.extra["graphql_seconds"] = time.perf_counter() - started
    if result.errors:  # strawberry leaves errors raised before execution unmasked
        result.errors = [masked(e) for e in result.errors]
    return result


async def _abandoned_on_disconnect(receive: Receive, deadline: Deadline, fn: Any,
                                   *args: Any) -> Any:
    """`fn(*args)` in a worker thread; if the client disconnects meanwhile, the deadline
    is abandoned, so the work stops at its next check instead of running to the end."""
    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        deadline.abandon()

    outcome: list[Any] = []
    async with anyio.create_task_group() as group:
        group.start_soon(watch)
        try:
            outcome.append(await offload(fn, *args))
        except Exception as error:  # raised below, outside the group (not as a group)
            outcome.append(error)
        group.cancel_scope.cancel()
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


async def graphql_endpoint(request: Request) -> ASGIApp:
    state = app_state(request)
    schema: strawberry.Schema = state.extras["graphql"]
    readonly = request.method in ("GET", "HEAD")
    if (readonly and "query" not in request.query_params
            and choose(header(request.scope, b"accept"), ("json", "html")) == "html"):
        return RenderedResponse(state.extras["graphql_explorer"])
    limit = state.settings.graphql_max_body_bytes
    info = await _info(request, limit)
    query, variables, operation = _request_parts(request, info.body, limit)
    if operation == "":  # how some clients say "no name"
        operation = None
    _check(query, variables, operation)
    etag = state.etag(request.scope)
    if readonly and (early := not_modified(request.scope, etag, state.settings.cache_max_age)):
        return early
    deadline = Deadline(state.settings.graphql_deadline_seconds)
    try:
        rendered, ok = await _abandoned_on_disconnect(
            request.receive, deadline, answer, state, request.scope, schema, query, variables,
            operation, info, deadline)
    except InvalidOperationTypeError:
        message = "only queries are supported: this API is read-only"
        raise bad_request([{"parameter": "query", "message": message}]) from None
    return state.keep(request.scope, rendered, store=ok)


def answer(state: AppState, scope: Scope, schema: strawberry.Schema, query: str,
           variables: Any, operation: str | None, info: RequestInfo,
           deadline: Deadline) -> tuple[Rendered, bool]:
    """Execute and render in one worker thread; True when the answer may be cached."""
    result = execute(state, schema, query, variables, operation, info, deadline)
    document: dict[str, Any] = {}
    if result.errors:
        document["errors"] = [e.formatted for e in result.errors]
    document["data"] = result.data
    body = dumps(document)
    limit = state.settings.graphql_max_response_bytes
    if len(body) > limit:
        body = dumps({"errors": [{"message": f"the answer would be {len(body)} bytes, more "
                                             f"than {limit}; ask for fewer items",
                                  "extensions": {"code": "RESPONSE_TOO_LARGE"}}],
                      "data": None})
        return state.render(scope, body, MEDIA["json"]), False
    return state.render(scope, body, MEDIA["json"]), not result.errors
