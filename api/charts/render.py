"""Rendering with vl-convert (the Vega project's renderer: offline, no browser), in
processes of its own.

vl-convert holds Python's global interpreter lock for the whole of a render (measured:
the rest of the process ran at about 1% of its speed meanwhile), and a ranking of 63 rows
takes about 0.3 s. So renders run in a small pool of worker processes: the API process
keeps answering while a chart is drawn. At most `limit` renders run at once (the pool's
size) and at most `queue` more wait; beyond that a 503 with Retry-After, so a burst of
uncached chart requests cannot pile up. Answers are cached like every representation, so
a chart is drawn once per dataset version and request.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import anyio

from api.errors import ApiError

FORMATS = ("svg", "png", "vl", "html")
TINY = {"mark": "point", "data": {"values": [{"a": 1}]},
        "encoding": {"x": {"field": "a", "type": "quantitative"}}}


def _follow_parent(parent: int) -> None:
    """In a render process: exit when the API process is gone, however it went (a killed
    parent never says so, and an orphan would keep its 170 MB forever)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _draw(spec: dict[str, Any], fmt: str, scale: int) -> bytes:
    """In a render process: one chart."""
    import vl_convert as vlc

    if fmt == "png":
        return bytes(vlc.vegalite_to_png(spec, scale=scale))
    return str(vlc.vegalite_to_svg(spec)).encode()


class Renderer:
    def __init__(self, limit: int, queue: int) -> None:
        self.limit, self.queue = max(limit, 1), queue
        self.limiter = anyio.CapacityLimiter(self.limit)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.warm_at_start = False  # the served app (dti-api serve) warms; tests need not

    def pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the API process runs threads that a fork would copy
                # in whatever state they were in
                self._pool = ProcessPoolExecutor(
                    self.limit, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_follow_parent, initargs=(os.getpid(),))
            return self._pool

    def start(self) -> None:
        """Start the render processes and their JavaScript engines (about 0.5 s) now,
        in the background, so the first chart does not wait for them."""
        if not self.warm_at_start:
            return
        pool = self.pool()
        for _ in range(self.limit):
            pool.submit(_draw, TINY, "svg", 1)

    def stop(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    async def render(self, spec: dict[str, Any], fmt: str, scale: int = 1) -> bytes:
        if fmt == "vl":
            return json.dumps(spec, ensure_ascii=False, separators=(",", ":")).encode()
        busy = self.limiter.available_tokens < 1
        if busy and self.limiter.statistics().tasks_waiting >= self.queue:
            raise ApiError(503, "too many charts are being drawn; retry shortly",
                           headers={"Retry-After": "2"})
        async with self.limiter:
            future = self.pool().submit(_draw, spec, fmt, scale)
            return await asyncio.wrap_future(future)


def bundle() -> bytes:
    """vega, vega-lite and vega-embed as one script, from the installed package."""
    import vl_convert as vlc

    return str(vlc.javascript_bundle(None)).encode()  # type: ignore[arg-type]  # optional
