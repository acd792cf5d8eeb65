"""Query strings: every parameter parsed by its one parser; unknown and repeated ones refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import QueryParams

from api.errors import ApiError, bad_request
from api.services.paging import CURSOR, LIMIT
from api.services.params import Param, enum, flag, parse_params

FORMATS = ("json", "csv", "ndjson")
SHARED: dict[str, Param] = {
    "lang": enum(("vi", "en"), "Language of `name` (default: Accept-Language, then vi)."),
    "format": enum(FORMATS, "Response format (default: Accept, then json)."),
    "bom": flag("Start CSV with a UTF-8 byte-order mark for spreadsheets."),
    "limit": LIMIT,
    "cursor": CURSOR,
}
MAX_REPORTED = 10  # unknown parameters named in one answer


def shared_names(paged: bool, collection: bool) -> tuple[str, ...]:
    names = ("lang", "format", "bom") if collection else ("lang",)
    return names + (("limit", "cursor") if paged else ())


def parse_query(query: QueryParams, spec: Mapping[str, Param], paged: bool,
                collection: bool) -> dict[str, Any]:
    """Parse and validate every parameter; collect all problems into one 400."""
    allowed = {**spec, **{k: SHARED[k] for k in shared_names(paged, collection)}}
    errors = [{"parameter": k[:64], "message": "unknown parameter"}
              for k in sorted(set(query.keys())) if k not in allowed][:MAX_REPORTED]
    raw: dict[str, str] = {}
    for name in allowed:
        values = query.getlist(name)
        if len(values) > 1:
            errors.append({"parameter": name, "message": "given more than once"})
        elif values:
            raw[name] = values[0]
    try:
        parsed = parse_params(allowed, raw)
    except ApiError as error:
        errors += error.errors
    if errors:
        raise bad_request(errors)
    return parsed
