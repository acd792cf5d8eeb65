"""`dti-api mcp`: the same MCP server over standard input and output, for assistants
that start it as a subprocess (no HTTP, no rate limit: the caller owns the process)."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import replace

import anyio

from api.settings import Settings


def run_stdio(settings: Settings) -> int:
    from api.app import create_app
    from api.mcp.server import build_server
    from api.serve import ensure_database

    # Standard output is the protocol's: anything printed before it starts goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        ensure_database(settings)
        state = create_app(replace(settings, mcp=False)).state.api
    anyio.run(build_server(state).run_stdio_async)
    return 0
