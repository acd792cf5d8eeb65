"""The 63 provinces keyed by our codes, and the 34 post-merger units dissolved from them, as
web-sized TopoJSON whose shared borders stay shared.

1. Decode the source TopoJSON (topojson's own decoder), key each feature by the crosswalk
   and name it from seed/data/provinces.csv; check every code is there once, every geometry
   is valid and the 63 form a valid coverage (no overlaps, borders matched).
2. Simplify the 63 together as a coverage (GEOS' coverage simplification through topojson,
   `simplify_with="geos"`): a border is simplified once for both its sides, so no slivers or
   gaps, and every ring stays at least a triangle, so no island is lost.
3. Dissolve the simplified 63 by seed/data/merger_map.csv into the 34 (a coverage union):
   their borders are exactly the 63's, and a 34-unit map overlays a 63-province one.
4. Encode both as TopoJSON on one quantisation grid, with the licence, attribution and the
   island groups in a top-level `metadata` member.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from topojson._types import Transform
from topojson.core.topology import Topology
from topojson.utils import serialize_as_geojson

from seed.geo import DATA, ISLANDS_OBJECT, OBJECT, SOURCE

SOURCE_FILE = "geoBoundaries-VNM-ADM1_simplified.topojson"
TOLERANCE = 0.01  # degrees (about 1 km): under a pixel of a national map even at scale=3
QUANTIZE = 100_000  # steps of about 15 m; at 10,000 snapping made reef rings self-intersect
ISLAND_GAP = 0.5  # degrees: a unit's parts this far from its largest part are offshore
# Offshore island groups drawn as part of a province (pre-merger code), named on the maps.
ISLANDS = {"48": ("Quần đảo Hoàng Sa", "Hoang Sa (Paracel Islands)"),
           "56": ("Quần đảo Trường Sa", "Truong Sa (Spratly Islands)")}


class GeoInvalid(Exception):
    """The source boundaries or the merger map do not fit together; nothing is written."""


@dataclass(frozen=True)
class Unit:
    code: str
    name_vi: str
    name_en: str
    geometry: Any  # a shapely (Multi)Polygon
    members: tuple[str, ...] = ()  # the pre-merger codes of a post-merger unit


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _check(units: list[Unit], expected: set[str], what: str) -> None:
    codes = [u.code for u in units]
    if len(set(codes)) != len(codes) or set(codes) != expected:
        raise GeoInvalid(f"{what}: codes {sorted(set(codes) ^ expected)} missing or extra")
    bad = [u.code for u in units if not u.geometry.is_valid]
    if bad:
        raise GeoInvalid(f"{what}: invalid geometry for {bad}")
    if not shapely.coverage_is_valid([u.geometry for u in units]):
        raise GeoInvalid(f"{what}: the units overlap or their borders do not match")


def features(topo: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The GeoJSON features of one object of a TopoJSON (topojson's own decoder)."""
    found = serialize_as_geojson(topo, objectname=name)  # type: ignore[no-untyped-call]
    return found["features"]


def read_provinces(source: Path = SOURCE, data: Path = DATA) -> list[Unit]:
    """The 63 source polygons under our codes and names, checked."""
    topo = json.loads((source / SOURCE_FILE).read_text(encoding="utf-8"))
    (name,) = topo["objects"]
    code_of = {r["shapeID"]: r["code"] for r in rows(source / "crosswalk.csv")}
    names = {r["code"]: r for r in rows(data / "provinces.csv")}
    units = []
    for feature in features(topo, name):
        code = code_of.get(feature["properties"]["shapeID"], "")
        if code not in names:
            raise GeoInvalid(f"crosswalk.csv: no province code for {feature['properties']}")
        units.append(Unit(code, names[code]["name_vi"], names[code]["name_en"],
                          shape(feature["geometry"])))
    units.sort(key=lambda u: u.code)
    _check(units, set(names), SOURCE_FILE)
    return units


def _collection(units: list[Unit]) -> dict[str, Any]:
    features = []
    for u in units:
        properties: dict[str, Any] = {"code": u.code, "name_vi": u.name_vi,
                                      "name_en": u.name_en}
        if u.members:
            properties["members"] = list(u.members)
        features.append({"type": "Feature", "id": u.code, "properties": properties,
                         "geometry": mapping(u.geometry)})
    return {"type": "FeatureCollection", "features": features}


def decode(topo: dict[str, Any], units: list[Unit]) -> list[Unit]:
    """The units with the geometries a TopoJSON holds for them (as a map draws them)."""
    drawn = {f["id"]: shape(f["geometry"]) for f in features(topo, OBJECT)}
    return [replace(u, geometry=drawn[u.code]) for u in units]


def simplify(units: list[Unit]) -> dict[str, Any]:
    """The 63 as one TopoJSON, simplified together as a coverage."""
    return Topology(_collection(units), prequantize=QUANTIZE, presimplify=TOLERANCE,
                    simplify_with="geos", object_name=OBJECT).to_dict()


