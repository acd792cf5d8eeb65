"""Admission: requests this service cannot mean, or cannot take now, are refused before
any work. A method outside HTTP's registered set is a 405 with Allow, as a route answers
the methods it does not serve (no route is looked up for it); a path longer than any
route, 414; beyond `in_flight` requests
being answered at once in this process, 503 with Retry-After (liveness exempt). Idle
connections are not requests: they are timed out by the server (api/serve.py), so a
crowd of silent sockets cannot take the slots of clients that ask something. Method
names never become metric labels or long log lines: `method_label` maps every method
outside the known set to `other`."""

from __future__ import annotations

from starlette.types import Scope

from api.errors import ApiError

# HTTP's methods (RFC 9110 §9, PATCH from RFC 5789, QUERY): routing answers those it
# does not serve with 405 and Allow; any other name is refused here, before routing.
KNOWN = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                   "PATCH", "QUERY"})
MAX_PATH = 2048  # bytes; the longest route with the longest codes is far shorter
LIVENESS = "/health"


def method_label(method: str) -> str:
    """The method as a metric label or a log field: one of a closed set."""
    return method if method in KNOWN else "other"


class Admission:
    def __init__(self, in_flight: int, post_paths: frozenset[str]) -> None:
        self.in_flight, self.active, self.post_paths = in_flight, 0, post_paths

    def refusal(self, scope: Scope) -> ApiError | None:
        """Why this request cannot be taken now (None: it can)."""
        if scope["method"] not in KNOWN:
            allow = "GET, HEAD, POST" if scope["path"] in self.post_paths else "GET, HEAD"
            return ApiError(405, f"that method is not allowed here; this API is read-only "
                                 f"(allowed: {allow})", headers={"Allow": allow})
        if len(scope.get("raw_path") or scope["path"].encode()) > MAX_PATH:
            return ApiError(414, f"the path is longer than {MAX_PATH} bytes")
        if self.in_flight and self.active >= self.in_flight and scope["path"] != LIVENESS:
            return ApiError(503, "the service is answering as many requests as it can; "
                                 "retry shortly", headers={"Retry-After": "1"})
        return None
