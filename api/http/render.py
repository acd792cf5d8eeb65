"""Render service results as JSON, CSV or NDJSON, and errors as problem+json."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from api.errors import ApiError


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON (orjson: about five times the stdlib's speed on our pages)."""
    return orjson.dumps(document)


def _ref(item: dict[str, Any]) -> str:
    """How a nested read model is named in a CSV cell: its source id, code or kind:id."""
    if item.get("source_id") or item.get("code"):
        return str(item.get("source_id") or item.get("code"))
    if "kind" in item and "id" in item:
        return f"{item['kind']}:{item['id']}"
    return json.dumps(item, ensure_ascii=False)


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(_ref(v) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def csv_lines(rows: Iterable[dict[str, Any]], fields: list[str], bom: bool) -> Iterator[bytes]:
    """Stream CSV: a header row, then one line per row, in chunks."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore",
                            lineterminator="\n")
    if bom:
        buffer.write("\ufeff")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
        if buffer.tell() > 65536:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def ndjson_lines(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    chunk: list[bytes] = []
    for row in rows:
        chunk.append(dumps(row) + b"\n")
        if len(chunk) >= 500:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


class ProblemResponse:
    """An RFC 9457 problem+json answer, usable from a handler or a middleware."""

    def __init__(self, error: ApiError, instance: str | None = None) -> None:
        self.error, self.body = error, dumps(error.problem(instance))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/problem+json"),
                   (b"content-length", str(len(self.body)).encode()),
                   (b"cache-control", b"no-store")]
        headers += [(k.lower().encode(), v.encode()) for k, v in self.error.headers.items()]
        await send({"type": "http.response.start", "status": self.error.status,
                    "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else self.body})
