"""A finished representation and the one function that answers a request with it.

Cache hits and handler answers both go through `send_rendered`, so a hit and a miss
carry the same status, headers and body byte for byte. Conditional requests follow
RFC 9110 §13.1.2: If-None-Match uses the weak comparison, and `*` matches because
a representation exists (a Rendered is only ever made for a 200).
"""

from __future__ import annotations

import gzip
import sys
from dataclasses import dataclass
from functools import cached_property

from starlette.types import Receive, Scope, Send

from api.http.keys import header
from api.http.negotiate import accepts_gzip

GZIP_MIN_BYTES = 1024
TUPLE_BYTES = sys.getsizeof((b"", b""))
ENTRY_BYTES = 400  # the Rendered object, its ETag and route strings, the cache's bookkeeping
VARY = "Accept, Accept-Language, Accept-Encoding"
Headers = list[tuple[bytes, bytes]]


def gzip_etag(etag: str) -> str:
    """The ETag of the gzip-coded form: a different representation, so a different tag."""
    return etag[:-1] + '-gzip"'


def caching_headers(etag: str, max_age: int) -> Headers:
    return [(b"etag", etag.encode()), (b"cache-control", f"public, max-age={max_age}".encode()),
            (b"vary", VARY.encode())]


def matched_etag(if_none_match: str, etag: str) -> str | None:
    """The form of `etag` (identity or gzip) that If-None-Match names, compared weakly as
    RFC 9110 asks; `etag` itself for `*`; None when it names neither."""
    if not if_none_match:
        return None
    if if_none_match.strip() == "*":
        return etag
    coded = gzip_etag(etag)
    for tag in if_none_match.split(",")[:64]:
        tag = tag.strip().removeprefix("W/")
        if tag in (etag, coded):
            return tag
    return None


def etag_matches(if_none_match: str, etag: str) -> bool:
    return matched_etag(if_none_match, etag) is not None


@dataclass(frozen=True)
class Rendered:
    """A 200 body, its gzip form when worth it, and the headers each form goes with."""

    body: bytes
    gzipped: bytes | None
    etag: str
    plain_headers: Headers
    gzip_headers: Headers | None
    max_age: int
    route: str | None = None  # the route template that made it (for logs and metrics)

    @classmethod
    def build(cls, body: bytes, etag: str, media_type: str, max_age: int,
              link: str | None = None, compress: bool = True,
              route: str | None = None, headers_extra: Headers | None = None) -> Rendered:
        """`compress`: make the gzip form now (worth it when cached or asked for)."""
        # orjson's bytes keep their working buffer (4 KiB for a 50-byte answer, about 1.5x
        # for larger ones): a cached answer holds an exact-size copy instead
        body = bytes(memoryview(body))
        packed = gzip.compress(body, 6, mtime=0) \
            if compress and len(body) >= GZIP_MIN_BYTES else None
        extra = [(b"link", link.encode())] if link else []
        extra += headers_extra or []

        def headers(tag: str, content: bytes, coding: bool) -> Headers:
            out = [*caching_headers(tag, max_age), (b"content-type", media_type.encode()),
                   *extra]
            if coding:
                out.append((b"content-encoding", b"gzip"))
            return [*out, (b"content-length", str(len(content)).encode())]

        return cls(body, packed, etag, headers(etag, body, False),
                   headers(gzip_etag(etag), packed, True) if packed else None, max_age, route)

    @cached_property  # asked when checked against the limit, then by the cache itself
    def size(self) -> int:
        """Bytes this answer holds in memory: its bodies, its header objects and itself."""
        held = sys.getsizeof(self.body) + sys.getsizeof(self.gzipped) + ENTRY_BYTES
        for headers in (self.plain_headers, self.gzip_headers or []):
            held += sys.getsizeof(headers) + sum(
                TUPLE_BYTES + sys.getsizeof(name) + sys.getsizeof(value)
                for name, value in headers)
        return held


async def _send(send: Send, status: int, headers: Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


async def send_rendered(rendered: Rendered, scope: Scope, send: Send) -> None:
    """Answer one request (GET, HEAD or a cacheable POST) with `rendered`."""
    inm = encoding = ""
    for name, value in scope["headers"]:  # the two request headers that matter, in one pass
        if name == b"if-none-match":
            inm = value.decode("latin-1")
        elif name == b"accept-encoding":
            encoding = value.decode("latin-1")
    if scope["method"] == "POST":
        inm = ""
    use_gzip = rendered.gzipped is not None and accepts_gzip(encoding)
    if inm and etag_matches(inm, rendered.etag):  # the ETag a 200 would carry now
        tag = gzip_etag(rendered.etag) if use_gzip else rendered.etag
        await _send(send, 304, caching_headers(tag, rendered.max_age), b"")
        return
    headers = rendered.gzip_headers if use_gzip else rendered.plain_headers
    body = rendered.gzipped if use_gzip else rendered.body
    await _send(send, 200, headers or [], b"" if scope["method"] == "HEAD" else body or b"")


class RenderedResponse:
    """A handler's answer that is a Rendered: sent exactly as a cache hit would be."""

    def __init__(self, rendered: Rendered) -> None:
        self.rendered = rendered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send_rendered(self.rendered, scope, send)


class NotModified:
    def __init__(self, etag: str, max_age: int) -> None:
        self.headers = caching_headers(etag, max_age)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _send(send, 304, self.headers, b"")


def not_modified(scope: Scope, etag: str, max_age: int) -> NotModified | None:
    """A 304 answered before any work when If-None-Match names this request's ETag (in
    the form the client holds). `*` is left to the caller: it may only match once the
    resource is known to exist.
    """
    inm = header(scope, b"if-none-match")
    if not inm or inm.strip() == "*":
        return None
    tag = matched_etag(inm, etag)
    return NotModified(tag, max_age) if tag else None

