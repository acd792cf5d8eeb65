"""REST: every collection of the dataset as JSON pages, and every matching row as CSV or
NDJSON, each route a declaration handed to the one endpoint wrapper (api/http/endpoint.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request

from api.http.endpoint import Answer, Call, Doc, Document, Endpoint, Rows
from api.http.formats import COLLECTION_FORMATS, ROW_FORMATS
from api.http.keys import canonical_query
from api.services.context import QueryContext
from api.services.paging import DEFAULT_LIMIT, PageRequest
from api.services.registry import COLLECTIONS, Collection, every_row, export_batches
from api.services.tables import BY_NAME
from models.text import columns, localise


def links(request: Request, next_cursor: str | None) -> tuple[dict[str, str | None], str | None]:
    """links.self in canonical parameter order (the cache key's), and links.next."""
    path = request.url.path
    query = canonical_query(request.scope["query_string"]).decode("latin-1")
    found: dict[str, str | None] = {"self": f"{path}?{query}" if query else path, "next": None}
    if next_cursor:
        kept = [p for p in query.split("&") if p and not p.startswith("cursor=")]
        found["next"] = f"{path}?{'&'.join([*kept, 'cursor=' + quote(next_cursor, safe='')])}"
    return found, f'<{found["next"]}>; rel="next"' if found["next"] else None


def _rows(collection: Collection, ctx: QueryContext, call: Call) -> Rows:
    """Every matching row, lazily; one row is read now, so a bad cursor or an unknown code
    is a 4xx, not a broken stream. A collection with an export (and no cursor) also offers
    its rows as Arrow batches."""
    params, path = call.params, call.path
    collection.get(ctx, params, path, PageRequest(1, params.get("cursor")))
    queries = call.state.query
    name = collection.table_name
    table = BY_NAME[name].table_schema() if name else None
    export = collection.export(params, call.lang) \
        if collection.export and "cursor" not in params else None
    return Rows(every_row(queries, collection, params, path, call.lang),
                columns(collection.model), collection.operation_id.replace("_", "-"),
                name, table, export,
                (lambda: export_batches(queries, export)) if export else None)


def endpoint(collection: Collection) -> Endpoint:
    # a derived, unofficial answer says so in a header too, whatever reads only headers
    label = [(b"dti-unofficial", collection.unofficial.encode())] \
        if collection.unofficial else None

    def query(ctx: QueryContext, call: Call) -> Answer:
        if call.fmt in ROW_FORMATS:
            return _rows(collection, ctx, call)
        page = PageRequest(call.params.get("limit", DEFAULT_LIMIT), call.params.get("cursor"))
        result = collection.get(ctx, call.params, call.path, page)
        document: dict[str, Any] = {"data": localise(result.data, call.lang)}
        found, link = links(call.request, result.next_cursor)
        if collection.many:
            document["meta"] = result.meta
        else:
            found.pop("next")
            link = None
        document["links"] = found
        return Document(document, link, label)

    return Endpoint(
        collection.path, collection.operation_id, collection.summary, query=query,
        params=collection.parameters,
        formats=COLLECTION_FORMATS if collection.many else ("json",), lang=True,
        paged=collection.paged, tag=collection.tag,
        doc=Doc(collection.model, "list" if collection.many else "item", collection.meta,
                collection.path_params, (404,) if collection.not_found else ()))


ENDPOINTS: list[Endpoint] = [endpoint(c) for c in COLLECTIONS]
