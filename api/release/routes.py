"""HTTP for the release: the list, its files (strong ETag = sha256, Repr-Digest, Range),
`latest` redirects, the Table Schemas CSV exports link to, and the DCAT catalog."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.utils
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ApiError
from api.http.arrow import MEDIA_TYPE as PARQUET
from api.http.keys import header
from api.http.negotiate import MEDIA
from api.http.render import dumps
from api.http.representation import NotModified, etag_matches, not_modified
from api.http.state import AppState, app_state
from api.release import citation, feed
from api.release.catalog import catalog, years
from api.release.package import identity, recorded_releases
from api.release.resources import BY_NAME
from api.release.store import Releases
from api.rest.params import parse_query
from api.services.context import QueryContext
from api.services.params import enum
from models import public as pub

IMMUTABLE = 365 * 24 * 3600  # a versioned file never changes
JSON_LD = "application/ld+json"
MAX_RANGES = 16


def releases(request: Request) -> Releases:
    found: Releases = app_state(request).extras["releases"]
    return found


def _document(request: Request, document: Any, media_type: str = MEDIA["json"]) -> ASGIApp:
    """A small JSON answer cached and validated like every other representation."""
    state = app_state(request)
    parse_query(request.query_params, {}, paged=False, collection=False)
    early = not_modified(request.scope, state.etag(request.scope), state.settings.cache_max_age)
    return early or state.respond(request.scope, dumps(document), media_type)


def release_document(manifest: dict[str, Any], base: str) -> pub.Release:
    at = f"{base}/v1/releases/{manifest['version']}"
    files: list[pub.ReleaseFile] = [{**f, "url": f"{at}/{f['name']}"}  # type: ignore[typeddict-item]
                                    for f in manifest["files"]]
    return {"version": manifest["version"], "name": manifest["name"],
            "created": manifest["created"], "released": manifest["released"],
            "zip": f"{at}/{manifest['name']}.zip", "datapackage": f"{at}/datapackage.json",
            "citation": f"{at}/CITATION.cff", "files": files}


async def list_releases(request: Request) -> ASGIApp:
    store = releases(request)
    data = [release_document(store.manifest(), "")] if store.available else []
    latest = data[0]["version"] if data else None
    return _document(request, {"data": data, "meta": {"total": len(data), "latest": latest},
                               "links": {"self": "/v1/releases", "next": None}})


LATEST_ZIP = "dti-open-data-latest.zip"


def _redirect(request: Request, rest: str) -> ASGIApp:
    state = app_state(request)
    target = f"/v1/releases/{state.db.version}{rest}"
    return RedirectResponse(target, 307, {"Cache-Control": f"public, max-age="
                                                           f"{state.settings.cache_max_age}"})


def _version(request: Request) -> str:
    version: str = request.path_params["version"]
    current = app_state(request).db.version
    if version not in (current, "latest"):
        raise ApiError(404, f"no release {version!r} is served here; the current one is "
                            f"{current} (/v1/releases)")
    if not releases(request).available:
        raise ApiError(404, "this database holds synthetic rows; it has no release")
    return version


async def get_release(request: Request) -> ASGIApp:
    if _version(request) == "latest":
        parse_query(request.query_params, {}, paged=False, collection=False)
        return _redirect(request, "")
    return _document(request, {"data": release_document(releases(request).manifest(), ""),
                               "links": {"self": request.url.path}})


class BoundedSend:
    """A file answer whose client stops reading is dropped after `timeout` seconds."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app, self.timeout = app, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def timed(message: Any) -> None:
            with anyio.fail_after(self.timeout):
                await send(message)
        with contextlib.suppress(TimeoutError):
            await self.app(scope, receive, timed)


def _check_range(value: str, size: int) -> None:
    """Refuse a Range header we would not honour with a problem+json, not plain text."""
    if not value:
        return
    unit, _, spec = value.partition("=")
    parts = [p.strip() for p in spec.split(",")]
    if unit.strip() != "bytes" or not spec or len(parts) > MAX_RANGES:
        raise ApiError(400, f"Range must be bytes=start-end (at most {MAX_RANGES} ranges)")
    for part in parts:
        start, dash, end = part.partition("-")
        if not dash or not (start.isdigit() or end.isdigit()) or \
                (start and not start.isdigit()) or (end and not end.isdigit()) or \
                (start and end and int(start) > int(end)):
            raise ApiError(400, f"bad byte range {part[:40]!r}")
        if start and int(start) >= size:
            raise ApiError(416, f"the file has {size} bytes",
                           headers={"Content-Range": f"bytes */{size}"})


