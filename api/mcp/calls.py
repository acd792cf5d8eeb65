"""One MCP tool call: the service layer in a worker thread under a deadline, its errors as
tool errors, a bounded answer, and the answer's cost reported to the front door.

Over HTTP a call is one request through the same middleware as REST and GraphQL; what it
costs is reported the way GraphQL reports its own (`RequestInfo.extra`), so the rate
limiter charges 4 units plus 1 per 50 KB of answer, and the access log records it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, cast

import anyio
import orjson
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from starlette.requests import Request

from api.errors import ApiError, bad_request
from api.http.keys import request_info
from api.http.state import AppState
from api.http.turns import offload
from api.mcp.provenance import NOT_HERE, Call, Links

# The key the rate limiter charges extra units by (api/http/ratelimit.py `cost_of`): one
# unit per 500, so 100 bytes of answer count 1 and 50 KB one unit.
COST_KEY, BYTES_PER_COST = "graphql_cost", 100
Work = Callable[[Call], Mapping[str, Any]]


def state_of(ctx: Context) -> AppState:
    """The application state, which the server's lifespan hands to every request."""
    return cast(AppState, ctx.request_context.lifespan_context)


def message(error: ApiError, renamed: Mapping[str, str]) -> str:
    """A service error as a model can act on it, naming the tool's own arguments."""
    if error.status == 400:
        errors = [{**e, "parameter": renamed.get(e["parameter"], e["parameter"])}
                  for e in error.errors]
        return f"invalid arguments: {bad_request(errors).detail if errors else error.detail}"
    if error.status == 404:
        return f"{error.detail} ({NOT_HERE})"
    retry = error.headers.get("Retry-After")
    return error.detail + (f"; retry in {retry} s" if retry else "")


def charge(ctx: Context, size: int) -> None:
    """Tell the front door what this answer cost (HTTP only; stdio has no rate limit)."""
    request = ctx.request_context.request
    if isinstance(request, Request):
        request_info(request.scope).extra[COST_KEY] = math.ceil(size / BYTES_PER_COST)


async def answer(ctx: Context, work: Work,
                 renamed: Mapping[str, str] | None = None) -> CallToolResult:
    """Run `work` on a read-only connection; the document is the structured result and
    its JSON the text a model reads. `renamed`: service parameter -> tool argument."""
    state = state_of(ctx)
    settings = state.settings
    links = Links(settings.public_url.rstrip("/"))

    def run() -> Mapping[str, Any]:
        with state.query() as query:
            return work(Call(query, links))

    try:
        with anyio.fail_after(settings.mcp_deadline_seconds):
            # Abandoned at the deadline: the statement timeout ends the thread's query.
            document = await offload(run, abandon_on_cancel=True)
    except TimeoutError:
        raise ToolError(f"the call took longer than {settings.mcp_deadline_seconds:g} s and "
                        "was stopped; ask for less (fewer entities, years or entries)"
                        ) from None
    except ApiError as error:
        raise ToolError(message(error, renamed or {})) from None
    body = orjson.dumps(document)
    charge(ctx, len(body))
    if len(body) > settings.mcp_max_result_bytes:
        raise ToolError(f"the answer would be {len(body)} bytes, over the limit of "
                        f"{settings.mcp_max_result_bytes}; ask for less (a smaller limit, "
                        "fewer entities or years)")
    return CallToolResult(content=[TextContent(type="text", text=body.decode())],
                          structured_content=dict(document))
