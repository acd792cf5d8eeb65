"""Per-client rate limits in the front door, hits included, with IETF RateLimit headers.

Each client has a budget of units in each window of the policy, counted in fixed windows
in the `limits` library's storage (in process by default; Redis to share one budget
across replicas). What an answer costs is known once it is ready: a cache hit or a 304 costs 1,
a computed answer 4, a download 20, a GraphQL answer 4 plus its static cost / 500, a
client error 2. A client whose budget is spent gets 429 problem+json with Retry-After
until the window moves on; one that keeps asking regardless waits `delay` seconds for
each refusal, so a flood costs its sender, not the service. Every request is charged,
refusals of methods no route has included (only GET and HEAD of the exempt paths, the
probes, are not): the rate limit stands before admission. Every answer says where the
client stands:
`RateLimit-Policy: "minute";q=6000;w=60` and `RateLimit: "minute";r=5990;t=42`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from starlette.types import Scope

from api.errors import ApiError
from api.http.clients import Network, budget_key, client_address
from api.http.keys import SCOPE_KEY, RequestInfo
from api.http.turns import Lanes, Turn

log = logging.getLogger("dti.ratelimit")
COST_CACHED, COST_COMPUTED, COST_STREAM, COST_CLIENT_ERROR = 1, 4, 20, 2
GRAPHQL_COST_PER_UNIT = 500
CLIENT = "dti.client"  # the client's address, for the access log
RATE_STATE = "dti.ratelimit"  # the RateLimit header sent, for the access log


@dataclass(frozen=True)
class Window:
    name: str
    item: RateLimitItem
    seconds: int = field(init=False)  # read for every answer: worked out once
    amount: int = field(init=False)
    prefix: str = field(init=False)  # its counters' names start with it

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", int(self.item.get_expiry()))
        object.__setattr__(self, "amount", int(self.item.amount))
        object.__setattr__(self, "prefix", f"{self.name}/")


Nearest = tuple[float, int, float, Window]  # share left, units left, window end, window


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


class LocalWindows:
    """Fixed windows in this process: a window starts at a counter's first unit and ends
    `seconds` later, as in the limits library's memory storage."""

    def __init__(self) -> None:
        self.counts: dict[str, list[float]] = {}  # counter -> [when its window ends, used]

    def start(self, counter: str, seconds: int, now: float) -> list[float]:
        """A new window for this counter, from now."""
        if len(self.counts) > 100_000:  # forget ended windows now and then
            self.counts = {k: v for k, v in self.counts.items() if v[0] > now}
        found = self.counts[counter] = [now + seconds, 0.0]
        return found


