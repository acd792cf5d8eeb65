"""What an operator sees: Prometheus metrics by route template, and the limiter failing
open when its shared storage is away."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from api.release.store import Releases
from tests.conftest import make_app


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, parsed by prometheus-client's own parser."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_by_route_template(sqlite_url: str) -> None:
    app = make_app(sqlite_url, rate_limit="30/minute")
    with TestClient(app) as client:
        for code in ("48", "49", "48"):
            assert client.get(f"/v1/entities/{code}").status_code == 200
        client.get("/v1/scores?format=csv")
        client.post("/graphql", json={"query": "{ dataset { version } }"})
        while client.get("/v1/metrics?limit=2").status_code != 429:
            pass
        response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    assert "ratelimit" not in response.headers  # off the rate limit
    found = samples(response.text)
    key = ("dti_http_requests_total", (("method", "GET"), ("route", "/v1/entities/{code}"),
                                       ("status", "200")))
    assert found[key] == 3  # one series per route template, never the raw path
    assert not any("/v1/entities/48" in str(labels) for _, labels in found)
    assert found[("dti_http_request_duration_seconds_count",
                  (("method", "GET"), ("route", "/v1/entities/{code}")))] == 3
    assert found[("dti_cache_requests_total", (("result", "hit"),))] >= 1
    assert found[("dti_ratelimit_rejections_total", ())] >= 1
    assert found[("dti_export_rows_total", ())] > 400
    assert found[("dti_graphql_cost_count", ())] == 1
    assert found[("dti_db_pool_connections", (("state", "size"),))] == 8
    assert any(name == "dti_build_info" for name, _ in found)


def test_metrics_can_be_turned_off(sqlite_url: str) -> None:
    with TestClient(make_app(sqlite_url, metrics=False)) as client:
        assert client.get("/metrics").status_code == 404
    with TestClient(make_app(sqlite_url, metrics_port=9999)) as client:
        assert client.get("/metrics").status_code == 404  # served on its own port instead


def test_an_unreachable_shared_rate_limit_fails_open(sqlite_url: str, caplog: Any) -> None:
    """Redis away: answers go out, unlimited and without RateLimit headers, and it is logged."""
    app = make_app(sqlite_url, rate_limit="5/minute",
                   rate_limit_storage="async+redis://127.0.0.1:9")  # nothing listens there
    with TestClient(app) as client:
        answers = [client.get(f"/v1/metrics?limit={n}") for n in range(1, 5)]
    assert [a.status_code for a in answers] == [200] * 4
    assert all("ratelimit" not in a.headers for a in answers)
    assert "rate-limit storage unavailable" in caplog.text


def test_one_json_access_line_per_request_and_request_ids(
        sqlite_url: str, monkeypatch: Any, caplog: Any,
        capsysbinary: Any) -> None:
    """Structured logs: one JSON line per request with the route template and the client
    seen after trusted proxies; a plain X-Request-ID is kept, anything else replaced; a
    server error is logged once, with that id, and the client sees no trace of it."""
    import json
    import logging
    import sys

    from api.services import catalog

    def broken(*_: Any) -> Any:
        raise RuntimeError("secret internals")

    caplog.set_level(logging.INFO)
    app = make_app(sqlite_url, trusted_proxies="10.0.0.0/8", cache_max_entries=0)
    with TestClient(app, client=("10.1.2.3", 4000), raise_server_exceptions=False) as client:
        kept = client.get("/v1/entities/48?lang=en", headers={
            "X-Request-ID": "abc-123.x_Y", "X-Forwarded-For": "203.0.113.9"})
        replaced = client.get("/v1/entities/49", headers={"X-Request-ID": "no spaces allowed"})
        app.state.api.part(Releases).wait()  # its background build reads the catalog too
        monkeypatch.setattr(catalog, "paginate", broken)  # under list_metrics
        failed = client.get("/v1/metrics", headers={"X-Request-ID": "boom-1"})
    sys.stdout.buffer.flush()
    lines = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert kept.headers["x-request-id"] == "abc-123.x_Y"
    made = replaced.headers["x-request-id"]
    assert made != "no spaces allowed" and " " not in made
    assert [(e["request_id"], e["route"], e["status"]) for e in lines] == [
        ("abc-123.x_Y", "/v1/entities/{code}", 200), (made, "/v1/entities/{code}", 200),
        ("boom-1", "/v1/metrics", 500)]
    first = lines[0]
    assert first["client"] == "203.0.113.9" and first["query"] == "lang=en"
    assert first["method"] == "GET" and first["bytes"] == len(kept.content) and first["ms"] > 0
    assert first["cache"] == "bypass" and first["ratelimit"].startswith('"minute";r=')
    assert set(first) >= {"time", "path"}
    assert failed.status_code == 500 and "secret" not in failed.text
    assert failed.headers["content-type"] == "application/problem+json"
    assert "boom-1" in failed.json()["detail"] and failed.headers["x-request-id"] == "boom-1"
    assert failed.headers["access-control-allow-origin"] == "*"  # a 500 is an answer too
    assert failed.headers["x-content-type-options"] == "nosniff"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "boom-1" in errors[0].getMessage()
    assert errors[0].exc_info and "secret internals" in str(errors[0].exc_info[1])


def test_access_lines_are_buffered_even_when_python_is_unbuffered() -> None:
    """PYTHONUNBUFFERED=1 (as in our image) made every access line a system call; the
    writer keeps its own buffer, and what it holds is written when the process exits."""
    import os
    import subprocess
    import sys

    script = ("import io\n"
              "from api.http.access import LineWriter\n"
              "w = LineWriter()\n"
              "assert isinstance(w.stream, io.BufferedWriter), type(w.stream)\n"
              "for i in range(3):\n"
              "    w.write(b'{\"line\": %d}' % i)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=os.getcwd())
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert done.stdout.splitlines() == [b'{"line": 0}', b'{"line": 1}', b'{"line": 2}']


def test_batched_counts_equal_what_prometheus_would_have_counted() -> None:
    """Requests are counted in plain numbers and added to the collectors once a second:
    the exposition is what observing each request would have given. add_observations
    reads prometheus-client's private `_sum` and `_buckets`: if an upgrade moves them,
    this fails by name."""
    from prometheus_client import CollectorRegistry, Histogram

    from api.http.metrics import BUCKETS, Metrics

    registry = CollectorRegistry()
    reference = Histogram("ref", "reference", ["route"], buckets=BUCKETS, registry=registry)
    assert hasattr(reference.labels("x"), "_sum") and hasattr(reference.labels("x"), "_buckets")
    metrics = Metrics("1", "v")
    samples = [0.0004, 0.001, 0.003, 0.02, 0.3, 0.3, 7.0, 42.0]
    for seconds in samples:
        reference.labels("/v1/x").observe(seconds)
        metrics.observe({"method": "GET", "route": None, "path": "/v1/x"}, 200, seconds)
    metrics.read()

    def buckets(reg: Any, name: str) -> dict[str, float]:
        return {s.labels["le"]: s.value for f in reg.collect() for s in f.samples
                if s.name == name + "_bucket"}
    assert buckets(metrics.registry, "dti_http_request_duration_seconds") == \
        buckets(registry, "ref")
    total = {s.name: s.value for f in metrics.registry.collect() for s in f.samples
             if s.name == "dti_http_requests_total"}
    assert total == {"dti_http_requests_total": len(samples)}
