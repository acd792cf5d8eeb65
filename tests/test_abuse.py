"""Hostile requests, slow clients and bursts cannot take the service down (issue 10).

Each test is one of the failures seen on the public internet, turned into a check.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from seed.build import DEFAULT_DATA, load
from tests.conftest import make_app

NESTED = ("{ sources(first: 1000) { edges { node { scores { sources { source { scores { "
          "conflicts { source { scores { id } } } } } } } } } } }")


def serve(app: Any) -> Iterator[tuple[str, int]]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield sock.getsockname()
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def big_export_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('big') / 'big.sqlite'}"
    load(DEFAULT_DATA, url, synthetic=60_000)  # about 6 MB of CSV: more than socket buffers
    return url


def slow_reader(address: tuple[str, int], path: str) -> socket.socket:
    """A client that asks for a download, reads a little, then stops reading."""
    conn = socket.create_connection(address)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    conn.recv(2048)
    return conn


def get(address: tuple[str, int], path: str, timeout: float = 5.0) -> tuple[int, float]:
    started = time.perf_counter()
    with socket.create_connection(address, timeout=timeout) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        head = conn.recv(64)
    return int(head.split(b" ")[1]), time.perf_counter() - started


@pytest.mark.slow
def test_slow_downloaders_let_go_of_their_connections(big_export_url: str) -> None:
    # one client opens every download here: the per-client bound must not be what limits
    app = make_app(big_export_url, pool_size=4, stream_limit=3, stream_send_timeout=2.0,
                   rate_limit_concurrency=8)
    db = app.state.api.db
    for address in serve(app):
        readers = [slow_reader(address, "/v1/scores?format=csv") for _ in range(3)]
        time.sleep(0.5)
        assert db.engine.pool.checkedout() == 3  # each download holds its connection
        status, _ = get(address, "/v1/scores?format=csv")
        assert status == 503  # a fourth download is refused at once, not queued
        status, seconds = get(address, "/v1/rankings?year=2022")
        assert status == 200 and seconds < 2  # queries still get a connection
        status, seconds = get(address, "/health")
        assert status == 200 and seconds < 0.5
        for reader in readers[:2]:
            reader.close()  # two disconnect; the third just stops reading
        deadline = time.monotonic() + 6
        while db.engine.pool.checkedout() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert db.engine.pool.checkedout() == 0  # the stalled one dropped after 2 s
        assert app.state.api.streams.active == 0
        readers[2].close()
        status, seconds = get(address, "/v1/scores?format=csv&limit=1")
        assert status == 200


def test_pool_checkout_fails_fast_with_retry_after(sqlite_url: str) -> None:
    app = make_app(sqlite_url, pool_size=1, pool_timeout=0.3, cache_max_entries=0)
    held = app.state.api.db.engine.connect()  # the one connection, taken
    try:
        with TestClient(app) as client:
            started = time.perf_counter()
            response = client.get("/v1/metrics")
            assert response.status_code == 503 and time.perf_counter() - started < 1.5
            assert response.headers["retry-after"] == "2"
            assert response.headers["content-type"] == "application/problem+json"
            assert client.get("/health").status_code == 200  # no connection needed
            assert client.get("/health/ready").status_code == 503
    finally:
        held.close()
    with TestClient(app) as client:
        assert client.get("/v1/metrics").status_code == 200  # recovered by itself


def test_an_expensive_graphql_query_is_refused_before_it_runs(client: Any) -> None:
    started = time.perf_counter()
    response = client.post("/graphql", json={"query": NESTED})
    elapsed = time.perf_counter() - started
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "COST_LIMIT" and error["extensions"]["cost"] > 10**6
    assert elapsed < 0.1, elapsed
    aliased = "{ " + " ".join(f"a{i}: scores(first: 1000) {{ edges {{ node {{ id sources {{ "
                              f"sourceId }} }} }} }}" for i in range(12)) + " }"
    error = client.post("/graphql", json={"query": aliased}).json()["errors"][0]
    assert error["extensions"]["code"] == "COST_LIMIT"  # aliases multiply the cost


def test_graphql_execution_has_a_deadline(sqlite_url: str) -> None:
    app = make_app(sqlite_url, graphql_deadline_seconds=0.0, cache_max_entries=0)
    with TestClient(app) as client:
        body = client.post("/graphql", json={"query": "{ ranking(year: 2022) { entries { "
                                                      "edges { node { entity { code } } } } } }"})
    assert body.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"


HOSTILE = [
    ("/v1/scores?year=" + ",".join(["2020:2021"] * 1100), "year"),
    ("/v1/scores?limit=%D9%A3", "limit"),  # Arabic-Indic three
    ("/v1/scores?limit=%C2%B2", "limit"),  # superscript two
    ("/v1/entities?q=a%00b", "q"),
    ("/v1/scores?entity=" + ",".join(str(i) for i in range(60)), "entity"),
    ("/graphql?query=%7B%20dataset%20%7B%20version%20%7D%20%7D&variables="
     + "%5B" * 5000 + "%5D" * 5000, "variables"),
    ("/graphql?query=query%20A%20%7B%20dataset%20%7B%20version%20%7D%20%7D&operationName=B",
     "operationName"),
]


@pytest.mark.parametrize("url,parameter", HOSTILE, ids=[h[1] + str(i) for i, h in
                                                        enumerate(HOSTILE)])
def test_inputs_that_gave_500_are_400s(client: Any, url: str, parameter: str) -> None:
    response = client.get(url)
    assert response.status_code in (400, 413), response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    if response.status_code == 400:
        assert parameter in [e["parameter"] for e in response.json()["errors"]]
        assert "int()" not in response.text  # our message, not Python's


def test_deeply_nested_json_bodies_are_400s(client: Any) -> None:
    body = b'{"query": "{ dataset { version } }", "variables": ' + b"[" * 30000 + b"]" * 30000
    response = client.post("/graphql", content=body + b"}",
                           headers={"content-type": "application/json"})
    assert response.status_code in (400, 413)
    nested = '{"query": "{ dataset { version } }", "variables": {"a": ' + "[" * 40 + "]" * 40
    response = client.post("/graphql", content=nested + "}}",
                           headers={"content-type": "application/json"})
    assert response.status_code == 400 and "nested" in response.json()["detail"]


def test_sqlite_statements_have_a_deadline(sqlite_url: str) -> None:
    from sqlalchemy import text

    from api.errors import ApiError

    app = make_app(sqlite_url, statement_timeout_ms=100)
    slow = text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < 100000000) SELECT COUNT(*) FROM n")
    started = time.perf_counter()
    with pytest.raises(ApiError) as error, app.state.api.db.connect() as conn:
        conn.execute(slow).scalar()
    assert error.value.status == 504 and time.perf_counter() - started < 1.0
    with app.state.api.db.connect() as conn:  # the connection is usable again
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_logs_stay_in_proportion(sqlite_url: str, caplog: pytest.LogCaptureFixture,
                                 capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    caplog.set_level(logging.INFO)
    app = make_app(sqlite_url)  # its access lines go to (captured) standard output
    document = "{ " + " ".join(f"f{i}: nope{i}" for i in range(6000)) + " }"  # ~60 KB
    with TestClient(app) as client:
        client.post("/graphql", json={"query": document[:63_000] + " }"})
        client.get("/v1/scores?" + "x" * 60_000 + "=1")
    import sys

    sys.stdout.buffer.flush()
    lines = capsysbinary.readouterr().out.splitlines()
    logged = [r for r in caplog.records if r.name.startswith(("dti", "strawberry", "uvicorn"))]
    assert len(lines) == 2 and not logged  # one access line each; client errors unlogged
    assert sum(len(line) for line in lines) < 2_500, [len(line) for line in lines]


def test_cache_bytes_hold_with_long_keys(sqlite_url: str) -> None:
    """What the cache keeps in memory, measured (not its own count), stays near the limit."""
    import gc
    import tracemalloc

    limit = 200_000
    app = make_app(sqlite_url, cache_max_bytes=limit)
    tracemalloc.start()
    try:
        with TestClient(app) as client:
            for i in range(600):
                pad = "%20" * 6_000  # 18 KB of URL that parses to the same small query
                response = client.get(f"/graphql?query=%7B{pad}dataset%7Bversion%7D%7D%23{i}")
                assert response.status_code == 200
        entries, held = app.state.api.cache.stats
        gc.collect()
        full = tracemalloc.get_traced_memory()[0]
        app.state.api.cache.clear()
        gc.collect()
        freed = full - tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert entries > 100 and held <= limit
    assert freed <= limit * 1.5, freed  # 600 keys of 18 KB would be 10 MB


def test_a_burst_gets_429_with_headers_and_hits_cost_less(sqlite_url: str) -> None:
    app = make_app(sqlite_url, rate_limit="40/minute", rate_limit_delay=0.05)
    with TestClient(app) as client:
        first = client.get("/v1/metrics")  # computed: 4 units
        assert first.headers["ratelimit-policy"] == '"minute";q=40;w=60'
        assert first.headers["ratelimit"].startswith('"minute";r=36;')
        hit = client.get("/v1/metrics")  # from the cache: 1 unit
        assert hit.headers["ratelimit"].startswith('"minute";r=35;')
        codes = [client.get(f"/v1/metrics?limit={i}").status_code for i in range(1, 20)]
        assert codes.count(429) >= 10 and 200 in codes
        refused = client.get("/v1/metrics")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["access-control-allow-origin"] == "*"
        assert client.get("/health").status_code == 200  # exempt


def test_clients_are_told_apart_behind_trusted_proxies_only(sqlite_url: str) -> None:
    app = make_app(sqlite_url, rate_limit="8/minute", trusted_proxies="10.0.0.0/8")
    with TestClient(app, client=("10.1.2.3", 40000)) as client:
        for limit in (1, 2):  # two computed answers, 4 units each
            assert client.get(f"/v1/metrics?limit={limit}", headers={
                "X-Forwarded-For": "203.0.113.7"}).status_code == 200
        assert client.get("/v1/metrics?limit=3", headers={
            "X-Forwarded-For": "203.0.113.7"}).status_code == 429
        assert client.get("/v1/metrics?limit=4", headers={  # another client, its own budget
            "X-Forwarded-For": "198.51.100.1, 203.0.113.8"}).status_code == 200
    untrusted = make_app(sqlite_url, rate_limit="8/minute")
    with TestClient(untrusted, client=("10.1.2.3", 40000)) as client:
        codes = [client.get(f"/v1/metrics?limit={i + 1}", headers={
            "X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(4)]
        assert codes.count(429) >= 1  # a forged header buys nothing


def test_security_headers_and_only_the_docs_assets_needed(client: Any) -> None:
    for url in ("/v1/metrics", "/", "/docs", "/openapi.json"):
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    page = client.get("/", headers={"Accept": "text/html"})
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    for hidden in ("index.html", "oauth2-redirect.html", "swagger-ui-bundle.js.map",
                   "swagger-initializer.js"):
        assert client.get(f"/docs/assets/{hidden}").status_code == 404
