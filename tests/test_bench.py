"""bench/run starts every server, measures, and prints its table (tiny sizes, no timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import runner

pytestmark = pytest.mark.bench


def test_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DTI_PG_URL", raising=False)  # PostgreSQL rows need bench/run's cluster
    assert runner.main(["--duration", "1", "--rounds", "1", "--synthetic", "3000",
                        "--soak", "300", "--connections", "2", "--out", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    for line in ("REST warm / ceiling", "REST no cache / naive handler",
                 "GraphQL nested uncached, us per field", "deep page p50 / first page p50",
                 "CSV export rows/s", "RSS growth MB after", "chart SVG warm / ceiling",
                 "REST p99 with charts drawn meanwhile / calm", "chart drawn every time, p99"):
        assert line in table
    (result,) = tmp_path.glob("*.json")
    document = json.loads(result.read_text())
    assert document["export"]["rows"] == 3000 + 931  # synthetic + the published scores
    assert all(m["requests"] > 0 and m["errors"] == 0 for m in document["scenarios"].values())
