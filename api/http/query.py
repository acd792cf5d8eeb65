"""Query strings: every parameter parsed by its one parser; unknown and repeated ones refused.

Each endpoint's parameters are its own (from the service layer's filters) plus the shared
ones its declaration implies: `lang` where names are localised, `format` where it offers
more than one format, `bom` where it offers CSV, `limit` and `cursor` where it pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.datastructures import QueryParams

from api.errors import ApiError, bad_request
from api.http.formats import FORMATS
from api.services.paging import CURSOR, LIMIT
from api.services.params import Param, enum, flag, parse_params

LANG = enum(("vi", "en"), "Language of `name` (default: Accept-Language, then vi).")
BOM = flag("Start CSV with a UTF-8 byte-order mark for spreadsheets.")
MAX_REPORTED = 10  # unknown parameters named in one answer


def format_param(formats: Sequence[str]) -> Param:
    listed = "; ".join(f"{f}: {FORMATS[f].description}" for f in formats)
    return enum(formats, f"Response format ({listed}). Default: by Accept, then "
                         f"{formats[0]}.")


def shared_params(formats: Sequence[str], lang: bool, paged: bool) -> dict[str, Param]:
    """The parameters an endpoint takes by what it declares, in a fixed order."""
    shared: dict[str, Param] = {"lang": LANG} if lang else {}
    if len(formats) > 1:
        shared["format"] = format_param(formats)
    if "csv" in formats:
        shared["bom"] = BOM
    if paged:
        shared |= {"limit": LIMIT, "cursor": CURSOR}
    return shared


def parse_query(query: QueryParams, allowed: Mapping[str, Param]) -> dict[str, Any]:
    """Parse and validate every parameter; collect all problems into one 400."""
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
