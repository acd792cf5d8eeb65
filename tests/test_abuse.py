"""Hostile requests, slow clients and bursts cannot take the service down (issue 10).

Each test is one of the failures seen on the public internet, turned into a check.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
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
                   rate_limit_concurrency=8, stream_client_limit=3)
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


# --- Second round (issue 18): small requests that could stall, poison or flood ---------


def test_made_up_methods_are_refused_and_never_become_labels(sqlite_url: str) -> None:
    """2. 300 invented methods (64 characters each) on /health: each a 405 before any
    route runs, none a metric label or a long log field, /metrics the same size after."""
    from prometheus_client.parser import text_string_to_metric_families

    app = make_app(sqlite_url)
    with TestClient(app) as client:
        client.get("/health")
        client.get("/metrics")
        before = len(client.get("/metrics").text)
        for i in range(300):
            response = client.request(f"X{i:03d}" + "M" * 60, "/health")
            assert response.status_code == 405
            assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}
            assert response.headers["content-type"] == "application/problem+json"
        exposition = client.get("/metrics").text
    methods = {s.labels["method"] for f in text_string_to_metric_families(exposition)
               for s in f.samples if "method" in s.labels}
    assert methods <= {"GET", "HEAD", "POST", "other"}, sorted(methods)[:5]
    assert len(exposition) < before + 2_000  # one `other` series, not 300


def test_a_path_longer_than_any_route_is_refused(client: Any) -> None:
    response = client.get("/v1/" + "a" * 3000)
    assert response.status_code == 414
    assert response.headers["content-type"] == "application/problem+json"


POISONINGS = [  # (url, the attacker's headers, a victim's headers)
    ("/v1/rankings?year=2021&limit=1", [("Accept-Language", "en"), ("Accept-Language", "vi")],
     [("Accept-Language", "vi")]),
    ("/v1/rankings?year=2021&limit=1", [("Accept-Language", "vi"), ("Accept-Language", "en")],
     []),
    ("/", [("Accept", "text/html"), ("Accept", "application/json")],
     [("Accept", "application/json")]),
    ("/v1/charts/coverage", [("Accept", "image/png"), ("Accept", "image/svg+xml")],
     [("Accept", "image/svg+xml")]),
    ("/v1/charts/coverage", [("Accept", "application/vnd.vegalite+json"),
                             ("Accept", "image/*")], [("Accept", "image/*")]),
    ("/v1/metrics", [("Accept", "application/json"), ("Accept", "application/x-ndjson")],
     [("Accept", "application/x-ndjson")]),
]


@pytest.mark.parametrize(("url", "attack", "victim"), POISONINGS,
                         ids=["lang-en-vi", "lang-vi-en", "html-json", "png-svg", "vl-img",
                              "json-ndjson"])
def test_duplicate_negotiating_headers_cannot_poison_the_cache(
        sqlite_url: str, url: str, attack: list[tuple[str, str]],
        victim: list[tuple[str, str]]) -> None:
    """3. Whatever an attacker sends first, the victim gets the answer it would get alone
    (a fresh app, no cache, is the reference)."""
    reference_app = make_app(sqlite_url, cache_max_entries=0, cursor_secret="same")
    with TestClient(reference_app) as reference:
        expected = reference.get(url, headers=victim)
    with TestClient(make_app(sqlite_url, cursor_secret="same")) as client:
        client.get(url, headers=attack)
        got = client.get(url, headers=victim)
    assert got.status_code == expected.status_code == 200
    assert got.headers["content-type"] == expected.headers["content-type"]
    assert got.content == expected.content


def test_cached_answers_expire(sqlite_url: str) -> None:
    """3. The in-process cache keeps an answer no longer than max-age."""
    app = make_app(sqlite_url, cache_max_age=1)
    with TestClient(app) as client:
        assert client.get("/v1/metrics").status_code == 200
        assert app.state.api.cache.stats[0] == 1
        time.sleep(1.2)
        assert client.get("/v1/metrics?limit=2").status_code == 200
        assert app.state.api.cache.stats[0] == 1  # the first answer is gone


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`dti-api serve` itself (the production server and its connection guards)."""
    import os
    import subprocess
    import sys
    import urllib.request

    folder = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{folder / 'dti.sqlite'}"
    load(DEFAULT_DATA, url)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DTI_")},
           "DTI_DATABASE_URL": url, "DTI_ACCESS_LOG": "false", "DTI_READ_TIMEOUT_SECONDS": "2",
           "DTI_RELEASE_DIR": str(folder / "releases")}
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(20)
    log.close()


