"""The deployment of deploy/compose.yaml without Docker, on loopback, from Debian's
packages: Redis, N API replicas (dti-api serve) over one PostgreSQL database, and nginx
rendered from deploy/nginx/dti.conf.template in front. Used by tests/test_deployment.py
and bench/run --scale; PostgreSQL itself is the caller's (a database URL).
"""

from __future__ import annotations

import os
import shutil
import signal
import string
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.servers import ROOT, Server, free_port, ours

TEMPLATE = ROOT / "deploy" / "nginx" / "dti.conf.template"
MAIN = """worker_processes 2;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {run}/dti.conf;
}}
"""


def have_tools() -> tuple[bool, str]:
    missing = [t for t in ("nginx", "redis-server") if shutil.which(t) is None]
    return not missing, "missing " + ", ".join(missing) if missing else ""


def render_nginx(run: Path, listen: str, upstreams: list[str]) -> Path:
    """deploy/nginx/dti.conf.template as envsubst renders it, inside a main config of
    our own (paths under `run`, so nginx needs nothing from /etc or /var)."""
    servers = " ".join(f"server {u} max_fails=1 fail_timeout=2s;" for u in upstreams)
    conf = string.Template(TEMPLATE.read_text()).safe_substitute(
        DTI_LISTEN=listen, DTI_UPSTREAMS=servers, DTI_CACHE_PATH=str(run / "cache"),
        DTI_ACCESS_LOG=str(run / "access.log"))
    (run / "dti.conf").write_text(conf)
    (run / "nginx.conf").write_text(MAIN.format(run=run))
    (run / "cache").mkdir(exist_ok=True)
    if os.geteuid() == 0:  # nginx's workers drop to nobody: let them use our folders
        for path in (run, run / "cache"):
            path.chmod(0o777)
    return run / "nginx.conf"


@dataclass
class Topology:
    work: Path
    database_url: str
    replicas: int = 2
    env: dict[str, str] = field(default_factory=dict)
    redis_port: int = field(default_factory=free_port)
    nginx_port: int = field(default_factory=free_port)
    apis: list[Server] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """nginx, where clients go."""
        return f"http://127.0.0.1:{self.nginx_port}"

    @property
    def redis_url(self) -> str:
        return f"async+redis://127.0.0.1:{self.redis_port}"

    def start(self) -> Topology:
        self.work.mkdir(parents=True, exist_ok=True)
        redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.work)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(redis)
        env = {"DTI_RATE_LIMIT_STORAGE": self.redis_url, "DTI_TRUSTED_PROXIES": "127.0.0.1",
               "DTI_CURSOR_SECRET": "deployment-test-secret",
               "DTI_RELEASE_DIR": str(self.work / "releases"), **self.env}
        for i in range(self.replicas):
            server = ours(f"api-{i}", self.database_url, **env)
            server.ready_path = "/health/ready"
            self.apis.append(server.start(self.work))
        conf = render_nginx(self.work, f"127.0.0.1:{self.nginx_port}",
                            [f"127.0.0.1:{s.port}" for s in self.apis])
        user = " user root;" if os.geteuid() == 0 else ""
        with (self.work / "nginx.out").open("wb") as out:
            self.nginx = subprocess.Popen(
                ["nginx", "-p", str(self.work), "-c", str(conf), "-g", f"daemon off;{user}"],
                stdout=out, stderr=out)
        wait_for(self.base + "/health")
        return self

    def settle(self) -> None:
        """Wait for the work each replica starts in the background (its data release,
        its render process), so a measurement does not share the cores with it."""
        for server in self.apis:
            wait_for(server.base + "/v1/releases", 120)
        time.sleep(2.0)

    def kill(self, index: int) -> None:
        """Stop one replica at once, as a crash would."""
        process = self.apis[index].process
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait()

    def restart(self, index: int) -> None:
        self.apis[index].start(self.work)

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.terminate()
            self.nginx.wait(10)
        for server in self.apis:
            server.stop()
        for process in self.processes:
            process.terminate()
            process.wait(10)


def wait_for(url: str, seconds: float = 30) -> None:
    """Until `url` answers 2xx (a 503 while a release is built counts as not yet)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
