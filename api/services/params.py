"""Request parameters: one parser per value, shared by REST and GraphQL.

A parser takes what either adapter has (a query-string value, or a GraphQL argument that
may already be a list, bool or int) and returns the typed value or raises ValueError with
the one message clients see. `Param` adds the description and JSON Schema the OpenAPI
document shows, so a parameter is defined, documented and checked in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

from api.errors import bad_request

MAX_ITEMS = 50  # values in one list parameter (codes, years)
CODE = re.compile(r"[A-Za-z0-9_.|-]{1,64}")
CODE_SCHEMA = {"type": "string", "pattern": r"^[A-Za-z0-9_.|-]{1,64}$"}
CODES_SCHEMA = {"type": "string",
                "pattern": r"^[A-Za-z0-9_.|-]{1,64}(,[A-Za-z0-9_.|-]{1,64}){0,49}$"}
_TEXT = r"[^\u0000-\u001f\u007f]"  # no control characters
TEXT_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 100,
               "pattern": rf"^{_TEXT}*[^\s\u0000-\u001f\u007f]{_TEXT}*$"}
BOOL_SCHEMA = {"type": "boolean"}


@dataclass(frozen=True)
class Param:
    parse: Callable[[Any], Any]
    description: str
    schema: Mapping[str, Any]
    required: bool = False


def items(value: str | Sequence[str]) -> list[str]:
    """The values of a list parameter: comma-separated text or a list, at most MAX_ITEMS."""
    found = value.split(",") if isinstance(value, str) else list(value)
    if len(found) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} values")
    return found


def code(value: str) -> str:
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise ValueError(f"not a valid code: {value!r}")
    return value


def codes(value: str | Sequence[str]) -> tuple[str, ...]:
    """Codes in any order and with repeats normalise to one sorted tuple."""
    return tuple(sorted({code(item.strip()) for item in items(value)}))


def boolean(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("expected true or false")


def integer(low: int, high: int) -> Callable[[str | int], int]:
    """An integer in low..high written with ASCII digits only: the one parser of every
    numeric input (query parameters, Range), so no input is longer than its bound's
    digits before it is converted (int() of 4,301 digits raises; of 4,300 costs)."""
    longest = len(str(max(abs(low), abs(high))))

    def parse(value: str | int) -> int:
        if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and value.isascii()
                                           and value.isdigit() and len(value) <= longest)):
            raise ValueError(f"expected an integer in {low}..{high}")
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"expected an integer in {low}..{high}")
        return number
    return parse


def _unknown(value: str, allowed: Sequence[str]) -> ValueError:
    return ValueError(f"unknown value {value!r}; expected one of {', '.join(allowed)}")


def one_of(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise _unknown(value, allowed)
        return value
    return parse


def many_of(*allowed: str) -> Callable[[str | Sequence[str]], tuple[str, ...]]:
    def parse(value: str | Sequence[str]) -> tuple[str, ...]:
        found = tuple(sorted({v.strip() for v in items(value)}))
        for v in found:
            if v not in allowed:
                raise _unknown(v, allowed)
        return found
    return parse


CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def text(value: str) -> str:
    """Free text for search: 1..100 characters, not only spaces, no control characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise ValueError("expected 1 to 100 characters, not only spaces")
    if CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def enum(values: Sequence[str], doc: str) -> Param:
    return Param(one_of(*values), doc, {"type": "string", "enum": list(values)})


def enums(values: Sequence[str], doc: str) -> Param:
    item = "(" + "|".join(re.escape(v) for v in values) + ")"
    return Param(many_of(*values), doc + " (comma-separated)",
                 {"type": "string", "pattern": f"^{item}(,{item}){{0,{MAX_ITEMS - 1}}}$"})


def codes_param(doc: str) -> Param:
    return Param(codes, f"{doc} (comma-separated, at most {MAX_ITEMS})", CODES_SCHEMA)


def code_param(doc: str, required: bool = False) -> Param:
    return Param(code, doc, CODE_SCHEMA, required)


def flag(doc: str) -> Param:
    return Param(boolean, doc, BOOL_SCHEMA)


def parse_params(spec: Mapping[str, Param], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Parse every parameter of `spec` present in `raw`; collect all problems into one 400."""
    errors: list[dict[str, str]] = []
    out: dict[str, Any] = {}
    for name, param in spec.items():
        value = raw.get(name)
        if value is None:
            if param.required:
                errors.append({"parameter": name, "message": "required"})
            continue
        try:
            out[name] = param.parse(value)
        except ValueError as error:
            errors.append({"parameter": name, "message": str(error)})
    if errors:
        raise bad_request(errors)
    return out


class Filter:
    """A dataclass of filter values parsed from request parameters.

    PARAMS names each parameter; FIELDS maps a parameter to the field it fills when the
    names differ (`year` fills `years`). `parse` is what both adapters call.
    """

    PARAMS: ClassVar[dict[str, Param]] = {}
    FIELDS: ClassVar[dict[str, str]] = {}

    @classmethod
    def build(cls, values: Mapping[str, Any]) -> Self:
        """The filter from already parsed values (REST parses them with the rest)."""
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{cls.FIELDS.get(k, k): v for k, v in values.items()
                      if cls.FIELDS.get(k, k) in names})

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Self:
        return cls.build(parse_params(cls.PARAMS, raw))