def _closed(sockets: list[socket.socket]) -> int:
    count = 0
    for sock in sockets:
        sock.settimeout(0.01)
        try:
            count += sock.recv(1) == b""
        except TimeoutError:
            pass
        except OSError:
            count += 1
    return count


@pytest.mark.slow
def test_silent_sockets_take_no_slot_and_are_closed(served: str) -> None:
    """5. 600 connections that never send a byte (from ten addresses) and a client
    trickling its headers: a normal client is still answered within a second, and every
    one of them is closed once DTI_READ_TIMEOUT_SECONDS (2 here) has passed."""
    import urllib.request

    port = int(served.rsplit(":", 1)[1])
    silent = []
    for i in range(600):
        sock = socket.socket()
        sock.bind((f"127.0.0.{2 + i % 10}", 0))
        sock.connect(("127.0.0.1", port))
        silent.append(sock)
    trickler = socket.create_connection(("127.0.0.1", port))
    trickler.sendall(b"GET /v1/metrics HTTP/1.1\r\n")
    time.sleep(0.3)
    for _ in range(3):
        started = time.perf_counter()
        with urllib.request.urlopen(served + "/v1/rankings?year=2022&limit=1", timeout=5) as r:
            assert r.status == 200
        assert time.perf_counter() - started < 1.0
    for _ in range(4):  # one header line a second: still not a whole request at 2 s
        time.sleep(0.8)
        try:
            trickler.sendall(b"X-Slow: 1\r\n")
        except OSError:
            break
    assert _closed([trickler]) == 1
    assert _closed(silent) == 600
    for sock in [*silent, trickler]:
        sock.close()


@pytest.mark.slow
def test_one_address_cannot_hold_every_connection(served: str) -> None:
    """5. Beyond DTI_MAX_CLIENT_CONNECTIONS (64) from one address, newcomers are closed."""
    port = int(served.rsplit(":", 1)[1])
    held = []
    for _ in range(70):
        sock = socket.socket()
        sock.bind(("127.0.0.42", 0))
        sock.connect(("127.0.0.1", port))
        held.append(sock)
    time.sleep(0.3)
    assert _closed(held) == 6
    for sock in held:
        sock.close()


FORGED = [{"x": 1}, [1, 2], 2**70, True, "x" * 5000]


@pytest.mark.parametrize("path", ["/v1/scores", "/v1/entities", "/v1/sources",
                                  "/v1/statistics", "/v1/rankings?year=2022"])
def test_forged_cursors_are_400s(sqlite_url: str, path: str) -> None:
    """6. A cursor signed with the key (as if it leaked) but holding a dict, a list, 2**70,
    true or a long text is a 400, never a 500; the old public default key signs nothing."""
    from api.services.paging import CursorCodec

    app = make_app(sqlite_url, cursor_secret="leaked")
    state = app.state.api
    with TestClient(app) as client:
        first = client.get(path + ("&" if "?" in path else "?") + "limit=1").json()
        real = first["links"]["next"].split("cursor=")[1]
        assert client.get(first["links"]["next"]).status_code == 200
        from urllib.parse import unquote
        body = unquote(real).split(".")[0]
        import base64
        import json as jsonlib
        digest, key, version = jsonlib.loads(base64.urlsafe_b64decode(body + "=" * 4))
        for bad in FORGED:
            for codec in (state.codec.for_version(version),
                          CursorCodec("dti-open-data-cursor", version)):
                payload = jsonlib.dumps([digest, [bad] * len(key), version],
                                        separators=(",", ":")).encode()
                token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
                token += "." + codec._sign(payload)
                url = path + ("&" if "?" in path else "?") + f"limit=1&cursor={token}"
                response = client.get(url)
                assert response.status_code == 400, (bad, response.text[:200])
                assert response.headers["content-type"] == "application/problem+json"


