"""Per-client rate limits in the front door, hits included, with IETF RateLimit headers.

Each client has a budget of units in each window of the policy, counted in fixed windows
in the `limits` library's storage (in process by default; Redis to share one budget
across replicas). What an answer costs is known once it is ready: a cache hit or a 304 costs 1,
a computed answer 4, a download 20, a GraphQL answer 4 plus its static cost / 500, a
client error 2. A client whose budget is spent gets 429 problem+json with Retry-After
until the window moves on; one that keeps asking regardless waits `delay` seconds for
each refusal, so a flood costs its sender, not the service. Every answer says where the
client stands:
`RateLimit-Policy: "minute";q=6000;w=60` and `RateLimit: "minute";r=5990;t=42`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError
from api.http.clients import Network, budget_key, client_address
from api.http.keys import SCOPE_KEY, RequestInfo
from api.http.render import ProblemResponse

log = logging.getLogger("dti.ratelimit")
COST_CACHED, COST_COMPUTED, COST_STREAM, COST_CLIENT_ERROR = 1, 4, 20, 2
GRAPHQL_COST_PER_UNIT = 500
CLIENT = "dti.client"  # the client's address, for the access log
RATE_STATE = "dti.ratelimit"  # the RateLimit header sent, for the access log


@dataclass(frozen=True)
class Window:
    name: str
    item: RateLimitItem

    @property
    def seconds(self) -> int:
        return int(self.item.get_expiry())


def windows(policy: str) -> tuple[Window, ...]:
    """`6000/minute;1200/10 seconds` -> named windows ("minute", "10s")."""
    out = []
    for item in parse_many(policy) if policy.strip() else []:
        seconds = int(item.get_expiry())
        out.append(Window("minute" if seconds == 60 else f"{seconds}s", item))
    return tuple(out)


def cost_of(status: int, info: RequestInfo | None, streamed: bool) -> int:
    if status == 304 or (info is not None and info.cache == "hit"):
        return COST_CACHED
    if 400 <= status < 500:
        return COST_CLIENT_ERROR
    if streamed:
        return COST_STREAM
    graphql = info.extra.get("graphql_cost", 0) if info is not None else 0
    assert isinstance(graphql, int)
    return COST_COMPUTED + math.ceil(graphql / GRAPHQL_COST_PER_UNIT)


class RateLimit:
    def __init__(self, app: ASGIApp, policy: str, storage: str,
                 proxies: Sequence[Network], exempt: Sequence[str], delay: float = 1.0,
                 concurrency: int = 4) -> None:
        self.app, self.proxies, self.exempt = app, tuple(proxies), tuple(exempt)
        self.delay, self.concurrency = delay, concurrency
        self.slots: dict[str, asyncio.Semaphore] = {}  # clients with requests in flight
        self.windows = windows(policy)
        # The library's asynchronous storages (a Redis round trip never blocks the event
        # loop), counted in fixed windows: one increment and one expiry read per answer.
        uri = storage if storage.startswith("async+") else f"async+{storage}"
        # Redis through redis-py's asyncio client (limits' default for Redis is coredis).
        options = {"implementation": "redispy"} if "redis" in uri.split("://")[0] else {}
        self.storage: Any = storage_from_string(uri, **options)
        self.policy_header = ", ".join(
            f'"{w.name}";q={w.item.amount};w={w.seconds}' for w in self.windows).encode()
        # Clients known to be out of budget, until when: spares the storage a round trip.
        self.spent: dict[str, float] = {}
        self.resets: dict[str, float] = {}  # counter -> when its window ends (from storage)
        self.refused: set[str] = set()  # ... and already told so once
        self._warned_until = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.windows or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        address = scope.get(CLIENT) or client_address(scope, self.proxies)
        scope[CLIENT] = address
        key = budget_key(address)
        until = self.spent.get(key)
        if until is not None:
            if time.time() < until:
                if key in self.refused:  # asked again regardless: answer slowly, so a
                    await anyio.sleep(self.delay)  # flood costs its sender, not us
                self.refused.add(key)
                await self._refuse(scope, receive, send, until)
                return
            del self.spent[key]
            self.refused.discard(key)

        async def charge(message: Message) -> None:
            if message["type"] == "http.response.start":
                info: RequestInfo | None = scope.get(SCOPE_KEY)
                streamed = not any(n == b"content-length" for n, _ in message["headers"])
                cost = cost_of(message["status"], info, streamed)
                try:
                    scope[RATE_STATE], headers = await self._charge(key, cost)
                except Exception as error:  # the shared storage is down: answer, unlimited
                    self._unavailable(error)
                    headers = []
                message["headers"] = [*message["headers"], *headers]
            await send(message)

        # One client's requests run `concurrency` at a time; the rest wait their turn
        # (cheaply), so one client cannot occupy every worker thread.
        slot = self.slots.get(key)
        if slot is None:
            if len(self.slots) > 10_000:  # forget idle clients now and then
                self.slots = {k: v for k, v in self.slots.items()
                              if v._value < self.concurrency}
            slot = self.slots[key] = asyncio.Semaphore(self.concurrency)
        async with slot:  # no await on the way in while a slot is free
            await self.app(scope, receive, charge)

    def _unavailable(self, error: Exception) -> None:
        """Fail open: a Redis outage must not take the API down. Logged once a minute."""
        now = time.monotonic()
        if now >= self._warned_until:
            self._warned_until = now + 60
            log.warning("rate-limit storage unavailable, answering without limits: %s",
                        type(error).__name__)

    async def _charge(self, key: str, cost: int) -> tuple[str, list[tuple[bytes, bytes]]]:
        states = []
        now = time.time()
        for window in self.windows:
            counter = f"{window.name}/{key}"
            used = await self.storage.incr(counter, window.seconds, amount=cost)
            ends = self.resets.get(counter, 0.0)
            if ends <= now:  # a window this process has not seen yet: ask when it ends
                if len(self.resets) > 100_000:
                    self.resets = {k: v for k, v in self.resets.items() if v > now}
                ends = self.resets[counter] = await self.storage.get_expiry(counter)
            reset = max(1, math.ceil(ends - now))
            remaining = max(window.item.amount - used, 0)
            states.append((remaining / window.item.amount, window, remaining, reset))
            if remaining <= 0:  # spent: refused until the window starts again
                self.spent[key] = max(self.spent.get(key, 0.0), now + reset)
        _, window, remaining, reset = min(states, key=lambda s: s[0])  # the nearest to empty
        state = f'"{window.name}";r={max(remaining, 0)};t={reset}'
        return state, [(b"ratelimit-policy", self.policy_header), (b"ratelimit", state.encode())]

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, until: float) -> None:
        wait = max(1, math.ceil(until - time.time()))
        error = ApiError(429, f"this client has used its request budget; retry in {wait} s "
                              "(cached answers and 304s cost less)",
                         headers={"Retry-After": str(wait)})

        async def with_state(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"],
                                      (b"ratelimit-policy", self.policy_header),
                                      (b"ratelimit", f'"{self.windows[0].name}";r=0;t={wait}'
                                       .encode())]
            await send(message)

        await ProblemResponse(error, scope["path"][:200])(scope, receive, with_state)
