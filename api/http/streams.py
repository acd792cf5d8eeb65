"""Streamed bodies (CSV, NDJSON) that always let go of what they hold.

A stream's chunks come from a sync iterator that may hold a pooled database connection;
it is advanced in worker threads. Whatever ends the response — the last chunk, the
client disconnecting, a client that stops reading for `send_timeout` seconds, or the
server shutting down — the iterator is closed in a thread, so its connection returns to
the pool. At most `limit` streams run at once; gzip is applied here, chunk by chunk,
when the client accepts it, with the ETag of the coded form.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
from starlette.types import Message, Receive, Scope, Send

from api.errors import ApiError
from api.http.keys import header
from api.http.negotiate import accepts_gzip
from api.http.representation import Headers, caching_headers, gzip_etag
from api.http.turns import offload

_END = object()


class Streams:
    """The bound on concurrent streams: per process, and per client within it (so two
    addresses cannot hold every slot)."""

    def __init__(self, limit: int, send_timeout: float, per_client: int | None = None) -> None:
        self.limit = max(limit, 1)
        self.per_client = max(per_client or self.limit, 1)
        self.send_timeout = send_timeout
        self.active = 0
        self.clients: dict[str, int] = {}  # streams running per client
        self.rows = 0  # lines streamed (CSV header lines included), for the metrics

    def acquire(self, client: str = "") -> None:
        """Take a slot now or refuse with a 503 (a stream never waits for one)."""
        if self.active >= self.limit:
            raise ApiError(503, "too many downloads are running; retry shortly",
                           headers={"Retry-After": "5"})
        if self.clients.get(client, 0) >= self.per_client:
            raise ApiError(503, f"this client already has {self.per_client} downloads "
                                "running; retry when one ends", headers={"Retry-After": "5"})
        self.active += 1
        self.clients[client] = self.clients.get(client, 0) + 1

    def release(self, client: str = "") -> None:
        self.active -= 1
        left = self.clients.get(client, 1) - 1
        if left:
            self.clients[client] = left
        else:
            self.clients.pop(client, None)


class StreamResponse:
    def __init__(self, chunks: Iterator[bytes], streams: Streams, media_type: str, etag: str,
                 max_age: int, extra: Headers | None = None, client: str = "",
                 compressible: bool = True) -> None:
        streams.acquire(client)  # before any header is sent, so a refusal is a clean 503
        self.chunks, self.streams, self.client = chunks, streams, client
        self.compressible = compressible
        self.media_type, self.etag, self.max_age = media_type, etag, max_age
        self.extra = extra or []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._respond(scope, receive, send)
        finally:
            # the slot first: a reader polling the pool never sees it free while the slot
            # is still taken (the pool itself bounds a next download meanwhile)
            self.streams.release(self.client)
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._close)

    def _close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()

    async def _respond(self, scope: Scope, receive: Receive, send: Send) -> None:
        coder = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS) \
            if self.compressible and accepts_gzip(header(scope, b"accept-encoding")) else None
        etag = gzip_etag(self.etag) if coder else self.etag
        headers = [*caching_headers(etag, self.max_age),
                   (b"content-type", self.media_type.encode()), *self.extra]
        if coder:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        async with anyio.create_task_group() as group:
            async def until_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(until_disconnect)
            # A reader that stopped reading: end here; the server drops the connection.
            with contextlib.suppress(TimeoutError):
                await self._pump(send, coder)
            group.cancel_scope.cancel()

    async def _pump(self, send: Send, coder: zlib._Compress | None) -> None:
        while True:
            chunk: Any = await offload(next, self.chunks, _END)
            if chunk is _END:
                break
            self.streams.rows += chunk.count(b"\n")
            if coder:
                chunk = coder.compress(chunk) + coder.flush(zlib.Z_SYNC_FLUSH)
            await self._send(send, {"type": "http.response.body", "body": chunk,
                                    "more_body": True})
        await self._send(send, {"type": "http.response.body",
                                "body": coder.flush() if coder else b""})

    async def _send(self, send: Send, message: Message) -> None:
        with anyio.fail_after(self.streams.send_timeout):  # a reader that stopped reading
            await send(message)
