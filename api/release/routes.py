"""HTTP for the release: the list, its files (strong ETag = sha256, Repr-Digest, Range),
`latest` redirects, the Table Schemas CSV exports link to, and the DCAT catalog."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.utils
from typing import Any

import anyio
from starlette.responses import FileResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ApiError
from api.http.arrow import MEDIA_TYPE as PARQUET
from api.http.endpoint import Body, Call, Doc, Document, Endpoint
from api.http.keys import header
from api.http.representation import NotModified, etag_matches
from api.release import citation, feed
from api.release.catalog import catalog_of
from api.release.identity import identity, recorded_releases
from api.release.store import Releases
from api.services.params import integer
from api.services.tables import BY_NAME
from models import public as pub

IMMUTABLE = 365 * 24 * 3600  # a versioned file never changes
MAX_RANGES = 16
LATEST_ZIP = "dti-open-data-latest.zip"
VERSION = {"version": ("A dataset version, or `latest` (a redirect to the current one)",
                       "latest")}


def release_document(manifest: dict[str, Any], base: str) -> pub.Release:
    at = f"{base}/v1/releases/{manifest['version']}"
    files: list[pub.ReleaseFile] = [{**f, "url": f"{at}/{f['name']}"}  # type: ignore[typeddict-item]
                                    for f in manifest["files"]]
    return {"version": manifest["version"], "name": manifest["name"],
            "created": manifest["created"], "released": manifest["released"],
            "zip": f"{at}/{manifest['name']}.zip", "datapackage": f"{at}/datapackage.json",
            "citation": f"{at}/CITATION.cff", "files": files}


async def list_releases(call: Call) -> Document:
    store = call.state.part(Releases)
    data = [release_document(store.manifest(), "")] if store.available else []
    latest = data[0]["version"] if data else None
    return Document({"data": data, "meta": {"total": len(data), "latest": latest},
                     "links": {"self": "/v1/releases", "next": None}})


def _redirect(call: Call, rest: str) -> ASGIApp:
    target = f"/v1/releases/{call.state.db.version}{rest}"
    return RedirectResponse(target, 307, {"Cache-Control": f"public, max-age="
                                                           f"{call.state.settings.cache_max_age}"})


def _version(call: Call) -> str:
    version = call.path["version"]
    current = call.state.db.version
    if version not in (current, "latest"):
        raise ApiError(404, f"no release {version[:80]!r} is served here; the current one "
                            f"is {current} (/v1/releases)")
    if not call.state.part(Releases).available:
        raise ApiError(404, "this database holds synthetic rows; it has no release")
    return version


async def get_release(call: Call) -> ASGIApp | Document:
    if _version(call) == "latest":
        return _redirect(call, "")
    return Document({"data": release_document(call.state.part(Releases).manifest(), ""),
                     "links": {"self": call.request.url.path}})


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


OFFSET = integer(0, 2**53)  # a byte position: the one bounded parser, not int()


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
        try:
            first = OFFSET(start) if start else None
            last = OFFSET(end) if end else None
        except ValueError:
            first = last = None
        if not dash or (first is None and last is None) or (start and first is None) or \
                (end and last is None) or (first is not None and last is not None
                                           and first > last):
            raise ApiError(400, f"bad byte range {part[:40]!r}")
        if (first is not None and first >= size) or (first is None and last == 0):
            raise ApiError(416, f"the file has {size} bytes; the range asks for none of them",
                           headers={"Content-Range": f"bytes */{size}"})


async def release_file(call: Call) -> ASGIApp:
    name = call.path["file"]
    store = call.state.part(Releases)
    if _version(call) == "latest":
        if name == LATEST_ZIP:  # one URL that always names the current zip
            name = f"dti-open-data-{call.state.db.version}.zip"
        return _redirect(call, f"/{name}")
    path, entry = store.path_of(name)
    etag = f'"{entry["sha256"]}"'
    scope = call.request.scope
    if etag_matches(header(scope, b"if-none-match"), etag):
        return NotModified(etag, IMMUTABLE)
    _check_range(header(scope, b"range"), entry["bytes"])
    created = dt.datetime.fromisoformat(store.manifest()["created"])
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
    return BoundedSend(response, call.state.settings.stream_send_timeout)


async def table_schema(call: Call) -> Document:
    name = call.path["name"]
    resource = BY_NAME.get(name)
    if resource is None:
        raise ApiError(404, f"no table schema {name[:60]!r}; one of "
                            f"{', '.join(sorted(BY_NAME))}")
    return Document(resource.table_schema())


async def catalog_document(call: Call) -> Document:
    state = call.state
    return Document(await state.run(lambda ctx: catalog_of(state, ctx)))


async def get_citation(call: Call) -> Body:
    """The release's reference as BibTeX, APA or CFF (no need to wait for its build)."""
    _version(call)
    who, url = identity(call.state), call.state.settings.public_url
    write = {"bibtex": citation.bibtex, "apa": citation.apa, "cff": citation.cff}[call.fmt]
    return Body(write(who, url).encode())


