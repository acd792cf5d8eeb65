"""Maps and geography over HTTP: /v1/charts/map and /tiles in every format, /v1/geo's
boundaries and tile grids; each with the boundaries' licence in a header (and in the
body where the format has one), and ETags that follow the geometry as well as the data."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from api.services import geo
from tests.conftest import make_app

LICENCE = '<https://creativecommons.org/licenses/by-sa/4.0/>; rel="license"'


@pytest.mark.parametrize("kind", ["map", "tiles"])
def test_maps_are_chart_resources_in_every_format(client: Any, kind: str) -> None:
    url = f"/v1/charts/{kind}?year=2024&cohort=provinces-34&lang=en"
    for fmt, media in (("svg", "image/svg+xml"), ("png", "image/png"),
                       ("vl", "application/vnd.vegalite+json"), ("html", "text/html")):
        answer = client.get(f"{url}&format={fmt}")
        assert answer.status_code == 200, (fmt, answer.text[:300])
        assert answer.headers["content-type"].startswith(media)
        assert answer.headers["link"] == LICENCE, fmt
        assert answer.headers["etag"] and "max-age" in answer.headers["cache-control"]
    page = client.get(f"{url}&format=html").text
    assert page.count("<tr><td>") == 34  # the data table: a row per unit
    assert "CC BY-SA 4.0" in page and 'data-spec="/v1/charts/' in page
    spec = client.get(f"{url}&format=vl").json()
    assert spec["usermeta"]["geography"]["licence"]["name"] == "CC-BY-SA-4.0"
    assert spec["usermeta"]["data_url"].startswith("/v1/rankings?year=2024&cohort=provinces-34")


def test_map_errors_are_the_collections_errors(client: Any) -> None:
    for url, status in (("/v1/charts/map", 400), ("/v1/charts/map?year=2022&cohort=nation", 400),
                        ("/v1/charts/tiles?year=2022&measure=share", 400),
                        ("/v1/charts/map?year=2019", 404)):
        answer = client.get(url)
        assert answer.status_code == status, url
        assert answer.headers["content-type"] == "application/problem+json"


def test_geo_index_names_each_file_and_the_licence(client: Any) -> None:
    answer = client.get("/v1/geo")
    assert answer.headers["link"] == LICENCE
    body = answer.json()
    assert [c["cohort"] for c in body["data"]] == ["provinces-63", "provinces-34"]
    assert [c["units"] for c in body["data"]] == [63, 34]
    assert body["meta"]["licence"]["name"] == "CC-BY-SA-4.0"
    assert "geoBoundaries" in body["meta"]["attribution"]
    for cohort in body["data"]:
        topology = client.get(cohort["topojson"])
        assert topology.headers["link"] == LICENCE
        assert topology.content == geo.geography(cohort["cohort"]).body  # as committed
        assert cohort["hash"] == "sha256:" + __import__("hashlib").sha256(
            topology.content).hexdigest()
        assert topology.json()["metadata"]["licence"]["name"] == "CC-BY-SA-4.0"


def test_tile_grids_as_json_and_csv(client: Any) -> None:
    grid = client.get("/v1/geo/provinces-34/tiles").json()
    assert len(grid["data"]) == 34 and grid["meta"]["licence"]["name"] == "CC-BY-SA-4.0"
    assert {"code", "row", "col", "name_vi", "name_en"} == set(grid["data"][0])
    csv = client.get("/v1/geo/provinces-34/tiles?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["link"] == LICENCE
    assert "tiles-provinces-34.csv" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0] == "code,row,col,name_vi,name_en" and len(lines) == 35
    assert client.get("/v1/geo/planets/tiles").status_code == 404
    assert client.get("/v1/geo/planets.topojson").status_code == 404


def test_etags_change_with_the_geometry_not_only_the_dataset(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """New boundaries with the same dataset: a client's copy of a map is stale."""
    from starlette.testclient import TestClient

    urls = ("/v1/charts/map?year=2022&format=vl", "/v1/geo/provinces-63.topojson",
            "/v1/geo", "/explore/ranking?year=2022")
    with TestClient(make_app(sqlite_url, cache_max_entries=0)) as c:
        before = {u: c.get(u).headers["etag"] for u in urls}
        assert all(c.get(u, headers={"If-None-Match": e}).status_code == 304
                   for u, e in before.items())
        loaded = geo.geography("provinces-63")
        moved = replace(loaded, body=loaded.body.replace(b'"arcs"', b'"arcs" ', 1))
        monkeypatch.setattr(geo, "geography",
                            lambda c: moved if c == "provinces-63" else loaded)
        geo.version.cache_clear()
        try:
            for url, etag in before.items():
                again = c.get(url, headers={"If-None-Match": etag})
                assert again.status_code == 200 and again.headers["etag"] != etag, url
            plain = c.get("/v1/rankings?year=2022").headers["etag"]  # data only: unchanged
        finally:
            geo.version.cache_clear()
        assert plain == c.get("/v1/rankings?year=2022").headers["etag"]


def test_the_contract_documents_the_geography(client: Any) -> None:
    paths = json.loads(client.get("/openapi.json").text)["paths"]
    assert {"/v1/geo", "/v1/geo/{cohort}.topojson", "/v1/geo/{cohort}/tiles",
            "/v1/charts/map", "/v1/charts/tiles", "/v1/charts/radar",
            "/v1/charts/distribution"} <= set(paths)
    tiles = paths["/v1/geo/{cohort}/tiles"]["get"]["responses"]["200"]["content"]
    assert set(tiles) == {"application/json", "text/csv"}
    assert re.search("CC BY-SA", paths["/v1/charts/map"]["get"]["summary"])
