"""/v1/geo: the derived boundaries and tile grids, served as they are committed
(seed/geo/derived), each answer with the boundaries' licence (CC BY-SA 4.0) and
attribution in its body and in a `Link: <...>; rel="license"` header. Their ETags add the
geometry's own hash to the dataset version: the files ship with the code."""

from __future__ import annotations

import csv
import io
from typing import Any

from api.http.endpoint import Body, Call, Doc, Document, Endpoint
from api.services import geo
from seed.geo import COHORTS

LICENCE = '<https://creativecommons.org/licenses/by-sa/4.0/>; rel="license"'
COLUMNS = ("code", "row", "col", "name_vi", "name_en")
COHORT = {"cohort": (f"Cohort with a map: {', '.join(COHORTS)}", COHORTS[0])}


def _cohorts() -> list[dict[str, Any]]:
    files = {r["path"]: r for r in geo.package()["resources"]}
    found = []
    for cohort in COHORTS:
        one = geo.geography(cohort)
        topology = files[f"{cohort}.topojson"]
        found.append({"cohort": cohort, "units": len(one.units),
                      "topojson": f"/v1/geo/{cohort}.topojson",
                      "tiles": f"/v1/geo/{cohort}/tiles",
                      "bytes": topology["bytes"], "hash": topology["hash"],
                      "description": topology["description"]})
    return found


async def index(call: Call) -> Document:
    return Document({"data": _cohorts(), "meta": {**geo.licence(), "package": geo.package()},
                     "links": {"self": "/v1/geo"}}, LICENCE)


async def topology(call: Call) -> Body:
    """The TopoJSON file as committed: its `metadata` names the licence and attribution."""
    return Body(geo.geography(call.path["cohort"]).body, [(b"link", LICENCE.encode())])


async def tiles(call: Call) -> Document | Body:
    cohort = call.path["cohort"]
    rows = geo.tiles(cohort)
    if call.fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        name = f'attachment; filename="tiles-{cohort}.csv"'
        return Body(out.getvalue().encode(), [(b"link", LICENCE.encode()),
                                              (b"content-disposition", name.encode())])
    return Document({"data": rows, "meta": {"cohort": cohort, **geo.licence()},
                     "links": {"self": f"/v1/geo/{cohort}/tiles"}}, LICENCE)


UNIT = {"type": "object", "required": ["cohort", "units", "topojson", "tiles"]}
ENDPOINTS = [
    Endpoint("/v1/geo", "get_geography", "The map geography: each cohort's boundaries and "
             "tile grid, their licence (CC BY-SA 4.0), sources and method", handle=index,
             tag="geo", variant=geo.version, doc=Doc(schema={
                 "type": "object", "required": ["data", "meta", "links"],
                 "properties": {"data": {"type": "array", "items": UNIT},
                                "meta": {"type": "object", "required": ["licence",
                                                                        "attribution"]}}})),
    Endpoint("/v1/geo/{cohort}.topojson", "get_boundaries", "A cohort's boundaries as "
             "TopoJSON keyed by our entity codes (the island groups also as an `islands` "
             "object); licence and attribution in its `metadata`", handle=topology,
             tag="geo", variant=geo.version, doc=Doc(
                 path_params=COHORT, responses=(404,),
                 schema={"type": "object", "required": ["type", "objects", "arcs",
                                                        "metadata"]})),
    Endpoint("/v1/geo/{cohort}/tiles", "get_tile_grid", "A cohort's tile grid: every unit "
             "one cell (row 0 the northernmost, col 0 the westernmost)", handle=tiles,
             formats=("json", "csv"), tag="geo", variant=geo.version, doc=Doc(
                 path_params=COHORT, responses=(404,),
                 schema={"type": "object", "required": ["data", "meta", "links"]})),
]