def dissolve(units: list[Unit], data: Path = DATA) -> list[Unit]:
    """The post-merger units: each the union of its pre-merger provinces."""
    groups: dict[str, list[str]] = {}
    for r in rows(data / "merger_map.csv"):
        groups.setdefault(r["new_code"], []).append(r["old_code"])
    names = {r["code"]: r for r in rows(data / "merged_provinces.csv")}
    by_code = {u.code: u for u in units}
    placed = [c for members in groups.values() for c in members]
    if sorted(placed) != sorted(by_code) or set(groups) != set(names):
        raise GeoInvalid("merger_map.csv: every province must go to exactly one named unit")
    merged = [Unit(code, names[code]["name_vi"], names[code]["name_en"],
                   shapely.coverage_union_all([by_code[c].geometry for c in sorted(members)]),
                   tuple(sorted(members)))
              for code, members in sorted(groups.items())]
    _check(merged, set(names), "merger_map.csv")
    return merged


def encode(units: list[Unit], grid: Transform) -> dict[str, Any]:
    """Already simplified units as TopoJSON on a given quantisation grid (no new vertices),
    with their island groups as a second object drawn from the same arcs."""
    topo = Topology(_collection(units), prequantize=grid, object_name=OBJECT).to_dict()
    topo["objects"][ISLANDS_OBJECT] = {"type": "GeometryCollection",
                                       "geometries": list(_island_groups(topo))}
    return topo


def _island_groups(topo: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Per unit holding a group of ISLANDS: the polygons of the unit far from its largest
    one (the same arcs, selected, never copied), under the unit's code."""
    for unit in topo["objects"][OBJECT]["geometries"]:
        code = unit["properties"]["code"]
        named = [ISLANDS[c] for c in unit["properties"].get("members", [code]) if c in ISLANDS]
        if not named:
            continue
        polygons = unit["arcs"] if unit["type"] == "MultiPolygon" else [unit["arcs"]]
        one_each = {**topo, "objects": {"parts": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": p} for p in polygons]}}}
        parts = [shape(f["geometry"]) for f in features(one_each, "parts")]
        main = max(parts, key=lambda p: p.area)
        far = [arcs for arcs, part in zip(polygons, parts, strict=True)
               if part.distance(main) > ISLAND_GAP]
        yield {"type": "MultiPolygon", "arcs": far, "id": code,
               "properties": {"code": code, "name_vi": named[0][0], "name_en": named[0][1]}}


def island_facts(topo: dict[str, Any]) -> list[dict[str, Any]]:
    """The island groups as drawn: their unit, names, parts and extent."""
    found = []
    for feature in features(topo, ISLANDS_OBJECT):
        geometry = shape(feature["geometry"])
        x0, y0, x1, y1 = (round(v, 4) for v in geometry.bounds)
        found.append({**feature["properties"], "parts": len(getattr(geometry, "geoms", [1])),
                      "bbox": [x0, y0, x1, y1]})
    return found


def with_metadata(topo: dict[str, Any], cohort: str, title: str,
                  units: list[Unit], source: Path = SOURCE) -> dict[str, Any]:
    """The TopoJSON with its licence, attribution and provenance as a top-level member."""
    about = json.loads((source / "attribution.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256((source / SOURCE_FILE).read_bytes()).hexdigest()
    metadata = {"title": title, "cohort": cohort, "units": len(units), "object": OBJECT,
                "id": "the entity code (seed/data/provinces.csv, merged_provinces.csv)",
                **about, "source_file": SOURCE_FILE, "source_sha256": digest,
                "derived_by": "python -m seed.geo (seed/geo/derive.py)",
                "simplification": f"GEOS coverage simplification, tolerance {TOLERANCE} "
                                  f"degrees; quantised to {QUANTIZE:,} steps",
                "islands_object": ISLANDS_OBJECT, "islands": island_facts(topo)}
    return {"type": topo["type"], "metadata": metadata, "bbox": topo["bbox"],
            "transform": topo["transform"], "objects": topo["objects"], "arcs": topo["arcs"]}


def derive(source: Path = SOURCE, data: Path = DATA) -> dict[str, tuple[dict[str, Any],
                                                                       list[Unit]]]:
    """Both cohorts: their TopoJSON and their units as drawn."""
    provinces = read_provinces(source, data)
    simplified = simplify(provinces)
    drawn63 = decode(simplified, provinces)
    _check(drawn63, {u.code for u in provinces}, "the simplified 63")
    topo63 = encode(drawn63, simplified["transform"])
    merged = dissolve(drawn63, data)
    topo34 = encode(merged, simplified["transform"])
    drawn34 = decode(topo34, merged)
    if decode(topo63, drawn63) != drawn63:
        raise GeoInvalid("re-encoding the simplified 63 moved a vertex")
    _check(drawn34, {u.code for u in merged}, "the 34 units")
    return {
        "provinces-63": (with_metadata(topo63, "provinces-63", "Vietnam's 63 provinces "
                                       "(before the 2025 merger)", drawn63, source), drawn63),
        "provinces-34": (with_metadata(topo34, "provinces-34", "Vietnam's 34 provincial "
                                       "units (from 1 July 2025)", drawn34, source), drawn34)}
