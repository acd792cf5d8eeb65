"""Maps of a ranking: the choropleth and the tile grid, specified honestly and drawn by
vl-convert (SVG and PNG) as the chart routes draw them."""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from pathlib import Path
from typing import Any

import pytest

from api.charts import maps
from api.errors import ApiError
from api.services import geo

VERSION, DATA_URL = "a7a81b2204844798", "/v1/rankings?year=2022&indicator=DTI&limit=1000"
LINK = "https://dti.example/v1/rankings?year=2022&indicator=DTI&limit=1000"
BUILDERS = {"map": maps.choropleth, "tiles": maps.tile_grid}


def build(ctx: Any, kind: str, lang: str = "en", **request: Any) -> dict[str, Any]:
    data = geo.map_data(ctx, geo.MapChart(**request))
    return BUILDERS[kind](data, lang, VERSION, DATA_URL, LINK)


def rows_of(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["data"]["values"]  # type: ignore[no-any-return]  # the chart's data table


def colour_scale(spec: dict[str, Any]) -> dict[str, Any]:
    layer = spec["layer"][2] if "projection" in spec else spec["layer"][0]
    return layer["encoding"]["color"]["scale"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", BUILDERS)
def test_no_data_is_its_own_grey_class_never_the_lowest(ctx: Any, kind: str) -> None:
    spec = build(ctx, kind, year=2021)
    rows = rows_of(spec)
    assert len(rows) == 63
    missing = [r for r in rows if r["value"] is None]
    assert len(missing) == 57  # 6 of 63 values were collected for 2021
    assert {r["class"] for r in missing} == {"No data"}
    assert {r["value_shown"] for r in missing} == {"not in this dataset"}
    scale = colour_scale(spec)
    assert scale["domain"][-1] == "No data" and scale["range"][-1] == maps.NO_DATA
    assert maps.NO_DATA not in maps.SCHEME
    valued = [r for r in rows if r["value"] is not None]
    assert all(r["class"] != "No data" for r in valued)
    lowest = scale["domain"][-2]  # best first: the class before "No data" is the lowest
    assert [r["value"] for r in valued if r["class"] == lowest] == [
        min(r["value"] for r in valued)]


def test_classes_are_equal_intervals_that_hold_every_figure(ctx: Any) -> None:
    rows = rows_of(build(ctx, "map", year=2024, cohort="provinces-34"))
    assert len(rows) == 34
    for r in rows:
        if r["value"] is None:
            continue
        low, high = (float(x) for x in r["class"].split("–"))
        assert low <= r["value"] <= high
    found = maps.classes([0.1, 0.2, 0.3, 0.4, 0.5, 0.9], "value")
    assert [c[0] for c in found] == ["0.74–0.90", "0.58–0.74", "0.42–0.58", "0.26–0.42",
                                     "0.10–0.26"]
    assert [c[2] for c in found] == list(reversed(maps.SCHEME))
    assert maps.classes([0.5, 0.5], "value") == [("0.5000", -float("inf"), maps.SCHEME[0])]


def test_a_rank_map_puts_rank_1_darkest_and_labels_ties(ctx: Any) -> None:
    spec = build(ctx, "tiles", year=2022, measure="rank")
    rows = {r["code"]: r for r in rows_of(spec)}
    assert all(r["rank"] is not None for r in rows.values())  # 63 ranks were published
    scale = colour_scale(spec)
    darkest = scale["domain"][scale["range"].index(maps.SCHEME[-1])]
    assert darkest == "1–13" and rows["48"]["class"] == darkest  # Đà Nẵng, rank 1
    assert rows["48"]["dark"] and rows["48"]["label"][-1] == "1"
    assert sorted(r["rank_shown"] for r in rows.values() if r["rank"] == 15) == ["=15", "=15"]
    assert spec["title"]["text"].startswith("Provincial Digital Transformation Index 2022, "
                                            "rank: ")


def test_the_choropleth_inlines_its_cohort_and_says_where_everything_is_from(ctx: Any) -> None:
    spec = build(ctx, "map", year=2024, cohort="provinces-34")
    shared = geo.geography("provinces-34")
    geometry = spec["transform"][0]["from"]["data"]
    assert geometry["values"] is shared.topology
    assert geometry["format"] == {"type": "topojson", "feature": "provinces"}
    assert spec["projection"] == {"type": "mercator"}
    assert spec["title"]["subtitle"][0] == "34 of 34 have a published value; 34 ranked"
    assert spec["title"]["subtitle"][2] == f"DTI Open Data {VERSION[:8]} · {LINK}"
    usermeta = spec["usermeta"]
    assert usermeta["data_url"] == DATA_URL and usermeta["dataset_version"] == VERSION
    assert usermeta["geography"]["licence"]["name"] == "CC-BY-SA-4.0"
    notes = [layer["mark"]["text"] for layer in spec["layer"] if "text" in layer["mark"]]
    assert notes == ["Boundaries: geoBoundaries, CC BY-SA 4.0"]
    assert "Boundaries: geoBoundaries (Runfola et al. 2020, CC BY-SA 4.0)" in \
        spec["description"]
    assert spec["description"].startswith(spec["title"]["text"] + ". 34 of 34 have")
    assert "Ha Noi 0.8241" in spec["description"] and "no data" not in spec["description"]
    islands = spec["layer"][3]["data"]["values"]
    assert [i["text"] for i in islands] == [
        ["Hoang Sa (Paracel Islands)", "(part of Da Nang)"],
        ["Truong Sa (Spratly Islands)", "(part of Khanh Hoa)"]]


def test_words_follow_the_language(ctx: Any) -> None:
    spec = build(ctx, "map", lang="vi", year=2021)
    assert colour_scale(spec)["domain"][-1] == "Không có số liệu"
    assert spec["layer"][4]["mark"]["text"] == "Ranh giới: geoBoundaries, CC BY-SA 4.0"
    assert spec["layer"][3]["data"]["values"][0]["text"] == ["Quần đảo Hoàng Sa",
                                                             "(thuộc Đà Nẵng)"]
    assert "Đà Nẵng" in {r["name"] for r in rows_of(spec)}
    tiles = build(ctx, "tiles", lang="vi", year=2021)
    assert tiles["layer"][2]["mark"]["text"].startswith("Bố cục ô suy ra từ ranh giới")
    assert {r["value_shown"] for r in rows_of(tiles) if r["value"] is None} == {
        "không có trong bộ dữ liệu"}


def test_building_a_map_leaves_the_shared_geometry_as_loaded(ctx: Any) -> None:
    shared = geo.geography("provinces-63")
    before = hashlib.sha256(json.dumps(shared.topology, sort_keys=True).encode()).digest()
    for kind in BUILDERS:
        build(ctx, kind, year=2022)
    assert hashlib.sha256(json.dumps(shared.topology, sort_keys=True).encode()).digest() \
        == before


def test_map_parameters_are_parsed_like_the_collections() -> None:
    assert geo.MapChart.parse({"year": "2022"}) == geo.MapChart(2022)
    assert geo.MapChart.parse({"year": "2024", "cohort": "provinces-34",
                               "measure": "rank"}).measure == "rank"
    for bad in ({"year": "2022", "cohort": "ministries-public-services"},
                {"year": "2022", "measure": "share"}, {}):
        with pytest.raises(ApiError) as error:
            geo.MapChart.parse(bad)
        assert error.value.status == 400


def svg_group(svg: str, name: str) -> str:
    found = re.search(rf'<g class="{name}"[^>]*>(.*?)</g>', svg, re.S)
    assert found is not None, name
    return found.group(1)


@pytest.mark.parametrize("kind, cohort, year, units", [
    ("map", "provinces-63", 2021, 63), ("map", "provinces-34", 2024, 34),
    ("tiles", "provinces-63", 2021, 63), ("tiles", "provinces-34", 2024, 34)])
def test_vl_convert_draws_every_unit_the_legend_and_the_attribution(
        ctx: Any, kind: str, cohort: str, year: int, units: int) -> None:
    import vl_convert as vlc

    spec = build(ctx, kind, year=year, cohort=cohort)
    svg = str(vlc.vegalite_to_svg(spec))
    png = bytes(vlc.vegalite_to_png(spec, scale=1))
    keep = os.environ.get("DTI_TEST_MAPS_OUT")  # to look at them
    if keep:
        Path(keep, f"{kind}-{cohort}-{year}.png").write_bytes(png)
    no_data = sum(r["value"] is None for r in rows_of(spec))
    shapes = svg_group(svg, "mark-shape role-mark layer_2_marks" if kind == "map"
                       else "mark-rect role-mark layer_0_marks")
    fills = re.findall(r'<path[^>]*fill="(#[0-9a-f]{6})"', shapes)
    assert len(fills) == units  # every unit filled
    assert fills.count(maps.NO_DATA) == no_data < units  # 2021: 57 grey; 2024: none
    assert no_data == (57 if year == 2021 else 0)
    assert set(fills) - {maps.NO_DATA} <= set(maps.SCHEME)
    legend = re.findall(r'role-legend-label.*?<text[^>]*>([^<]*)</text>', svg, re.S)
    assert legend[-1] == "No data" and len(legend) >= 2
    assert "geoBoundaries, CC BY-SA 4.0" in svg
    if kind == "map":  # the island groups, drawn in their province's colour, and named
        for underlay in ("layer_0_marks", "layer_1_marks"):
            group = svg_group(svg, f"mark-shape role-mark {underlay}")
            outlines = re.findall(r'<path[^>]*d="([^"]*)"', group)
            assert len(outlines) == 2 and min(d.count("M") for d in outlines) > 22
        assert "Hoang Sa (Paracel Islands)" in svg and "Truong Sa (Spratly Islands)" in svg
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 400 and height > 500


def test_a_map_page_shows_the_drawing_its_words_and_a_row_per_unit(
        ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The html format as the chart routes build it, once page.TABLES lists maps.TABLE."""
    from api.charts import page

    monkeypatch.setitem(page.TABLES, "map", maps.TABLE)
    spec = build(ctx, "map", year=2024, cohort="provinces-34")
    html = page.chart_page("map", spec, "<svg></svg>", "en",
                           "/v1/charts/map?year=2024&format=vl").decode()
    assert html.count("<tr><td>") == 34
    assert "<td>Ha Noi</td><td>0.8241</td><td>1</td><td>0.762–0.825</td>" in html
    assert "Boundaries: geoBoundaries (Runfola et al. 2020, CC BY-SA 4.0)" in html
