"""Argument checks for GraphQL, raising clear errors with a code in `extensions`."""

from __future__ import annotations

from api.errors import ApiError, invalid
from api.graphql.context import to_graphql_error
from api.services.context import Years
from api.services.paging import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from api.services.vocab import check_choices


def parse_years(text: str | None, name: str = "year") -> Years | None:
    if text is None:
        return None
    try:
        return Years.parse(text)
    except ValueError as error:
        raise to_graphql_error(invalid(name, str(error))) from None


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


def parse_date(text: str | None, name: str) -> str | None:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise to_graphql_error(invalid(name, f"{text!r} is not a date (YYYY-MM-DD)")) from None
