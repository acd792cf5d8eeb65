"""create_app(settings) -> Starlette: the route table, the one middleware stack, errors."""

from __future__ import annotations

import gc
import logging
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp

from api.app_meta import API_VERSION
from api.charts.render import Renderer
from api.db import Database, Snapshot
from api.errors import ApiError
from api.graphql import http as graphql_http
from api.graphql.build import build_schema
from api.http.access import Access, LineWriter
from api.http.admission import Admission
from api.http.assets import rendered_bytes
from api.http.cache import ResponseCache, ResponseCacheMiddleware
from api.http.clients import parse_networks
from api.http.endpoint import route
from api.http.failures import Failures
from api.http.formats import MEDIA
from api.http.frontdoor import FrontDoor
from api.http.keys import header
from api.http.metrics import Metrics
from api.http.negotiate import language_of
from api.http.ratelimit import Budget
from api.http.render import ProblemResponse
from api.http.state import AppState
from api.http.streams import Streams
from api.mcp import http as mcp_http
from api.openapi import Contract, endpoints
from api.pages.errors import error_page, prefers_html
from api.pages.routes import StaticFiles
from api.release.store import Releases
from api.services import registry
from api.services.paging import CursorCodec
from api.settings import Settings

log = logging.getLogger("dti.api")


def problem(request: Request, error: ApiError) -> ASGIApp:
    """problem+json for API clients; the same problem as a page for a browser (a request
    that prefers HTML to JSON)."""
    instance = request.url.path[:200]
    if not prefers_html(header(request.scope, b"accept")):
        return ProblemResponse(error, instance)
    asked = request.query_params.get("lang")
    lang = asked if asked in ("vi", "en") else language_of(
        header(request.scope, b"accept-language"))
    return HTMLResponse(error_page(error.problem(instance), lang), error.status, headers={
        **error.headers, "Cache-Control": "no-store", "Vary": "Accept, Accept-Language"})


async def on_api_error(request: Request, exc: Exception) -> ASGIApp:
    assert isinstance(exc, ApiError)
    return problem(request, exc)


def _slash_twin(request: Request) -> str | None:
    """The path with its trailing slash toggled, when a route serves that one."""
    path = request.url.path
    twin = path.rstrip("/") if path.endswith("/") and path != "/" else None
    if twin is None:
        return None
    scope = {**request.scope, "path": twin}
    found = any(r.matches(scope)[0] != Match.NONE for r in request.app.router.routes)
    return twin if found else None


async def on_http_error(request: Request, exc: Exception) -> ASGIApp:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and (twin := _slash_twin(request)) is not None:
        # Relative, so the Host header a client sent is never written back to it
        query = request.url.query
        return RedirectResponse(twin + (f"?{query}" if query else ""), 308)
    allow = (exc.headers or {}).get("Allow", "GET, HEAD")
    detail = {404: f"no route {request.url.path[:200]}",
              405: f"{request.method} is not allowed here; this API is read-only "
                   f"(allowed: {allow})"}.get(exc.status_code, str(exc.detail))
    headers = {"Allow": allow} if exc.status_code == 405 else {}
    return problem(request, ApiError(exc.status_code, detail, headers=headers))


def watch_process(metrics: Metrics, state: AppState) -> None:
    """Gauges and counters read from the process: cache, pool, refusals, rows streamed."""
    metrics.watch(state.cache, state.db.engine.pool)
    seen = {"timeouts": 0, "rows": 0}

    def read() -> None:
        for key, now, counter in (("timeouts", state.db.pool_timeouts, metrics.pool_timeouts),
                                  ("rows", state.streams.rows, metrics.export_rows)):
            if now > seen[key]:
                counter.inc(now - seen[key])
                seen[key] = now
    metrics.readers.append(read)


class Service(Starlette):
    """Starlette without its outermost layer, ServerErrorMiddleware: the front door
    answers every unexpected error itself (api/http/failures.py), so that layer added
    nothing but a send wrapper around every request, cache hits included."""

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        if not isinstance(stack, ServerErrorMiddleware):  # starlette changed: say so
            raise RuntimeError(f"expected ServerErrorMiddleware outermost, got {stack!r}")
        inner: ASGIApp = stack.app
        return inner