class Budget:
    """Every client's budget: who is out of it, what an answer costs, and how much of its
    work runs at once. The front door (api/http/frontdoor.py) asks it."""

    def __init__(self, policy: str, storage: str, proxies: Sequence[Network],
                 exempt: Sequence[str], delay: float = 1.0, concurrency: int = 1,
                 threads: int = 4) -> None:
        self.proxies, self.exempt = tuple(proxies), tuple(exempt)
        self.delay, self.concurrency = delay, concurrency
        self.lanes = Lanes.of(threads)  # the process's worker threads
        self.anonymous = Turn(None, self.lanes)  # requests no budget applies to
        self.slots: dict[str, Turn] = {}  # clients with work under way, and their turns
        self.windows = windows(policy)
        # The library's asynchronous storages (a Redis round trip never blocks the event
        # loop), counted in fixed windows: one increment and one expiry read per answer.
        uri = storage if storage.startswith("async+") else f"async+{storage}"
        # Redis through redis-py's asyncio client (limits' default for Redis is coredis).
        options = {"implementation": "redispy"} if "redis" in uri.split("://")[0] else {}
        # In one process (memory://), counters in a dict: the same fixed windows as the
        # library's memory storage, without its locks and awaits on every answer.
        self.local = LocalWindows() if uri.split("://")[0] == "async+memory" else None
        self.storage: Any = None if self.local else storage_from_string(uri, **options)
        self.policy_header = ", ".join(
            f'"{w.name}";q={w.amount};w={w.seconds}' for w in self.windows).encode()
        # Clients known to be out of budget, until when: spares the storage a round trip.
        self.spent: dict[str, float] = {}
        self.resets: dict[str, float] = {}  # counter -> when its window ends (from storage)
        self.refused: set[str] = set()  # ... and already told so once
        self._warned_until = 0.0

    def key_of(self, scope: Scope) -> str | None:
        """The client's budget, or None where none applies (no policy; the probes' GET)."""
        if not self.windows or (scope["path"] in self.exempt
                                and scope["method"] in ("GET", "HEAD")):
            return None
        return budget_key(scope.get(CLIENT) or client_address(scope, self.proxies))

    async def refusal(self, key: str) -> ApiError | None:
        """The 429 of a client out of budget (after a pause, if it keeps asking regardless:
        a flood costs its sender, not the service); None while it has some."""
        until = self.spent.get(key)
        if until is None:
            return None
        if time.time() >= until:
            del self.spent[key]
            self.refused.discard(key)
            return None
        if key in self.refused:
            await anyio.sleep(self.delay)
        self.refused.add(key)
        wait = max(1, math.ceil(until - time.time()))
        return ApiError(429, f"this client has used its request budget; retry in {wait} s "
                             "(cached answers and 304s cost less)",
                        headers={"Retry-After": str(wait)})

    def empty(self, wait: int) -> list[tuple[bytes, bytes]]:
        """The RateLimit headers of a refusal: nothing left for `wait` seconds."""
        return [(b"ratelimit-policy", self.policy_header),
                (b"ratelimit", f'"{self.windows[0].name}";r=0;t={wait}'.encode())]

    def turn(self, key: str) -> Turn:
        """The client's turn at the worker threads: `concurrency` pieces of its work at
        once, the rest wait (api/http/turns.py), so one client cannot crowd the GIL."""
        turn = self.slots.get(key)
        if turn is None:
            if len(self.slots) > 10_000:  # forget idle clients now and then
                self.slots = {k: v for k, v in self.slots.items()
                              if v.client is not None and v.client._value < self.concurrency}
            turn = self.slots[key] = Turn(asyncio.Semaphore(self.concurrency), self.lanes)
        return turn

    async def charge(self, scope: Scope, key: str, status: int,
                     headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """Charge an answer's cost; the RateLimit headers it goes out with."""
        info: RequestInfo | None = scope.get(SCOPE_KEY)
        if info is not None and info.cache == "hit":
            cost = COST_CACHED
        else:
            streamed = not any(n == b"content-length" for n, _ in headers)
            cost = cost_of(status, info, streamed)
        try:
            if self.local is not None:
                scope[RATE_STATE], state = self._count(key, cost)
            else:
                scope[RATE_STATE], state = await self._charge(key, cost)
        except Exception as error:  # the shared storage is down: answer, unlimited
            self._unavailable(error)
            return []
        return [(b"ratelimit-policy", self.policy_header), (b"ratelimit", state)]

    def _unavailable(self, error: Exception) -> None:
        """Fail open: a Redis outage must not take the API down. Logged once a minute."""
        now = time.monotonic()
        if now >= self._warned_until:
            self._warned_until = now + 60
            log.warning("rate-limit storage unavailable, answering without limits: %s",
                        type(error).__name__)

    def _count(self, key: str, cost: int) -> tuple[str, bytes]:
        """Charge `cost` in this process's windows (memory://): no await, no lock."""
        assert self.local is not None
        now = time.time()
        counts = self.local.counts
        nearest: Nearest | None = None
        for window in self.windows:
            counter = window.prefix + key
            found = counts.get(counter)
            if found is None or found[0] <= now:
                found = self.local.start(counter, window.seconds, now)
            found[1] += cost
            nearest = self._weigh(key, int(found[1]), found[0], window, now, nearest)
        return self._header(nearest, now)

    async def _charge(self, key: str, cost: int) -> tuple[str, bytes]:
        """Charge `cost` in the shared storage's windows (Redis)."""
        now = time.time()
        nearest: Nearest | None = None
        for window in self.windows:
            used, ends = await self._shared(window.prefix + key, window.seconds, cost, now)
            nearest = self._weigh(key, used, ends, window, now, nearest)
        return self._header(nearest, now)

    def _weigh(self, key: str, used: int, ends: float, window: Window, now: float,
               nearest: Nearest | None) -> Nearest:
        """The window nearest to empty so far; a spent client is refused until its window
        starts again."""
        remaining = window.amount - used
        if remaining <= 0:
            remaining = 0
            self.spent[key] = max(self.spent.get(key, 0.0), now + max(1, math.ceil(ends - now)))
        share = remaining / window.amount
        return (share, remaining, ends, window) if nearest is None or share < nearest[0] \
            else nearest

    @staticmethod
    def _header(nearest: Nearest | None, now: float) -> tuple[str, bytes]:
        """The RateLimit header of the window nearest to empty."""
        assert nearest is not None
        _, remaining, ends, window = nearest
        state = f'"{window.name}";r={remaining};t={max(1, math.ceil(ends - now))}'
        return state, state.encode()

    async def _shared(self, counter: str, seconds: int, cost: int,
                      now: float) -> tuple[int, float]:
        """Add `cost` in the shared storage (Redis); its count and when its window ends."""
        used = int(await self.storage.incr(counter, seconds, amount=cost))
        ends = self.resets.get(counter, 0.0)
        if ends <= now:  # a window this process has not seen yet: ask when it ends
            if len(self.resets) > 100_000:
                self.resets = {k: v for k, v in self.resets.items() if v > now}
            ends = self.resets[counter] = float(await self.storage.get_expiry(counter))
        return used, ends
