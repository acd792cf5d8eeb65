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


class GuardedH11Protocol(H11Protocol):
    read_timeout: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 4096
    max_client: ClassVar[int] = 64
    proxies: ClassVar[tuple[Network, ...]] = ()
    per_client: ClassVar[Counter[str]] = Counter()  # open connections by address

    @classmethod
    def configure(cls, settings: Settings) -> None:
        """Take the limits from the settings (each worker, before it serves)."""
        cls.read_timeout = settings.read_timeout_seconds
        cls.max_connections = settings.max_connections
        cls.max_client = settings.max_client_connections
        cls.proxies = parse_networks(settings.trusted_proxies)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._peer = self.client[0] if self.client else ""
        self.per_client[self._peer] += 1
        exempt = bool(self.proxies) and trusted(self._peer, self.proxies)
        if len(self.connections) > self.max_connections or (
                not exempt and self.per_client[self._peer] > self.max_client):
            transport.close()  # refused before a byte is read
            return
        self._arm()

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.read_timeout, self._expire)

    def _expire(self) -> None:
        """Close a connection that has not delivered its whole request by now (its line,
        headers or body); one whose request arrived is being answered and stays."""
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) \
                and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        self._arm()  # the next request is due within the deadline too
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
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
