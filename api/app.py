"""create_app(settings) -> Starlette: the route table, the one middleware stack, errors."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from api.app_meta import API_VERSION, ATTRIBUTION, DATA_DOCUMENTS, LICENCE_CODE
from api.charts import render as chart_render
from api.charts import routes as chart_routes
from api.charts.render import Renderer
from api.db import Database, Snapshot
from api.errors import ApiError
from api.graphql import http as graphql_http
from api.graphql.build import build_schema
from api.http.access import AccessLog, LineWriter
from api.http.assets import Assets, rendered_bytes
from api.http.cache import ResponseCache, ResponseCacheMiddleware
from api.http.clients import parse_networks
from api.http.failures import ServerErrors
from api.http.headers import StandardHeaders
from api.http.metrics import Metrics
from api.http.negotiate import MEDIA, choose
from api.http.ratelimit import RateLimit
from api.http.render import ProblemResponse, dumps
from api.http.representation import RenderedResponse, not_modified
from api.http.state import AppState, app_state
from api.http.streams import Streams
from api.mcp import http as mcp_http
from api.pages import explore_routes, home
from api.pages.docs import PAGE as DOCS_PAGE
from api.pages.docs import docs_assets
from api.release import routes as release_routes
from api.release.store import Releases
from api.rest.openapi import render as render_openapi
from api.rest.params import parse_query
from api.rest.respond import Endpoint, respond
from api.rest.routes import ENDPOINTS
from api.services import catalog
from api.services.paging import CursorCodec
from api.settings import Settings

log = logging.getLogger("dti.api")
LICENCE = {"code": LICENCE_CODE, "data": ATTRIBUTION}
PAGES = Path(__file__).resolve().parent / "pages" / "static"
SEED_DATA = Path(__file__).resolve().parents[1] / "seed" / "data"
Handler = Callable[[Request], Coroutine[Any, Any, ASGIApp]]


def _handler(endpoint: Endpoint) -> Handler:
    async def handle(request: Request) -> ASGIApp:
        return await respond(request, endpoint)
    handle.__name__ = endpoint.operation_id
    return handle


def _json(request: Request, document: Any) -> ASGIApp:
    """A small JSON document answered like every other representation (ETag, cache)."""
    state = app_state(request)
    parse_query(request.query_params, {}, paged=False, collection=False)
    early = not_modified(request.scope, state.etag(request.scope), state.settings.cache_max_age)
    return early or state.respond(request.scope, dumps(document), MEDIA["json"])


def _index_document(request: Request) -> dict[str, Any]:
    db = app_state(request).db
    links = {e.operation_id: e.path for e in ENDPOINTS}
    return {"data": {"dataset_version": db.version, "built_at": db.built_at,
                     "synthetic": db.synthetic, "licence": LICENCE, "collections": links},
            "links": {"self": "/v1", "openapi": "/openapi.json", "docs": "/docs",
                      "graphql": "/graphql"}}


async def index(request: Request) -> ASGIApp:
    return _json(request, _index_document(request))


async def landing(request: Request) -> ASGIApp:
    """HTML for browsers that ask for it; the /v1 index for every other client."""
    fmt = choose(request.headers.get("accept", ""), ("json", "html"))
    if fmt is None:
        raise ApiError(406, "this resource is available as application/json, text/html")
    if fmt == "json":
        return _json(request, _index_document(request))
    state = app_state(request)
    parse_query(request.query_params, {}, paged=False, collection=False)
    early = not_modified(request.scope, state.etag(request.scope), state.settings.cache_max_age)
    if early:
        return early
    coverage, graph = await state.run(
        lambda ctx: (home.coverage_rows(ctx), release_routes.catalog_of(state, ctx)))
    body = home.render(state.db.version, state.db.built_at, coverage, graph)
    return state.respond(request.scope, body, MEDIA["html"])


def data_documents(max_age: int) -> Assets:
    return Assets({name: SEED_DATA / name for name in DATA_DOCUMENTS}, max_age)


async def version(request: Request) -> ASGIApp:
    db = app_state(request).db
    return _json(request, {"dataset_version": db.version, "built_at": db.built_at,
                           "synthetic": db.synthetic, "api_version": API_VERSION})


async def health(request: Request) -> ASGIApp:
    """Liveness: the process answers. Needs no database connection."""
    parse_query(request.query_params, {}, paged=False, collection=False)
    return _uncached(request, {"status": "ok"})


async def ready(request: Request) -> ASGIApp:
    """Readiness: the database answers within the pool's checkout time."""
    parse_query(request.query_params, {}, paged=False, collection=False)
    state = app_state(request)
    if await state.db.ready():
        return _uncached(request, {"status": "ok", "database": "ok"})
    raise ApiError(503, "the database does not answer", headers={"Retry-After": "5"})


def _uncached(request: Request, document: Any) -> ASGIApp:
    from starlette.responses import Response

    return Response(dumps(document), 200, {"Cache-Control": "no-store"}, MEDIA["json"])


async def on_api_error(request: Request, exc: Exception) -> ASGIApp:
    assert isinstance(exc, ApiError)
    return ProblemResponse(exc, request.url.path[:200])


async def on_http_error(request: Request, exc: Exception) -> ASGIApp:
    assert isinstance(exc, HTTPException)
    allow = (exc.headers or {}).get("Allow", "GET, HEAD")
    detail = {404: f"no route {request.url.path[:200]}",
              405: f"{request.method} is not allowed here; this API is read-only "
                   f"(allowed: {allow})"}.get(exc.status_code, str(exc.detail))
    headers = {"Allow": allow} if exc.status_code == 405 else {}
    return ProblemResponse(ApiError(exc.status_code, detail, headers=headers),
                           request.url.path[:200])


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


