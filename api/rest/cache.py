"""The server's response cache: finished bodies (bytes only), their ETags, and the key
both the cache-first middleware and the handlers compute from the raw request."""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass

from cachetools import LRUCache

GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class Rendered:
    """A finished JSON body, its gzip form when worth it, and the headers it goes with."""

    body: bytes
    gzipped: bytes | None
    etag: str
    vary: str
    link: str | None = None

    @classmethod
    def build(cls, body: bytes, etag: str, vary: str, link: str | None = None,
              compress: bool = True) -> Rendered:
        """`compress`: make the gzip form (worth it when cached or asked for)."""
        packed = gzip.compress(body, 6, mtime=0) \
            if compress and len(body) >= GZIP_MIN_BYTES else None
        return cls(body, packed, etag, vary, link)

    @property
    def gzip_etag(self) -> str:
        return self.etag[:-1] + '-gzip"'

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + 300

    def parts(self, *, head: bool, gzip_ok: bool, if_none_match: str | None, max_age: int,
              origin: bool) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and body of the response to one request."""
        use_gzip = gzip_ok and self.gzipped is not None
        etag = self.gzip_etag if use_gzip else self.etag
        vary = self.vary + ", Origin" if origin else self.vary  # as CORSMiddleware does
        headers = [(name.lower().encode(), value.encode())
                   for name, value in cache_headers(etag, max_age, vary).items()]
        if origin:
            headers += [(b"access-control-allow-origin", b"*"),
                        (b"access-control-expose-headers", b"ETag, Link")]
        if etag_matches(if_none_match, (self.etag, self.gzip_etag)):
            return 304, headers, b""
        body = self.gzipped if use_gzip and self.gzipped is not None else self.body
        headers.append((b"content-type", b"application/json"))
        if use_gzip:
            headers.append((b"content-encoding", b"gzip"))
        if self.link:
            headers.append((b"link", self.link.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        return 200, headers, b"" if head else body


class ResponseCache:
    """LRU bounded both by entry count and by total bytes; thread-safe."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self._cache: LRUCache[str, Rendered] = LRUCache(
            maxsize=max(max_bytes, 1), getsizeof=lambda r: r.size)
        self._lock = threading.Lock()

    def get(self, key: str) -> Rendered | None:
        if self.max_entries <= 0:
            return None
        with self._lock:
            return self._cache.get(key)

    def put(self, key: str, value: Rendered) -> None:
        if self.max_entries <= 0 or value.size > self._cache.maxsize:
            return
        with self._lock:
            while len(self._cache) >= self.max_entries:
                self._cache.popitem()
            self._cache[key] = value

    @property
    def stats(self) -> tuple[int, int]:
        with self._lock:
            return len(self._cache), int(self._cache.currsize)


def language_of(accept_language: str) -> str:
    """vi unless the first language asked for is English."""
    return "en" if accept_language.lstrip().lower().startswith("en") else "vi"


def format_of(accept: str) -> str:
    if "text/csv" in accept:
        return "csv"
    return "ndjson" if "application/x-ndjson" in accept else "json"


def request_key(method: str, path: str, query: bytes, accept: str, accept_language: str,
                body: bytes = b"") -> str:
    """The cache key of a request: what decides its response body, normalised cheaply.

    Query parameters count in any order; the language and format headers count only
    through what they select, so any Accept-Language naming English shares an entry.
    A body enters as its digest. (The ETag comes from the fully parsed request.)
    """
    if b"&" in query:
        query = b"&".join(sorted(query.split(b"&")))
    lang, fmt = language_of(accept_language), format_of(accept)
    digest = hashlib.sha256(body).hexdigest() if body else ""
    return f"{method} {path}?{query.decode('latin-1')}|{lang}|{fmt}|{digest}"


def cache_headers(etag: str, max_age: int, vary: str) -> dict[str, str]:
    """The caching headers of a 200 or 304 answer, in both adapters."""
    return {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": vary}


def etag_for(version: str, key: str) -> str:
    """Strong ETag of one representation: changes exactly with the data or the request."""
    return '"' + hashlib.sha256(f"{version}\n{key}".encode()).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etags: tuple[str, ...]) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return any(tag in candidates for tag in etags)
