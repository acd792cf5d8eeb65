"""Argument checks for GraphQL, raising clear errors with a code in `extensions`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from api.errors import ApiError, invalid
from api.graphql.context import to_graphql_error
from api.services.context import Years, iso_date
from api.services.paging import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from api.services.vocab import check_choices

T = TypeVar("T")


def _parsed(parse: Callable[[str], T], text: str | None, name: str) -> T | None:
    """Apply a shared parser; its ValueError becomes a BAD_USER_INPUT error naming `name`."""
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError as error:
        raise to_graphql_error(invalid(name, str(error))) from None


def parse_years(text: str | None, name: str = "year") -> Years | None:
    return _parsed(Years.parse, text, name)


def parse_date(text: str | None, name: str) -> str | None:
    return _parsed(iso_date, text, name)


def page(first: int | None, after: str | None) -> PageRequest:
    size = DEFAULT_LIMIT if first is None else first
    if not 1 <= size <= MAX_LIMIT:
        raise to_graphql_error(invalid("first", f"expected 1..{MAX_LIMIT}, got {size}"))
    return PageRequest(size, after, edge_cursors=True)


def choices(name: str, values: tuple[str, ...] | str | None, allowed: tuple[str, ...]) -> None:
    try:
        check_choices(name, values, allowed)
    except ApiError as error:
        raise to_graphql_error(error) from None