async def release_file(request: Request) -> ASGIApp:
    parse_query(request.query_params, {}, paged=False, collection=False)
    name: str = request.path_params["file"]
    if _version(request) == "latest":
        if name == LATEST_ZIP:  # one URL that always names the current zip
            name = f"dti-open-data-{app_state(request).db.version}.zip"
        return _redirect(request, f"/{name}")
    state = app_state(request)
    path, entry = releases(request).path_of(name)
    etag = f'"{entry["sha256"]}"'
    if etag_matches(header(request.scope, b"if-none-match"), etag):
        return NotModified(etag, IMMUTABLE)
    _check_range(header(request.scope, b"range"), entry["bytes"])
    created = dt.datetime.fromisoformat(releases(request).manifest()["created"])
    digest = base64.b64encode(bytes.fromhex(entry["sha256"])).decode()
    headers = {"ETag": etag, "Repr-Digest": f"sha-256=:{digest}:",
               "Cache-Control": f"public, max-age={IMMUTABLE}, immutable",
               "Last-Modified": email.utils.format_datetime(created, usegmt=True)}
    binary = entry["media_type"] in ("application/zip", "application/vnd.sqlite3",
                                     PARQUET)
    media = entry["media_type"] + ("" if binary else "; charset=utf-8")
    response = FileResponse(path, headers=headers, media_type=media,
                            filename=name.rsplit("/", 1)[-1],
                            content_disposition_type="attachment" if binary else "inline")
    return BoundedSend(response, state.settings.stream_send_timeout)


async def table_schema(request: Request) -> ASGIApp:
    name: str = request.path_params["name"]
    resource = BY_NAME.get(name)
    if resource is None:
        raise ApiError(404, f"no table schema {name[:60]!r}; one of "
                            f"{', '.join(sorted(BY_NAME))}")
    return _document(request, resource.table_schema())


def catalog_of(state: AppState, ctx: QueryContext) -> dict[str, Any]:
    """The DCAT / schema.org graph of this dataset version (needs no built release)."""
    who = identity(state)
    return catalog(state.settings.public_url, who.version, who.created, years(ctx.conn))


async def catalog_document(request: Request) -> ASGIApp:
    state = app_state(request)
    graph = await state.run(lambda ctx: catalog_of(state, ctx))
    return _document(request, graph, JSON_LD)


CITATION_MEDIA = {"bibtex": "application/x-bibtex; charset=utf-8",
                  "apa": "text/plain; charset=utf-8", "cff": "application/x-yaml; charset=utf-8"}
CITATION_PARAMS = {"format": enum(citation.FORMATS, "How to cite the release: BibTeX, APA "
                                                    "(7th edition) or CITATION.cff")}


async def get_citation(request: Request) -> ASGIApp:
    """The release's reference as BibTeX, APA or CFF (no need to wait for its build)."""
    _version(request)
    state = app_state(request)
    fmt = parse_query(request.query_params, CITATION_PARAMS, paged=False,
                      collection=False).get("format", "bibtex")
    early = not_modified(request.scope, state.etag(request.scope), state.settings.cache_max_age)
    if early:
        return early
    who, url = identity(state), state.settings.public_url
    text = {"bibtex": citation.bibtex, "apa": citation.apa, "cff": citation.cff}[fmt](who, url)
    return state.respond(request.scope, text.encode(), CITATION_MEDIA[fmt])


async def releases_feed(request: Request) -> ASGIApp:
    """Atom: one entry per recorded release with what changed."""
    state = app_state(request)
    parse_query(request.query_params, {}, paged=False, collection=False)
    early = not_modified(request.scope, state.etag(request.scope), state.settings.cache_max_age)
    if early:
        return early
    body = feed.atom(recorded_releases(), state.settings.public_url)
    return state.respond(request.scope, body, f"{feed.MEDIA_TYPE}; charset=utf-8")


ROUTES: list[BaseRoute] = [
    Route("/v1/releases", list_releases, methods=["GET"]),
    Route("/v1/releases.atom", releases_feed, methods=["GET"]),
    Route("/v1/releases/{version}", get_release, methods=["GET"]),
    Route("/v1/releases/{version}/citation", get_citation, methods=["GET"]),
    Route("/v1/releases/{version}/{file:path}", release_file, methods=["GET"]),
    Route("/v1/schemas/{name}", table_schema, methods=["GET"]),
    Route("/v1/catalog.jsonld", catalog_document, methods=["GET"]),
]
