"""Server errors answered inside the front door.

Starlette answers an exception no handler took in its outermost layer, outside every
middleware of ours: the 500 went out without the request id, CORS and security headers,
and the access log and metrics saw no status at all. `ServerErrors` sits inside the
access log and the standard headers, so a 500 is a problem+json answer like any other;
the exception is logged once, with the request id, and never shown to the client.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError
from api.http.access import request_id
from api.http.render import ProblemResponse

log = logging.getLogger("dti.api")


class ServerErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            rid = request_id(scope)
            log.error("unexpected error on %s (request %s)", scope["path"][:200], rid,
                      exc_info=error)
            if started:  # too late for another answer: the server closes the connection
                return
            await ProblemResponse(ApiError(
                500, f"an unexpected error occurred; it has been logged as request {rid}"),
                scope["path"][:200])(scope, receive, send)
