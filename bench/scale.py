"""bench/run --scale: the deployment (nginx, Redis, N API replicas over PostgreSQL) under a
mixed workload, with 1 and with 2 API processes, side by side in one run.

Two workloads: `repeating` (a few hundred URLs that clients keep asking: nginx answers
most from its cache) and `every URL new` (each request a URL not asked before: every one
reaches an API replica, which computes it). The hit ratio is counted from nginx's log.
"""

from __future__ import annotations

import contextlib
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.load import Measure, Request, drive
from bench.report import Target
from bench.servers import BENCH_CONCURRENCY, BENCH_RATE_LIMIT
from bench.topology import Topology

YEARS = ["2020", "2021", "2022", "2023", "2024", "2020:2021", "2020:2022", "2020:2024",
         "2021:2023", "2022:2024", "2023:2024", "2021,2023", "2020,2024", "2022,2023",
         "2021:2024"]


def mixed(distinct: int, offset: int = 0, charts: bool = True) -> list[Request]:
    """A mix like the API's users': rankings, scores, entities, series, coverage, sources,
    GraphQL (GET, cacheable) and, when `charts`, ranking charts (drawn once, then cached:
    a workload of only new charts would measure the renderer alone). Request i of the
    list differs from every other in its parameters (limit, years, language)."""
    shapes = ["/v1/rankings?year={y1}&limit={n}&lang={lang}",
              "/v1/scores?year={y}&limit={n}&lang={lang}",
              "/v1/entities?kind=province&limit={n}&lang={lang}",
              "/v1/entities/48/series?year={y}&limit={n}&lang={lang}",
              "/v1/coverage?year={y}&limit={n}&lang={lang}", "graphql"]
    if charts:
        shapes.append("/v1/charts/ranking?year={y1}&top={n}&lang={lang}")
    out = []
    for i in range(distinct):
        k = i + offset
        shape = shapes[i % len(shapes)]
        n, rest = 1 + k % 1000, k // 1000
        year, lang = YEARS[rest % len(YEARS)], ("vi", "en")[rest // len(YEARS) % 2]
        if shape == "graphql":
            query = (f"{{ ranking(year: {2020 + rest % 5}, first: {n}) {{ entries {{ edges "
                     "{ node { rank entity { code name } } } } } }")
            out.append(Request("/graphql?query=" + quote(query)))
        else:
            out.append(Request(shape.format(y=year, y1=2020 + rest % 5, n=n, lang=lang)))
    return out


def fill(base: str, requests: list[Request]) -> None:
    """Ask each URL once, so the caches hold them before a repeating run is measured."""
    for r in requests:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(base + r.path, timeout=30).read()


def hit_ratio(log: Path, start: int) -> tuple[float, int]:
    lines = log.read_text().splitlines()[start:]
    hits = sum(1 for line in lines if "cache=HIT" in line)
    return (hits / len(lines) if lines else 0.0), len(lines)


def run_scale(work: Path, pg_url: str, seconds: float, connections: int,
              use_wrk: bool) -> tuple[dict[str, Measure], list[Target], dict[str, Any]]:
    results: dict[str, Measure] = {}
    ratios: dict[str, float] = {}
    for replicas in (1, 2):
        topology = Topology(work / f"scale-{replicas}", pg_url, replicas=replicas, env={
            "DTI_RATE_LIMIT": BENCH_RATE_LIMIT, "DTI_RATE_LIMIT_CONCURRENCY": BENCH_CONCURRENCY,
            "DTI_ACCESS_LOG": "false"}).start()
        topology.settle()
        try:
            log = topology.work / "access.log"
            repeating = mixed(200)
            fill(topology.base, repeating)
            # warm-up, as every bench/run scenario has: the first seconds after the fill
            # showed one stall of ~0.6 s (p99), absent from every later run
            drive(topology.base, repeating, 3.0, connections, use_wrk)
            start = len(log.read_text().splitlines())
            name = f"mixed, repeating URLs, {replicas} API process(es)"
            results[name] = drive(topology.base, repeating, seconds, connections, use_wrk)
            ratios[name], _ = hit_ratio(log, start)
            start = len(log.read_text().splitlines())
            fresh = mixed(20_000, offset=30_000 * replicas, charts=False)  # wrk: <65k items
            name = f"mixed, every URL new, {replicas} API process(es)"
            results[name] = drive(topology.base, fresh, seconds, connections, use_wrk)
            ratios[name], _ = hit_ratio(log, start)
        finally:
            topology.stop()
        print(f"  scale: {replicas} replica(s) done", flush=True)
    targets = []
    for kind in ("repeating URLs", "every URL new"):
        one = results[f"mixed, {kind}, 1 API process(es)"].rps
        two = results[f"mixed, {kind}, 2 API process(es)"].rps
        targets.append(Target(f"{kind}: 2 processes / 1 (2 cores)", two / one if one else 0,
                              "info", 0))
    for name, ratio in ratios.items():
        targets.append(Target(f"nginx cache hit ratio: {name}", ratio, "info", 0))
    return results, targets, {"hit_ratio": ratios}
