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


def test_remembered_keys_are_the_keys_and_the_memory_is_bounded() -> None:
    import api.http.keys as keys

    keys._memo.clear()
    asked = [scope(b"year=%d&limit=5" % y, accept="text/csv") for y in range(3000)]
    first = [request_key(s) for s in asked]
    assert 0 < len(keys._memo) <= keys.MEMO_ENTRIES
    again = [request_key(s) for s in asked]  # some remembered, some keyed afresh
    keys._memo.clear()
    assert first == again == [request_key(s) for s in asked]
    request_key(scope(b"q=" + b"x" * 600))
    assert not any(len(sent[2]) > keys.MEMO_INPUT for sent in keys._memo)
    body = scope(method="POST", path="/graphql", content_type="application/json")
    assert request_key(body, b"{}") == request_key(body, b"{}") != request_key(body, b"{ }")


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


def test_response_cache_evicts_the_least_recently_used_and_drops_expired_entries(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import api.http.cache as cache_module

    clock = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    entry = Rendered.build(b"x" * 100, '"e"', "application/json", 60, compress=False)
    cache = ResponseCache(max_entries=2, max_bytes=100_000, ttl=10)
    cache.put("a", entry)
    cache.put("b", entry)
    assert cache.get("a") is entry  # "a" is now the most recently used
    cache.put("c", entry)
    assert cache.get("b") is None and cache.get("a") is entry and cache.get("c") is entry
    clock[0] += 11
    assert cache.get("a") is None and cache.stats == (1, entry.size + KEY_BYTES)
    cache.put("d", entry)  # "c" expired: dropped when an answer is added
    assert cache.stats == (1, entry.size + KEY_BYTES) and cache.get("d") is entry


PER_REQUEST = (b"x-request-id", b"ratelimit")  # this request's id, the budget left now


def same_headers(a: Any, b: Any) -> bool:
    """Byte for byte and in order, but for the two headers that belong to one request."""
    def kept(r: Any) -> list[tuple[bytes, bytes]]:
        return [(n.lower(), v) for n, v in r.headers.raw if n.lower() not in PER_REQUEST]
    present = all(n in {h.lower() for h, _ in r.headers.raw} for r in (a, b)
                  for n in PER_REQUEST)
    return present and kept(a) == kept(b)


HEADER_SETS = {
    "none": {},
    "origin": {"Origin": "https://example.org"},
    "gzip": {"Accept-Encoding": "gzip"},
    "gzip-origin": {"Accept-Encoding": "gzip, br", "Origin": "https://example.org"},
    "english": {"Accept-Language": "en-GB,en;q=0.9"},
    "identity": {"Accept-Encoding": "identity"},
}
URLS = ["/v1/rankings?year=2021&limit=5", "/v1/rankings?limit=60&year=2022", "/v1/metrics",
        "/v1/entities/48", "/graphql?query=%7B%20dataset%20%7B%20version%20%7D%20%7D", "/v1"]


@pytest.mark.parametrize("headers", HEADER_SETS, ids=list(HEADER_SETS))
@pytest.mark.parametrize("url", URLS)
def test_a_hit_answers_byte_for_byte_like_the_miss(sqlite_url: str, url: str,
                                                   headers: str) -> None:
    """Through the same stack: status, every header in order, and the body."""
    from starlette.testclient import TestClient

    from tests.conftest import make_app

    sent = HEADER_SETS[headers]
    with TestClient(make_app(sqlite_url)) as client:
        for method in ("GET", "HEAD"):
            miss = client.request(method, url, headers=sent)
            hit = client.request(method, url, headers=sent)
            assert miss.status_code == hit.status_code == 200
            assert same_headers(hit, miss) and hit.content == miss.content
            etag = miss.headers["etag"]
            for tag in (etag, f"W/{etag}", "*", f'"other", {etag}'):
                again = client.request(method, url, headers={**sent, "If-None-Match": tag})
                assert again.status_code == 304 and again.content == b""
                assert again.headers["etag"] == etag  # what a 200 would carry
        state = client.app.state.api  # type: ignore[attr-defined]
        assert state.cache.hits >= 2


def test_post_graphql_hits_answer_like_the_miss(sqlite_url: str) -> None:
    from starlette.testclient import TestClient

    from tests.conftest import make_app

    body = {"query": "{ ranking(year: 2022) { entries { edges { node { rank entityCode } } } } }"}
    with TestClient(make_app(sqlite_url)) as client:
        miss = client.post("/graphql", json=body, headers={"Accept-Encoding": "gzip"})
        hit = client.post("/graphql", json=body, headers={"Accept-Encoding": "gzip"})
        assert same_headers(hit, miss) and hit.content == miss.content
        assert miss.headers["content-encoding"] == "gzip"


def test_if_none_match_star_needs_an_existing_resource(client: Any) -> None:
    for url in ("/v1/entities/ZZ", "/v1/rankings?year=2030", "/v1/nowhere"):
        assert client.get(url, headers={"If-None-Match": "*"}).status_code == 404
    assert client.get("/v1/entities/48", headers={"If-None-Match": "*"}).status_code == 304
    csv = client.get("/v1/metrics?format=csv", headers={"If-None-Match": "*"})
    assert csv.status_code == 304


def test_self_links_are_canonical_whatever_the_parameter_order(client: Any) -> None:
    a = client.get("/v1/scores?year=2020&limit=5").json()["links"]
    b = client.get("/v1/scores?limit=5&year=2020").json()["links"]
    assert a == b and a["self"] == "/v1/scores?limit=5&year=2020"
    assert a["next"].startswith("/v1/scores?limit=5&year=2020&cursor=")


def test_streams_are_gzipped_with_their_own_etag(client: Any) -> None:
    plain = client.get("/v1/scores?format=csv", headers={"Accept-Encoding": "identity"})
    packed = client.get("/v1/scores?format=csv", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.text == plain.text
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert "content-encoding" not in plain.headers
    again = client.get("/v1/scores?format=csv", headers={
        "Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304


def test_static_assets_are_gzipped_and_revalidated(client: Any) -> None:
    js = client.get("/graphql/assets/graphiql.min.js", headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200 and js.headers["content-encoding"] == "gzip"
    assert int(js.headers["content-length"]) < len(js.content) / 3
    again = client.get("/graphql/assets/graphiql.min.js",
                       headers={"If-None-Match": js.headers["etag"]})
    assert again.status_code == 304
    for hidden in ("README.md", "LICENSE.react", "index.html", "..%2F..%2Fapp.py"):
        assert client.get(f"/graphql/assets/{hidden}").status_code == 404


def test_unacceptable_formats_are_406(client: Any) -> None:
    response = client.get("/v1/metrics", headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert "text/csv" in response.json()["detail"]
    assert client.get("/v1/metrics", headers={"Accept": "text/csv"}).headers[
        "content-type"] == "text/csv; charset=utf-8"


def test_client_address_behind_trusted_proxies() -> None:
    from api.http.clients import budget_key, client_address, parse_networks

    proxies = parse_networks("10.0.0.0/8, ::1")

    def seen(peer: str, forwarded: str | None) -> str:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return client_address({"client": (peer, 1), "headers": headers}, proxies)

    assert seen("203.0.113.9", "1.2.3.4") == "203.0.113.9"  # not a proxy: header ignored
    assert seen("10.0.0.2", "1.2.3.4") == "1.2.3.4"
    assert seen("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.5") == "1.2.3.4"  # right-most untrusted
    assert seen("10.0.0.2", "not-an-address") == "10.0.0.2"
    assert seen("::1", "2001:db8::1") == "2001:db8::1"
    assert budget_key("2001:db8::1") == budget_key("2001:db8::ffff") == "2001:db8::/64"
    assert budget_key("192.0.2.1") == "192.0.2.1"
