"""One endpoint wrapper: the start-up steps every endpoint shares, done once.

As starlette's `request_response` wraps a function, `route(endpoint)` wraps a declaration:
refuse unknown and malformed parameters (one 400 naming each), negotiate the format
(`format=`, else Accept, among the formats the endpoint offers) and the language (`lang=`,
else Accept-Language), answer 304 before any work when If-None-Match names this request's
ETag, then let the endpoint answer and render what it returns through the format registry,
keeping cacheable answers in the response cache. A handler only says what to answer.

Two kinds of handler:
- `query(ctx, call)`: sync, run in a worker thread with a database connection; what it
  returns is rendered in the same thread (one thread hop for query, JSON and gzip).
- `handle(call)`: async, for answers that await something else (the chart renderer, a
  file, a redirect); may return any ASGI app.
Either returns a `Document` (rendered by the format: JSON), a `Body` (bytes already in
the negotiated format), `Rows` (a collection's rows, streamed by the format's writer) or,
from `handle`, any ASGI app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.app_meta import ATTRIBUTION, LICENCE_CODE
from api.errors import ApiError
from api.http.clients import budget_key
from api.http.formats import FORMATS, Options
from api.http.keys import header, request_info
from api.http.negotiate import choose, language_of
from api.http.query import parse_query, shared_params
from api.http.ratelimit import CLIENT
from api.http.render import dumps
from api.http.representation import (
    Headers,
    NotModified,
    Rendered,
    etag_matches,
    not_modified,
)
from api.http.state import AppState, app_state
from api.http.streams import StreamResponse
from api.http.turns import offload
from api.services.context import QueryContext
from api.services.exports import Export
from api.services.params import Param


@dataclass(frozen=True)
class Document:
    """A JSON-able answer; `link` becomes the Link header, `headers` go with it."""

    content: Any
    link: str | None = None
    headers: Headers | None = None


@dataclass(frozen=True)
class Body:
    """Bytes already in the negotiated format."""

    content: bytes
    headers: Headers | None = None


@dataclass(frozen=True)
class Rows:
    """Every row of a collection, produced lazily (in worker threads) and written by the
    negotiated format's writer; `name` names the download, `schema` its Table Schema (by
    name) and `table_schema` the schema itself, for typed formats. `export`, when given,
    reads the same rows straight into Arrow batches, and `batches()` opens them: formats
    with a batch writer use them instead of the rows."""

    rows: Iterator[dict[str, Any]]
    columns: list[str]
    name: str
    schema: str | None = None
    table_schema: Mapping[str, Any] | None = None
    export: Export | None = None
    batches: Callable[[], Iterator[pa.RecordBatch]] | None = None


Answer = Document | Body | Rows


LICENCE_TEXT = f"Code: {LICENCE_CODE}. Data: {ATTRIBUTION}"


@dataclass
class Call:
    """One request as a handler sees it: parsed parameters, path, format and language."""

    request: Request
    state: AppState
    params: dict[str, Any]
    path: dict[str, str]
    fmt: str
    lang: str


@dataclass(frozen=True)
class Doc:
    """What the contract says of an endpoint beyond its parameters and formats."""

    model: type | None = None  # the read model of the JSON answer (see `shape`)
    shape: str = "body"  # body: the model is the answer; item: {data, links}; list:
    # {data: [model], meta, links}
    meta: type | None = None  # the read model of `meta` (lists)
    path_params: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # doc, example
    responses: tuple[int, ...] = ()  # statuses beyond those every endpoint may answer
    schema: Mapping[str, Any] | None = None  # the answer's schema, when not a model
    description: str = ""


@dataclass(frozen=True)
class Endpoint:
    path: str
    operation_id: str
    summary: str
    query: Callable[[QueryContext, Call], Answer] | None = None
    handle: Callable[[Call], Awaitable[Answer | ASGIApp]] | None = None
    params: Mapping[str, Param] = field(default_factory=dict)
    formats: tuple[str, ...] = ("json",)  # the first is the default; () for a static file
    lang: bool = False  # takes `lang` (names are localised)
    paged: bool = False  # takes `limit` and `cursor`
    cache: bool = True  # ETag, 304 and the response cache; False: Cache-Control: no-store
    tag: str = "data"
    doc: Doc = field(default_factory=Doc)
    contract: bool = True  # in the OpenAPI document (not the pages' own files)
    # What else decides the answer besides the dataset and the request (a map's geometry,
    # which ships with the code, not the dataset): folded into the ETag, so a client's
    # copy is revalidated when it changes though the dataset version did not
    variant: Callable[[], str] | None = None

    @property
    def accepted(self) -> dict[str, Param]:
        """Every parameter this endpoint takes: its own, then the shared ones."""
        return {**self.params, **shared_params(self.formats, self.lang, self.paged)}


def negotiate(request: Request, params: Mapping[str, Any],
              endpoint: Endpoint) -> tuple[str, str]:
    """The format (`format=`, else Accept) and language (`lang=`, else Accept-Language),
    each header read as the cache key reads it. An endpoint that declares no format
    (a static file) is whatever its file is."""
    fmt = params.get("format") or (choose(header(request.scope, b"accept"), endpoint.formats)
                                   if endpoint.formats else "")
    if fmt is None:
        offered = ", ".join(FORMATS[f].media_type for f in endpoint.formats)
        raise ApiError(406, f"this resource is available as {offered}")
    lang = params.get("lang") or language_of(header(request.scope, b"accept-language"))
    return fmt, lang


def render(call: Call, answer: Document | Body) -> Rendered:
    """A Document or Body as the 200 of this request (CPU work: run it in a thread for
    large bodies). No answer is larger than `max_response_bytes`: the bulk formats
    stream, and a page that big is a 413 asking for a smaller one."""
    media = FORMATS[call.fmt].media_type
    body = dumps(answer.content) if isinstance(answer, Document) else answer.content
    limit = call.state.settings.max_response_bytes
    if len(body) > limit:
        raise ApiError(413, f"this answer would be {len(body)} bytes, more than {limit}: ask "
                            "for a smaller page (limit=) or download every row as CSV, "
                            "NDJSON or the data release (/v1/releases)")
    if isinstance(answer, Document):
        return call.state.render(call.request.scope, body, media, answer.link, answer.headers)
    return call.state.render(call.request.scope, body, media, headers=answer.headers,
                             compress=FORMATS[call.fmt].compressible)


def stream(call: Call, answer: Rows) -> ASGIApp:
    """Every row, written by the format's writer, gzipped on the way when asked for (and
    worth it)."""
    fmt = FORMATS[call.fmt]
    assert fmt.rows is not None, f"{fmt.name} writes no rows"
    state = call.state
    etag, max_age = state.etag(call.request.scope), state.settings.cache_max_age
    if etag_matches(header(call.request.scope, b"if-none-match"), etag):  # `*`: it exists
        answer.rows.close()  # type: ignore[attr-defined]
        return NotModified(etag, max_age)
    extra: Headers = []
    if fmt.download:
        extra.append((b"content-disposition",
                      f'attachment; filename="{answer.name}.{fmt.extension}"'.encode()))
    if answer.schema:  # tools that honour it read codes as text, ranks as integers
        extra.append((b"link", f'</v1/schemas/{answer.schema}>; rel="describedby"; '
                               f'type="application/json"'.encode()))
    if fmt.typed and answer.table_schema is None:
        answer.rows.close()  # type: ignore[attr-defined]
        raise ApiError(406, f"{fmt.media_type} needs a Table Schema this collection lacks")
    options = Options(call.params.get("bom", False), answer.table_schema,
                      {"dti:version": state.version, "dti:licence": LICENCE_TEXT,
                       "dti:source": str(call.request.url)[:2000]})
    if fmt.batches is not None and answer.export is not None and answer.batches is not None:
        answer.rows.close()  # type: ignore[attr-defined]
        chunks = fmt.batches(answer.batches(), answer.export, options)
    else:
        chunks = fmt.rows(answer.rows, answer.columns, options)
    client = budget_key(str(call.request.scope.get(CLIENT) or ""))
    return StreamResponse(chunks, state.streams, fmt.media_type, etag, max_age, extra, client,
                          compressible=fmt.compressible)


async def respond(request: Request, endpoint: Endpoint) -> ASGIApp:
    """The shared steps, then the endpoint's answer."""
    state = app_state(request)
    params = parse_query(request.query_params, endpoint.accepted)
    fmt, lang = negotiate(request, params, endpoint)
    if endpoint.variant is not None:
        request_info(request.scope).extra["variant"] = endpoint.variant()
    if endpoint.cache:
        early = not_modified(request.scope, state.etag(request.scope),
                             state.settings.cache_max_age)
        if early is not None:
            return early
    call = Call(request, state, params, dict(request.path_params), fmt, lang)
    if endpoint.query is not None:
        query = endpoint.query

        def work(ctx: QueryContext) -> Rendered | Rows:  # query and render, one thread
            answer = query(ctx, call)
            return answer if isinstance(answer, Rows) else render(call, answer)

        done = await state.run(work)
    else:
        assert endpoint.handle is not None, endpoint.path
        answer = await endpoint.handle(call)
        if not isinstance(answer, Document | Body | Rows):
            return answer  # an ASGI app of its own (a redirect, a file)
        done = answer if isinstance(answer, Rows) else (
            render(call, answer) if isinstance(answer, Document) or len(answer.content) < 65536
            else await offload(render, call, answer))
    if isinstance(done, Rows):
        return stream(call, done)
    if not endpoint.cache:
        return Uncached(done)
    return state.keep(request.scope, done)


class Uncached:
    """A 200 that no cache may keep (health checks)."""

    def __init__(self, rendered: Rendered) -> None:
        self.rendered = rendered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(n, v) for n, v in self.rendered.plain_headers
                   if n not in (b"etag", b"cache-control", b"vary")]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*headers, (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else self.rendered.body})


class Wrapped:
    """The ASGI app of one declaration (starlette would wrap a plain function as a
    request handler; this is one already)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await respond(Request(scope, receive), self.endpoint)
        await response(scope, receive, send)


def route(endpoint: Endpoint) -> Route:
    """The starlette route of a declaration (GET, and HEAD with it)."""
    return Route(endpoint.path, Wrapped(endpoint), methods=["GET"],
                 name=endpoint.operation_id)
