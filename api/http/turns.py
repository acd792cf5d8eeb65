"""Work off the event loop: one client's a piece at a time, in one of two lanes.

Answers are computed in worker threads, and the threads of one process share one GIL:
more threads computing at once give no more speed (uncached REST answers a second with 2,
3, 4, 8 and 40 threads: 1.25, 1.09, 1.00, 0.88, 0.86 times a plain handler's, side by
side), and each one that wants the GIL delays the event loop, which answers every cache
hit. Few threads, though, queue a short answer behind long ones: with four clients
sending heavy GraphQL, another client's uncached answer waited 325 ms p50 with 2 threads.

So every piece of work offloaded for a request (a query and its rendering, a GraphQL
execution, a download's next chunk) waits here for two things: its client's turn (the
front door sets `TURN` for the request's task; `DTI_RATE_LIMIT_CONCURRENCY` pieces per
client, 1 by default) and a thread of one of two lanes, half of `DTI_WORK_THREADS` each.
A client that has kept worker threads busy lately (more than `BUSY_SECONDS` of work,
decaying by half every `HALF_LIFE` seconds) works in the busy lane; every other client in
the quick lane, so a client asking now and then is never queued behind a heavy one, and a
heavy one takes at most its lane's threads. A client's other requests (cache hits, a page
while its download runs) are not held up: the turn is taken per piece of work, not per
request. Measured by `bench/run --abuse` and recorded in the README's Performance section.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio
from anyio.to_thread import run_sync

T = TypeVar("T")
BUSY_SECONDS, HALF_LIFE = 0.5, 5.0


@dataclass(frozen=True)
class Lanes:
    """The process's worker threads, in two lanes (quick, busy)."""

    quick: anyio.CapacityLimiter
    busy: anyio.CapacityLimiter

    @classmethod
    def of(cls, threads: int) -> Lanes:
        each = max(threads // 2, 1)
        return cls(anyio.CapacityLimiter(each), anyio.CapacityLimiter(each))


@dataclass(slots=True)
class Turn:
    client: asyncio.Semaphore | None  # None: no client budget applies (the probes)
    lanes: Lanes
    work: float = 0.0  # seconds of work lately (decayed), as of `when`
    when: float = field(default_factory=time.monotonic)

    def recent(self, now: float) -> float:
        """Seconds of work lately: each second's counts half as much HALF_LIFE later."""
        return self.work * math.exp2((self.when - now) / HALF_LIFE)

    def lane(self) -> anyio.CapacityLimiter:
        busy = self.recent(time.monotonic()) > BUSY_SECONDS
        return self.lanes.busy if busy else self.lanes.quick

    def worked(self, seconds: float) -> None:
        now = time.monotonic()
        self.work, self.when = self.recent(now) + seconds, now


TURN: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("dti.turn", default=None)


async def offload(fn: Callable[..., T], *args: object, abandon_on_cancel: bool = False) -> T:
    """`fn(*args)` in a worker thread, once the request's client has its turn and its lane
    a thread free (outside a request: anyio's default thread pool)."""
    turn = TURN.get()
    if turn is None:
        return await run_sync(fn, *args, abandon_on_cancel=abandon_on_cancel)
    async with turn.client or contextlib.nullcontext():
        lane = turn.lane()
        started = time.perf_counter()
        try:
            return await run_sync(fn, *args, abandon_on_cancel=abandon_on_cancel,
                                  limiter=lane)
        finally:
            turn.worked(time.perf_counter() - started)
