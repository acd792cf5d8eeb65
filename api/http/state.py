"""The application's typed state and the one way adapters run the query layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from starlette.requests import HTTPConnection
from starlette.types import Scope

from api.db import Database
from api.http.cache import ResponseCache
from api.http.keys import etag_for, header, request_info
from api.http.negotiate import accepts_gzip
from api.http.representation import Headers, Rendered, RenderedResponse
from api.http.streams import Streams
from api.http.turns import offload
from api.services.context import QueryContext
from api.services.paging import CursorCodec, Totals
from api.settings import Settings

T = TypeVar("T")
C = TypeVar("C", bound="Part")
PINNED: ContextVar[str | None] = ContextVar("dti_pinned_version", default=None)
P = ParamSpec("P")


class Part(Protocol):
    """What an adapter adds to the application (the GraphQL schema, the chart renderer,
    the release store): started and stopped with it."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class AppState:
    settings: Settings
    db: Database
    cache: ResponseCache
    codec: CursorCodec
    streams: Streams
    totals: Totals = field(default_factory=Totals)
    parts: dict[type[Any], Part] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)  # GraphQL's, until it is a Part

    def add(self, part: Part) -> None:
        """Keep an adapter's part, found again by its type."""
        self.parts[type(part)] = part

    def part(self, kind: type[C]) -> C:
        """The part of this type (typed: no string keys, no casts at the call sites)."""
        found = self.parts[kind]
        assert isinstance(found, kind)
        return found

    @property
    def version(self) -> str:
        return self.db.version

    def pinned(self, scope: Scope) -> str:
        """The dataset version this request reads, fixed when it is first asked: its
        ETag, its queries (on PostgreSQL, while a new version is being switched to) and
        what may be cached all name the same one."""
        info = request_info(scope)
        version = info.extra.setdefault("version", self.version)
        assert isinstance(version, str)
        PINNED.set(version)
        return version

    def etag(self, scope: Scope) -> str:
        """The ETag of this request's representation (dataset version + request key,
        and the endpoint's variant when it declares one)."""
        info = request_info(scope)
        return etag_for(self.pinned(scope) + str(info.extra.get("variant", "")),
                        info.key or "")

    def render(self, scope: Scope, body: bytes, media_type: str,
               link: str | None = None, headers: Headers | None = None,
               compress: bool = True) -> Rendered:
        """A 200 of `body` for this request (gzipped when worth it: `compress` is False
        for media already compressed). CPU work: call it in a worker thread for large
        bodies, so the event loop keeps answering."""
        compress = compress and (self.cache.enabled
                                 or accepts_gzip(header(scope, b"accept-encoding")))
        route = getattr(scope.get("route"), "path", None)
        return Rendered.build(body, self.etag(scope), media_type, self.settings.cache_max_age,
                              link, compress, route, headers)

    def keep(self, scope: Scope, rendered: Rendered, store: bool = True) -> RenderedResponse:
        """Answer with `rendered`, keeping it in the response cache under the request key."""
        info = request_info(scope)
        # an answer from a dataset no longer served is sent, never kept
        if store and info.key and info.extra.get("version", self.version) == self.version:
            self.cache.put(info.key, rendered)
        return RenderedResponse(rendered)

    def respond(self, scope: Scope, body: bytes, media_type: str, link: str | None = None,
                store: bool = True, headers: Headers | None = None) -> RenderedResponse:
        """render() and keep() in one, for small bodies made on the event loop."""
        return self.keep(scope, self.render(scope, body, media_type, link, headers), store)

    @contextmanager
    def query(self) -> Iterator[QueryContext]:
        """A query context on a pooled read-only connection, returned when done; it reads
        the version the request pinned, if any (worker threads inherit the pin)."""
        with self.db.connect(PINNED.get()) as conn:
            version = conn.info["dataset_version"]
            yield QueryContext(conn, self.codec.for_version(version), self.totals)

    async def run(self, fn: Callable[Concatenate[QueryContext, P], T], *args: P.args,
                  **kwargs: P.kwargs) -> T:
        """Call a sync service function in a worker thread with its own connection."""
        def work() -> T:
            with self.query() as ctx:
                return fn(ctx, *args, **kwargs)
        return await offload(work)


def offline_state(settings: Settings) -> AppState:
    """The state of a process that reads the database without serving it (a release build,
    a check): no response cache, no downloads."""
    import secrets

    return AppState(settings, Database(settings), ResponseCache(0, 0),
                    CursorCodec(secrets.token_urlsafe(32)), Streams(1, 1.0))


def app_state(connection: HTTPConnection) -> AppState:
    state: AppState = connection.app.state.api
    return state
