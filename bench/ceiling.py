"""The ceiling: a bare Starlette app answering with the exact bytes of our response.

Body and headers both: the file holds our answer's headers (one `name: value` per line),
a blank line, then the body, as bench/run captured it. The per-request headers (request
id, rate-limit state) keep the values captured once; everything else is byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

RAW = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
HEAD, _, BODY = RAW.partition(b"\n\n")
HEADERS = [tuple(line.split(b": ", 1)) for line in HEAD.splitlines() if b": " in line]
SKIP = {b"content-length", b"date", b"server", b"connection"}


async def serve(request: Request) -> Response:
    response = Response(BODY)
    response.raw_headers = [(n, v) for n, v in HEADERS if n not in SKIP] + [
        (b"content-length", str(len(BODY)).encode())]
    return response


app = Starlette(routes=[Route("/{path:path}", serve, methods=["GET", "POST"])])
