"""The multi-replica deployment, run for real on loopback: PostgreSQL 15, Redis, nginx
(deploy/nginx/dti.conf.template) and two API processes, as deploy/compose.yaml describes.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.topology import Topology, have_tools
from seed.build import DEFAULT_DATA, load
from tests.conftest import require

pytestmark = pytest.mark.deployment
PROBE = '{ dataset { version } scores(filter: {entity: ["30"], year: "2021"}) { totalCount } }'


def call(url: str, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def graphql(base: str, query: str) -> dict[str, Any]:
    status, _, body = call(base + "/graphql", "POST", json.dumps({"query": query}).encode(),
                           {"Content-Type": "application/json"})
    assert status == 200, body[:300]
    document: dict[str, Any] = json.loads(body)
    return document


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    """A database of its own on the test PostgreSQL server, seeded."""
    url = make_url(postgres_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dti_deploy WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE dti_deploy"))
    admin.dispose()
    target = url.set(database="dti_deploy").render_as_string(hide_password=False)
    load(DEFAULT_DATA, target)
    yield target


@pytest.fixture(scope="module")
def topology(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    ok, why = have_tools()
    require("nginx and redis-server", ok, why + " (.ci/run installs Debian's packages)")
    work: Path = tmp_path_factory.mktemp("deploy")
    deployment = Topology(work, database, replicas=2, env={
        "DTI_CACHE_MAX_AGE": "2", "DTI_VERSION_CHECK_SECONDS": "0.2",
        "DTI_RATE_LIMIT": "100000/minute"}).start()
    yield deployment
    deployment.stop()


def test_replicas_agree_on_etags_and_share_cursors(topology: Topology) -> None:
    a, b = (s.base for s in topology.apis)
    url = "/v1/rankings?year=2022&limit=10"
    (sa, ha, body_a), (sb, hb, body_b) = call(a + url), call(b + url)
    assert sa == sb == 200 and ha["etag"] == hb["etag"] and body_a == body_b
    following = json.loads(body_a)["links"]["next"]
    assert following and call(b + following)[0] == 200  # a cursor from A, honoured by B
    page_a, page_b = call(a + following)[2], call(b + following)[2]
    assert page_a == page_b


def test_nginx_caches_and_revalidates_with_the_api(topology: Topology) -> None:
    url = topology.base + "/v1/entities?kind=province&limit=7"
    first = call(url)
    for _ in range(10):  # nginx keeps an answer once it has read it whole, which can be
        second = call(url)  # a moment after its client has it (one CI run: MISS, MISS)
        if second[1]["x-cache-status"] == "HIT":
            break
        time.sleep(0.05)
    assert first[1]["x-cache-status"] in ("MISS", "EXPIRED")
    assert second[1]["x-cache-status"] == "HIT" and second[2] == first[2]
    time.sleep(3.2)  # the API said max-age=2 (nginx counts whole seconds)
    third = call(url)
    assert third[0] == 200 and third[1]["x-cache-status"] == "REVALIDATED"
    assert third[1]["etag"] == first[1]["etag"] and third[2] == first[2]
    time.sleep(0.3)  # nginx writes the line after the answer
    log = (topology.work / "access.log").read_text()
    assert "cache=REVALIDATED" in log  # the API answered 304 to nginx's If-None-Match


def test_the_rate_limit_budget_is_shared_across_replicas(topology: Topology) -> None:
    """One client (named by the trusted proxy's X-Forwarded-For) draws on one budget in
    Redis, whichever replica answers."""
    remaining = []
    for i in range(6):
        base = topology.apis[i % 2].base
        status, headers, _ = call(f"{base}/v1/metrics?limit={i + 1}",
                                  headers={"X-Forwarded-For": "203.0.113.77"})
        assert status == 200
        remaining.append(int(headers["ratelimit"].split("r=")[1].split(";")[0]))
    assert remaining == [remaining[0] - 4 * i for i in range(6)]  # 4 units each, one count


def test_the_proxy_bounds_slow_clients_and_large_bodies(topology: Topology) -> None:
    """The slowloris defence the API leaves to the proxy: 200 connections trickling one
    header line every 2 s are closed by nginx's client_header_timeout (10 s), while a
    normal client is answered at once; a body over 64 KiB is refused before the API."""
    import socket

    port = int(topology.base.rsplit(":", 1)[1])
    trickling = []
    for _ in range(200):
        conn = socket.create_connection(("127.0.0.1", port), timeout=30)
        conn.sendall(b"GET /v1/metrics HTTP/1.1\r\nHost: x\r\n")
        trickling.append(conn)
    started = time.monotonic()
    closed: set[int] = set()
    answered_meanwhile = []
    while len(closed) < len(trickling) and time.monotonic() - started < 20:
        begin = time.perf_counter()
        status = call(topology.base + "/v1/rankings?year=2022&limit=3")[0]
        answered_meanwhile.append((status, time.perf_counter() - begin))
        for i, conn in enumerate(trickling):
            if i in closed:
                continue
            try:
                conn.sendall(b"X-Slow: 1\r\n")
                conn.setblocking(False)
                data = conn.recv(1024)  # no answer can come before the headers end
                if data == b"" or data.startswith(b"HTTP/1.1 408"):
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:  # reset: closed by nginx
                closed.add(i)
            finally:
                conn.setblocking(True)
        time.sleep(2.0)
    elapsed = time.monotonic() - started
    for conn in trickling:
        conn.close()
    assert len(closed) == 200 and 8 < elapsed < 20, (len(closed), elapsed)
    assert all(status == 200 and seconds < 1 for status, seconds in answered_meanwhile)
    status, _, _ = call(topology.base + "/graphql", "POST", b"{" + b" " * 70_000 + b"}",
                        {"Content-Type": "application/json"})
    assert status == 413


def test_losing_a_replica_loses_no_request(topology: Topology) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def client() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            statuses.append(call(f"{topology.base}/v1/scores?limit={n % 900 + 1}"
                                 f"&year=2022")[0])

    workers = [threading.Thread(target=client) for _ in range(3)]
    for w in workers:
        w.start()
    time.sleep(1.0)
    topology.kill(0)
    time.sleep(2.0)
    stop.set()
    for w in workers:
        w.join(10)
    topology.restart(0)
    assert len(statuses) > 50 and set(statuses) == {200}, sorted(set(statuses))


def test_republishing_under_load_never_mixes_versions(topology: Topology, database: str,
                                                      tmp_path: Path) -> None:
    old = graphql(topology.base, PROBE)["data"]
    assert old["scores"]["totalCount"] == 0
    page = json.loads(call(topology.apis[0].base + "/v1/scores?limit=5")[2])
    cursor = page["links"]["next"]
    seen: list[tuple[str, int]] = []
    errors: list[str] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                data = graphql(topology.base, PROBE)["data"]
                seen.append((data["dataset"]["version"], data["scores"]["totalCount"]))
            except AssertionError as error:
                errors.append(str(error))

    workers = [threading.Thread(target=client) for _ in range(4)]
    for w in workers:
        w.start()
    time.sleep(0.5)
    import shutil
    changed = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, changed)
    with (changed / "provincial_scores.csv").open("a", encoding="utf-8") as f:
        f.write("2021,30,DTI,,40,vneconomy-2023,a deployment test row\n")
    new = load(changed, database).version
    time.sleep(1.5)
    stop.set()
    for w in workers:
        w.join(10)
    assert not errors, errors[:3]
    versions = {v for v, _ in seen}
    assert versions == {old["dataset"]["version"], new}
    # each answer is one dataset: the old one without the row, the new one with it
    assert all(count == (1 if v == new else 0) for v, count in seen)
    for server in topology.apis:
        status, _, body = call(server.base + "/version")
        assert json.loads(body)["dataset_version"] == new
    status, headers, body = call(topology.apis[1].base + cursor)
    assert status == 410 and headers["content-type"] == "application/problem+json"
    assert "dataset changed" in json.loads(body)["detail"]
    load(DEFAULT_DATA, database)
