"""Work off the event loop, one client's at a time.

Answers are computed in worker threads, and threads of one process share one GIL: two
threads computing for one client give it no more speed than one, but every extra thread
that wants the GIL delays the event loop, which answers every other client's cache hits.
So the front door gives each client one turn at the worker threads (`TURN`, set for the
request's task), and every piece of work offloaded for a request (a query, a render, a
GraphQL execution, a download's next chunk) waits for its client's turn here. A client's
other requests (cache hits, a page while its download runs) are not held up: the turn is
taken per piece of work, not per request. Measured by `bench/run --abuse`: a client that
fires 16 uncached requests at once made a calm client's p99 5.7x its calm value with two
threads per client; 1.3x with one (and the GIL switch interval of api/app.py).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import TypeVar

from anyio.to_thread import run_sync

T = TypeVar("T")

TURN: contextvars.ContextVar[asyncio.Semaphore | None] = contextvars.ContextVar(
    "dti.turn", default=None)  # None: no client budget applies (probes, tests, builds)


async def offload(fn: Callable[..., T], *args: object, abandon_on_cancel: bool = False) -> T:
    """`fn(*args)` in a worker thread, once the request's client has its turn."""
    turn = TURN.get()
    if turn is None:
        return await run_sync(fn, *args, abandon_on_cancel=abandon_on_cancel)
    async with turn:
        return await run_sync(fn, *args, abandon_on_cancel=abandon_on_cancel)
