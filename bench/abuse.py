"""`bench/run --abuse`: a normal client's ranking requests, calm and under attack.

The server runs as production does (rate limits on, trusting loopback as its proxy so
each simulated client has its own address). The attack, all at once: a burst of
uncached requests from one client, slow downloaders that stop reading, expensive and
over-budget GraphQL queries, and connections that trickle one header line at a time.
The normal client asks 20 times a second on one connection, as a page or an app would;
the target: its p99 under attack within 3x its calm value.
"""

from __future__ import annotations

import contextlib
import json
import socket
import statistics
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from typing import Any

from bench import servers as sv
from bench.load import Measure, Request, drive

NORMAL = [Request("/v1/rankings?year=2022", client="198.51.100.10")]
BURST = [Request(f"/v1/scores?limit={n}&year=2022", client="203.0.113.1")
         for n in range(1, 400)]
OVER_BUDGET = ("{ sources(first: 1000) { edges { node { scores { sources { source { scores {"
               " conflicts { source { scores { id } } } } } } } } } } }")
HEAVY = ("{ scores(first: 1000) { edges { node { id value sources { sourceId url } entity { "
         "code name } } } } }")


def _slow_readers(address: tuple[str, int], count: int, stop: threading.Event) -> None:
    conns = []
    for n in range(count):
        try:
            conn = socket.create_connection(address, timeout=5)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            conn.sendall(f"GET /v1/scores?format=csv HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: "
                         f"203.0.114.{n}\r\n\r\n".encode())
            conns.append(conn)
        except OSError:
            break
    while not stop.is_set():
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.recv(512)  # a trickle
        stop.wait(2)
    for conn in conns:
        conn.close()


def _slowloris(address: tuple[str, int], count: int, stop: threading.Event) -> None:
    conns = []
    for _ in range(count):
        try:
            conn = socket.create_connection(address, timeout=5)
            conn.sendall(b"GET /v1 HTTP/1.1\r\nHost: x\r\n")
            conns.append(conn)
        except OSError:
            break
    while not stop.wait(2):
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.sendall(b"X-Trickle: 1\r\n")
    for conn in conns:
        conn.close()


def _graphql(base: str, query: str, client: str, stop: threading.Event,
             outcomes: dict[str, int]) -> None:
    parts = urllib.parse.urlparse(base)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
    body = json.dumps({"query": query})
    while not stop.is_set():
        try:
            conn.request("POST", "/graphql", body=body, headers={
                "Content-Type": "application/json", "X-Forwarded-For": client})
            response = conn.getresponse()
            response.read()
            key = str(response.status)
            outcomes[key] = outcomes.get(key, 0) + 1
        except OSError:
            conn.close()
            conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.close()


def paced(base: str, request: Request, per_second: float, seconds: float) -> Measure:
    """A normal client: one keep-alive connection, a request every 1/per_second s."""
    parts = urllib.parse.urlparse(base)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
    latencies, errors = [], 0
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = start + n / per_second
        time.sleep(max(0.0, due - time.monotonic()))
        n += 1
        began = time.perf_counter()
        conn.request("GET", request.path, headers={"X-Forwarded-For": request.client or ""})
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - began) * 1000)
        errors += response.status >= 400
    conn.close()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return Measure(len(latencies) / (time.monotonic() - start), q[49], q[98], len(latencies),
                   errors)


def run_abuse(server: sv.Server, seconds: float, use_wrk: bool) -> dict[str, Any]:
    base = server.base
    address = ("127.0.0.1", server.port)
    paced(base, NORMAL[0], 20, 1.0)  # warm
    calm = paced(base, NORMAL[0], 20, seconds)
    stop = threading.Event()
    outcomes: dict[str, int] = {}
    burst: list[Measure] = []
    attackers = [
        threading.Thread(target=_slow_readers, args=(address, 20, stop)),
        threading.Thread(target=_slowloris, args=(address, 200, stop)),
        threading.Thread(target=_graphql, args=(base, OVER_BUDGET, "203.0.113.2", stop,
                                                outcomes)),
        threading.Thread(target=_graphql, args=(base, HEAVY, "203.0.113.3", stop, outcomes)),
        threading.Thread(target=lambda: burst.append(drive(base, BURST, seconds + 2, 16,
                                                           use_wrk))),
    ]
    for thread in attackers:
        thread.start()
    time.sleep(1.0)
    attack = paced(base, NORMAL[0], 20, seconds)
    stop.set()
    for thread in attackers:
        thread.join(seconds + 30)
    return {"calm": calm, "attack": attack, "burst": burst[0] if burst else None,
            "graphql": outcomes, "ratio": attack.p99_ms / calm.p99_ms if calm.p99_ms else 0.0}


def render(result: dict[str, Any]) -> str:
    calm, attack, burst = result["calm"], result["attack"], result["burst"]
    lines = [f"{'abuse scenario':<44}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}",
             f"{'normal client (20 req/s), calm':<44}{calm.rps:>10.0f}{calm.p50_ms:>10.2f}"
             f"{calm.p99_ms:>10.2f}{calm.errors:>9}",
             f"{'normal client (20 req/s), under attack':<44}{attack.rps:>10.0f}"
             f"{attack.p50_ms:>10.2f}{attack.p99_ms:>10.2f}{attack.errors:>9}"]
    if burst is not None:
        lines.append(f"{'attacker burst (16 conn., uncached URLs)':<44}{burst.rps:>10.0f}"
                     f"{burst.p50_ms:>10.2f}{burst.p99_ms:>10.2f}{burst.errors:>9}")
    lines += [f"attacker GraphQL answers by status: {result['graphql']}",
              "attack also: 20 downloads that stop reading, 200 connections trickling "
              "one header line every 2 s",
              f"p99 under attack / calm: {result['ratio']:.2f} (goal <= 3)"]
    return "\n".join(lines)
