"""The shared HTTP plumbing on its own: keys, ETags, negotiation, cache bounds."""

from __future__ import annotations

from typing import Any

import pytest

from api.http.cache import KEY_BYTES, ResponseCache
from api.http.keys import etag_for, request_key
from api.http.negotiate import accepts_gzip, choose, language_of
from api.http.representation import Rendered, etag_matches


def scope(query: bytes = b"", method: str = "GET", path: str = "/v1/scores",
          **headers: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "query_string": query,
            "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]}


def test_cache_key_ignores_parameter_order_but_not_values() -> None:
    a = request_key(scope(b"year=2020&limit=5"))
    assert a == request_key(scope(b"limit=5&year=2020"))
    assert a == request_key(scope(b"limit=5&year=2020", method="HEAD"))
    assert a != request_key(scope(b"limit=6&year=2020"))
    assert a != request_key(scope(b"year=2020&limit=5", accept_language="en-US"))
    assert a == request_key(scope(b"year=2020&limit=5", accept_language="vi,en;q=0.5"))
    assert a != request_key(scope(b"year=2020&limit=5", accept="text/csv"))
    assert a != request_key(scope(b"year=2020&limit=5", method="POST"), b"{}")
    assert len(request_key(scope(b"q=" + b"x" * 60_000))) == 64


def test_etags_follow_version_and_key() -> None:
    a = etag_for("v1", "k1")
    assert a == etag_for("v1", "k1") and a != etag_for("v2", "k1") and a != etag_for("v1", "k2")
    assert etag_matches(f"W/{a}, \"other\"", a) and etag_matches("*", a)
    assert etag_matches(a[:-1] + '-gzip"', a) and not etag_matches('"nope"', a)


@pytest.mark.parametrize("accept,offers,chosen", [
    ("", ("json", "csv"), "json"),
    ("*/*", ("json", "csv"), "json"),
    ("text/csv", ("json", "csv", "ndjson"), "csv"),
    ("application/x-ndjson", ("json", "csv", "ndjson"), "ndjson"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ("json", "html"), "html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ("json", "csv"), "json"),
    ("text/*;q=0.5, application/json;q=0.4", ("json", "csv"), "csv"),
    ("application/xml", ("json", "csv"), None),
    ("application/json;q=0", ("json",), None),
    ("garbage", ("json",), "json"),
])
def test_format_negotiation(accept: str, offers: tuple[str, ...], chosen: str | None) -> None:
    assert choose(accept, offers) == chosen


def test_language_and_encoding_negotiation() -> None:
    assert language_of("") == "vi" and language_of("fr") == "vi"
    assert language_of("en-GB,en;q=0.9") == "en" and language_of("fr, en;q=0.5") == "en"
    assert language_of("vi;q=0.9, en;q=0.8") == "vi"
    assert accepts_gzip("gzip, deflate, br") and not accepts_gzip("identity")
    assert not accepts_gzip("gzip;q=0") and accepts_gzip("*")


def test_response_cache_is_bounded_by_entries_and_bytes_keys_included() -> None:
    def entry(size: int) -> Rendered:
        return Rendered.build(b"x" * size, '"e"', "application/json", 60, compress=False)

    cache = ResponseCache(max_entries=3, max_bytes=100_000)
    for i in range(10):
        cache.put(f"k{i}", entry(100))
    assert cache.stats[0] == 3 and cache.get("k9") is not None and cache.get("k0") is None
    small = ResponseCache(max_entries=10_000, max_bytes=50_000)
    for i in range(1000):
        small.put(f"{i:064d}", entry(10))
    entries, held = small.stats
    assert held <= 50_000 and entries == 50_000 // (entry(10).size + KEY_BYTES)
    off = ResponseCache(max_entries=0, max_bytes=5_000)
    off.put("k", entry(1))
    assert off.get("k") is None
