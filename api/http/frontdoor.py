"""The one front door: every request, cached or not, passes each step of it, in order,
and every answer leaves through one send wrapper.

1. access: the request id (the client's plain token, else a new one) and the client, as
   seen through trusted proxies (api/http/access.py);
2. a CORS preflight is answered here (api/http/headers.py);
3. the budget: a client out of it gets a 429 (api/http/ratelimit.py);
4. admission: a method no route has, a path longer than any route, or too many requests
   in flight is refused (api/http/admission.py);
5. the client's turn at the worker threads (its work runs a piece at a time, the
   process's up to DTI_WORK_THREADS: api/http/turns.py), then the app: the response
   cache answers hits, the router the rest; an unexpected error is a problem answer,
   logged in proportion (api/http/failures.py);
6. on the way out, every answer gets the standard headers (CORS, security), is charged to
   the client's budget with its RateLimit headers, and carries the request id; when it is
   done, one access line and the metrics.

One middleware rather than one per step: each step is a call, not a layer of send
wrappers, so a cache hit costs what its steps cost (measured by bench/run against a bare
Starlette ceiling).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.access import Access
from api.http.admission import Admission
from api.http.failures import Failures
from api.http.headers import PREFLIGHT, is_preflight, standard
from api.http.ratelimit import Budget
from api.http.render import ProblemResponse
from api.http.turns import TURN


class FrontDoor:
    def __init__(self, app: ASGIApp, access: Access, budget: Budget, admission: Admission,
                 failures: Failures) -> None:
        self.app, self.access, self.budget = app, access, budget
        self.admission, self.failures = admission, failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = self.access.begin(scope)
        stamp = (b"x-request-id", rid.encode())
        answer: list[Any] = [0, 0]  # status, body bytes
        budget = self.budget
        preflight = is_preflight(scope)
        key = None if preflight else budget.key_of(scope)
        charged = key is not None

        async def respond(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"]
                answer[0] = message["status"]
                rate = await budget.charge(scope, key, answer[0], headers) if charged \
                    and key is not None else []
                message["headers"] = [*headers, *standard(headers), *rate, stamp]
            elif message["type"] == "http.response.body":
                answer[1] += len(message.get("body", b""))
            await send(message)

        try:
            if preflight:
                answer[0] = 204
                await send({"type": "http.response.start", "status": 204,
                            "headers": [*PREFLIGHT, stamp]})
                await send({"type": "http.response.body", "body": b""})
                return
            if key is not None and (refused := await budget.refusal(key)) is not None:
                charged = False  # a refusal of the budget is not charged to it
                refused.headers["Retry-After"] = refused.headers.get("Retry-After", "1")
                wait = int(refused.headers["Retry-After"])

                async def empty(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        message["headers"] = [*message["headers"], *budget.empty(wait)]
                    await respond(message)
                await ProblemResponse(refused, scope["path"][:200])(scope, receive, empty)
                return
            error = self.admission.refusal(scope)
            if error is not None:
                await ProblemResponse(error, scope["path"][:200])(scope, receive, respond)
                return
            # the app (the response cache, then the router), counted in flight, in the
            # client's turn (this request's task's only); an unexpected error is answered
            # as a problem while nothing has been sent
            token = TURN.set(budget.anonymous if key is None else budget.turn(key))
            self.admission.active += 1
            try:
                await self.app(scope, receive, respond)
            except Exception as failure:
                problem = self.failures.report(scope, rid, failure)
                if not answer[0]:  # else too late for another answer: the connection closes
                    await problem(scope, receive, respond)
            finally:
                self.admission.active -= 1
                TURN.reset(token)
        finally:
            self.access.end(scope, rid, answer, time.perf_counter() - started)