def test_huge_numbers_are_400s_not_500s(client: Any) -> None:
    """6. Digits beyond any bound are refused before they are converted."""
    assert client.get("/v1/scores?limit=" + "9" * 4301).status_code == 400
    assert client.get("/v1/scores?year=" + "9" * 4301).status_code == 400


def test_a_range_of_4301_nines_is_a_400(cached_app: Any) -> None:
    """6. Range goes through the one bounded integer parser; bytes=-0 is a 416 problem."""
    with TestClient(cached_app) as client:
        deadline = time.monotonic() + 60
        while (listing := client.get("/v1/releases")).status_code != 200 \
                and time.monotonic() < deadline:
            time.sleep(0.2)  # built in the background at start-up
        url = f"/v1/releases/{listing.json()['meta']['latest']}/datapackage.json"
        huge = client.get(url, headers={"Range": "bytes=" + "9" * 4301 + "-"})
        assert huge.status_code == 400, huge.text[:200]
        assert huge.headers["content-type"] == "application/problem+json"
        empty = client.get(url, headers={"Range": "bytes=-0"})
        assert empty.status_code == 416
        assert empty.headers["content-type"] == "application/problem+json"


def test_server_errors_are_charged_and_logged_once(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """6. A request that breaks something costs its sender like any answer, and 20 of
    them write one traceback, not 20."""
    from api.services import catalog

    def broken(*_: Any) -> Any:
        raise RuntimeError("boom")

    caplog.set_level(logging.ERROR)
    app = make_app(sqlite_url, rate_limit="1000/minute", cache_max_entries=0)
    monkeypatch.setattr(catalog, "paginate", broken)  # under list_metrics
    with TestClient(app, raise_server_exceptions=False) as client:
        answers = [client.get(f"/v1/metrics?limit={i + 1}") for i in range(20)]
    assert {a.status_code for a in answers} == {500}
    remaining = [int(a.headers["ratelimit"].split("r=")[1].split(";")[0]) for a in answers]
    assert remaining[0] < 1000 and remaining == sorted(remaining, reverse=True)
    assert len(set(remaining)) == 20  # each one charged
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "dti.api"]
    assert len(errors) == 1 and "boom" not in answers[0].text


