"""The one request key: what decides a response body, and the ETag derived from it.

Every cached answer, every ETag and every conditional request goes through `request_key`,
so a hit, a miss and a 304 always agree. Query parameters count in any order (the
documents' `links.self` is written in the same canonical order); Accept counts as sent
(normalised), Accept-Language only through the language it selects; a body counts by
its digest. The key is a fixed-size hash, so a 60 KB URL costs the cache 64 bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from starlette.types import Scope

from api.http.negotiate import language_of

SCOPE_KEY = "dti"  # where the front door leaves what it learnt about a request


@dataclass
class RequestInfo:
    """Facts about one request, shared by the middleware stack and the handlers."""

    key: str | None  # None: a body too large to key (the handler answers 413)
    body: bytes = b""
    cache: str = "bypass"  # hit | miss | bypass
    route: str | None = None  # route template, once known
    extra: dict[str, object] = field(default_factory=dict)  # e.g. GraphQL cost


def canonical_query(query: bytes) -> bytes:
    """Query parameters sorted as written, so their order does not matter."""
    if b"&" not in query:
        return query
    return b"&".join(sorted(p for p in query.split(b"&") if p))


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def request_key(scope: Scope, body: bytes = b"") -> str:
    method = scope["method"]
    accept = language = b""
    for name, value in scope["headers"]:
        if name == b"accept":
            accept = value
        elif name == b"accept-language":
            language = value
    parts = (b"GET" if method == "HEAD" else method.encode(), scope["path"].encode(),
             canonical_query(scope["query_string"]), accept.replace(b" ", b"").lower(),
             language_of(language.decode("latin-1")).encode() if language else b"vi",
             hashlib.sha256(body).digest() if body else b"")
    return hashlib.sha256(b"\x00".join(parts)).hexdigest()


def etag_for(version: str, key: str) -> str:
    """Strong ETag of one representation: changes exactly with the data or the request."""
    return '"' + hashlib.sha256(f"{version}\n{key}".encode()).hexdigest()[:32] + '"'


def request_info(scope: Scope) -> RequestInfo:
    """The request's key, computed once (by the front door, or here when it did not)."""
    info: RequestInfo | None = scope.get(SCOPE_KEY)
    if info is None:
        info = scope[SCOPE_KEY] = RequestInfo(request_key(scope))
    return info
