"""Drive a URL with wrk (or, where wrk cannot be had, a small Python load generator)."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    body: str | None = None
    client: str | None = None  # sent as X-Forwarded-For (to a server trusting loopback)


@dataclass(frozen=True)
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _lua(requests: list[Request]) -> str:
    """A wrk script cycling through the given requests."""
    items = ",\n".join(
        "{" + f"method={json.dumps(r.method)}, path={json.dumps(r.path)}, "
        f"body={json.dumps(r.body) if r.body else 'nil'}, "
        f"client={json.dumps(r.client) if r.client else 'nil'}" + "}" for r in requests)
    return f"""
local items = {{
{items}
}}
local i = 0
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #items + 1
  local r = items[i]
  local headers = {{["Content-Type"] = "application/json"}}
  if r.client then headers["X-Forwarded-For"] = r.client end
  return wrk.format(r.method, r.path, headers, r.body)
end
"""


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m|h)$", text)
    if match is None:
        raise RuntimeError(f"wrk printed a latency this script cannot read: {text!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0,
                            "h": 3600000.0}[unit]


def wrk(base: str, requests: list[Request], seconds: float, connections: int) -> Measure:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(requests))
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(seconds, 1):.0f}s", "--latency",
         "--timeout", "30s",
         "-s", script.name, base + requests[0].path],
        capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    Path(script.name).unlink()
    if "50%" not in out:
        raise RuntimeError(f"wrk gave no latency distribution:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return Measure(rps, p50, p99, total, (int(bad.group(1)) if bad else 0) + (1 if errors else 0))


def python_load(base: str, requests: list[Request], seconds: float,
                connections: int) -> Measure:
    """Keep-alive clients in threads; slower than wrk, so only a fallback."""
    host = urllib.parse.urlparse(base)
    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(offset: int) -> None:
        conn = HTTPConnection(host.hostname, host.port, timeout=30)
        i, mine = offset, []
        while time.monotonic() < stop:
            r = requests[i % len(requests)]
            i += 1
            start = time.perf_counter()
            headers = {"Content-Type": "application/json"}
            if r.client:
                headers["X-Forwarded-For"] = r.client
            conn.request(r.method, r.path, body=r.body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status >= 400:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    if not latencies:
        return Measure(0.0, 0.0, 0.0, 0, errors[0])
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return Measure(len(latencies) / elapsed, q[49] * 1000, q[98] * 1000, len(latencies),
                   errors[0])


def drive(base: str, requests: list[Request], seconds: float, connections: int,
          use_wrk: bool) -> Measure:
    if use_wrk:
        return wrk(base, requests, seconds, connections)
    return python_load(base, requests, seconds, connections)
