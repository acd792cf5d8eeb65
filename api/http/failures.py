"""Server errors answered inside the front door.

Starlette answers an exception no handler took in its outermost layer, outside every
middleware of ours: the 500 went out without the request id, CORS and security headers,
and the access log and metrics saw no status at all. `ServerErrors` sits inside the
access log and the standard headers, so a 500 is a problem+json answer like any other;
the exception is logged once, with the request id, and never shown to the client.
"""

from __future__ import annotations

import logging
import time

from starlette.types import Scope

from api.errors import ApiError
from api.http.render import ProblemResponse

log = logging.getLogger("dti.api")


class Failures:
    """Unexpected errors: logged with the request id, in proportion; answered as a
    problem that names the request id and nothing else."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self.last: dict[tuple[str, str], tuple[float, int]] = {}  # when logged, since

    def report(self, scope: Scope, rid: str, error: Exception) -> ProblemResponse:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        key = (type(error).__name__, route)
        now = time.monotonic()
        logged, skipped = self.last.get(key, (-self.every, 0))
        if now - logged < self.every:
            self.last[key] = (logged, skipped + 1)
        else:
            if len(self.last) > 1000:  # routes and exception types are few; stay bounded
                self.last.clear()
            self.last[key] = (now, 0)
            more = f" ({skipped} more like it not logged)" if skipped else ""
            log.error("unexpected error on %s (request %s)%s", route, rid, more,
                      exc_info=error)
        return ProblemResponse(ApiError(500, f"an unexpected error occurred; it has been "
                                             f"logged as request {rid}"), scope["path"][:200])
