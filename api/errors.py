"""Domain errors and the one problem+json shape (RFC 9457) every adapter renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_TYPES = {
    400: ("invalid-request", "Invalid request"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    410: ("gone", "Gone"),
    413: ("payload-too-large", "Payload too large"),
    414: ("uri-too-long", "URI too long"),
    416: ("range-not-satisfiable", "Range not satisfiable"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
    504: ("timeout", "Timed out"),
}


@dataclass
class ApiError(Exception):
    status: int
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        slug, title = PROBLEM_TYPES.get(self.status, ("error", "Error"))
        body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title,
                                "status": self.status, "detail": self.detail}
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        return body


def bad_request(errors: list[dict[str, str]]) -> ApiError:
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
    return ApiError(400, detail, errors)


def invalid(parameter: str, message: str) -> ApiError:
    return bad_request([{"parameter": parameter, "message": message}])


def not_found(detail: str) -> ApiError:
    return ApiError(404, detail)
