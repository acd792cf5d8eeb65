"""create_app(settings) -> Starlette: the route table, middleware and error handlers."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.db import Database
from api.errors import ApiError
from api.graphql.http import STATIC as GRAPHQL_STATIC
from api.graphql.http import graphql_endpoint
from api.graphql.schema import build_schema
from api.rest.cache import ResponseCache
from api.rest.fastpath import CachedResponses
from api.rest.openapi import OPENAPI_PATH
from api.rest.params import parse_query
from api.rest.render import dumps
from api.rest.respond import ApiState, Endpoint, problem_response, respond
from api.rest.routes import ENDPOINTS
from api.services.paging import CursorCodec
from api.settings import Settings

log = logging.getLogger("dti.api")
LICENCE = {"code": LICENCE_CODE, "data": ATTRIBUTION}
DOCS_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>DTI Open Data API</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head><body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""
DOCS_INIT = "SwaggerUIBundle({url: '/openapi.json', dom_id: '#ui'});"


def _handler(endpoint: Endpoint) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def handle(request: Request) -> Response:
        return await respond(request, endpoint)
    handle.__name__ = endpoint.operation_id
    return handle


def _state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


def _json(document: Any, status: int = 200, **headers: str) -> Response:
    return Response(dumps(document), status, headers or None, "application/json")


async def index(request: Request) -> Response:
    parse_query(request.query_params, {}, paged=False, collection=False)
    db = _state(request).db
    links = {e.operation_id: e.path for e in ENDPOINTS}
    return _json({"data": {"dataset_version": db.version, "built_at": db.built_at,
                           "synthetic": db.synthetic, "licence": LICENCE, "collections": links},
                  "links": {"self": "/v1", "openapi": "/openapi.json", "docs": "/docs",
                            "graphql": "/graphql"}})


async def health(request: Request) -> Response:
    parse_query(request.query_params, {}, paged=False, collection=False)
    if await run_in_threadpool(_state(request).db.healthy):
        return _json({"status": "ok"})
    raise ApiError(503, "the database does not answer")


async def version(request: Request) -> Response:
    parse_query(request.query_params, {}, paged=False, collection=False)
    db = _state(request).db
    return _json({"dataset_version": db.version, "built_at": db.built_at,
                  "synthetic": db.synthetic, "api_version": "1"})


def _static_text(body: bytes, media: str) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    async def serve(request: Request) -> Response:
        parse_query(request.query_params, {}, paged=False, collection=False)
        headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media, headers=headers)
    return serve


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return problem_response(exc, request.url.path)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    allow = (exc.headers or {}).get("Allow", "GET, HEAD")
    detail = {404: f"no route {request.url.path}",
              405: f"{request.method} is not allowed here; this API is read-only "
                   f"(allowed: {allow})"}.get(exc.status_code, str(exc.detail))
    response = problem_response(ApiError(exc.status_code, detail), request.url.path)
    if exc.status_code == 405:
        response.headers["Allow"] = allow
    return response


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return problem_response(ApiError(500, "an unexpected error occurred; it has been logged"))


def routes(openapi: bytes) -> list[BaseRoute]:
    api_routes: list[BaseRoute] = [Route(e.path, _handler(e), methods=["GET"])
                                   for e in ENDPOINTS]
    return [
        Route("/v1", index, methods=["GET"]),
        *api_routes,
        Route("/health", health, methods=["GET"]),
        Route("/version", version, methods=["GET"]),
        Route("/openapi.json", _static_text(openapi, "application/json"), methods=["GET"]),
        Route("/docs", _static_text(DOCS_HTML.encode(), "text/html; charset=utf-8"),
              methods=["GET"]),
        Route("/docs/init.js", _static_text(DOCS_INIT.encode(), "text/javascript"),
              methods=["GET"]),
        Mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets"),
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
        Mount("/graphql/assets", StaticFiles(directory=str(GRAPHQL_STATIC)),
              name="graphql-assets"),
    ]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Build the application; the database opens read-only once, here."""
    settings = settings or Settings.from_env()
    db = database or Database(settings.database_url, settings.pool_size)
    secret = settings.cursor_secret or f"dti-cursor-{db.version}"

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        db.engine.dispose()  # close pooled connections on shutdown

    cache = ResponseCache(settings.cache_max_entries, settings.cache_max_bytes)
    app = Starlette(
        lifespan=lifespan,
        routes=routes(OPENAPI_PATH.read_bytes()),
        middleware=[Middleware(CachedResponses, cache=cache, max_age=settings.cache_max_age,
                               max_body=settings.graphql_max_body_bytes),
                    Middleware(CORSMiddleware, allow_origins=["*"],
                               allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                               allow_headers=["*"], expose_headers=["ETag", "Link"],
                               max_age=86400)],
        exception_handlers={ApiError: on_api_error, HTTPException: on_http_error,
                            Exception: on_unexpected},
    )
    app.state.graphql = build_schema(settings)
    app.state.api = ApiState(settings, db, cache, CursorCodec(secret))
    return app