def front_door(settings: Settings, cache: ResponseCache,
               metrics: Metrics | None = None) -> list[Middleware]:
    """The one front door every request passes, cache hits included (api/http/frontdoor.py:
    access, preflight, budget, admission, errors, standard headers, metrics), then the
    response cache, which answers hits before routing."""
    proxies = parse_networks(settings.trusted_proxies)
    access = Access(proxies, text=settings.log_format == "text",
                    writer=LineWriter() if settings.access_log else None,
                    observe=metrics.observe if metrics else None)
    budget = Budget(settings.rate_limit, settings.rate_limit_storage, proxies,
                    exempt=("/health", "/metrics"), delay=settings.rate_limit_delay,
                    concurrency=settings.rate_limit_concurrency,
                    threads=settings.work_threads)
    admission = Admission(settings.limit_concurrency, frozenset({"/graphql", "/mcp"}))
    return [
        Middleware(FrontDoor, access=access, budget=budget, admission=admission,
                   failures=Failures()),
        Middleware(ResponseCacheMiddleware, cache=cache, post_paths={"/graphql"},
                   max_body=settings.graphql_max_body_bytes),
    ]


# Handlers may return any ASGI app (a problem response), not only a starlette Response.
# Any other exception is answered by ServerErrors, inside the front door.
HANDLERS: dict[Any, Any] = {ApiError: on_api_error, HTTPException: on_http_error}


def routes() -> list[BaseRoute]:
    """Every endpoint declaration through the one wrapper, and GraphQL's transport."""
    return [*(route(e) for e in endpoints()),
            Route("/graphql", graphql_http.graphql_endpoint, methods=["GET", "POST"]),
            Route("/graphql/assets/{name}", graphql_http.assets(3600).endpoint,
                  methods=["GET"])]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Build the application; the database opens read-only once, here."""
    settings = settings or Settings.from_env()
    db = database or Database(settings)
    # Cursors carry the dataset version they were made for (410 once it is gone), so
    # the key need not change with it. Without DTI_CURSOR_SECRET the key is random (dti-api
    # serve makes one for all its workers): a public default would let anyone sign one.
    secret = settings.cursor_secret or secrets.token_urlsafe(32)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # What start-up built (modules, schema, bounds) lives as long as the process:
        # keep it out of the collector's scans, so a full collection is short.
        gc.freeze()
        # Worker threads compute answers while the event loop answers cache hits: a short
        # GIL switch interval keeps a cheap answer from waiting out a long computation
        # (bench/run --abuse: a calm client's p99 under a burst 2.3x its calm value at
        # 1 ms, 1.35x at 0.2 ms, with one worker thread per client: api/http/turns.py).
        sys.setswitchinterval(0.0002)
        for part in state.parts.values():  # the release build and the render processes
            part.start()  # start in the background: requests answer meanwhile
        stop_watching = db.watch()  # PostgreSQL: follow newly published datasets
        async with mcp_http.running(state):  # the MCP endpoint's session manager
            yield
        stop_watching()
        for part in reversed(state.parts.values()):  # a release build under way ends
            part.stop()  # before the pool closes
        db.engine.dispose()  # close pooled connections on shutdown

    cache = ResponseCache(settings.cache_max_entries, settings.cache_max_bytes,
                          settings.cache_max_entry_bytes, settings.cache_max_age)
    metrics = Metrics(API_VERSION, db.version) if settings.metrics else None
    app = Service(
        lifespan=lifespan,
        routes=routes(),
        middleware=front_door(settings, cache, metrics),
        exception_handlers=HANDLERS,
    )
    state = AppState(settings, db, cache, CursorCodec(secret),
                     Streams(settings.stream_limit, settings.stream_send_timeout,
                             settings.stream_client_limit))
    with state.query() as query:
        bounds = registry.list_bounds(query.conn)
    state.extras["graphql"] = build_schema(settings, bounds)
    state.extras["graphql_explorer"] = rendered_bytes(graphql_http.EXPLORER.encode(),
                                                      MEDIA["html"], 3600)
    state.add(StaticFiles(settings.cache_max_age))
    state.add(Contract())
    state.add(Releases(state, settings.release_directory(), settings.public_url))
    state.add(Renderer(settings.chart_renders, settings.chart_queue))

    def switched(snapshot: Snapshot) -> None:  # a new dataset was published (PostgreSQL)
        cache.clear()
        state.part(Releases).prepare()
        if metrics is not None:
            metrics.build.clear()
            metrics.build.labels(API_VERSION, snapshot.version).set(1)
        log.info("now serving dataset %s", snapshot.version)

    db.on_switch.append(switched)
    app.router.routes.extend(mcp_http.install(state))  # /mcp, /llms.txt, /llms-full.txt
    if metrics is not None:
        watch_process(metrics, state)
        if not settings.metrics_port:
            app.router.routes.append(Route("/metrics", metrics.endpoint, methods=["GET"]))
    app.router.redirect_slashes = False  # its redirects name the Host the client sent
    app.state.api = state
    return app