def front_door(settings: Settings, cache: ResponseCache,
               metrics: Metrics | None = None) -> list[Middleware]:
    """The one middleware stack every request passes, cache hits included, outermost
    first: access log and request id, CORS and security headers, server errors as
    problems, rate limit, then the response cache (which answers hits before routing)."""
    proxies = parse_networks(settings.trusted_proxies)
    return [
        Middleware(AccessLog, proxies=proxies, text=settings.log_format == "text",
                   writer=LineWriter() if settings.access_log else None,
                   observe=metrics.observe if metrics else None),
        Middleware(StandardHeaders),
        Middleware(ServerErrors),
        Middleware(RateLimit, policy=settings.rate_limit, storage=settings.rate_limit_storage,
                   proxies=proxies, exempt=("/health", "/health/ready", "/metrics"),
                   delay=settings.rate_limit_delay, concurrency=settings.rate_limit_concurrency),
        Middleware(ResponseCacheMiddleware, cache=cache, post_paths={"/graphql"},
                   max_body=settings.graphql_max_body_bytes),
    ]


# Handlers may return any ASGI app (a problem response), not only a starlette Response.
# Any other exception is answered by ServerErrors, inside the front door.
HANDLERS: dict[Any, Any] = {ApiError: on_api_error, HTTPException: on_http_error}


def routes(openapi: bytes, max_age: int) -> list[BaseRoute]:
    openapi_page = rendered_bytes(openapi, MEDIA["json"], max_age)
    docs_page = rendered_bytes(DOCS_PAGE, MEDIA["html"], max_age)
    docs, documents = docs_assets(max_age), data_documents(max_age)
    site = Assets({"site.css": PAGES / "site.css", "favicon.svg": PAGES / "favicon.svg",
                   "favicon.ico": PAGES / "favicon.svg", "chart.js": PAGES / "chart.js",
                   "vega-embed.js": chart_render.bundle}, max_age)

    async def serve_openapi(request: Request) -> ASGIApp:
        parse_query(request.query_params, {}, paged=False, collection=False)
        return RenderedResponse(openapi_page)

    async def serve_docs(request: Request) -> ASGIApp:
        parse_query(request.query_params, {}, paged=False, collection=False)
        return RenderedResponse(docs_page)

    async def serve_document(request: Request) -> ASGIApp:
        parse_query(request.query_params, {}, paged=False, collection=False)
        return await documents.endpoint(request)

    return [
        Route("/", landing, methods=["GET"]),
        Route("/assets/{name}", site.endpoint, methods=["GET"]),
        Route("/favicon.ico", site.endpoint, methods=["GET"], name="favicon"),
        Route("/data/{name}", serve_document, methods=["GET"]),
        Route("/v1", index, methods=["GET"]),
        *(Route(e.path, _handler(e), methods=["GET"]) for e in ENDPOINTS),
        Route("/health", health, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        Route("/version", version, methods=["GET"]),
        Route("/openapi.json", serve_openapi, methods=["GET"]),
        Route("/docs", serve_docs, methods=["GET"]),
        Route("/docs/assets/{name}", docs.endpoint, methods=["GET"]),
        Route("/graphql", graphql_http.graphql_endpoint, methods=["GET", "POST"]),
        Route("/graphql/assets/{name}", graphql_http.assets(max_age).endpoint, methods=["GET"]),
        *release_routes.ROUTES,
        *chart_routes.ROUTES,
        *explore_routes.ROUTES,
    ]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Build the application; the database opens read-only once, here."""
    settings = settings or Settings.from_env()
    db = database or Database(settings)
    # Cursors carry the dataset version they were made for (410 once it is gone), so
    # the key need not change with it; set DTI_CURSOR_SECRET in deployments.
    secret = settings.cursor_secret or "dti-open-data-cursor"

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # What start-up built (modules, schema, bounds) lives as long as the process:
        # keep it out of the collector's scans, so a full collection is short.
        gc.freeze()
        # Worker threads compute answers while the event loop answers cache hits: a short
        # GIL switch interval keeps a cheap answer from waiting out a long computation.
        sys.setswitchinterval(0.001)
        state.extras["releases"].prepare()  # in the background: requests answer meanwhile
        state.extras["charts"].start()  # the render processes, warmed in the background
        stop_watching = db.watch()  # PostgreSQL: follow newly published datasets
        async with mcp_http.running(state):  # the MCP endpoint's session manager
            yield
        stop_watching()
        state.extras["charts"].stop()
        state.extras["releases"].settle(10.0)  # a build under way ends before the pool
        db.engine.dispose()  # close pooled connections on shutdown

    cache = ResponseCache(settings.cache_max_entries, settings.cache_max_bytes)
    metrics = Metrics(API_VERSION, db.version) if settings.metrics else None
    app = Starlette(
        lifespan=lifespan,
        routes=routes(render_openapi().encode(), settings.cache_max_age),
        middleware=front_door(settings, cache, metrics),
        exception_handlers=HANDLERS,
    )
    state = AppState(settings, db, cache, CursorCodec(secret),
                     Streams(settings.stream_limit, settings.stream_send_timeout))
    with state.query() as query:
        bounds = catalog.list_bounds(query.conn)
    state.extras["graphql"] = build_schema(settings, bounds)
    state.extras["graphql_explorer"] = rendered_bytes(graphql_http.EXPLORER.encode(),
                                                      MEDIA["html"], 3600)
    state.extras["releases"] = Releases(state, settings.release_directory(),
                                        settings.public_url)
    state.extras["charts"] = Renderer(settings.chart_renders, settings.chart_queue)
    def switched(snapshot: Snapshot) -> None:  # a new dataset was published (PostgreSQL)
        cache.clear()
        state.extras["releases"].prepare()
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
    app.state.api = state
    return app
