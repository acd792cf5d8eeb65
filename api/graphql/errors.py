"""GraphQL errors: the client's (shown with a code, never logged) and ours (masked, logged
once per request however many fields raised them)."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from graphql import GraphQLError

from api.errors import ApiError

log = logging.getLogger("dti.graphql")
MESSAGE = "Unexpected error."


class UserInputError(GraphQLError):
    """A client error: shown with a code in `extensions` (never masked, never logged)."""


def client_error(message: str, code: str, **extensions: Any) -> UserInputError:
    return UserInputError(message, extensions={"code": code, **extensions})


def to_graphql_error(error: ApiError, names: dict[str, str] | None = None) -> GraphQLError:
    """An ApiError as a GraphQL error; `names` maps service parameter names to the GraphQL
    names the client wrote (`year` -> `filter.year`)."""
    names = names or {}
    code = {400: "BAD_USER_INPUT", 404: "NOT_FOUND", 504: "TIMEOUT"}.get(error.status,
                                                                         "UNAVAILABLE")
    errors = [{**e, "parameter": names.get(e["parameter"], e["parameter"])}
              for e in error.errors]
    message = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors) or error.detail
    return UserInputError(message, extensions={"code": code, "errors": errors})


def unexpected(error: GraphQLError) -> bool:
    """Raised by our code or a dependency, not caused by the request: a bug to mask and log.

    Everything graphql-core reports about the request itself (syntax, validation, a
    variable of the wrong type, a literal out of range) is a GraphQLError, or wraps one.
    """
    return error.original_error is not None and not isinstance(error.original_error,
                                                               GraphQLError)


def masked(error: GraphQLError) -> GraphQLError:
    """An unexpected error as "Unexpected error." at the same path; others unchanged."""
    return GraphQLError(MESSAGE, path=error.path) if unexpected(error) else error


def log_unexpected(errors: list[GraphQLError]) -> None:
    """Log a request's unexpected errors once: the first with its traceback, the rest
    counted. A dependency that raises for every item of a list (strawberry's isOneOf of a
    wrapper type raised 276 times for one 90-byte query) writes one record, not hundreds."""
    found = [e for e in errors if unexpected(e)]
    if not found:
        return
    first = found[0].original_error
    assert first is not None
    kinds = Counter(type(e.original_error).__name__ for e in found)
    log.error("GraphQL: %d unexpected error(s) in one request (%s); the first, at %s:",
              len(found), ", ".join(f"{n} x {k}" for k, n in kinds.most_common(5)),
              ".".join(str(p) for p in (found[0].path or ()))[:200],
              exc_info=(type(first), first, first.__traceback__))
