"""Connection guards uvicorn's HTTP/1.1 protocol lacks: a deadline for each request to
arrive, and caps on open connections per worker and per client address.

uvicorn times out a connection that is idle after an answer (keep-alive), but not one
that never sends a byte, nor one that trickles its headers: 512 silent sockets took every
slot of `limit_concurrency` (which counts connections) and every later request was a 503,
for as long as the sockets stayed. Here a connection must deliver a whole request (line,
headers and body) within `read_timeout` of connecting or of its previous answer, else it
is closed; requests in flight are bounded by the front door (api/http/admission.py), not
by connections; and a worker keeps at most `max_connections` open, at most
`max_client` from one address (trusted proxies exempt), closing newcomers beyond that.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.http.clients import Network, parse_networks, trusted
from api.settings import Settings

SWEEP_SECONDS = 0.5  # how often deadlines are read


class GuardedH11Protocol(H11Protocol):
    read_timeout: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 4096
    max_client: ClassVar[int] = 64
    proxies: ClassVar[tuple[Network, ...]] = ()
    per_client: ClassVar[Counter[str]] = Counter()  # open connections by address
    sweeping: ClassVar[set[asyncio.AbstractEventLoop]] = set()  # loops with a sweeper

    @classmethod
    def configure(cls, settings: Settings) -> None:
        """Take the limits from the settings (each worker, before it serves)."""
        cls.read_timeout = settings.read_timeout_seconds
        cls.max_connections = settings.max_connections
        cls.max_client = settings.max_client_connections
        cls.proxies = parse_networks(settings.trusted_proxies)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # when its request must have arrived: a deadline a sweep reads twice a second,
        # rather than a timer set and cancelled for every request
        self.due = self.loop.time() + self.read_timeout
        self._peer = self.client[0] if self.client else ""
        self.per_client[self._peer] += 1
        exempt = bool(self.proxies) and trusted(self._peer, self.proxies)
        if len(self.connections) > self.max_connections or (
                not exempt and self.per_client[self._peer] > self.max_client):
            transport.close()  # refused before a byte is read
            return
        if self.loop not in self.sweeping:
            self.sweeping.add(self.loop)
            self.loop.call_later(SWEEP_SECONDS, self._sweep)

    def _sweep(self) -> None:
        """Close every connection past its deadline that has not delivered its whole
        request (its line, headers or body); one whose request arrived is being answered
        and stays. Then again in half a second, while connections are open."""
        now = self.loop.time()
        for conn in list(self.connections):
            if isinstance(conn, GuardedH11Protocol) and conn.due <= now \
                    and conn.conn.their_state in (h11.IDLE, h11.SEND_BODY) \
                    and not conn.transport.is_closing():
                conn.transport.close()
        if self.connections:
            self.loop.call_later(SWEEP_SECONDS, self._sweep)
        else:
            self.sweeping.discard(self.loop)

    def on_response_complete(self) -> None:
        self.due = self.loop.time() + self.read_timeout  # the next request's deadline
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        left = self.per_client[self._peer] - 1
        if left > 0:
            self.per_client[self._peer] = left
        else:
            del self.per_client[self._peer]
        super().connection_lost(exc)


def protocol_options() -> dict[str, Any]:
    """The uvicorn options that put the guards in place: this protocol, and no
    connection-counting `limit_concurrency` (requests are counted instead)."""
    return {"http": "api.http.connections:GuardedH11Protocol", "limit_concurrency": None}
