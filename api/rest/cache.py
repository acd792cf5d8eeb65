"""A bounded cache of rendered responses (bytes only), plus strong ETags."""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass

from cachetools import LRUCache

GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class Rendered:
    """A finished JSON body, its gzip form when worth it, and its extra headers."""

    body: bytes
    gzipped: bytes | None
    link: str | None

    @classmethod
    def build(cls, body: bytes, link: str | None) -> Rendered:
        packed = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        return cls(body, packed, link)

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + 200


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
