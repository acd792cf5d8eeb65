"""Work off the event loop: one client's a piece at a time, the process's bounded.

Answers are computed in worker threads, and the threads of one process share one GIL:
more threads computing at once give no more speed, but each one that wants the GIL
delays the event loop, which answers every cache hit. So every piece of work offloaded for
a request (a query and its rendering, a GraphQL execution, a download's next chunk) waits
here for two things: its client's turn (the front door sets `TURN` for the request's
task; `DTI_RATE_LIMIT_CONCURRENCY` pieces per client, 1 by default) and a worker thread of
the process's (`DTI_WORK_THREADS`, 40). A client's other requests (cache hits, a page
while its download runs) are not held up: the turn is taken per piece of work, not per
request. Measured by `bench/run --abuse` and recorded in the README's Performance section.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
from anyio.to_thread import run_sync

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Turn:
    client: asyncio.Semaphore | None  # None: no client budget applies (the probes)
    threads: anyio.CapacityLimiter


TURN: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("dti.turn", default=None)


async def offload(fn: Callable[..., T], *args: object, abandon_on_cancel: bool = False) -> T:
    """`fn(*args)` in a worker thread, once the request's client has its turn and the
    process a thread free (outside a request: anyio's default thread pool)."""
    turn = TURN.get()
    if turn is None:
        return await run_sync(fn, *args, abandon_on_cancel=abandon_on_cancel)
    async with turn.client or contextlib.nullcontext():
        return await run_sync(fn, *args, abandon_on_cancel=abandon_on_cancel,
                              limiter=turn.threads)
