"""Geography as data: the project's copy of the province boundaries (`source/`) and what
`python -m seed.geo` derives from them (`derived/`), committed like the figures in seed/data.

Deriving needs the `[geo]` extra (shapely, topojson, scipy); reading the derived files
needs nothing but the standard library, so the API serves maps without those packages.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
DERIVED = HERE / "derived"
DATA = HERE.parent / "data"  # seed/data: names, the merger map
COHORTS = ("provinces-63", "provinces-34")
OBJECT = "provinces"  # the TopoJSON object holding the units, in both files
ISLANDS_OBJECT = "islands"  # the offshore island groups again, for maps to draw visibly


def topology_file(cohort: str) -> str:
    return f"{cohort}.topojson"


def tiles_file(cohort: str) -> str:
    return f"tiles-{cohort}.csv"