async def releases_feed(call: Call) -> Body:
    """Atom: one entry per recorded release with what changed."""
    return Body(feed.atom(recorded_releases(), call.state.settings.public_url))


OBJECT = {"type": "object"}
# One entry for every kind of file: its Content-Type names which (/v1/releases lists each
# file's media type). Binary files are bytes, text files strings, JSON and YAML objects.
FILES = {**{media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/zip", "application/vnd.sqlite3", PARQUET)},
         **{media: {"schema": {"type": "string"}}
            for media in ("text/csv", "text/markdown", "text/plain")},
         **{media: {"schema": OBJECT} for media in ("application/json", "application/x-yaml")}}
ENDPOINTS = [
    Endpoint("/v1/releases.atom", "get_releases_feed", "An Atom feed of the releases, each "
             "entry saying what changed (rows added, removed, changed per table)",
             handle=releases_feed, formats=("atom",), tag="release",
             doc=Doc(schema={"application/atom+xml": {"schema": {"type": "string"}}})),
    Endpoint("/v1/releases/{version}/citation", "get_release_citation", "How to cite the "
             "release: BibTeX, APA (7th edition) or CITATION.cff", handle=get_citation,
             formats=citation.FORMATS, tag="release",
             doc=Doc(path_params=VERSION, responses=(404,))),
    Endpoint("/v1/releases", "list_releases", "Releases of the dataset with their files, "
             "sizes and sha256", handle=list_releases, tag="release",
             doc=Doc(pub.Release, "list", responses=(503,))),
    Endpoint("/v1/releases/{version}", "get_release", "One release", handle=get_release,
             tag="release", doc=Doc(pub.Release, "item", path_params=VERSION,
                                    responses=(307, 404, 503))),
    Endpoint("/v1/releases/{version}/{file:path}", "get_release_file",
             "One file of a release (resumable)", handle=release_file, formats=(),
             cache=False, tag="release", doc=Doc(
                 path_params={**VERSION, "file": (
                     "A file name from /v1/releases; under `latest`, "
                     "`dti-open-data-latest.zip` names the current zip", "datapackage.json")},
                 responses=(206, 307, 404, 416, 503), schema=FILES)),
    Endpoint("/v1/schemas/{name}", "get_table_schema", "The Table Schema (Frictionless) of a "
             "CSV: CSV exports link it as rel=describedby", handle=table_schema,
             tag="release", doc=Doc(schema=OBJECT, responses=(404,), path_params={
                 "name": ("A table's name", "scores")})),
    Endpoint("/v1/catalog.jsonld", "get_catalog", "DCAT and schema.org Dataset metadata "
             "(JSON-LD) for harvesters", handle=catalog_document, formats=("jsonld", "json"),
             tag="release", doc=Doc(schema=OBJECT)),
]
