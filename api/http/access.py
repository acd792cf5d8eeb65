"""One access line per request, in proportion, and the request id that ties lines together.

The first and last step of the front door (api/http/frontdoor.py): it accepts a client's
X-Request-ID when it is a plain token (else makes one), which every answer carries;
records what was answered and how fast; and writes one line to standard output, with the
path and query cut to bounded lengths and a GraphQL document replaced by its hash and
first characters, so a 60 KB request costs a few hundred bytes of log. JSON lines by
default; `DTI_LOG_FORMAT=text` for development; `DTI_ACCESS_LOG=false` for none.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import hashlib
import io
import itertools
import re
import secrets
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.types import Scope

from api.http.admission import method_label
from api.http.clients import Network, client_address
from api.http.keys import SCOPE_KEY, RequestInfo
from api.http.ratelimit import CLIENT, RATE_STATE

REQUEST_ID = "dti.request_id"
# Request ids: a random prefix per process and a counter, unique across replicas.
PROCESS = secrets.token_hex(4) + "-"
COUNTER = itertools.count(1)
VALID_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]")
MAX_PATH, MAX_QUERY, DOCUMENT_PREFIX = 256, 512, 64


def short_document(text: str) -> str:
    """A GraphQL document in a log: its hash and its first characters."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    head = " ".join(text[:DOCUMENT_PREFIX].split())
    return f"sha256:{digest} {head}" + ("..." if len(text) > DOCUMENT_PREFIX else "")


def loggable_query(path: str, raw: bytes) -> str:
    if not raw:
        return ""
    text = raw[:MAX_QUERY * 8].decode("latin-1")
    if path == "/graphql":
        pairs = [(k, short_document(v) if k == "query" else v[:DOCUMENT_PREFIX])
                 for k, v in parse_qsl(text, keep_blank_values=True)]
        text = urlencode(pairs)
    return text[:MAX_QUERY] + ("..." if len(text) > MAX_QUERY else "")


def request_id(scope: Scope) -> str:
    found: str | None = scope.get(REQUEST_ID)
    return found or "-"


_STREAMS: weakref.WeakSet[Any] = weakref.WeakSet()
_FLUSHER: list[threading.Thread] = []


def _flush_forever() -> None:
    while True:
        time.sleep(1.0)
        for stream in list(_STREAMS):
            _flush(stream)


def buffered_stdout() -> IO[bytes]:
    """Standard output, buffered. Normally sys.stdout.buffer itself (one buffer for every
    writer, so nothing else printed can land inside a line); PYTHONUNBUFFERED=1 (set in
    most container images, ours included) leaves it unbuffered, a system call per line,
    and then the access log keeps a buffer of its own over the same descriptor."""
    if isinstance(sys.stdout.buffer, io.BufferedWriter):
        return sys.stdout.buffer
    try:
        raw = io.FileIO(sys.stdout.fileno(), "wb", closefd=False)
    except (AttributeError, OSError, ValueError):  # no real descriptor (a test's capture)
        return sys.stdout.buffer
    stream = io.BufferedWriter(raw, buffer_size=1 << 16)
    atexit.register(_flush, stream)
    return stream


def _flush(stream: IO[bytes]) -> None:
    with contextlib.suppress(ValueError, OSError):  # a closed or broken stream
        stream.flush()


class LineWriter:
    """Access lines to a stream (standard output), buffered and flushed every second by one
    background thread: a line per request without a system call per request."""

    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self.stream = stream or buffered_stdout()
        self._second, self._stamp, self._milli, self._now = -1, "", -1, ""
        _STREAMS.add(self.stream)
        if not _FLUSHER:
            _FLUSHER.append(threading.Thread(target=_flush_forever, daemon=True,
                                             name="access-log-flush"))
            _FLUSHER[0].start()

    def now(self) -> str:
        """ISO time to the millisecond, formatted once per millisecond (the seconds part
        once per second): several lines a millisecond share one string."""
        milli = int(time.time() * 1000)
        if milli != self._milli:
            self._milli, second = milli, milli // 1000
            if second != self._second:
                self._second = second
                self._stamp = dt.datetime.fromtimestamp(second, dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S")
            self._now = f"{self._stamp}.{milli % 1000:03d}Z"
        return self._now

    def write(self, line: bytes) -> None:
        self.stream.write(line + b"\n")


class Access:
    """Request ids, and one access line (and the metrics) per finished request."""

    def __init__(self, proxies: tuple[Network, ...], text: bool = False,
                 writer: LineWriter | None = None,
                 observe: Callable[[Scope, int, float], None] | None = None) -> None:
        self.proxies, self.text = proxies, text
        self.writer, self.observe = writer, observe

    def begin(self, scope: Scope) -> str:
        """The request's id (the client's plain token, else a new one) and its client."""
        given = b""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value
                break
        rid = given.decode() if VALID_ID.fullmatch(given) else f"{PROCESS}{next(COUNTER):x}"
        scope[REQUEST_ID] = rid
        scope[CLIENT] = client_address(scope, self.proxies)
        return rid

    def end(self, scope: Scope, rid: str, answer: list[Any], seconds: float) -> None:
        """What was answered (status, body bytes) and how fast: a line and the metrics."""
        if self.writer is not None:
            self.writer.write(self.line(scope, rid, answer, seconds))
        if self.observe is not None:
            self.observe(scope, answer[0], seconds)

    def line(self, scope: Scope, rid: str, answer: list[Any], seconds: float) -> bytes:
        info: RequestInfo | None = scope.get(SCOPE_KEY)
        route = scope.get("route")
        path = scope["path"]
        assert self.writer is not None
        entry = {
            "time": self.writer.now(),
            "request_id": rid, "method": method_label(scope["method"]),
            "route": getattr(route, "path", None) or (info.route if info else None),
            "path": path[:MAX_PATH], "query": loggable_query(path, scope["query_string"]),
            "status": answer[0], "ms": round(seconds * 1000, 2), "bytes": answer[1],
            "cache": info.cache if info else "bypass", "client": scope.get(CLIENT),
            "ratelimit": scope.get(RATE_STATE)}
        if info is not None and "graphql_cost" in info.extra:
            entry["graphql_cost"] = info.extra["graphql_cost"]
        if self.text:  # one line whatever the path holds: no newline, no space unescaped
            path = UNPRINTABLE.sub(lambda m: f"%{ord(m.group()):02X}", entry["path"])
            return (f'{entry["client"]} {entry["method"]} {path} {entry["status"]} '
                    f'{entry["ms"]}ms {entry["bytes"]}B {entry["cache"]} {rid}').encode()
        return orjson.dumps(entry)
