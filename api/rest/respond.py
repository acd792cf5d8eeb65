"""From request to response: parse, negotiate, call the service, render, cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.types import ASGIApp

from api.errors import ApiError
from api.http.keys import canonical_query, header
from api.http.negotiate import MEDIA, accepts_gzip, choose, language_of
from api.http.render import csv_fields, csv_lines, csv_text, dumps, localise, ndjson_lines
from api.http.representation import (
    NotModified,
    Rendered,
    etag_matches,
    gzip_etag,
    not_modified,
)
from api.http.state import AppState, app_state
from api.http.streams import StreamResponse
from api.release.resources import SCHEMA_OF
from api.rest.params import FORMATS, parse_query
from api.services.context import QueryContext
from api.services.paging import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from api.services.params import Param
from models import public as pub


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
    path_params: dict[str, tuple[str, str]] = field(default_factory=dict)  # description, example
    not_found: bool = False  # may answer 404 (unknown code, no published data)
    export: Export | None = None  # fast CSV of the whole collection (no cursor)
    tag: str = "data"
    meta: type = pub.CollectionMeta  # the read model of `meta` (collections)


def negotiate(request: Request, params: dict[str, Any], collection: bool) -> tuple[str, str]:
    """The format (`format=`, else Accept) and language (`lang=`, else Accept-Language)."""
    fmt = params.get("format") or choose(request.headers.get("accept", ""),
                                         FORMATS if collection else ("json",))
    if fmt is None:
        offered = ", ".join(MEDIA[f] for f in (FORMATS if collection else ("json",)))
        raise ApiError(406, f"this resource is available as {offered}")
    lang = params.get("lang") or language_of(request.headers.get("accept-language", ""))
    return fmt, lang


def _links(request: Request, next_cursor: str | None) -> tuple[dict[str, str | None], str | None]:
    """links.self in canonical parameter order (the cache key's), and links.next."""
    path = request.url.path
    query = canonical_query(request.scope["query_string"]).decode("latin-1")
    links: dict[str, str | None] = {"self": f"{path}?{query}" if query else path, "next": None}
    if next_cursor:
        kept = [p for p in query.split("&") if p and not p.startswith("cursor=")]
        links["next"] = f"{path}?{'&'.join([*kept, 'cursor=' + quote(next_cursor, safe='')])}"
    return links, f'<{links["next"]}>; rel="next"' if links["next"] else None


def page_of(params: dict[str, Any]) -> PageRequest:
    return PageRequest(params.get("limit", DEFAULT_LIMIT), params.get("cursor"))


async def respond(request: Request, endpoint: Endpoint) -> ASGIApp:
    state = app_state(request)
    params = parse_query(request.query_params, endpoint.params, endpoint.paged,
                         endpoint.collection)
    fmt, lang = negotiate(request, params, endpoint.collection)
    etag = state.etag(request.scope)
    max_age = state.settings.cache_max_age
    early = not_modified(request.scope, etag, max_age)
    if early is not None:
        return early
    path_params = dict(request.path_params)
    if fmt != "json":
        return await _stream(request, state, endpoint, params, path_params, fmt, lang, etag)
    def work(ctx: QueryContext) -> Rendered:  # query and render in one worker thread
        result = _call(ctx, endpoint, params, path_params, page_of(params))
        document: dict[str, Any] = {"data": localise(result.data, lang)}
        links, link = _links(request, result.next_cursor)
        if endpoint.collection:
            document["meta"] = result.meta
        else:
            links.pop("next")
            link = None
        document["links"] = links
        return state.render(request.scope, dumps(document), MEDIA["json"], link)

    return state.keep(request.scope, await state.run(work))


def _call(ctx: QueryContext, endpoint: Endpoint, params: dict[str, Any],
          path_params: dict[str, str], page: PageRequest) -> Result:
    return endpoint.handler(ctx, params, path_params, page)


def rows(state: AppState, endpoint: Endpoint, params: dict[str, Any],
         path_params: dict[str, str], lang: str) -> Iterator[dict[str, Any]]:
    """Every matching row, page after page, each page on a connection of its own."""
    cursor = params.get("cursor")
    while True:
        with state.query() as ctx:
            result = _call(ctx, endpoint, params, path_params, PageRequest(MAX_LIMIT, cursor))
        data = result.data if isinstance(result.data, list) else [result.data]
        yield from localise(data, lang)
        cursor = result.next_cursor
        if not cursor:
            return


def exported(state: AppState, export: Export, params: dict[str, Any],
             lang: str) -> Iterator[str]:
    """A whole-collection export from one query; its connection is held while it runs."""
    with state.query() as ctx:
        yield from export(ctx, params, lang)


async def _stream(request: Request, state: AppState, endpoint: Endpoint,
                  params: dict[str, Any], path_params: dict[str, str], fmt: str, lang: str,
                  etag: str) -> ASGIApp:
    # Run one row now so a bad cursor or unknown code is a 4xx, not a broken stream.
    await state.run(_call, endpoint, params, path_params, PageRequest(1, params.get("cursor")))
    max_age = state.settings.cache_max_age
    if etag_matches(header(request.scope, b"if-none-match"), etag):  # `*`: it exists
        coded = accepts_gzip(header(request.scope, b"accept-encoding"))
        return NotModified(gzip_etag(etag) if coded else etag, max_age)
    bom = params.get("bom", False)
    if fmt == "csv" and endpoint.export and "cursor" not in params:
        chunks = csv_text(exported(state, endpoint.export, params, lang),
                          csv_fields(endpoint.model), bom)
    else:
        found = rows(state, endpoint, params, path_params, lang)
        chunks = csv_lines(found, csv_fields(endpoint.model), bom) if fmt == "csv" \
            else ndjson_lines(found)
    extra = []
    if fmt == "csv":
        name = endpoint.operation_id.replace("_", "-")
        extra.append((b"content-disposition", f'attachment; filename="{name}.csv"'.encode()))
        schema = SCHEMA_OF.get(endpoint.operation_id)
        if schema:  # tools that honour it read codes as text, ranks as integers
            extra.append((b"link", f'</v1/schemas/{schema}>; rel="describedby"; '
                                   f'type="application/json"'.encode()))
    return StreamResponse(chunks, state.streams, MEDIA[fmt], etag, max_age, extra)
