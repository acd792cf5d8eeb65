"""/mcp and /llms.txt inside the app, behind the one front door.

/llms.txt and /llms-full.txt are endpoint declarations like any other (the one wrapper).

/mcp is the SDK's streamable HTTP transport, stateless with JSON answers: this server is
public and read-only, so a session would hold nothing, and every POST is one whole
request the middleware sees like any other (request id, access line, metrics, a rate
limit charged by the answer's size, body size and time limits). Each lifespan of the app
runs a fresh session manager: the SDK's cannot be restarted.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import orjson
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from api.errors import ApiError, bad_request, invalid
from api.http.endpoint import Body, Call, Doc, Endpoint
from api.http.keys import header
from api.http.render import ProblemResponse
from api.http.state import AppState, app_state
from api.mcp.llms import FILES, render
from api.mcp.server import DtiServer, build_server

JSON = "application/json"


@dataclass
class McpHttp:
    """The MCP server of this app, and its session manager while the app runs."""

    server: DtiServer
    max_body: int
    manager: StreamableHTTPSessionManager | None = field(default=None)

    def start(self) -> None: ...  # the session manager runs in `running`, an async context

    def stop(self) -> None: ...

    def open(self) -> StreamableHTTPSessionManager:
        """A new session manager for this lifespan of the app."""
        self.server.streamable_http_app(
            streamable_http_path="/mcp", stateless_http=True, json_response=True,
            max_request_body_size=self.max_body,
            # Public data and no credentials: nothing for a DNS-rebinding page to steal,
            # and behind a proxy the Host is the public name, not a loopback one.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        self.manager = self.server.session_manager
        return self.manager


class McpEndpoint:
    """The ASGI app of /mcp: checks what the SDK would answer in bare text (a body that is
    not JSON, or too large) as problems, then the current session manager answers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mcp = app_state(Request(scope)).part(McpHttp)
        manager, body = mcp.manager, None
        if manager is None:  # the app was not started (no lifespan ran)
            error = ApiError(503, "the MCP endpoint is not running", headers={"Retry-After": "5"})
        elif header(scope, b"content-type").split(";")[0].strip().lower() != JSON:
            error = invalid("Content-Type", f"an MCP request is a JSON-RPC message ({JSON})")
        else:
            body = await _body(receive, mcp.max_body)
            error = ApiError(413, f"the MCP request is larger than {mcp.max_body} bytes")
            if body is not None and (problems := envelope_errors(body)):
                error, body = bad_request(problems), None
        if manager is None or body is None:
            await ProblemResponse(error, "/mcp")(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # a disconnect, when the client goes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await manager.handle_request(scope, replay, send)


def envelope_errors(body: bytes) -> list[dict[str, str]]:
    """What is wrong with a JSON-RPC message's members (the SDK reads some wrong types as
    a notification, which is answered 202 and never run)."""
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []  # the SDK answers a JSON-RPC parse error
    if not isinstance(message, dict):
        return [{"parameter": "body", "message": "expected one JSON-RPC message (an object)"}]
    checks = (("jsonrpc", lambda v: v == "2.0", 'must be "2.0"'),
              ("id", lambda v: isinstance(v, str | int) and not isinstance(v, bool),
               "must be a string or an integer"),
              ("method", lambda v: isinstance(v, str), "must be a string"),
              ("params", lambda v: v is None or isinstance(v, dict), "must be an object"))
    return [{"parameter": name, "message": text} for name, ok, text in checks
            if (name in message or name == "jsonrpc") and not ok(message.get(name))]


async def _body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes `limit` bytes."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        more = message.get("more_body", False)
    return b"".join(chunks)


@asynccontextmanager
async def running(state: AppState) -> AsyncIterator[None]:
    """Run the MCP endpoint's session manager while the app runs (if it is on)."""
    mcp = state.parts.get(McpHttp)
    if not isinstance(mcp, McpHttp) or mcp.manager is not None:  # off, or run by a
        yield  # lifespan still going
        return
    async with mcp.open().run():
        try:
            yield
        finally:
            mcp.manager = None


class LlmsFiles:
    """/llms.txt and /llms-full.txt as this app serves them, made once when it starts
    (links absolute under DTI_PUBLIC_URL): a Part of the app."""

    def __init__(self, public_url: str) -> None:
        base = public_url.rstrip("/")
        self.texts: dict[str, bytes] = {}
        for name, full in FILES.items():
            text = render(full)
            if base:  # links absolute under the public address
                text = text.replace("](/", f"]({base}/")
            self.texts[name] = text.encode()

    def start(self) -> None: ...

    def stop(self) -> None: ...


def _llms(name: str) -> Endpoint:
    async def handle(call: Call) -> Body:
        return Body(call.state.part(LlmsFiles).texts[name])

    summary = {"llms.txt": "The service for language models (llmstxt.org): API, MCP "
                           "endpoint, citation rule",
               "llms-full.txt": "llms.txt with the README's sections on the data, endpoints "
                                "and citing"}[name]
    return Endpoint(f"/{name}", f"get_{name.replace('.', '_').replace('-', '_')}", summary,
                    handle=handle, formats=("text",), tag="service",
                    doc=Doc(schema={"type": "string"}))


ENDPOINTS = [_llms(name) for name in FILES]


def install(state: AppState) -> list[BaseRoute]:
    """The llms files, and (unless turned off) the MCP server kept in the app state and
    its /mcp route (a protocol's transport, as /graphql is, not a wrapped endpoint)."""
    settings = state.settings
    state.add(LlmsFiles(settings.public_url))
    if not settings.mcp:
        return []
    # The SDK logs through "mcp": its warnings go where the API's own go, not to a
    # handler of its own on the root logger.
    logging.getLogger("mcp").propagate = False
    logging.getLogger("mcp").handlers = list(logging.getLogger("dti").handlers)
    state.add(McpHttp(build_server(state), settings.mcp_max_body_bytes))
    return [Route("/mcp", McpEndpoint(), methods=["POST"])]
