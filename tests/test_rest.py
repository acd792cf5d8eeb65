"""HTTP behaviour of the REST API: facts end to end, paging, formats, caching, errors."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from api.rest.routes import ENDPOINTS
from api.services.registry import COLLECTIONS


def get(client: Any, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.text)
    return response.json()


def test_ranking_2022_has_63_entries_with_the_published_tie(client: Any) -> None:
    body = get(client, "/v1/rankings?year=2022")
    ranks = [(e["rank"], e["entity_code"]) for e in body["data"]]
    assert len(ranks) == 63 and body["meta"]["complete"] is True
    assert (15, "38") in ranks and (15, "15") in ranks  # Thanh Hóa and Yên Bái
    assert 16 not in [r for r, _ in ranks]
    after_tie = max(ranks.index((15, "38")), ranks.index((15, "15"))) + 1
    assert ranks[after_tie][0] == 17
    assert [r for r, _ in ranks] == sorted(r for r, _ in ranks)


def test_ranking_carries_year_on_year_change(client: Any) -> None:
    da_nang = get(client, "/v1/rankings?year=2022&lang=en")["data"][0]
    assert da_nang["entity_code"] == "48"
    assert da_nang["rank"] == 1 and da_nang["previous_rank"] == 1 and da_nang["rank_change"] == 0
    assert da_nang["value_change"] == pytest.approx(0.8002 - 0.6419)
    assert da_nang["entity_name"] == "Da Nang"


def test_partial_ranking_lists_unranked_members_after_ranked(client: Any) -> None:
    # 2022 infrastructure: 10 values (the detailed table's rows 1-5 and 59-63), 4 ranks
    body = get(client, "/v1/rankings?year=2022&indicator=INFRASTRUCTURE&limit=100")
    data, meta = body["data"], body["meta"]
    assert len(data) == 63 and meta["cohort_size"] == 63 and meta["complete"] is False
    assert meta["computed"] == 0  # 10 of 63 values: no rank is computed
    ranked = [e for e in data if e["rank"] is not None]
    assert data[: len(ranked)] == ranked and meta["ranked"] == len(ranked) == 4
    rest = data[len(ranked):]
    valued = [e for e in rest if e["value"] is not None]
    assert rest[: len(valued)] == valued and valued  # value-only figures before the empty
    assert [e["value"] for e in valued] == sorted((e["value"] for e in valued), reverse=True)
    empty = rest[len(valued):]
    assert len(empty) == 63 - meta["with_value"] - len([e for e in ranked if e["value"] is None])
    assert all(e["source_ids"] == [] and e["value_text"] is None for e in empty)


def test_ranking_default_cohort_and_404s(client: Any) -> None:
    assert get(client, "/v1/rankings?year=2024")["meta"]["cohort"] == "provinces-63"
    for url in ("/v1/rankings?year=2019", "/v1/rankings?year=2025",
                "/v1/rankings?year=2022&indicator=NOPE"):
        assert client.get(url).status_code == 404


def test_quang_nam_2020_end_to_end(client: Any) -> None:
    rows = get(client, "/v1/scores?entity=49&year=2020&indicator=DTI")["data"]
    assert [(r["value"], r["value_text"], r["rank"]) for r in rows] == [(0.3264, "0.3264", 24)]
    assert rows[0]["sources"][0]["source_id"] == "qn-interview-dti2020"


def test_score_filters(client: Any) -> None:
    def ids(url: str) -> set[int]:
        return {r["id"] for r in get(client, url + "&limit=1000")["data"]}
    every = ids("/v1/scores?year=2020:2024")
    assert ids("/v1/scores?year=2020,2022") == ids("/v1/scores?year=2020") | ids(
        "/v1/scores?year=2022")
    ranked, unranked = ids("/v1/scores?year=2022&has_rank=true"), ids(
        "/v1/scores?year=2022&has_rank=false")
    assert ranked | unranked == ids("/v1/scores?year=2022") and not ranked & unranked
    valued = get(client, "/v1/scores?has_value=true&limit=1000")["data"]
    assert valued and all(r["value"] is not None for r in valued)
    ministries = get(client, "/v1/scores?kind=ministry&limit=1000")["data"]
    assert ministries and all(r["entity_kind"] == "ministry" for r in ministries)
    assert ids("/v1/scores?cohort=provinces-34&year=2020:2024") <= every
    assert get(client, "/v1/scores?entity=ZZ")["data"] == []


@pytest.mark.parametrize("sort", ["rank", "-rank", "value", "-value", "year,-entity"])
def test_score_sorts_are_ordered_with_nulls_last(client: Any, sort: str) -> None:
    rows = get(client, f"/v1/scores?year=2022&sort={sort}&limit=1000")["data"]
    key = sort.split(",")[0].lstrip("-")
    values = [r[key] for r in rows if r[key] is not None]
    assert values == sorted(values, reverse=sort.startswith("-"))
    present = [r[key] is not None for r in rows]
    assert present == sorted(present, reverse=True)


def test_conflicts_are_served_beside_the_value(client: Any) -> None:
    """mic.gov.vn published the DTI (the ministry in charge): its rank is official and
    outranks a provincial portal and the press; the others stay as conflicts."""
    row = get(client, "/v1/scores?entity=79&year=2022&indicator=GOV")["data"][0]
    assert row["rank"] == 2 and row["conflict_status"] == "resolved_by_tier"
    assert [c["source_id"] for c in row["sources"]] == ["mic-en-hcm-2022"]
    assert {c["source_id"] for c in row["conflicts"]} == {"binhphuoc-honquan-2022",
                                                          "kdtt-dti-2022"}


def test_entity_search_ignores_case_and_diacritics(client: Any) -> None:
    codes = {e["code"] for e in get(client, "/v1/entities?q=da%20nang")["data"]}
    assert codes == {"48", "M-da-nang"}
    assert {e["code"] for e in get(client, "/v1/entities?q=%C4%90%C3%80%20N%E1%BA%B4NG")[
        "data"]} == codes
    assert len(get(client, "/v1/entities?cohort=provinces-34&limit=100")["data"]) == 34
    assert {e["kind"] for e in get(client, "/v1/entities?kind=ministry&limit=100")["data"]} == {
        "ministry"}


def test_entity_merger_links(client: Any) -> None:
    new = get(client, "/v1/entities/M-da-nang")["data"]
    assert {p["code"] for p in new["predecessors"]} == {"48", "49"}
    old = get(client, "/v1/entities/49")["data"]
    assert [s["code"] for s in old["successors"]] == ["M-da-nang"]
    assert old["valid_to"] == "2025-06-30" and new["valid_from"] == "2025-07-01"


def test_series_and_indicator_tree(client: Any) -> None:
    series = get(client, "/v1/entities/48/series?year=2020:2024")["data"]
    assert [p["year"] for p in series] == sorted(p["year"] for p in series)
    assert series[0]["source_ids"]
    tree = get(client, "/v1/indicators?tree=true&framework=DTI_922_2022-province")["data"]
    assert [n["code"] for n in tree] == ["DTI"]
    assert {c["code"] for c in tree[0]["children"]} >= {"GOV", "AWARENESS", "SOC_ACTIVITY"}
    gov = get(client, "/v1/indicators/GOV?framework=DTI_922_2022-province")["data"]
    assert gov["parent"]["code"] == "DTI"


def test_statistics_date_filter_drops_undated_rows(client: Any) -> None:
    rows = get(client, "/v1/statistics?entity=38&from=2021-01-01&to=2021-12-31")["data"]
    assert rows and all(r["as_of"] and r["as_of"].startswith("2021") for r in rows)
    undated = get(client, "/v1/statistics?dated=false&limit=1000")["data"]
    assert undated and all(not (r["as_of"] or r["period_start"] or r["period_end"])
                           for r in undated)


def test_source_lists_its_figures(client: Any) -> None:
    source = get(client, "/v1/sources/qn-interview-dti2020")["data"]
    assert source["url"] is None and source["figure_count"] == len(source["figures"]) == 9
    dti = [f for f in source["figures"] if f["kind"] == "score" and f["indicator"] == "DTI"]
    assert [(f["year"], f["entity_code"], f["value_text"], f["rank"]) for f in dti] == [
        (2020, "49", "0.3264", 24)]
    assert [f["kind"] for f in source["figures"]].count("aggregate") == 2
    assert [(f["metric"], f["value_text"]) for f in source["figures"]
            if f["kind"] == "statistic"] == [("DVCTT_LEVEL34_COUNT", "1300"),
                                             ("DVCTT_PROVISION_RATE_PCT", "80"),
                                             ("DOSSIER_ONLINE_RATE_PCT", "47.75")]


def collections() -> list[str]:
    urls = []
    for e in COLLECTIONS:
        if not e.many:
            continue
        url = e.path.replace("{code}", "48")
        query = {"/v1/rankings": "?year=2022", "/v1/rankings/history": "?entity=48,49,01",
                 "/v1/rankings/what-if": "?year=2024&cohort=provinces-34&weights=1,1,1,1,1,1,1,1"}
        urls.append(url + query.get(url, ""))
    return urls


@pytest.mark.parametrize("url", collections())
def test_paging_returns_every_row_exactly_once(client: Any, url: str) -> None:
    sep = "&" if "?" in url else "?"
    full = get(client, f"{url}{sep}limit=1000")
    seen, next_url, pages = [], f"{url}{sep}limit=7", 0
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["data"]
        next_url = body["links"]["next"]
        if next_url:
            assert response.headers["link"] == f'<{next_url}>; rel="next"'
        pages += 1
    assert seen == full["data"] and len(seen) == full["meta"]["total"]
    assert pages == max(1, -(-len(seen) // 7))


@pytest.mark.parametrize("url", collections())
def test_csv_and_ndjson_return_all_matching_rows(client: Any, url: str) -> None:
    sep = "&" if "?" in url else "?"
    total = get(client, f"{url}{sep}limit=1")["meta"]["total"]
    response = client.get(f"{url}{sep}format=csv&limit=1")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == total
    nd = client.get(url, headers={"Accept": "application/x-ndjson"})
    assert nd.headers["content-type"] == "application/x-ndjson"
    assert len([json.loads(line) for line in nd.text.splitlines()]) == total


def test_csv_bom_for_spreadsheets(client: Any) -> None:
    body = client.get("/v1/metrics?format=csv&bom=true").content
    assert body.startswith("\ufeffcode,".encode())


def test_etag_304_cache_control_and_vary(client: Any) -> None:
    first = client.get("/v1/rankings?year=2022")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "Accept-Language" in first.headers["vary"]
    again = client.get("/v1/rankings?year=2022", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/v1/rankings?year=2021")
    assert other.headers["etag"] != etag
    en = client.get("/v1/rankings?year=2022&lang=en")
    assert en.headers["etag"] != etag and en.json()["data"][0]["entity_name"] == "Da Nang"


def test_gzip_for_large_responses(client: Any) -> None:
    response = client.get("/v1/scores?limit=200", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["data"]) == 200


def test_cors(client: Any) -> None:
    response = client.get("/v1/metrics", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    pre = client.options("/v1/metrics", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204 and "GET" in pre.headers["access-control-allow-methods"]


def test_head_is_answered(client: Any) -> None:
    response = client.head("/v1/metrics")
    assert response.status_code == 200 and response.headers["etag"]


ERRORS = [
    ("/v1/scores?yeer=2020", 400, "yeer"),
    ("/v1/scores?year=twenty", 400, "year"),
    ("/v1/scores?year=2024:2020", 400, "year"),
    ("/v1/scores?sort=color", 400, "sort"),
    ("/v1/scores?limit=0", 400, "limit"),
    ("/v1/scores?limit=1001", 400, "limit"),
    ("/v1/scores?cursor=xyz", 400, "cursor"),
    ("/v1/frameworks?cursor=%C3%A9.%C3%A9", 400, "cursor"),
    ("/v1/scores?year=2020&year=2021", 400, "year"),
    ("/v1/rankings", 400, "year"),
    ("/v1/rankings?year=2022&cohort=planets", 400, "cohort"),
    ("/v1/statistics?from=2021-02-30", 400, "from"),
    ("/v1/entities/ZZ", 404, None),
    ("/v1/sources/nope", 404, None),
    ("/v1/frameworks/nope", 404, None),
    ("/v1/indicators/NOPE", 404, None),
    ("/v1/entities/ZZ/series", 404, None),
    ("/v1/rankings?year=2030", 404, None),
    ("/v2/whatever", 404, None),
]


@pytest.mark.parametrize("url,status,parameter", ERRORS, ids=[e[0] for e in ERRORS])
def test_every_error_is_problem_json(client: Any, url: str, status: int,
                                     parameter: str | None) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys() and body["status"] == status
    assert "Traceback" not in response.text
    if parameter:
        assert parameter in [e["parameter"] for e in body["errors"]]


def test_other_methods_are_405_problems(client: Any) -> None:
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/v1/scores")
        assert response.status_code == 405
        assert response.headers["content-type"] == "application/problem+json"


def test_a_foreign_cursor_is_refused(client: Any) -> None:
    cursor = get(client, "/v1/scores?limit=2")["links"]["next"].split("cursor=")[1]
    response = client.get(f"/v1/scores?year=2022&limit=2&cursor={cursor}")
    assert response.status_code == 400 and "different query" in response.json()["detail"]
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    assert client.get(f"/v1/scores?limit=2&cursor={tampered}").status_code == 400


def test_health_version_docs_openapi(client: Any) -> None:
    assert get(client, "/health") == {"status": "ok"}
    assert get(client, "/version")["dataset_version"]
    docs = client.get("/docs")
    assert "/docs/assets/swagger-ui-bundle.js" in docs.text and "http" not in docs.text
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert get(client, "/openapi.json")["openapi"] == "3.1.0"
    index = get(client, "/v1")["data"]
    assert index["dataset_version"] and "/v1/scores" in index["collections"].values()


def test_database_is_opened_read_only(app: Any) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with app.state.api.db.connect() as conn, pytest.raises(OperationalError):
        conn.execute(text("DELETE FROM score"))


@pytest.mark.parametrize("query", ["", "year=2022&sort=-value,entity&lang=en",
                                   "indicator=GOV&has_rank=true"])
def test_score_export_matches_the_paged_csv(app: Any, query: str) -> None:
    """The one-query export and the page-by-page path write the same CSV."""
    from starlette.datastructures import QueryParams

    from api.http import render
    from api.http.query import parse_query
    from api.services import exports, registry
    from models.text import columns

    state = app.state.api
    endpoint = next(e for e in registry.COLLECTIONS if e.path == "/v1/scores")
    assert endpoint.export is not None
    params = parse_query(QueryParams(query), next(
        e for e in ENDPOINTS if e.path == "/v1/scores").accepted)
    lang = params.get("lang", "vi")
    fields = columns(endpoint.model)
    export = endpoint.export(params, lang)
    fast = b"".join(exports.csv_chunks(export, registry.export_batches(state.query, export),
                                       False))
    slow = b"".join(render.csv_lines(registry.every_row(state.query, endpoint, params, {},
                                                           lang), fields, False))
    assert fast == slow and fast.count(b"\n") > 10


def test_cache_hits_answer_like_the_handler(client: Any) -> None:
    """The cache-first middleware gives the same status, headers and body as the handler."""
    url = "/v1/rankings?year=2021&limit=5"
    first = client.get(url, headers={"Origin": "https://example.org"})
    again = client.get(url, headers={"Origin": "https://example.org"})  # from the cache
    assert again.content == first.content
    for name in ("etag", "cache-control", "vary", "link", "content-type",
                 "access-control-allow-origin"):
        assert again.headers[name] == first.headers[name], name
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    gz = client.get(url.replace("limit=5", "limit=60"), headers={"Accept-Encoding": "gzip"})
    gz_again = client.get(url.replace("limit=5", "limit=60"), headers={"Accept-Encoding": "gzip"})
    assert gz_again.headers["content-encoding"] == "gzip" and gz_again.json() == gz.json()
    assert client.head(url).content == b"" and client.head(url).headers["etag"]
    for _ in range(2):  # the second answer comes from the cache, under the English key
        en = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}).json()["data"][0]
        assert en["entity_name"] == en["entity_name_en"]
    post = {"query": "{ dataset { version } }"}
    assert client.post("/graphql", json=post).json() == client.post("/graphql", json=post).json()
