"""The one request key: what decides a response body, and the ETag derived from it.

Every cached answer, every ETag and every conditional request goes through `request_key`,
so a hit, a miss and a 304 always agree. Query parameters count in any order (the
documents' `links.self` is written in the same canonical order); Accept counts as sent
(normalised), Accept-Language only through the language it selects, each read by
`header` exactly as negotiation reads it; a body counts by its digest and Content-Type.
The key is a fixed-size hash, so a 60 KB URL costs the cache 64 bytes.
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
    """A request header's value; a header sent more than once is combined into one
    comma-separated list, as RFC 9110 §5.3 says a recipient may. Every reader of a
    request header (the cache key, negotiation, conditional requests) goes through here,
    so a request sending Accept twice is keyed and answered on the same value."""
    found = [value for key, value in scope["headers"] if key == name]
    if not found:
        return ""
    return (found[0] if len(found) == 1 else b", ".join(found)).decode("latin-1")


# Keys of recent requests by what was sent: most traffic repeats a few URLs, and a key is
# two sha256 rounds and a negotiation. Only small requests are remembered (a 60 KB URL
# is keyed afresh each time), in a dict emptied when full: at most MEMO_ENTRIES entries
# of at most MEMO_INPUT bytes each.
MEMO_ENTRIES, MEMO_INPUT = 2048, 512
_memo: dict[tuple[str, str, bytes, bytes, bytes, bytes, bytes], str] = {}


def request_key(scope: Scope, body: bytes = b"") -> str:
    accepts: list[bytes] = []
    languages: list[bytes] = []
    types: list[bytes] = []
    for name, value in scope["headers"]:  # one pass; a repeated header joins as header()
        if name == b"accept":
            accepts.append(value)
        elif name == b"accept-language":
            languages.append(value)
        elif name == b"content-type":
            types.append(value)
    sent = (scope["method"], scope["path"], scope["query_string"], b", ".join(accepts),
            b", ".join(languages), b", ".join(types) if body else b"", body)
    key = _memo.get(sent)
    if key is None:
        key = _key(*sent)
        if sum(map(len, sent)) <= MEMO_INPUT:
            if len(_memo) >= MEMO_ENTRIES:
                _memo.clear()
            _memo[sent] = key
    return key


def _key(method: str, path: str, query: bytes, accept: bytes, language: bytes,
         content_type: bytes, body: bytes) -> str:
    parts = (b"GET" if method == "HEAD" else method.encode(), path.encode(),
             canonical_query(query),
             accept.decode("latin-1").replace(" ", "").lower().encode("latin-1"),
             language_of(language.decode("latin-1")).encode() if language else b"vi",
             # a POST body means what its Content-Type says (a JSON request or a document)
             content_type.decode("latin-1").split(";")[0].strip().lower().encode("latin-1"),
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
