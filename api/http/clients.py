"""Who is asking: the peer address, or X-Forwarded-For only when the peer is a trusted proxy.

The rate limiter budgets per client and the access log records it; both take it from
here. IPv6 clients are counted per /64 (one household or host), so rotating addresses
inside one allocation does not buy a new budget.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.1, 192.168.0.0/16, ::1` -> networks; a bad entry is a settings error."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in text.split(",") if part.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
             proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    """Whether an address (as text) is one of the trusted proxies."""
    return _trusted(_address(address), proxies)


def client_address(scope: Scope, proxies: tuple[Network, ...]) -> str:
    """The client's address as this service sees it after its trusted proxies."""
    peer_text = (scope.get("client") or ("unknown", 0))[0]
    forwarded = ""
    if proxies:
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded = (forwarded + "," if forwarded else "") + value.decode("latin-1")
    return _client(peer_text, forwarded[-1024:], proxies)


@functools.lru_cache(maxsize=4096)  # the same few peers and proxy chains, over and over
def _client(peer_text: str, forwarded: str, proxies: tuple[Network, ...]) -> str:
    peer = _address(peer_text)
    if proxies and _trusted(peer, proxies):
        hops = [h for h in forwarded.split(",")[-16:] if h.strip()]
        for hop in reversed(hops):  # the right-most address no trusted proxy added
            address = _address(hop)
            if address is None:
                break
            if not _trusted(address, proxies):
                return str(address)
            peer = address
    return str(peer) if peer is not None else peer_text


@functools.lru_cache(maxsize=4096)
def budget_key(address: str) -> str:
    """The rate-limit bucket of an address: itself for IPv4, its /64 for IPv6."""
    parsed = _address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address
