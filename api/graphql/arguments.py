"""GraphQL arguments generated from the service filters' declared parameters.

A filter in `api/services` declares each parameter once: its name, its one parser, its
description, whether it is required. Each becomes a GraphQL argument here: the name in
camelCase (`has_value` -> `hasValue`; `from`/`to` -> `dateFrom`/`dateTo`), the type from
the filter field it fills (a tuple is a list of strings, a bool a Boolean, an int an
Int; anything else is the text the parser reads), the default from the filter's own
default. Errors name the argument as the client wrote it (`filter.year`, or a deprecated
old name when that is the one used).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.errors import client_error
from api.services.paging import LIMIT
from api.services.params import Filter

RENAMED = {"from": "dateFrom", "to": "dateTo"}  # REST names GraphQL spells otherwise
Run = Callable[[Any, Info, dict[str, Any], dict[str, str]], Any]


@dataclass(frozen=True)
class Argument:
    param: str  # the service parameter it fills
    name: str  # its GraphQL name
    annotation: Any  # the Python type strawberry maps to a GraphQL type
    default: Any = None  # inspect.Parameter.empty: required
    description: str | None = None
    deprecation: str | None = None

    def parameter(self) -> inspect.Parameter:
        meta = strawberry.argument(name=self.name, description=self.description,
                                   deprecation_reason=self.deprecation)
        return inspect.Parameter(self.name, inspect.Parameter.KEYWORD_ONLY, default=self.default,
                                 annotation=Annotated[self.annotation, meta])


PAGE = (Argument("limit", "first", int | None, description=LIMIT.description),
        Argument("cursor", "after", str | None, description="The cursor after which the "
                 "page starts: pageInfo.endCursor, an edge's cursor or a REST cursor."))


def graphql_name(param: str) -> str:
    head, *rest = RENAMED.get(param, param).split("_")
    return head + "".join(word.title() for word in rest)


def _kind(hint: Any) -> Any:
    """The argument type of a filter field's type."""
    options = [a for a in typing.get_args(hint) if a is not type(None)] \
        if typing.get_origin(hint) in (types.UnionType, typing.Union) else [hint]
    base = options[0]
    if base is tuple or typing.get_origin(base) is tuple:
        return list[str]
    return base if base in (bool, int) else str


def _describe(text: str) -> str:
    """A parameter's description without what only a query string needs."""
    return re.sub(r"\s*\(\)", "", re.sub(r"comma-separated,?\s*", "", text)).strip()


def filter_arguments(parser: type[Filter], only: Sequence[str] | None = None,
                     exclude: Iterable[str] = (),
                     deprecated: Mapping[str, str] | None = None) -> list[Argument]:
    """The arguments of `parser`'s parameters, in its order; `deprecated` maps an old
    GraphQL name to the current one, kept working with a deprecation reason."""
    hints = typing.get_type_hints(parser)
    defaults = {f.name: f.default for f in fields(parser)}  # type: ignore[arg-type]
    out: list[Argument] = []
    for param, spec in parser.PARAMS.items():
        if (only is not None and param not in only) or param in exclude:
            continue
        field = parser.FIELDS.get(param, param)
        kind, default = _kind(hints[field]), defaults.get(field, MISSING)
        if spec.required:
            out.append(Argument(param, graphql_name(param), kind, inspect.Parameter.empty,
                                _describe(spec.description)))
        elif isinstance(default, str | int) and not isinstance(default, bool):
            out.append(Argument(param, graphql_name(param), kind, default,
                                _describe(spec.description)))
        else:
            out.append(Argument(param, graphql_name(param), kind | None, None,
                                _describe(spec.description)))
    for old, new in (deprecated or {}).items():
        current = next(a for a in out if a.name == new)
        out.append(Argument(current.param, old, current.annotation | None, None,
                            current.description, f"Use `{new}`: `{old}` was renamed and "
                                                 "goes away in the next release."))
    return out


def collect(arguments: Sequence[Argument], given: Mapping[str, Any],
            prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """The service parameters in the GraphQL arguments `given`, and the name to report
    each parameter's errors under (the one the client used)."""
    raw: dict[str, Any] = {}
    names = {a.param: prefix + a.name for a in arguments if a.deprecation is None}
    for a in arguments:
        value = given.get(a.name)
        if value is None:
            continue
        if a.param in raw:
            raise client_error(f"give {names[a.param]} or {prefix}{a.name}, not both (one "
                               "is the other's deprecated name)", "BAD_USER_INPUT")
        raw[a.param], names[a.param] = value, prefix + a.name
    return raw, names


def generated_field(arguments: Sequence[Argument], returns: Any, run: Run,
                    description: str | None = None, module: str = __name__) -> Any:
    """A strawberry field whose arguments are `arguments`: `run(row, info, raw, names)`
    gets the parent row, the service parameters given and the names to report their
    errors under. `returns` may be a string, read in `module` (a type defined later)."""
    def resolve(self: Any, info: Info, **given: Any) -> Any:
        raw, names = collect(arguments, given)
        return run(self, info, raw, names)

    own = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
           inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info)]
    resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*own, *(a.parameter() for a in arguments)], return_annotation=returns)
    resolve.__annotations__ = {"info": Info, **{a.name: a.parameter().annotation
                                                for a in arguments}, "return": returns}
    resolve.__module__ = module
    return strawberry.field(resolver=resolve, description=description)


def input_type(name: str, arguments: Sequence[Argument], description: str | None = None) -> Any:
    """A GraphQL input object whose fields are `arguments` (optional, default null)."""
    namespace: dict[str, Any] = {
        "__annotations__": {a.name: a.annotation for a in arguments},
        **{a.name: strawberry.field(name=a.name, default=a.default, description=a.description)
           for a in arguments}}
    return strawberry.input(type(name, (), namespace), name=name, description=description)


def input_values(arguments: Sequence[Argument], value: Any) -> dict[str, Any]:
    """The fields of an input object made by `input_type` (none when it is null)."""
    return {} if value is None else {a.name: getattr(value, a.name) for a in arguments}
