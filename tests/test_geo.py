"""Geography as data: the boundaries and tile grids derived in seed/geo, checked as an
outsider would (decoded from the committed files), and the service that serves them."""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from api.errors import ApiError
from api.services import geo
from seed.geo import (
    COHORTS,
    DATA,
    DERIVED,
    ISLANDS_OBJECT,
    OBJECT,
    SOURCE,
    tiles_file,
    topology_file,
)
from seed.geo.derive import GeoInvalid, derive, features, read_provinces, rows

ROOT = Path(__file__).resolve().parents[1]
ATTRIBUTION = ("Boundaries: geoBoundaries (Runfola et al. 2020, CC BY-SA 4.0), from Open "
               "Development Mekong, 'Địa phận tỉnh' (2016)")
COHORT_CODES = {"provinces-63": {r["code"] for r in rows(DATA / "provinces.csv")},
                "provinces-34": {r["code"] for r in rows(DATA / "merged_provinces.csv")}}


def topology(cohort: str) -> dict[str, Any]:
    return json.loads((DERIVED / topology_file(cohort)).read_bytes())  # type: ignore[no-any-return]


def drawn(cohort: str, name: str = OBJECT) -> dict[str, Any]:
    """The committed file decoded: code -> shapely geometry."""
    return {f["id"]: shape(f["geometry"]) for f in features(topology(cohort), name)}


def neighbours(cohort: str) -> set[tuple[str, str]]:
    """Pairs of units sharing an arc of the TopoJSON: a border of positive length."""
    users: dict[int, set[str]] = {}
    for g in topology(cohort)["objects"][OBJECT]["geometries"]:
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        for ring in (r for p in polygons for r in p):
            for arc in ring:
                users.setdefault(arc if arc >= 0 else ~arc, set()).add(g["id"])
    return {pair for codes in users.values() for pair in combinations(sorted(codes), 2)}


