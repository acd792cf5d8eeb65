"""The response cache and the front-door component that answers from it.

`ResponseCache` holds finished representations (bytes only), bounded by entry count, by
total bytes (keys included), by the size of any one entry (a few big PNGs cannot evict
everything else) and by time (an answer is kept no longer than clients may keep it).
`ResponseCacheMiddleware` is the innermost layer of the one middleware stack: it computes
the request key once, answers a hit with the same `send_rendered` the handlers use, and
hands a miss to the router with the key attached.
Only handlers store entries, and only 200s, so a hit is what the handler would answer.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.keys import SCOPE_KEY, RequestInfo, request_key
from api.http.representation import Rendered, send_rendered

KEY_BYTES = 64 + 49  # a hex sha256 key and the str object around it


class ResponseCache:
    """LRU with a time to live, bounded by entry count, total and entry bytes; thread-safe.

    An ordered dict and a lock rather than cachetools' TTLCache: a hit is every warm
    answer's first step, and TTLCache's timer and linked list made it 1.2 us of the
    ceiling's 9 (bench/run's warm ratio); this lookup is a third of that. Entries leave
    least recently used first; an expired one is dropped when it is asked for or when
    an answer is added (`_expires` is in the order of insertion, which with one time to
    live is the order of expiry)."""

    def __init__(self, max_entries: int, max_bytes: int, max_entry_bytes: int | None = None,
                 ttl: float = 3600.0) -> None:
        self.max_entries, self.max_bytes = max_entries, max(max_bytes, 1)
        self.max_entry_bytes = max_bytes if max_entry_bytes is None else max_entry_bytes
        self.ttl = max(ttl, 1.0)
        self._cache: OrderedDict[str, Rendered] = OrderedDict()  # least recent first
        self._expires: dict[str, float] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def get(self, key: str) -> Rendered | None:
        if self.max_entries <= 0:
            return None
        with self._lock:
            found = self._cache.get(key)
            if found is not None and self._expires[key] > time.monotonic():
                self._cache.move_to_end(key)
                self.hits += 1
                return found
            if found is not None:
                self._drop(key)
            self.misses += 1
            return None

    def put(self, key: str, value: Rendered) -> None:
        size = value.size + KEY_BYTES
        if self.max_entries <= 0 or size > self.max_bytes or size > self.max_entry_bytes:
            return
        with self._lock:
            if key in self._cache:
                self._drop(key)
            now = time.monotonic()
            while self._expires and next(iter(self._expires.values())) <= now:
                self._drop(next(iter(self._expires)))  # oldest first: one time to live
            while self._cache and (len(self._cache) >= self.max_entries
                                   or self._bytes + size > self.max_bytes):
                self._drop(next(iter(self._cache)))
            self._cache[key] = value
            self._expires[key] = now + self.ttl
            self._bytes += size

    def _drop(self, key: str) -> None:
        self._bytes -= self._cache.pop(key).size + KEY_BYTES
        del self._expires[key]

    def clear(self) -> None:
        """Forget every answer (a new dataset is served)."""
        with self._lock:
            self._cache.clear()
            self._expires.clear()
            self._bytes = 0

    @property
    def stats(self) -> tuple[int, int]:
        """Entries and bytes held (keys included)."""
        with self._lock:
            return len(self._cache), self._bytes


class ResponseCacheMiddleware:
    """Key every request once; answer cache hits before routing."""

    def __init__(self, app: ASGIApp, cache: ResponseCache, post_paths: Collection[str],
                 max_body: int) -> None:
        self.app, self.cache = app, cache
        self.post_paths, self.max_body = frozenset(post_paths), max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        read: list[Message] = []  # the body's messages, read here: given again on a miss
        if method in ("GET", "HEAD"):
            info = RequestInfo(request_key(scope))
        elif method == "POST" and scope["path"] in self.post_paths:
            body, read = await self._read(receive)
            info = RequestInfo(request_key(scope, body) if body is not None else None,
                               body or b"")
        else:
            await self.app(scope, receive, send)
            return
        scope[SCOPE_KEY] = info
        hit = self.cache.get(info.key) if info.key and self.cache.enabled else None
        if hit is None:
            info.cache = "miss" if self.cache.enabled else "bypass"
            await self.app(scope, _replay(read, receive) if read else receive, send)
            return
        info.cache, info.route = "hit", hit.route
        await send_rendered(hit, scope, send)

    async def _read(self, receive: Receive) -> tuple[bytes | None, list[Message]]:
        """Read a body of at most max_body bytes whole (None: longer or cut short), and
        the messages read."""
        first = await receive()
        if first["type"] == "http.request" and not first.get("more_body", False):
            body = first.get("body", b"")  # the usual request: its body in one message
            return (body if len(body) <= self.max_body else None), [first]
        chunks: list[bytes] = []
        messages: list[Message] = []
        size, more, message = 0, True, first
        while True:
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if not more or size > self.max_body:
                break
            message = await receive()
        complete = not more and messages[-1]["type"] == "http.request"
        return (b"".join(chunks) if complete and size <= self.max_body else None), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives these messages again, then the connection's own."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()
    return replay
