"""GraphQL object types derived from the read models, so a field is written once.

`@view(pub.Score, rename=...)` turns a class holding only resolvers into a strawberry
type whose plain fields are the read model's keys, in the read model's order. Values
are the read models themselves (dicts): the schema's default resolver reads a key, so
nothing is copied into objects. Relations the read model only sometimes carries
(NotRequired keys such as `children`) are left to the class's resolvers.
"""

from __future__ import annotations

import operator
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin

import strawberry
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info  # noqa: F401  (resolver annotations name it)

C = TypeVar("C", bound=type)
VIEWS: dict[type, type] = {}  # read model -> its GraphQL type
CONFIG = StrawberryConfig(default_resolver=operator.getitem)


@strawberry.enum
class Lang(Enum):
    VI = "vi"
    EN = "en"


def _graphql_type(hint: Any) -> Any:
    """The annotation of a read-model key with nested read models replaced by their views."""
    origin = get_origin(hint)
    if origin is dict:  # a small map, e.g. ranked entries per rank basis
        return JSON
    if origin is list:
        return list[_graphql_type(get_args(hint)[0])]  # type: ignore[misc]
    if origin in (types.UnionType, typing.Union):
        args = [_graphql_type(a) for a in get_args(hint)]
        out = args[0]
        for arg in args[1:]:
            out = out | arg
        return out
    return VIEWS.get(hint, hint)


def model_fields(model: type) -> dict[str, Any]:
    """The always-present keys of a read model (TypedDict) with their types."""
    hints = typing.get_type_hints(model)
    optional: frozenset[str] = getattr(model, "__optional_keys__", frozenset())
    return {name: hint for name, hint in hints.items() if name not in optional}


def _name(root: dict[str, Any], lang: Lang = Lang.VI) -> str:
    return str(root["name_vi"] if lang is Lang.VI else root["name_en"])


def view(model: type, rename: Mapping[str, str] | None = None,
         description: str | None = None, register: bool = True,
         describe: Mapping[str, str] | None = None) -> Callable[[C], C]:
    """Build the strawberry type of `model`: its keys, then the decorated class's fields.

    `rename` maps a key to its GraphQL name where the key's own name is taken by a
    relation (a score's `indicator` code is `indicatorCode`; `indicator` is the object).
    `register=False` for a second type over the same model (it is not the one nested
    read models of that model map to); `describe` maps a key to its field's description.
    """
    def decorate(cls: C) -> C:
        annotations: dict[str, Any] = {}
        namespace: dict[str, Any] = {}
        for key, hint in model_fields(model).items():
            annotations[key] = _graphql_type(hint)
            if (rename and key in rename) or (describe and key in describe):
                namespace[key] = strawberry.field(name=(rename or {}).get(key),
                                                  description=(describe or {}).get(key))
            if key == "name_en" and "name_vi" in annotations:
                annotations["name"] = str
                namespace["name"] = strawberry.field(
                    resolver=_name, description="The name in `lang` (default vi).")
        own = dict(vars(cls))
        annotations.update(own.pop("__annotations__", {}))
        for name in ("__dict__", "__weakref__"):
            own.pop(name, None)
        made: Any = type(cls.__name__, (), {**namespace, **own, "__annotations__": annotations})
        result: C = strawberry.type(made, description=description)
        if register:
            VIEWS[model] = result
        return result
    return decorate