def test_a_png_is_kept_without_a_gzip_copy_and_big_answers_are_not_kept(
        sqlite_url: str) -> None:
    """8. PNG is compressed already: no second copy; an answer over the per-entry cap is
    answered, not kept, so a few big charts cannot evict everything else."""
    app = make_app(sqlite_url, cache_max_entry_bytes=50_000)
    with TestClient(app) as client:
        png = client.get("/v1/charts/coverage?format=png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        kept = [r for r in app.state.api.cache._cache.values()]
        assert all(r.gzipped is None for r in kept
                   if any(v == b"image/png" for _, v in r.plain_headers))
        big = client.get("/v1/charts/ranking?year=2022&format=png&scale=3")
        assert big.status_code == 200 and len(big.content) > 50_000
        assert all(len(r.body) <= 50_000 for r in app.state.api.cache._cache.values())


def test_downloads_are_bounded_per_client(big_export_url: str) -> None:
    """8. Two addresses cannot hold every download slot: each has at most its share."""
    from api.errors import ApiError
    from api.http.streams import Streams

    streams = Streams(4, 5.0, per_client=2)
    streams.acquire("a")
    streams.acquire("a")
    with pytest.raises(ApiError) as error:
        streams.acquire("a")
    assert error.value.status == 503
    streams.acquire("b")
    streams.release("a")
    streams.acquire("a")
    assert streams.active == 3 and streams.clients == {"a": 2, "b": 1}


def test_one_clients_work_runs_one_piece_at_a_time(sqlite_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A client firing many uncached requests at once gets one worker thread at a time
    (two would not compute faster under the GIL, but delay the event loop that answers
    everyone else); having kept a thread busy, it works in the busy lane and another
    client's work runs beside it in the quick lane, the first client's cache hits are
    answered while its own work is under way, and new clients share the quick lane's
    threads (half of `work_threads`) whoever asks."""
    from api.http import turns

    lock = threading.Lock()
    running, peak = [0], [0]
    real = turns.run_sync

    async def watched(fn: Any, *args: Any, **options: Any) -> Any:
        def work(*inner: Any) -> Any:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            try:
                time.sleep(0.15)  # long enough for the others to be waiting meanwhile
                return fn(*inner)
            finally:
                with lock:
                    running[0] -= 1
        return await real(work, *args, **options)

    monkeypatch.setattr(turns, "run_sync", watched)
    app = make_app(sqlite_url, rate_limit="100000/minute", trusted_proxies="127.0.0.1",
                   work_threads=4)
    address = next(serve_iter := serve(app))

    def fetch(path: str, client: str) -> tuple[int, float]:
        started = time.perf_counter()
        with socket.create_connection(address, timeout=20) as conn:
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client}\r\n"
                         "Connection: close\r\n\r\n".encode())
            head = conn.recv(64)
        return int(head.split(b" ")[1]), time.perf_counter() - started

    asked = itertools.count(1)  # every burst's URLs new: uncached

    def burst(clients: list[str]) -> list[tuple[int, float]]:
        out: list[tuple[int, float]] = []
        asks = [(f"/v1/metrics?limit={next(asked)}", client) for client in clients]
        threads = [threading.Thread(target=lambda a=a: out.append(fetch(*a))) for a in asks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return out

    try:
        assert fetch("/v1/entities?limit=1", "203.0.113.9")[0] == 200  # cached from now on
        peak[0] = 0
        alone = burst(["203.0.113.9"] * 6)
        assert [code for code, _ in alone] == [200] * 6
        assert peak[0] == 1, peak  # six requests in flight, one piece of work at a time
        budget = app.user_middleware[0].kwargs["budget"]
        turn = next(t for k, t in budget.slots.items() if "203.0.113.9" in k)
        assert turn.lane() is budget.lanes.busy  # 0.9 s of work: the busy lane
        peak[0] = 0
        results: list[tuple[int, float]] = []
        waiting = threading.Thread(target=lambda: results.extend(burst(["203.0.113.9"] * 4)))
        waiting.start()
        time.sleep(0.05)
        code, took = fetch("/v1/entities?limit=1", "203.0.113.9")  # a hit, same client
        assert code == 200 and took < 0.15, took  # not queued behind its own work
        assert fetch("/v1/metrics?limit=99", "198.51.100.9")[0] == 200  # another client
        waiting.join(30)
        assert peak[0] == 2, peak  # the other client's work ran beside the first's
        peak[0] = 0
        crowd = burst(["192.0.2.1", "192.0.2.2", "192.0.2.3"] * 2)
        assert [code for code, _ in crowd] == [200] * 6
        assert peak[0] == 2, peak  # three new clients, the quick lane's two threads
    finally:
        with contextlib.suppress(StopIteration):
            next(serve_iter)


def test_readiness_is_cached_and_rate_limited(sqlite_url: str) -> None:
    """8. 50 probes make at most a couple of database round trips, and cost budget."""
    app = make_app(sqlite_url, rate_limit="100/minute")
    db = app.state.api.db
    calls = []
    check = db.check
    db.check = lambda: calls.append(1) or check()  # type: ignore[method-assign]
    with TestClient(app) as client:
        answers = [client.get("/health/ready") for _ in range(50)]
    assert {a.status_code for a in answers} <= {200, 429}
    assert len(calls) <= 2 and "ratelimit" in answers[0].headers


def test_json_answers_have_an_upper_size(sqlite_url: str) -> None:
    """8. An answer over the bound is a 413 asking for paging or the bulk download."""
    app = make_app(sqlite_url, max_response_bytes=20_000)
    with TestClient(app) as client:
        response = client.get("/v1/sources?limit=1000")
        assert response.status_code == 413
        assert "limit=" in response.json()["detail"]
        assert client.get("/v1/sources?limit=2").status_code == 200
        assert client.get("/v1/sources?format=csv").status_code == 200  # downloads stream


def test_a_body_means_what_its_content_type_says(client: Any) -> None:
    """8. The same POST body as a GraphQL document and as JSON are two requests."""
    document = "{ dataset { version } }"
    as_graphql = client.post("/graphql", content=document,
                             headers={"Content-Type": "application/graphql"})
    assert as_graphql.status_code == 200
    as_json = client.post("/graphql", content=document,
                          headers={"Content-Type": "application/json"})
    assert as_json.status_code == 400


def test_redirects_never_name_the_host_a_client_sent(client: Any) -> None:
    response = client.get("/v1/rankings/?year=2022", headers={"Host": "evil.example"},
                          follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"] == "/v1/rankings?year=2022"


def test_text_access_lines_cannot_be_forged(sqlite_url: str,
                                            capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    import sys

    app = make_app(sqlite_url, log_format="text")
    with TestClient(app) as client:
        client.get("/v1/x%0a127.0.0.1%20GET%20/admin%20200")
    sys.stdout.buffer.flush()
    lines = [line for line in capsysbinary.readouterr().out.splitlines() if line]
    assert len(lines) == 1 and b"\n" not in lines[0]


def test_a_search_of_marks_alone_matches_nothing_silently(client: Any) -> None:
    response = client.get("/v1/entities?q=%CC%81%CC%81")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "q"


# --- GraphQL (issue 18): pricing, deadlines, logs and HEAD --------------------------------
# Each test below failed on the code before issue 18's GraphQL work; the report of that
# change gives the figures before and after.


ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import socket, sys, uvicorn
from api.app import create_app
from api.settings import Settings
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
app = create_app(Settings(database_url=sys.argv[1], rate_limit="", graphql_deadline_seconds=2.0,
                          cache_max_entries=0, chart_renders=1))
uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                              timeout_graceful_shutdown=10)).run(sockets=[sock])
"""


def fragment_chain(k: int) -> str:
    """The issue's document: F0 is 40 __typename; each Fi spreads F(i-1) twice."""
    parts = ["fragment F0 on Query { " + " ".join(["__typename"] * 40) + " }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} __typename }}"
              for i in range(1, k)]
    return f"query {{ ...F{k - 1} }} " + " ".join(parts)


def spawn(sqlite_url: str) -> tuple[subprocess.Popen[bytes], tuple[str, int]]:
    """The app under uvicorn in a process of its own (one this test may kill)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DTI_")}
    process = subprocess.Popen([sys.executable, "-c", CHILD, sqlite_url], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE)
    assert process.stdout is not None
    address = ("127.0.0.1", int(process.stdout.readline()))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(address, timeout=1).close()
            return process, address
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


def post(address: tuple[str, int], document: str, wait: bool = True,
         timeout: float = 5.0) -> socket.socket | dict[str, Any]:
    body = json.dumps({"query": document}).encode()
    conn = socket.create_connection(address, timeout=timeout)
    conn.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Connection: close\r\nContent-Length: " + str(len(body)).encode()
                 + b"\r\n\r\n" + body)
    if not wait:
        return conn
    with conn:
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return dict(json.loads(answer.split(b"\r\n\r\n", 1)[1]))


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


def test_a_fragment_chain_is_refused_at_once_and_ties_up_no_thread(sqlite_url: str) -> None:
    """1.4 KB took hours of CPU to price; 40 of them held every worker thread."""
    process, address = spawn(sqlite_url)
    try:
        started = time.perf_counter()
        answer = post(address, fragment_chain(20))
        assert isinstance(answer, dict)
        assert answer["errors"][0]["extensions"]["code"] == "COST_LIMIT"
        assert time.perf_counter() - started < 1.0
        attackers = [post(address, fragment_chain(22), wait=False) for _ in range(40)]
        time.sleep(0.5)
        status, seconds = get(address, "/v1/rankings?year=2021&limit=3")
        assert status == 200 and seconds < 2.0, seconds
        for conn in attackers:
            assert isinstance(conn, socket.socket)
            conn.close()
    finally:
        stop(process)


def test_sigterm_does_not_wait_for_graphql_work(sqlite_url: str) -> None:
    process, address = spawn(sqlite_url)
    try:
        held = [post(address, fragment_chain(24), wait=False) for _ in range(4)]
        time.sleep(0.5)
        started = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(15)
        assert process.poll() is not None, "still running 15 s after SIGTERM"
        assert time.perf_counter() - started < 8  # the 2 s deadline, not the work, bounds it
        for conn in held:
            assert isinstance(conn, socket.socket)
            conn.close()
    finally:
        stop(process)


def test_graphql_work_stops_when_its_client_goes_away(sqlite_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from api.services import catalog

    calls: list[str] = []
    real = catalog.get_entity

    def slow(ctx: Any, code: str) -> Any:
        calls.append(code)
        time.sleep(0.1)
        return real(ctx, code)

    monkeypatch.setattr(catalog, "get_entity", slow)
    app = make_app(sqlite_url, cache_max_entries=0)
    document = "{ " + " ".join(f'e{i}: entity(code: "{i + 1:02d}") {{ code }}'
                               for i in range(12)) + " }"  # 12 calls, 1.2 s in all
    for address in serve(app):
        conn = post(address, document, wait=False)
        assert isinstance(conn, socket.socket)
        time.sleep(0.3)
        conn.close()  # the client gives up
        time.sleep(1.5)
    assert len(calls) <= 6, calls  # stopped at the next check, not after all 12


def test_the_deadline_covers_parsing_validation_and_pricing(sqlite_url: str) -> None:
    """`{ dataset { version } }` calls no service: only a deadline checked before
    execution stops it (deadline 0 s: any check is past it)."""
    app = make_app(sqlite_url, graphql_deadline_seconds=0.0, cache_max_entries=0)
    with TestClient(app) as client:
        body = client.post("/graphql", json={"query": "{ dataset { version } }"}).json()
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT" and body["data"] is None


def test_a_variable_default_is_priced_like_the_literal(client: Any) -> None:
    shape = ("{ edges { node { id value sources { sourceId url publisher source { title } } "
             "entity { series { year value rank sources { id } } } } } }")
    literal = client.post("/graphql", json={"query": f"{{ scores(first: 1000) {shape} }}"})
    default = client.post("/graphql", json={
        "query": f"query($f: Int = 1000) {{ scores(first: $f) {shape} }}"})
    given = client.post("/graphql", json={
        "query": f"query($f: Int) {{ scores(first: $f) {shape} }}", "variables": {"f": 1000}})
    errors = [r.json()["errors"][0]["extensions"] for r in (literal, default, given)]
    assert [e["code"] for e in errors] == ["COST_LIMIT"] * 3
    assert errors[0]["cost"] == errors[1]["cost"] == errors[2]["cost"] > 50_000


def test_introspection_is_priced_so_aliases_cannot_build_megabytes(client: Any) -> None:
    one = ("__schema { types { name fields { name args { name type { name ofType { name } } }"
           " type { name ofType { name ofType { name } } } } } }")
    response = client.post("/graphql", json={
        "query": "{ " + " ".join(f"a{i}: {one}" for i in range(15)) + " }"})
    assert response.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT"
    assert len(response.content) < 1000
    alone = client.post("/graphql", json={"query": "{ " + one + " }"})  # one is fine
    assert "errors" not in alone.json() and len(alone.content) < 200_000


def graphql_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("dti", "strawberry"))]


def test_introspecting_wrapper_types_logs_nothing(client: Any,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """90 bytes wrote 277 KB of tracebacks (strawberry's isOneOf raising per wrapper)."""
    caplog.set_level(logging.INFO)
    query = ("{ __schema { types { fields { type { isOneOf ofType { isOneOf ofType { isOneOf"
             " } } } } } } }")
    body = client.post("/graphql", json={"query": query}).json()
    assert "errors" not in body, body["errors"][:1]
    assert not graphql_records(caplog)


def test_a_dependency_raising_per_item_is_logged_once(app: Any, client: Any,
                                                      caplog: pytest.LogCaptureFixture,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from api.graphql.build import core_schema

    def broken(obj: Any, info: Any) -> Any:  # strawberry's isOneOf before the workaround
        return obj.extensions["strawberry-definition"].is_one_of

    field = core_schema(app.state.api.extras["graphql"]).type_map["__Type"].fields["isOneOf"]
    monkeypatch.setattr(field, "resolve", broken)
    caplog.set_level(logging.INFO)
    query = "{ __schema { types { fields { type { isOneOf ofType { isOneOf } } } } } }"
    body = client.post("/graphql", json={"query": query}).json()
    assert len(body["errors"]) > 100  # every wrapper type still answers null, masked
    (record,) = graphql_records(caplog)
    assert record.levelno == logging.ERROR and f"{len(body['errors'])} unexpected" in \
        record.getMessage()


CLIENT_FAULTS = [
    ("query($n: Int) { metrics(first: $n) { totalCount } }", {"n": "x"}),
    ("query($n: Int!) { metrics(first: $n) { totalCount } }", {}),
    ("{ metrics(first: 99999999999) { totalCount } }", None),
    ("{ metrics(first: " + "9" * 4301 + ") { totalCount } }", None),
    ("{ nope }", None),
    ("{ entity(code: 48) { code } }", None),
]


@pytest.mark.parametrize("query,variables", CLIENT_FAULTS,
                         ids=["variable-type", "variable-missing", "int-range", "int-4301",
                              "unknown-field", "argument-type"])
def test_client_faults_are_clear_errors_and_never_logged(
        client: Any, caplog: pytest.LogCaptureFixture, query: str,
        variables: dict[str, Any] | None) -> None:
    caplog.set_level(logging.INFO)
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["message"] != "Unexpected error.", error
    assert not graphql_records(caplog), [r.getMessage()[:200] for r in caplog.records]


def test_head_answers_like_get_without_a_body(sqlite_url: str) -> None:
    app = make_app(sqlite_url)
    url = "/graphql?query=%7B%20dataset%20%7B%20version%20%7D%20%7D"
    with TestClient(app) as client:
        head = client.head(url)  # before any GET: nothing cached yet
        get = client.get(url)
        again = client.head(url)
    assert head.status_code == get.status_code == again.status_code == 200
    assert head.content == b"" == again.content and get.json()["data"]["dataset"]["version"]
    for name in ("etag", "content-type", "cache-control"):
        assert head.headers[name] == get.headers[name] == again.headers[name], name


def test_repeated_fields_cannot_buy_seconds_of_validation(client: Any) -> None:
    """One field 200 times (4 KB): graphql-core compares every pair, 0.12 s of CPU under
    its default budget (0.7 s for 450 times, 9 KB); ours stops it after 10,000 steps."""
    document = "{ " + " ".join(["dataset { version }"] * 200) + " }"
    body = client.post("/graphql", json={"query": document}).json()
    assert body["data"] is None and "Validation aborted" in body["errors"][0]["message"]
