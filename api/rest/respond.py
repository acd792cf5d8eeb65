"""From request to response: parse, negotiate, cache, call the service, render."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.errors import ApiError
from api.rest.cache import (
    Rendered,
    ResponseCache,
    cache_headers,
    etag_for,
    etag_matches,
    format_of,
    language_of,
    request_key,
)
from api.rest.params import Param, page_request, parse_query
from api.rest.render import (
    MEDIA,
    csv_fields,
    csv_lines,
    csv_text,
    dumps,
    localise,
    ndjson_lines,
)
from api.services.context import QueryContext
from api.services.paging import MAX_LIMIT, CursorCodec, PageRequest, Totals
from api.settings import Settings


@dataclass(frozen=True)
class Result:
    data: Any
    meta: dict[str, Any] = field(default_factory=dict)
    next_cursor: str | None = None


Handler = Callable[[QueryContext, dict[str, Any], dict[str, str], PageRequest], Result]
# An export streams every matching row as CSV lines from one query.
Export = Callable[[QueryContext, dict[str, Any], str], Iterator[str]]


@dataclass(frozen=True)
class Endpoint:
    path: str
    operation_id: str
    summary: str
    model: type
    handler: Handler
    params: dict[str, Param] = field(default_factory=dict)
    collection: bool = True
    paged: bool = True
    path_params: dict[str, str] = field(default_factory=dict)
    not_found: bool = False  # may answer 404 (unknown code, no published data)
    export: Export | None = None  # fast CSV of the whole collection (no cursor)


@dataclass
class ApiState:
    settings: Settings
    db: Any  # api.db.Database
    cache: ResponseCache
    codec: CursorCodec
    totals: Totals = field(default_factory=Totals)


VARY = "Accept, Accept-Language, Accept-Encoding"


def negotiate(request: Request, params: dict[str, Any], collection: bool) -> tuple[str, str]:
    fmt = params.get("format")
    if fmt is None and collection:
        fmt = format_of(request.headers.get("accept", ""))
    lang = params.get("lang") or language_of(request.headers.get("accept-language", ""))
    return fmt or "json", lang


def _cache_headers(state: ApiState, etag: str) -> dict[str, str]:
    return cache_headers(etag, state.settings.cache_max_age, VARY)


def _link_url(request: Request, cursor: str) -> str:
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    return f"{request.url.path}?{urlencode([*items, ('cursor', cursor)])}"


def _self_url(request: Request) -> str:
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


async def respond(request: Request, endpoint: Endpoint) -> Response:
    state: ApiState = request.app.state.api
    params = parse_query(request.query_params, endpoint.params, endpoint.paged,
                         endpoint.collection)
    fmt, lang = negotiate(request, params, endpoint.collection)
    path_params = dict(request.path_params)
    normal = sorted((k, str(v)) for k, v in params.items() if k not in ("lang", "format"))
    key = f"{request.url.path}?{urlencode(normal)}|{lang}|{fmt}"
    etag = etag_for(state.db.version, key)
    etags = (etag, etag[:-1] + '-gzip"')
    if etag_matches(request.headers.get("if-none-match"), etags):
        return Response(status_code=304, headers=_cache_headers(state, etag))
    if fmt != "json":
        return await _stream(request, state, endpoint, params, path_params, fmt, lang, etag)
    stored_as = request_key("GET", request.url.path, request.scope["query_string"],
                            request.headers.get("accept", ""),
                            request.headers.get("accept-language", ""))
    rendered = state.cache.get(stored_as)
    if rendered is None:
        result = await run_in_threadpool(_call, state, endpoint, params, path_params,
                                         page_request(params))
        links: dict[str, str | None] = {"self": _self_url(request)}
        document: dict[str, Any] = {"data": localise(result.data, lang)}
        link = None
        if endpoint.collection:
            links["next"] = _link_url(request, result.next_cursor) if result.next_cursor \
                else None
            link = f'<{links["next"]}>; rel="next"' if links["next"] else None
            document["meta"] = result.meta
        document["links"] = links
        rendered = Rendered.build(dumps(document), etag, VARY, link, compress=worth_gzip(
            request, state.cache))
        state.cache.put(stored_as, rendered)
    return rendered_response(rendered, request, state.settings.cache_max_age)


def worth_gzip(request: Request, cache: ResponseCache) -> bool:
    return cache.max_entries > 0 or "gzip" in request.headers.get("accept-encoding", "")


def rendered_response(rendered: Rendered, request: Request, max_age: int) -> Response:
    status, headers, body = rendered.parts(
        head=request.method == "HEAD", gzip_ok="gzip" in request.headers.get("accept-encoding", ""),
        if_none_match=None, max_age=max_age, origin=False)  # CORS: the middleware's job
    response = Response(body, status)
    response.raw_headers = headers
    return response


def _call(state: ApiState, endpoint: Endpoint, params: dict[str, Any],
          path_params: dict[str, str], page: PageRequest) -> Result:
    with state.db.connect() as conn:
        ctx = QueryContext(conn, state.codec, state.totals)
        return endpoint.handler(ctx, params, path_params, page)


def _rows(state: ApiState, endpoint: Endpoint, params: dict[str, Any],
          path_params: dict[str, str], lang: str) -> Iterator[dict[str, Any]]:
    """Every matching row, page after page, so no export is held in memory whole."""
    cursor = params.get("cursor")
    while True:
        result = _call(state, endpoint, params, path_params, PageRequest(MAX_LIMIT, cursor))
        data = result.data if isinstance(result.data, list) else [result.data]
        yield from localise(data, lang)
        cursor = result.next_cursor
        if not cursor:
            return


def _exported(state: ApiState, export: Export, params: dict[str, Any],
              lang: str) -> Iterator[str]:
    with state.db.connect() as conn:
        yield from export(QueryContext(conn, state.codec, state.totals), params, lang)


async def _stream(request: Request, state: ApiState, endpoint: Endpoint,
                  params: dict[str, Any], path_params: dict[str, str], fmt: str, lang: str,
                  etag: str) -> Response:
    # Run one row now so a bad cursor or unknown code is a 4xx, not a broken stream.
    await run_in_threadpool(_call, state, endpoint, params, path_params,
                            PageRequest(1, params.get("cursor")))
    if fmt == "csv" and endpoint.export and "cursor" not in params:
        chunks = csv_text(_exported(state, endpoint.export, params, lang),
                            csv_fields(endpoint.model), params.get("bom", False))
    else:
        rows = _rows(state, endpoint, params, path_params, lang)
        chunks = csv_lines(rows, csv_fields(endpoint.model), params.get("bom", False)) \
            if fmt == "csv" else ndjson_lines(rows)
    headers = _cache_headers(state, etag)
    if fmt == "csv":
        name = endpoint.operation_id.replace("_", "-")
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return StreamingResponse(chunks, media_type=MEDIA[fmt], headers=headers)


def problem_response(error: ApiError, instance: str | None = None) -> Response:
    return Response(dumps(error.problem(instance)), status_code=error.status,
                    media_type="application/problem+json")
