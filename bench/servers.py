"""Start servers on loopback for the benchmark, wait for them, read their memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UVICORN = [sys.executable, "-m", "uvicorn", "--workers", "1", "--log-level", "warning",
           "--no-access-log", "--host", "127.0.0.1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/"
    access_log: bool = True  # False: standard output (our access log) to /dev/null
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_dir: Path) -> Server:
        command = [c.replace("{port}", str(self.port)) for c in self.command]
        with (log_dir / f"{self.name}.log").open("wb") as log:  # the child keeps its copy
            out = log if self.access_log else subprocess.DEVNULL
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=log,
                                            env={**os.environ, **self.env})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {log_dir}/{self.name}.log")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start within 120 s; see its log in {log_dir}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def memory(self) -> tuple[int, int]:
        """(current RSS, peak RSS) in bytes, from /proc."""
        assert self.process is not None
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
        return values["VmRSS"], values["VmHWM"]


# wrk stands for many clients from one address: the limiter runs (its cost is measured)
# with a budget and a per-client concurrency the load generator never reaches.
BENCH_RATE_LIMIT = "1000000000/minute"
BENCH_CONCURRENCY = "64"


def ours(name: str, database_url: str, **env: str) -> Server:
    """Our API as production runs it (dti-api serve: JSON access log, rate limiter)."""
    return Server(name, [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1",
                         "--port", "{port}", "--workers", "1"],
                  {"DTI_DATABASE_URL": database_url, "DTI_RATE_LIMIT": BENCH_RATE_LIMIT,
                   "DTI_RATE_LIMIT_CONCURRENCY": BENCH_CONCURRENCY, **env}, "/health",
                  access_log=False)


def ceiling(body_file: Path) -> Server:
    return Server("ceiling", [*UVICORN, "--port", "{port}", "bench.ceiling:app"],
                  {"BENCH_BODY_FILE": str(body_file)})


def baseline_graphql(database_url: str) -> Server:
    return Server("strawberry-baseline",
                  [*UVICORN, "--port", "{port}", "bench.baseline_graphql:app"],
                  {"DTI_DATABASE_URL": database_url}, "/health")


def datasette(sqlite_file: Path) -> Server:
    return Server("datasette", [sys.executable, "-m", "datasette", "serve", "--immutable",
                                str(sqlite_file), "--port", "{port}", "--host", "127.0.0.1",
                                "--setting", "sql_time_limit_ms", "20000"], {}, "/-/versions.json")


def naive(sqlite_file: Path) -> Server:
    return Server("naive", [*UVICORN, "--port", "{port}", "bench.naive:app"],
                  {"BENCH_SQLITE_FILE": str(sqlite_file)}, "/v1/rankings?year=2022")
