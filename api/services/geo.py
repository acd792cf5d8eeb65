"""Geography for maps: the boundaries and tile grids derived in seed/geo (committed files,
read once per process, no geometry library needed), and the rows a map of a ranking draws.

Everything drawn from the boundaries carries their licence (CC BY-SA 4.0) and attribution:
`licence()` gives both, and every geography answer and map names them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from api.errors import not_found
from api.services import charts
from api.services.context import QueryContext
from api.services.params import Filter, Param, enum
from api.services.rankings import RankingRequest
from api.services.scores import DEFAULT_INDICATOR
from models.vocab import default_cohort
from seed.geo import COHORTS, DERIVED, OBJECT, tiles_file, topology_file

MEASURES = ("value", "rank")


@dataclass(frozen=True)
class Tile:
    code: str
    row: int
    col: int


@dataclass(frozen=True)
class Geography:
    """One cohort's map geometry. Shared by every request: never mutate `topology`."""

    cohort: str
    body: bytes  # the TopoJSON file as committed, served as is
    topology: dict[str, Any]
    tiles: tuple[Tile, ...]
    tiles_csv: bytes

    @property
    def metadata(self) -> dict[str, Any]:
        return self.topology["metadata"]

    @property
    def units(self) -> list[dict[str, Any]]:
        """code, name_vi, name_en (and members, for post-merger units) of every unit."""
        return [g["properties"] for g in self.topology["objects"][OBJECT]["geometries"]]

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.body + self.tiles_csv).hexdigest()[:16]


def _tiles(body: bytes) -> tuple[Tile, ...]:
    rows = csv.DictReader(io.StringIO(body.decode()))
    return tuple(Tile(r["code"], int(r["row"]), int(r["col"])) for r in rows)


@cache
def geography(cohort: str) -> Geography:
    """The derived files of a cohort that has a map (provinces-63, provinces-34)."""
    if cohort not in COHORTS:
        raise not_found(f"no map geometry for cohort {cohort!r}; maps exist for "
                        + ", ".join(COHORTS))
    body = (DERIVED / topology_file(cohort)).read_bytes()
    tiles_csv = (DERIVED / tiles_file(cohort)).read_bytes()
    return Geography(cohort, body, json.loads(body), _tiles(tiles_csv), tiles_csv)


def licence() -> dict[str, Any]:
    """The boundaries' licence, attribution and sources (the same for every cohort)."""
    meta = geography(COHORTS[0]).metadata
    return {k: meta[k] for k in ("licence", "attribution", "attribution_short", "sources")}


@cache
def version() -> str:
    """A hash of every cohort's geometry and tile grid: the geography ships with the code,
    not the dataset, so a map's ETag adds this to the dataset version."""
    return hashlib.sha256("".join(geography(c).etag for c in COHORTS).encode()).hexdigest()[:16]


@cache
def package() -> dict[str, Any]:
    """The derived files' Frictionless descriptor: each file's size, sha256, licence,
    sources and method (the index of a /v1/geo route)."""
    found: dict[str, Any] = json.loads((DERIVED / "datapackage.json").read_bytes())
    return found


def tiles(cohort: str) -> list[dict[str, Any]]:
    """A cohort's tile grid, one row per unit with its names."""
    geo = geography(cohort)
    names = {u["code"]: u for u in geo.units}
    return [{"code": t.code, "row": t.row, "col": t.col, "name_vi": names[t.code]["name_vi"],
             "name_en": names[t.code]["name_en"]} for t in geo.tiles]


@dataclass(frozen=True)
class MapChart(Filter):
    """A ranking drawn on the map: its values (or its ranks) per unit."""

    year: int
    indicator: str = DEFAULT_INDICATOR
    cohort: str | None = None
    measure: str = "value"

    PARAMS: ClassVar[dict[str, Param]] = {
        **RankingRequest.PARAMS,
        "cohort": enum(COHORTS, "Cohort with a map (default provinces-63 to 2024, "
                                "provinces-34 from 2025)"),
        "measure": enum(MEASURES, "What colours the units: value (default) or rank")}


def map_data(ctx: QueryContext, request: MapChart) -> dict[str, Any]:
    """The ranking's rows, its facts (completeness, publishers) and the cohort's geometry."""
    cohort = request.cohort or default_cohort(request.year)
    found = charts.ranking(ctx, charts.RankingChart(request.year, request.indicator, cohort))
    return {**found, "measure": request.measure, "geo": geography(cohort)}
