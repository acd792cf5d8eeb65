"""Static files and fixed pages, served like every other representation.

Only the files named here are reachable (no directory listing, no demo pages, no source
maps). Each is read and gzipped once, on first request, and answered by `send_rendered`
with a content ETag, Cache-Control and 304s.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from starlette.requests import Request

from api.errors import ApiError
from api.http.formats import of_file
from api.http.representation import Rendered, RenderedResponse


def content_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def rendered_bytes(body: bytes, media_type: str, max_age: int) -> Rendered:
    return Rendered.build(body, content_etag(body), media_type, max_age,
                          compress=not media_type.startswith("image/png"))


class Assets:
    """A fixed set of files under one URL prefix: name -> path on disk or bytes."""

    def __init__(self, files: Mapping[str, Path | Callable[[], bytes]], max_age: int) -> None:
        self.files, self.max_age = dict(files), max_age
        self._loaded: dict[str, Rendered] = {}
        self._lock = threading.Lock()

    def rendered(self, name: str) -> Rendered:
        found = self._loaded.get(name)
        if found is None:
            source = self.files.get(name)
            if source is None:
                raise ApiError(404, f"no asset {name!r}")
            body = source.read_bytes() if isinstance(source, Path) else source()
            fmt = of_file(source.name if isinstance(source, Path) else name)
            found = rendered_bytes(body, fmt.media_type if fmt else "application/octet-stream",
                                   self.max_age)
            with self._lock:
                self._loaded[name] = found
        return found

    async def endpoint(self, request: Request) -> RenderedResponse:
        name = request.path_params.get("name") or request.url.path.rsplit("/", 1)[-1]
        return RenderedResponse(self.rendered(name))