@pytest.mark.slow
def test_the_committed_files_are_what_the_derivation_makes(tmp_path: Path) -> None:
    """Deterministic: another process, another hash seed, the same bytes."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-m", "seed.geo", "--out", str(tmp_path)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    made = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in DERIVED.iterdir()}
    assert sorted(made) == sorted(committed)
    stale = [name for name in made if made[name] != committed[name]]
    assert not stale, f"{stale} differ: run `python -m seed.geo` and commit seed/geo/derived"
    assert "within 1 cell" in result.stdout


@pytest.mark.parametrize("cohort", COHORTS)
def test_each_unit_is_there_once_under_our_code_and_names(cohort: str) -> None:
    topo = topology(cohort)
    units = topo["objects"][OBJECT]["geometries"]
    assert sorted(u["id"] for u in units) == sorted(COHORT_CODES[cohort])
    assert all(u["id"] == u["properties"]["code"] for u in units)
    names = {r["code"]: r["name_vi"] for r in rows(DATA / "provinces.csv")}
    names.update({r["code"]: r["name_vi"] for r in rows(DATA / "merged_provinces.csv")})
    assert all(u["properties"]["name_vi"] == names[u["id"]] for u in units)


@pytest.mark.parametrize("cohort", COHORTS)
def test_units_are_valid_and_shared_borders_stay_shared(cohort: str) -> None:
    shapes = drawn(cohort)
    assert all(g.is_valid and g.area > 0 for g in shapes.values())
    # a valid coverage: no overlaps, and every shared edge has the same vertices both sides
    assert shapely.coverage_is_valid(list(shapes.values()))
    pairs = neighbours(cohort)
    assert len(pairs) > len(shapes)  # borders are arcs used by both sides
    for a, b in pairs:
        assert shapely.intersection(shapes[a].boundary, shapes[b].boundary).length > 0


def test_the_34_are_the_63_dissolved_by_the_merger_map() -> None:
    old, new = drawn("provinces-63"), drawn("provinces-34")
    members: dict[str, list[str]] = {}
    for r in rows(DATA / "merger_map.csv"):
        members.setdefault(r["new_code"], []).append(r["old_code"])
    for code, geometry in new.items():
        union = shapely.union_all([old[c] for c in members[code]])
        assert shapely.symmetric_difference(union, geometry).area < 1e-9 * geometry.area
    # the 34's borders are exactly some of the 63's
    assert shapely.union_all([g.boundary for g in new.values()]).difference(
        shapely.union_all([g.boundary for g in old.values()])).length < 1e-9


@pytest.mark.parametrize("cohort", COHORTS)
def test_sizes_suit_the_web(cohort: str) -> None:
    body = (DERIVED / topology_file(cohort)).read_bytes()
    assert len(gzip.compress(body, 9)) < 150_000
    source = (SOURCE / "geoBoundaries-VNM-ADM1_simplified.topojson").read_bytes()
    assert len(body) < len(source) / 2  # simplified well below the source's resolution


@pytest.mark.parametrize("cohort, da_nang, khanh_hoa", [
    ("provinces-63", "48", "56"), ("provinces-34", "M-da-nang", "M-khanh-hoa")])
def test_hoang_sa_and_truong_sa_survive_simplification_in_their_province(
        cohort: str, da_nang: str, khanh_hoa: str) -> None:
    source = {u.code: u.geometry for u in read_provinces()}
    shapes = drawn(cohort)
    groups = drawn(cohort, ISLANDS_OBJECT)
    assert sorted(groups) == sorted([da_nang, khanh_hoa])
    facts = {i["code"]: i for i in topology(cohort)["metadata"]["islands"]}
    # the source's reefs, by where they are (Khánh Hòa's own coastal islands excluded)
    for unit, old, boxes in ((da_nang, "48", [(111.0, 15.5, 113.0, 17.5)]),
                             (khanh_hoa, "56", [(110.0, 6.5, 117.5, 12.5),
                                                (109.0, 6.5, 110.0, 9.0)])):
        parts = [p for box in boxes
                 for p in shapely.get_parts(shapely.clip_by_rect(source[old], *box))]
        assert facts[unit]["parts"] == len(parts) == len(groups[unit].geoms)
        assert groups[unit].within(shapes[unit].buffer(1e-9))  # part of their province
        for part in parts:  # each source reef is still drawn where it was
            assert groups[unit].distance(part) < 0.01
    assert facts[da_nang]["name_vi"] == "Quần đảo Hoàng Sa"
    assert facts[khanh_hoa]["name_vi"] == "Quần đảo Trường Sa"
    assert facts[khanh_hoa]["bbox"][2] > 116.9  # out to the easternmost reef


@pytest.mark.parametrize("cohort", COHORTS)
def test_every_derived_file_carries_the_licence_and_attribution(cohort: str) -> None:
    meta = topology(cohort)["metadata"]
    assert meta["licence"]["name"] == "CC-BY-SA-4.0"
    assert meta["attribution"] == ATTRIBUTION
    assert meta["source_sha256"] == ("9d255666ab91f68c4db5818d1b1faaabd456ce760434e53e98"
                                     "00b9a6be47c202")
    package = json.loads((DERIVED / "datapackage.json").read_bytes())
    described = {r["path"]: r for r in package["resources"]}
    for name in (topology_file(cohort), tiles_file(cohort)):
        assert described[name]["licenses"][0]["name"] == "CC-BY-SA-4.0"
        assert "geoBoundaries" in described[name]["sources"][0]["title"]


def test_the_data_package_validates_with_frictionless() -> None:
    from frictionless import validate

    report = validate(DERIVED / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("cohort, kept_1, kept_2", [
    ("provinces-63", 0.85, 0.95), ("provinces-34", 0.85, 0.95)])
def test_tile_grid_gives_each_unit_one_cell_and_keeps_neighbours_near(
        cohort: str, kept_1: float, kept_2: float) -> None:
    with (DERIVED / tiles_file(cohort)).open(newline="") as f:
        cells = {r["code"]: (int(r["row"]), int(r["col"])) for r in csv.DictReader(f)}
    assert sorted(cells) == sorted(COHORT_CODES[cohort])  # every unit exactly once
    assert len(set(cells.values())) == len(cells)  # no two share a cell
    pairs = neighbours(cohort)

    def within(n: int) -> float:
        near = sum(max(abs(cells[a][0] - cells[b][0]), abs(cells[a][1] - cells[b][1])) <= n
                   for a, b in pairs)
        return near / len(pairs)

    print(f"{cohort}: {len(pairs)} neighbouring pairs, {within(1):.1%} within 1 cell, "
          f"{within(2):.1%} within 2")
    assert within(1) >= kept_1 and within(2) >= kept_2
    # north stays north: Hà Nội / Hà Giang above Hồ Chí Minh / Cà Mau
    north, south = (("01", "79") if cohort == "provinces-63" else ("M-ha-noi", "M-ho-chi-minh"))
    assert cells[north][0] < cells[south][0]


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, Path]:
    source, data = tmp_path / "source", tmp_path / "data"
    shutil.copytree(SOURCE, source)
    shutil.copytree(DATA, data)
    return source, data


def test_a_crosswalk_without_a_province_stops_the_derivation(
        broken: tuple[Path, Path]) -> None:
    source, data = broken
    lines = (source / "crosswalk.csv").read_text(encoding="utf-8").splitlines()
    (source / "crosswalk.csv").write_text("\n".join(line for line in lines
                                                    if ",Da Nang," not in line) + "\n")
    with pytest.raises(GeoInvalid, match="no province code"):
        derive(source, data)


def test_a_province_in_two_post_merger_units_stops_the_derivation(
        broken: tuple[Path, Path]) -> None:
    source, data = broken
    with (data / "merger_map.csv").open("a", encoding="utf-8") as f:
        f.write("M-ha-noi,48,mg-laodong-res202-en,\n")
    with pytest.raises(GeoInvalid, match="exactly one"):
        derive(source, data)


def test_the_service_loads_each_cohort_once_and_names_the_licence() -> None:
    first = geo.geography("provinces-63")
    assert geo.geography("provinces-63") is first
    assert len(first.units) == 63 and len(geo.geography("provinces-34").units) == 34
    assert first.body == (DERIVED / topology_file("provinces-63")).read_bytes()
    assert geo.licence()["licence"]["name"] == "CC-BY-SA-4.0"
    assert geo.licence()["attribution"] == ATTRIBUTION
    tiles = geo.tiles("provinces-34")
    assert len(tiles) == 34 and {"code", "row", "col", "name_vi", "name_en"} <= set(tiles[0])
    assert Counter(len(geo.geography(c).etag) for c in COHORTS) == {16: 2}
    described = {r["path"]: r for r in geo.package()["resources"]}
    assert described[topology_file("provinces-34")]["bytes"] == len(
        geo.geography("provinces-34").body)
    with pytest.raises(ApiError) as error:
        geo.geography("ministries-public-services")
    assert error.value.status == 404


def test_serving_needs_no_geometry_library() -> None:
    """The API imports the geography without shapely, topojson or scipy installed."""
    code = ("import sys\n"
            "class Refuse:\n"
            "    def find_spec(self, name, *args):\n"
            "        if name.split('.')[0] in ('shapely', 'topojson', 'scipy'):\n"
            "            raise ImportError(name)\n"
            "sys.meta_path.insert(0, Refuse())\n"
            "from api.services import geo\n"
            "from api.charts import maps\n"
            "print(len(geo.geography('provinces-63').units), len(geo.tiles('provinces-34')))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["63", "34"]
