"""Query-string parsing: every parameter typed, unknown ones refused by name."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from api.errors import bad_request
from api.services.paging import DEFAULT_LIMIT, MAX_LIMIT, PageRequest

CODE = re.compile(r"^[A-Za-z0-9_.|-]{1,64}$")
MAX_LIST = 100
COMMON = ("lang", "format", "bom")
PAGING = ("limit", "cursor")


@dataclass(frozen=True)
class Param:
    parse: Callable[[str], Any]
    description: str
    schema: Mapping[str, Any]
    required: bool = False


def codes(text: str) -> tuple[str, ...]:
    items = [c.strip() for c in text.split(",")]
    if len(items) > MAX_LIST:
        raise ValueError(f"at most {MAX_LIST} values")
    bad = [c for c in items if not CODE.match(c)]
    if bad:
        raise ValueError(f"not a valid code: {bad[0]!r}")
    return tuple(sorted(set(items)))


def code(text: str) -> str:
    if not CODE.match(text):
        raise ValueError(f"not a valid code: {text!r}")
    return text


def boolean(text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise ValueError("expected true or false")


def one_of(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return text
    return parse


def many_of(*allowed: str) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        items = codes(text)
        bad = [i for i in items if i not in allowed]
        if bad:
            raise ValueError(f"unknown value {bad[0]!r}; expected {', '.join(allowed)}")
        return items
    return parse


def text_query(text: str) -> str:
    if not text.strip() or len(text) > 100:
        raise ValueError("expected 1 to 100 characters, not only spaces")
    return text


def limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise ValueError(f"expected an integer in 1..{MAX_LIMIT}")
    return int(text)


def cursor(text: str) -> str:
    if not 1 <= len(text) <= 2000:
        raise ValueError("the cursor is malformed or has been modified")
    return text


SHARED: dict[str, Param] = {
    "lang": Param(one_of("vi", "en"), "Language of `name` (default: Accept-Language, then vi).",
                  {"type": "string", "enum": ["vi", "en"]}),
    "format": Param(one_of("json", "csv", "ndjson"), "Response format (default json).",
                    {"type": "string", "enum": ["json", "csv", "ndjson"]}),
    "bom": Param(boolean, "Start CSV with a UTF-8 byte-order mark for spreadsheets.",
                 {"type": "boolean"}),
    "limit": Param(limit, f"Page size, 1..{MAX_LIMIT} (default {DEFAULT_LIMIT}).",
                   {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    "cursor": Param(cursor, "Opaque cursor from links.next.",
                    {"type": "string", "minLength": 1, "maxLength": 2000}),
}


def parse_query(query: QueryParams, spec: Mapping[str, Param], paged: bool,
                collection: bool) -> dict[str, Any]:
    """Parse and validate every parameter; collect all problems into one 400."""
    allowed = dict(spec)
    allowed.update({k: SHARED[k] for k in (COMMON if collection else ("lang",))})
    if paged:
        allowed.update({k: SHARED[k] for k in PAGING})
    errors = [{"parameter": k, "message": "unknown parameter"}
              for k in sorted(set(query.keys())) if k not in allowed]
    out: dict[str, Any] = {}
    for name, param in allowed.items():
        values = query.getlist(name)
        if not values:
            if param.required:
                errors.append({"parameter": name, "message": "required"})
            continue
        if len(values) > 1:
            errors.append({"parameter": name, "message": "given more than once"})
            continue
        try:
            out[name] = param.parse(values[0])
        except ValueError as error:
            errors.append({"parameter": name, "message": str(error)})
    if errors:
        raise bad_request(errors)
    return out


def page_request(params: Mapping[str, Any]) -> PageRequest:
    return PageRequest(params.get("limit", DEFAULT_LIMIT), params.get("cursor"))
