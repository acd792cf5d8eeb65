"""What an operator sees: Prometheus metrics by route template, and the limiter failing
open when its shared storage is away."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

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
