"""`bench/run --abuse`: a normal client's ranking requests, calm and under attack.

The server runs as production does (rate limits on, trusting loopback as its proxy so
each simulated client has its own address). The attack, all at once: a burst of
uncached requests from one client, slow downloaders that stop reading, expensive and
over-budget GraphQL queries, a GraphQL fragment chain whose naive pricing doubles per
fragment, a flood of made-up methods, duplicate negotiating headers trying to poison the
cache for the normal client's URL, 600 silent connections (kept open, reopened when
closed) and connections that trickle one header line at a time. The normal client asks
20 times a second on one connection, as a page or an app would; the targets: its p99
under attack within 3x its calm value, and every answer it gets byte for byte its calm
answer (no poisoning).
"""

from __future__ import annotations

import contextlib
import hashlib
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


def fragment_chain(links: int = 20, width: int = 40) -> str:
    """F0 is `width` x __typename; Fi spreads F(i-1) twice: priced naively, 2**links."""
    parts = ["fragment F0 on Query { " + " ".join(["__typename"] * width) + " }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} __typename }}"
              for i in range(1, links)]
    return f"query {{ ...F{links - 1} }} " + " ".join(parts)


def _method_flood(address: tuple[str, int], stop: threading.Event,
                  outcomes: dict[str, int]) -> None:
    """Made-up methods, one after another on fresh connections, never twice the same."""
    n = 0
    while not stop.is_set():
        n += 1
        try:
            with socket.create_connection(address, timeout=5) as conn:
                conn.sendall(f"M{n:06d}XYZ /health HTTP/1.1\r\nHost: x\r\nConnection: "
                             f"close\r\n\r\n".encode())
                status = conn.recv(64).split(b" ")[1].decode()
                outcomes[status] = outcomes.get(status, 0) + 1
        except (OSError, IndexError):
            outcomes["error"] = outcomes.get("error", 0) + 1


def _poison(base: str, path: str, stop: threading.Event) -> None:
    """The normal client's URL with duplicate negotiating headers, again and again."""
    parts = urllib.parse.urlparse(base)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
    variants = [[("Accept-Language", "en"), ("Accept-Language", "vi")],
                [("Accept", "text/csv"), ("Accept", "application/json")],
                [("Accept", "application/x-ndjson"), ("Accept", "application/json")]]
    n = 0
    while not stop.is_set():
        n += 1
        try:
            conn.putrequest("GET", path)
            for name, value in [*variants[n % 3], ("X-Forwarded-For", "203.0.113.5")]:
                conn.putheader(name, value)
            conn.endheaders()
            conn.getresponse().read()
        except OSError:
            conn.close()
            conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
        stop.wait(0.05)
    conn.close()


def _silent(address: tuple[str, int], count: int, stop: threading.Event) -> None:
    """`count` connections from ten addresses that never send a byte; reopened when the
    server closes them, so the crowd stays for the whole attack."""
    conns: list[socket.socket] = []
    while not stop.is_set():
        conns = [c for c in conns if c.fileno() != -1]
        alive = []
        for conn in conns:
            conn.setblocking(False)
            try:
                if conn.recv(1) == b"":
                    conn.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                conn.close()
                continue
            alive.append(conn)
        conns = alive
        while len(conns) < count and not stop.is_set():
            try:
                conn = socket.socket()
                conn.bind((f"127.0.0.{2 + len(conns) % 10}", 0))
                conn.connect(address)
                conns.append(conn)
            except OSError:
                break
        stop.wait(0.5)
    for conn in conns:
        conn.close()


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
    bodies: dict[str, int] = {}
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = start + n / per_second
        time.sleep(max(0.0, due - time.monotonic()))
        n += 1
        began = time.perf_counter()
        conn.request("GET", request.path, headers={"X-Forwarded-For": request.client or ""})
        response = conn.getresponse()
        body = response.read()
        latencies.append((time.perf_counter() - began) * 1000)
        errors += response.status >= 400
        digest = hashlib.sha256(body).hexdigest()
        bodies[digest] = bodies.get(digest, 0) + 1
    conn.close()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    PACED_BODIES[request.path] = bodies
    return Measure(len(latencies) / (time.monotonic() - start), q[49], q[98], len(latencies),
                   errors)


PACED_BODIES: dict[str, dict[str, int]] = {}  # the last paced run's answers, by digest


def run_abuse(server: sv.Server, seconds: float, use_wrk: bool) -> dict[str, Any]:
    base = server.base
    address = ("127.0.0.1", server.port)
    path = NORMAL[0].path
    paced(base, NORMAL[0], 20, 1.0)  # warm
    calm = paced(base, NORMAL[0], 20, seconds)
    calm_bodies = dict(PACED_BODIES[path])
    stop = threading.Event()
    outcomes: dict[str, int] = {}
    chain: dict[str, int] = {}
    methods: dict[str, int] = {}
    burst: list[Measure] = []
    attackers = [
        threading.Thread(target=_slow_readers, args=(address, 20, stop)),
        threading.Thread(target=_slowloris, args=(address, 200, stop)),
        threading.Thread(target=_silent, args=(address, 600, stop)),
        threading.Thread(target=_method_flood, args=(address, stop, methods)),
        threading.Thread(target=_poison, args=(base, path, stop)),
        threading.Thread(target=_graphql, args=(base, OVER_BUDGET, "203.0.113.2", stop,
                                                outcomes)),
        threading.Thread(target=_graphql, args=(base, HEAVY, "203.0.113.3", stop, outcomes)),
        threading.Thread(target=_graphql, args=(base, fragment_chain(), "203.0.113.4", stop,
                                                chain)),
        threading.Thread(target=lambda: burst.append(drive(base, BURST, seconds + 2, 16,
                                                           use_wrk))),
    ]
    for thread in attackers:
        thread.start()
    time.sleep(1.0)
    attack = paced(base, NORMAL[0], 20, seconds)
    attack_bodies = PACED_BODIES[path]
    stop.set()
    for thread in attackers:
        thread.join(seconds + 30)
    poisoned = sum(n for digest, n in attack_bodies.items() if digest not in calm_bodies)
    return {"calm": calm, "attack": attack, "burst": burst[0] if burst else None,
            "graphql": outcomes, "chain": chain, "methods": methods, "poisoned": poisoned,
            "calm_answers": len(calm_bodies),
            "ratio": attack.p99_ms / calm.p99_ms if calm.p99_ms else 0.0}


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
              f"fragment chain (2**20 if walked naively) answers by status: {result['chain']}",
              f"made-up methods answers by status: {result['methods']}",
              f"normal client's answers not equal to its calm answer (poisoned): "
              f"{result['poisoned']} (calm: {result['calm_answers']} distinct)",
              "attack also: 20 downloads that stop reading, 200 connections trickling "
              "one header line every 2 s, 600 silent connections, duplicate Accept and "
              "Accept-Language on the normal client's URL",
              f"p99 under attack / calm: {result['ratio']:.2f} (goal <= 3)"]
    return "\n".join(lines)
