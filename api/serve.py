"""Run the API under uvicorn, or its MCP tools over standard input and output, building
the embedded default database if it is missing."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import orjson
import uvicorn
from sqlalchemy.engine import make_url

from api.http.connections import GuardedH11Protocol, protocol_options
from api.settings import DEFAULT_DATABASE_URL, Settings


def ensure_database(settings: Settings) -> None:
    """Seed the embedded SQLite default on first run; never touch other databases."""
    url = make_url(settings.database_url)
    if settings.database_url == DEFAULT_DATABASE_URL and not Path(url.database or "").exists():
        from seed.build import DEFAULT_DATA, load

        result = load(DEFAULT_DATA, settings.database_url)
        print(f"built {url.database} (dataset version {result.version})")


def app_factory():  # type: ignore[no-untyped-def]
    """Uvicorn factory: each worker builds its own app from the environment."""
    from api.app import create_app
    from api.charts.render import Renderer

    lean_log_records()
    settings = Settings.from_env()
    GuardedH11Protocol.configure(settings)  # before this worker accepts a connection
    app = create_app(settings)
    app.state.api.part(Renderer).warm_at_start = True
    return app


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()[:2000]}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)[-8000:]
        return orjson.dumps(entry).decode()


def logging_config(text: bool) -> dict[str, Any]:
    """Errors and notices as JSON lines (or text) on standard error; access lines go to
    standard output (api.http.access); uvicorn's own access log is off: it would write
    whole URLs."""
    line = "%(asctime)s %(levelname)s %(name)s %(message)s"
    error: dict[str, Any] = {"format": line} if text else {"()": JsonFormatter}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"error": error},
        "handlers": {"error": {"class": "logging.StreamHandler", "formatter": "error",
                               "stream": "ext://sys.stderr"}},
        "loggers": {"dti": {"handlers": ["error"], "level": "INFO", "propagate": False},
                    "strawberry": {"handlers": ["error"], "level": "ERROR", "propagate": False},
                    "mcp": {"handlers": ["error"], "level": "WARNING", "propagate": False},
                    "uvicorn": {"handlers": ["error"], "level": "INFO", "propagate": False}},
    }


def lean_log_records() -> None:
    """Log records without the caller's file and line, thread or process names: an access
    line per request should not pay for a stack walk."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def metrics_directory() -> None:
    """Every worker writes its metrics under one fresh folder that /metrics sums
    (prometheus-client's multi-process mode); set before any worker starts."""
    folder = Path(tempfile.mkdtemp(prefix="dti-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def serve(settings: Settings, host: str, port: int, workers: int) -> int:
    ensure_database(settings)
    os.environ["DTI_DATABASE_URL"] = settings.database_url  # workers read the same settings
    if not settings.cursor_secret:  # one random key for this server's workers
        os.environ["DTI_CURSOR_SECRET"] = secrets.token_urlsafe(32)
    if settings.metrics:
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            metrics_directory()
        if settings.metrics_port:  # a port of its own, served by this (supervising) process
            from prometheus_client import CollectorRegistry, start_http_server
            from prometheus_client.multiprocess import MultiProcessCollector

            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            start_http_server(settings.metrics_port, addr=host, registry=registry)
    uvicorn.run("api.serve:app_factory", factory=True, host=host, port=port, workers=workers,
                proxy_headers=False, server_header=False, access_log=False,
                log_config=logging_config(settings.log_format == "text"),
                timeout_keep_alive=settings.keep_alive_seconds, **protocol_options(),
                timeout_graceful_shutdown=10)
    return 0


def run_stdio(settings: Settings) -> int:
    """`dti-api mcp`: the MCP server over standard input and output, for assistants that
    start it as a subprocess (no HTTP, no rate limit: the caller owns the process)."""
    from api.app import create_app
    from api.mcp.server import build_server

    # Standard output is the protocol's: anything printed before it starts goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        ensure_database(settings)
        state = create_app(replace(settings, mcp=False)).state.api
    anyio.run(build_server(state).run_stdio_async)
    return 0
