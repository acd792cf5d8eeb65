"""Prometheus metrics (the official prometheus-client), fed by the front door.

The access log already learns everything about a finished request (route template,
method, status, duration, cache result, rate-limit refusal); it hands the same facts to
`Metrics.observe`. Gauges (cache size, database pool) are read from the process at most
once a second. With several uvicorn workers, set PROMETHEUS_MULTIPROC_DIR (dti-api serve
does): every worker writes its numbers to files there and /metrics sums them.
"""

from __future__ import annotations

import bisect
import os
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from api.http.admission import method_label
from api.http.keys import SCOPE_KEY, RequestInfo


def add_observations(histogram: Any, total: float, per_bucket: list[float]) -> None:
    """Add many observations to a labelled histogram at once: their sum and how many fell
    in each bucket (prometheus-client has no public call for it; it keeps them in `_sum`
    and `_buckets`, and tests/test_metrics.py fails by name if an upgrade moves them)."""
    histogram._sum.inc(total)
    for bucket, count in zip(histogram._buckets, per_bucket, strict=True):
        if count:
            bucket.inc(count)


disable_created_metrics()  # type: ignore[no-untyped-call]  # the *_created series double the output for no reader we have
BUCKETS = (.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """One set of collectors per process (prometheus-client's collectors are global per
    registry; each app gets its own registry so tests may build many apps)."""

    def __init__(self, version: str, dataset_version: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        gauge = {"multiprocess_mode": "livesum"}
        self.requests = Counter("dti_http_requests", "Answers by route template, method and "
                                "status", ["route", "method", "status"], registry=r)
        self.latency = Histogram("dti_http_request_duration_seconds", "Time to answer, by "
                                 "route template and method", ["route", "method"],
                                 buckets=BUCKETS, registry=r)
        self.cache_results = Counter("dti_cache_requests", "Response-cache lookups by "
                                     "result (hit, miss, bypass)", ["result"], registry=r)
        self.cache_entries = Gauge("dti_cache_entries", "Answers held in the response cache",
                                   registry=r, **gauge)  # type: ignore[arg-type]
        self.cache_bytes = Gauge("dti_cache_bytes", "Bytes held by the response cache",
                                 registry=r, **gauge)  # type: ignore[arg-type]
        self.pool = Gauge("dti_db_pool_connections", "Database pool: size, checked_out, "
                          "overflow", ["state"], registry=r, **gauge)  # type: ignore[arg-type]
        self.pool_timeouts = Counter("dti_db_pool_timeouts", "Requests refused because every "
                                     "database connection was in use", registry=r)
        self.graphql_cost = Histogram("dti_graphql_cost", "Static cost of GraphQL operations",
                                      buckets=(1, 10, 100, 1000, 5000, 20000, 50000),
                                      registry=r)
        self.graphql_seconds = Histogram("dti_graphql_execution_seconds", "Time to execute "
                                         "GraphQL operations", buckets=BUCKETS, registry=r)
        self.rate_limited = Counter("dti_ratelimit_rejections", "Requests refused with 429",
                                    registry=r)
        self.export_rows = Counter("dti_export_rows", "CSV/NDJSON rows streamed", registry=r)
        self.build = Gauge("dti_build_info", "Service and dataset version",
                           ["version", "dataset_version"], registry=r,
                           multiprocess_mode="max")
        self.build.labels(version, dataset_version).set(1)
        self.readers: list[Callable[[], None]] = []
        self._next_read = 0.0
        # counted per request in plain numbers, added to the collectors by flush(): by
        # (route, method, status, cache result), [count, seconds, count per bucket...]
        self._rows: dict[tuple[str, str, int, str], list[float]] = {}
        self.readers.append(self.flush)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """One finished request: counted here, in plain numbers (no lock, no collector),
        and added to the collectors once a second and before every exposition."""
        info: RequestInfo | None = scope.get(SCOPE_KEY)
        route = getattr(scope.get("route"), "path", None) or (info.route if info else None)
        route = route or "unmatched"  # never the raw path: one series per template
        method = method_label(scope["method"])  # never a made-up method: a closed set
        key = (route, method, status, info.cache if info else "bypass")
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = [0.0] * (len(BUCKETS) + 3)
        row[0] += 1
        row[1] += seconds
        row[2 + bisect.bisect_left(BUCKETS, seconds)] += 1  # its bucket (last: +Inf)
        if status == 429:
            self.rate_limited.inc()
        if info is not None and info.extra:
            cost = info.extra.get("graphql_cost")
            if isinstance(cost, int):
                self.graphql_cost.observe(cost)
            spent = info.extra.get("graphql_seconds")
            if isinstance(spent, float):
                self.graphql_seconds.observe(spent)
        now = time.monotonic()
        if now >= self._next_read:  # at most once a second: the gauges and the counts
            self._next_read = now + 1.0
            self.read()

    def flush(self) -> None:
        """Add the requests counted since the last flush to the collectors."""
        rows, self._rows = self._rows, {}
        timings: dict[tuple[str, str], list[float]] = {}
        results: dict[str, float] = {}
        for (route, method, status, result), row in rows.items():
            self.requests.labels(route, method, str(status)).inc(row[0])
            timing = timings.setdefault((route, method), [0.0] * (len(BUCKETS) + 2))
            for i, value in enumerate(row[1:]):
                timing[i] += value
            results[result] = results.get(result, 0) + row[0]
        for (route, method), timing in timings.items():
            add_observations(self.latency.labels(route, method), timing[0], timing[1:])
        for result, count in results.items():
            self.cache_results.labels(result).inc(count)

    def watch(self, cache: Any, pool: Any) -> None:
        """Read the response cache's size and the pool's state into the gauges."""
        def read() -> None:
            entries, size = cache.stats
            self.cache_entries.set(entries)
            self.cache_bytes.set(size)
            if hasattr(pool, "size"):
                self.pool.labels("size").set(pool.size())
                self.pool.labels("checked_out").set(pool.checkedout())
                self.pool.labels("overflow").set(max(pool.overflow(), 0))
        self.readers.append(read)
        read()

    def exposition(self) -> bytes:
        """The text format of every collector (after the counts are flushed: call read()
        first, on the event loop, where requests are counted)."""
        if MULTIPROCESS:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return bytes(generate_latest(registry))
        return bytes(generate_latest(self.registry))

    def read(self) -> None:
        """Gauges from the process, counts into the collectors (on the event loop)."""
        for reader in self.readers:
            reader()

    async def endpoint(self, request: Request) -> Response:
        """The exposition, built in a worker thread (off the event loop)."""
        self.read()
        body = await anyio.to_thread.run_sync(self.exposition)
        return Response(body, media_type=CONTENT_TYPE_LATEST,
                        headers={"Cache-Control": "no-store"})
