"""A tile-grid layout: every unit one square cell, placed near where it is on the map.

Method (deterministic: no randomness, no iteration order that could change):
1. Anchor each unit at the centroid of its largest polygon (so offshore islands do not pull
   Khánh Hòa or Đà Nẵng out to sea), in an equirectangular projection (longitude scaled by
   the cosine of the anchors' mean latitude).
2. For a grid `columns` cells wide, scale the anchors so the westernmost falls on column 0
   and the easternmost on the last column, with square cells; row 0 is the northernmost.
3. Assign units to cells by a linear assignment (scipy.optimize.linear_sum_assignment, the
   exact Hungarian-type solver) minimising the total squared distance between each anchor
   and its cell's centre: no two units share a cell, and the layout moves units as little
   as possible in total.
4. Try every width from MIN_COLUMNS to MAX_COLUMNS and keep the one that keeps the most
   neighbouring pairs within one cell of each other (Chebyshev distance, so diagonal
   neighbours count), then the least displacement, then the narrower grid.
Neighbours are the pairs of units whose polygons share a border of positive length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment

from seed.geo.derive import Unit

MIN_COLUMNS, MAX_COLUMNS = 4, 16
Cell = tuple[int, int]  # (row, col)


@dataclass(frozen=True)
class Layout:
    cells: dict[str, Cell]
    columns: int
    displacement: float  # total squared distance anchor -> cell, in cells
    pairs: int  # neighbouring pairs
    within_1: int  # of them, at most one cell apart (rows and columns)
    within_2: int  # at most two cells apart


def anchor(unit: Unit) -> tuple[float, float]:
    parts = list(getattr(unit.geometry, "geoms", [unit.geometry]))
    point = max(parts, key=lambda p: p.area).centroid
    return point.x, point.y


def neighbours(units: list[Unit]) -> list[tuple[str, str]]:
    """Pairs of units sharing a border of positive length (not only a corner)."""
    found = []
    for a, b in combinations(units, 2):
        if a.geometry.intersects(b.geometry) and \
                shapely.intersection(a.geometry.boundary, b.geometry.boundary).length > 0:
            found.append((a.code, b.code))
    return found


def gap(a: Cell, b: Cell) -> int:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


def assign(anchors: dict[str, tuple[float, float]], columns: int) -> tuple[dict[str, Cell],
                                                                           float]:
    """Units to cells of a grid `columns` wide, minimising total squared displacement."""
    codes = sorted(anchors)
    lat = math.radians(sum(y for _, y in anchors.values()) / len(anchors))
    xs = np.array([anchors[c][0] * math.cos(lat) for c in codes])
    ys = np.array([anchors[c][1] for c in codes])
    size = (xs.max() - xs.min()) / (columns - 1)
    col, row = (xs - xs.min()) / size, (ys.max() - ys) / size
    rows = math.ceil(row.max()) + 1
    if rows * columns < len(codes):
        raise ValueError(f"a grid {columns} wide has too few cells")
    grid_r, grid_c = np.divmod(np.arange(rows * columns), columns)
    cost = (row[:, None] - grid_r[None, :]) ** 2 + (col[:, None] - grid_c[None, :]) ** 2
    chosen_units, chosen_cells = linear_sum_assignment(cost)
    cells = {codes[i]: (int(grid_r[j]), int(grid_c[j]))
             for i, j in zip(chosen_units, chosen_cells, strict=True)}
    top = min(r for r, _ in cells.values())
    left = min(c for _, c in cells.values())
    cells = {code: (r - top, c - left) for code, (r, c) in cells.items()}
    return cells, float(cost[chosen_units, chosen_cells].sum())


def layout(units: list[Unit]) -> Layout:
    """The grid width that keeps most neighbours adjacent (see the module's method)."""
    anchors = {u.code: anchor(u) for u in units}
    pairs = neighbours(units)
    best: Layout | None = None
    for columns in range(MIN_COLUMNS, MAX_COLUMNS + 1):
        try:
            cells, displacement = assign(anchors, columns)
        except ValueError:  # too narrow for every unit to have a cell
            continue
        found = Layout(cells, columns, round(displacement, 6), len(pairs),
                       sum(gap(cells[a], cells[b]) <= 1 for a, b in pairs),
                       sum(gap(cells[a], cells[b]) <= 2 for a, b in pairs))
        if best is None or (found.within_1, -found.displacement) > (best.within_1,
                                                                    -best.displacement):
            best = found
    assert best is not None
    return best


def to_csv(found: Layout) -> str:
    lines = ["code,row,col"] + [f"{code},{r},{c}" for code, (r, c) in sorted(found.cells.items())]
    return "\n".join(lines) + "\n"
