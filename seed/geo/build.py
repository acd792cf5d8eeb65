"""Every derived file's bytes: both TopoJSON files, both tile grids and the data package
describing them (licence, attribution, sources, method, schema, sizes and hashes)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from seed.geo import COHORTS, DATA, SOURCE, tiles_file, topology_file
from seed.geo.derive import derive
from seed.geo.tiles import Layout, layout, to_csv

CODE_FIELD = {"name": "code", "type": "string", "constraints": {"required": True,
                                                                 "unique": True},
              "description": "Entity code (seed/data/provinces.csv, merged_provinces.csv)"}
CELL_FIELDS = [{"name": "row", "type": "integer", "constraints": {"minimum": 0},
                "description": "Row of the cell, 0 the northernmost"},
               {"name": "col", "type": "integer", "constraints": {"minimum": 0},
                "description": "Column of the cell, 0 the westernmost"}]


def dumps(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _resource(name: str, body: bytes, about: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name.replace(".", "-"), "path": name, **extra,
            "bytes": len(body), "hash": "sha256:" + hashlib.sha256(body).hexdigest(),
            "licenses": [about["licence"]], "sources": about["sources"]}


def outputs(source: Path = SOURCE, data: Path = DATA) -> tuple[dict[str, bytes],
                                                                dict[str, Layout]]:
    """The derived files by name, and the tile layouts with their adjacency figures."""
    about = json.loads((source / "attribution.json").read_text(encoding="utf-8"))
    files: dict[str, bytes] = {}
    layouts: dict[str, Layout] = {}
    resources = []
    for cohort, (topo, units) in derive(source, data).items():
        name = topology_file(cohort)
        files[name] = dumps(topo)
        resources.append(_resource(name, files[name], about, format="topojson",
                                   mediatype="application/json",
                                   description=topo["metadata"]["title"] + "; "
                                   + topo["metadata"]["simplification"]))
        layouts[cohort] = found = layout(units)
        name = tiles_file(cohort)
        files[name] = to_csv(found).encode()
        resources.append(_resource(
            name, files[name], about, format="csv", mediatype="text/csv", encoding="utf-8",
            description=(f"Tile grid of {len(units)} units ({found.columns} columns): each "
                         f"one square cell near its place on the map; {found.within_1} of "
                         f"{found.pairs} neighbouring pairs within one cell, "
                         f"{found.within_2} within two (method: seed/geo/tiles.py)"),
            schema={"fields": [CODE_FIELD, *CELL_FIELDS], "primaryKey": ["code"]}))
    package = {"name": "dti-open-data-geography", "title": "Vietnam's provinces (63) and "
               "post-merger units (34) for maps: boundaries and tile grids",
               "description": about["attribution"] + ". Derived by python -m seed.geo.",
               "licenses": [about["licence"]], "sources": about["sources"],
               "resources": resources}
    files["datapackage.json"] = (json.dumps(package, ensure_ascii=False, indent=2)
                                 + "\n").encode()
    assert set(files) >= {topology_file(c) for c in COHORTS}
    return files, layouts
