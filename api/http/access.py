"""One access line per request, in proportion, and the request id that ties lines together.

The outermost layer of the front door: it accepts a client's X-Request-ID when it is a
plain token (else makes one) and returns it; records what was answered and how fast; and
writes one line, with the path and query cut to bounded lengths and a GraphQL document
replaced by its hash and first characters, so a 60 KB request costs a few hundred bytes of
log. JSON lines by default; `DTI_LOG_FORMAT=text` for development.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.clients import Network, client_address
from api.http.keys import SCOPE_KEY, RequestInfo
from api.http.ratelimit import CLIENT

log = logging.getLogger("dti.access")
REQUEST_ID = "dti.request_id"
VALID_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
MAX_PATH, MAX_QUERY, DOCUMENT_PREFIX = 256, 512, 64


def short_document(text: str) -> str:
    """A GraphQL document in a log: its hash and its first characters."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    head = " ".join(text[:DOCUMENT_PREFIX].split())
    return f"sha256:{digest} {head}" + ("..." if len(text) > DOCUMENT_PREFIX else "")


def loggable_query(path: str, raw: bytes) -> str:
    if not raw:
        return ""
    text = raw[:MAX_QUERY * 8].decode("latin-1")
    if path == "/graphql":
        pairs = [(k, short_document(v) if k == "query" else v[:DOCUMENT_PREFIX])
                 for k, v in parse_qsl(text, keep_blank_values=True)]
        text = urlencode(pairs)
    return text[:MAX_QUERY] + ("..." if len(text) > MAX_QUERY else "")


def request_id(scope: Scope) -> str:
    found: str | None = scope.get(REQUEST_ID)
    return found or "-"


class AccessLog:
    def __init__(self, app: ASGIApp, proxies: tuple[Network, ...], text: bool = False) -> None:
        self.app, self.proxies, self.text = app, proxies, text

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = next((v for n, v in scope["headers"] if n == b"x-request-id"), b"")
        rid = given.decode() if VALID_ID.fullmatch(given) else secrets.token_hex(8)
        scope[REQUEST_ID] = rid
        scope[CLIENT] = client_address(scope, self.proxies)
        answer: dict[str, Any] = {"status": 0, "bytes": 0, "ratelimit": None}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                headers = message.get("headers", [])
                answer["ratelimit"] = next((v.decode() for n, v in headers
                                            if n == b"ratelimit"), None)
                message["headers"] = [*headers, (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(self.line(scope, rid, answer, time.perf_counter() - started))

    def line(self, scope: Scope, rid: str, answer: dict[str, Any], seconds: float) -> str:
        info: RequestInfo | None = scope.get(SCOPE_KEY)
        route = scope.get("route")
        path = scope["path"]
        entry = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "request_id": rid, "method": scope["method"],
            "route": getattr(route, "path", None) or (info.route if info else None),
            "path": path[:MAX_PATH], "query": loggable_query(path, scope["query_string"]),
            "status": answer["status"], "ms": round(seconds * 1000, 2),
            "bytes": answer["bytes"], "cache": info.cache if info else "bypass",
            "client": scope.get(CLIENT), "ratelimit": answer["ratelimit"]}
        if info is not None and "graphql_cost" in info.extra:
            entry["graphql_cost"] = info.extra["graphql_cost"]
        if self.text:
            return (f'{entry["client"]} {entry["method"]} {entry["path"]} {entry["status"]} '
                    f'{entry["ms"]}ms {entry["bytes"]}B {entry["cache"]} {rid}')
        return orjson.dumps(entry).decode()
