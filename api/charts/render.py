"""Rendering with vl-convert (the Vega project's renderer: offline, no browser), bounded.

A render costs tens of milliseconds of CPU; at most `limit` run at once per process and
at most `queue` more wait, so a burst of uncached chart requests queues or gets a 503
instead of taking every worker thread from the rest of the API. Answers are cached like
every other representation, so a chart renders once per dataset version and request.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import anyio.to_thread
import vl_convert as vlc

from api.errors import ApiError

FORMATS = ("svg", "png", "vl", "html")


class Renderer:
    def __init__(self, limit: int, queue: int) -> None:
        self.limiter = anyio.CapacityLimiter(max(limit, 1))
        self.queue = queue

    def warm(self) -> None:
        """The first render starts the JavaScript engine (about 0.4 s): do it early."""
        vlc.vegalite_to_svg({"mark": "point", "data": {"values": [{"a": 1}]},
                             "encoding": {"x": {"field": "a", "type": "quantitative"}}})

    async def render(self, spec: dict[str, Any], fmt: str, scale: int = 1) -> bytes:
        if fmt == "vl":
            return json.dumps(spec, ensure_ascii=False, separators=(",", ":")).encode()
        busy = self.limiter.available_tokens < 1
        if busy and self.limiter.statistics().tasks_waiting >= self.queue:
            raise ApiError(503, "too many charts are being drawn; retry shortly",
                           headers={"Retry-After": "2"})
        return await anyio.to_thread.run_sync(_draw, spec, fmt, scale, limiter=self.limiter)


def _draw(spec: dict[str, Any], fmt: str, scale: int) -> bytes:
    if fmt == "png":
        return bytes(vlc.vegalite_to_png(spec, scale=scale))
    return str(vlc.vegalite_to_svg(spec)).encode()


def bundle() -> bytes:
    """vega, vega-lite and vega-embed as one script, from the installed package."""
    return str(vlc.javascript_bundle(None)).encode()  # type: ignore[arg-type]  # optional
