"""Vega-Lite maps of a ranking: a choropleth of the boundaries and a tile grid, with their
data and geometry inline.

Honest by construction, like the other charts (api/charts/specs.py): a unit without a
collected figure is its own legend class, "no data", in grey, never the lowest colour;
the classes are equal intervals of the published figures, said in the legend; the
subtitle says how complete the map is; the boundaries' licence and attribution are drawn
on every map and kept in `usermeta`. The colours are ColorBrewer's YlGnBu, a sequential
scheme safe for colour-blind readers; the darkest class is the highest value (or the best
rank).
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise
from typing import Any

from api.charts.specs import (
    DARK,
    FONT,
    GREY,
    base,
    completeness,
    listed,
    said,
    source_line,
    word,
)
from api.services.geo import Geography
from seed.geo import OBJECT

SCHEME = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")  # YlGnBu, low -> high
NO_DATA = "#bdbdbd"
CLASSES = 5
TILE, LINE = (58, 40), 9  # a tile's width and height, a label line's height (pixels)
# Columns of a map's data table on its html page (field, Vietnamese, English), for
# api/charts/page.py's TABLES under "map" and "tiles".
TABLE = (("name", "Đơn vị", "Entity"), ("value_shown", "Giá trị", "Value"),
         ("rank_shown", "Hạng", "Rank"), ("class", "Lớp màu", "Colour class"))
MAP_WORDS = {
    "no_data": ("không có trong bộ dữ liệu", "not in this dataset"),
    "no_data_key": ("Không có số liệu", "No data"),
    "boundaries": ("Ranh giới", "Boundaries"),
    "tiles_from": ("Bố cục ô suy ra từ ranh giới", "Tile layout derived from boundaries"),
    "classes": ("khoảng đều", "equal intervals"),
    "islands_of": ("thuộc", "part of"),
    "no_data_count": ("{n} đơn vị không có số liệu", "{n} units with no data"),
    "entity": ("Đơn vị", "Entity"),
}


def say(key: str, lang: str, **values: Any) -> str:
    return MAP_WORDS[key][lang == "en"].format(**values)


def classes(figures: list[float], measure: str) -> list[tuple[str, float, str]]:
    """(label, lower bound, colour) of each class, the best first: equal intervals of the
    figures (ranks: whole ranks, rank 1 in the darkest class)."""
    if not figures:
        return []
    low, high = min(figures), max(figures)
    count = min(CLASSES, len(set(figures)))
    colours = [SCHEME[round(i * (len(SCHEME) - 1) / max(count - 1, 1))] for i in range(count)]
    if measure == "rank":
        edges = [low + (high - low + 1) * k / count for k in range(count + 1)]
        bounds = [math.ceil(e) for e in edges]
        found = [(f"{a}–{b - 1}" if b - 1 > a else str(a), float(a), colours[-1 - i])
                 for i, (a, b) in enumerate(pairwise(bounds))]
        return found
    step = (high - low) / count
    places = max(0, math.ceil(-math.log10(step)) + 1) if step else 4
    scale = 10 ** places
    inner = [round(low + step * k, places) for k in range(1, count)]
    shown = [math.floor(low * scale) / scale, *inner, math.ceil(high * scale) / scale]
    found = [(f"{a:.{places}f}–{b:.{places}f}" if b > a else f"{a:.{places}f}",
              -math.inf if i == 0 else a, colours[i])
             for i, (a, b) in enumerate(pairwise(shown))]
    return found[::-1]


def class_of(figure: float, found: list[tuple[str, float, str]], measure: str) -> int:
    """Index in `found` (best first) of the class holding `figure`."""
    if measure == "rank":
        return max(i for i, (_, low, _) in enumerate(found) if figure >= low)
    return min(i for i, (_, low, _) in enumerate(found) if figure >= low)


def unit_rows(data: dict[str, Any], lang: str) -> tuple[list[dict[str, Any]],
                                                        list[tuple[str, float, str]]]:
    """One row per unit of the map, joined to the ranking by code; units without a figure
    are 'no data'. Also the classes, best first."""
    geo: Geography = data["geo"]
    measure = data["measure"]
    entries = {e["entity_code"]: e for e in data["entries"]}
    figures = [e[measure] for e in entries.values() if e[measure] is not None]
    found = classes(figures, measure)
    tied = Counter(e["rank"] for e in entries.values() if e["rank"] is not None)
    rows = []
    for unit in geo.units:
        entry = entries.get(unit["code"], {})
        figure, rank = entry.get(measure), entry.get("rank")
        index = None if figure is None else class_of(figure, found, measure)
        rank_shown = "–" if rank is None else f"={rank}" if tied[rank] > 1 else str(rank)
        rows.append({"code": unit["code"], "name": unit[f"name_{lang}"],
                     "value": entry.get("value"), "rank": rank,
                     "value_shown": entry.get("value_text") or say("no_data", lang),
                     "rank_shown": rank_shown,
                     "shown": "–" if figure is None else
                              entry["value_text"] if measure == "value" else rank_shown,
                     "class": say("no_data_key", lang) if index is None else found[index][0],
                     "dark": index is not None and found[index][2] == SCHEME[-1]})
    return rows, found


def _colour(found: list[tuple[str, float, str]], lang: str, title: str) -> dict[str, Any]:
    return {"field": "class", "type": "ordinal", "title": title,
            "scale": {"domain": [c[0] for c in found] + [say("no_data_key", lang)],
                      "range": [c[2] for c in found] + [NO_DATA]},
            "legend": {"labelFont": FONT, "titleFont": FONT, "symbolType": "square",
                       "symbolStrokeColor": GREY, "symbolStrokeWidth": 0.5}}


def _facts(data: dict[str, Any], lang: str, rows: list[dict[str, Any]], version: str,
           link: str) -> tuple[str, list[str], str]:
    """Title, subtitle and the chart in words."""
    meta, measure = data["meta"], data["measure"]
    title = (f"{data['indicator'][lang]} {meta['year']}"
             + ("" if measure == "value" else ", " + word("rank", lang).lower())
             + f": {data['cohort'][lang]}")
    subtitle = [completeness(meta["with_value"], meta["cohort_size"], meta["ranked"], lang),
                *source_line(data["publishers"], version, link, lang)]
    drawn = [r for r in rows if r[measure] is not None]
    drawn.sort(key=lambda r: r["rank"] if measure == "rank" else -r["value"])
    missing = len(rows) - len(drawn)
    told = [f"{r['name']} {r['shown']}" for r in drawn]  # best first
    credit = data["geo"].metadata["attribution"].removeprefix("Boundaries: ")
    description = said(title, subtitle[0], listed(told, lang, 10) if told else "",
                       say("no_data_count", lang, n=missing) if missing else "",
                       f"{say('boundaries', lang)}: {credit}")
    return title, subtitle, description


def _spec(data: dict[str, Any], lang: str, version: str, data_url: str,
          link: str) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    rows, found = unit_rows(data, lang)
    title, subtitle, description = _facts(data, lang, rows, version, link)
    spec = base(title, subtitle, data_url, version, data["publishers"])
    geo: Geography = data["geo"]
    spec["usermeta"]["geography"] = {k: geo.metadata[k] for k in (
        "cohort", "licence", "attribution", "sources")}
    spec["description"] = description
    legend_title = word(data["measure"], lang) + f" ({say('classes', lang)})"
    return spec, rows, _colour(found, lang, legend_title)


def _tooltip(lang: str) -> list[dict[str, Any]]:
    return [{"field": "name", "title": say("entity", lang)},
            {"field": "value_shown", "title": word("value", lang)},
            {"field": "rank_shown", "title": word("rank", lang)}]


def _note(text: str, dy: int) -> dict[str, Any]:
    """A line of small text under the drawing (the attribution)."""
    return {"data": {"values": [{}]},
            "mark": {"type": "text", "text": text, "x": 0, "y": "height", "dy": dy,
                     "align": "left", "baseline": "top", "fontSize": 10, "color": GREY,
                     "font": FONT}}


def choropleth(data: dict[str, Any], lang: str, version: str, data_url: str,
               link: str) -> dict[str, Any]:
    """The units on a Mercator map of Vietnam, islands included, coloured by class."""
    spec, rows, colour = _spec(data, lang, version, data_url, link)
    geo: Geography = data["geo"]
    names = {u["code"]: u[f"name_{lang}"] for u in geo.units}
    islands = [{"lon": (i["bbox"][0] + i["bbox"][2]) / 2, "lat": i["bbox"][3],
                "text": [i[f"name_{lang}"], f"({say('islands_of', lang)} {names[i['code']]})"]}
               for i in geo.metadata["islands"]]
    colour["legend"].update({"orient": "top-right", "fillColor": "white"})
    held = [i["code"] for i in geo.metadata["islands"]]
    holds = {"field": "code", "oneOf": held}
    shape = {"shape": {"field": "geo", "type": "geojson"}}
    spec.update({
        "width": 440, "height": 500, "projection": {"type": "mercator"},
        # one row per unit (the data table of the chart), its geometry looked up by code
        "data": {"values": rows},
        "transform": [{"lookup": "code", "as": "geo", "from": {
            "data": {"values": geo.topology, "format": {"type": "topojson",
                                                        "feature": OBJECT}},
            "key": "id"}}],
        "layer": [
            # underneath, the units holding island groups outlined in grey, then in their
            # own colour: reefs far smaller than a pixel show as dots of their unit's
            # colour, rimmed so that the palest class shows on white too
            {"transform": [{"filter": holds}],
             "mark": {"type": "geoshape", "stroke": GREY, "strokeWidth": 3},
             "encoding": shape},
            {"transform": [{"filter": holds}],
             "mark": {"type": "geoshape", "strokeWidth": 1.5},
             "encoding": {**shape, "color": colour, "stroke": {**colour, "legend": None}}},
            {"mark": {"type": "geoshape", "stroke": "white"},
             "encoding": {**shape, "color": colour, "tooltip": _tooltip(lang),
                          "strokeWidth": {"condition": {"test": {"not": holds}, "value": 0.5},
                                          "value": 0}}},
            {"data": {"values": islands},
             "mark": {"type": "text", "fontSize": 10, "lineHeight": 12, "baseline": "bottom",
                      "dy": -16, "color": DARK, "font": FONT},
             "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                          "latitude": {"field": "lat", "type": "quantitative"},
                          "text": {"field": "text"}}},
            _note(f"{say('boundaries', lang)}: {geo.metadata['attribution_short']}", 8)]})
    return spec


def tile_grid(data: dict[str, Any], lang: str, version: str, data_url: str,
              link: str) -> dict[str, Any]:
    """Every unit one equal square, placed near where it is, coloured by class."""
    spec, rows, colour = _spec(data, lang, version, data_url, link)
    geo: Geography = data["geo"]
    by_code = {r["code"]: r for r in rows}
    cells = []
    for tile in geo.tiles:
        row = by_code[tile.code]
        label = [*_lines(row["name"]), row["shown"]]
        # Vega sets a text's first line at its y: lift the block to centre it in its tile
        centre = tile.row + 0.5 - (len(label) - 1) * LINE / 2 / TILE[1]
        cells.append({**row, "row": tile.row, "col": tile.col, "row_end": tile.row + 1,
                      "col_end": tile.col + 1, "centre": centre, "label": label})
    columns = max(t.col for t in geo.tiles) + 1
    height = max(t.row for t in geo.tiles) + 1
    x = {"field": "col", "type": "quantitative", "axis": None,
         "scale": {"domain": [0, columns]}}
    y = {"field": "row", "type": "quantitative", "axis": None,
         "scale": {"domain": [0, height], "reverse": True}}
    colour["legend"]["orient"] = "right"
    spec.update({
        "width": columns * TILE[0], "height": height * TILE[1], "data": {"values": cells},
        "layer": [
            {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
             "encoding": {"x": x, "x2": {"field": "col_end"}, "y": y,
                          "y2": {"field": "row_end"}, "color": colour,
                          "tooltip": _tooltip(lang)}},
            {"transform": [{"calculate": "datum.col + 0.5", "as": "middle"}],
             "mark": {"type": "text", "fontSize": 8, "lineHeight": LINE, "baseline": "middle",
                      "font": FONT},
             "encoding": {"x": {**x, "field": "middle"}, "y": {**y, "field": "centre"},
                          "text": {"field": "label"},
                          # WCAG AA (4.5:1) on every class: black, white on the darkest
                          "color": {"condition": {"test": "datum.dark", "value": "white"},
                                    "value": "black"},
                          "tooltip": _tooltip(lang)}},
            _note(f"{say('tiles_from', lang)}: {geo.metadata['attribution_short']}", 8)]})
    return spec


def _lines(name: str, width: int = 10) -> list[str]:
    """A name on one line, or two split at the space nearest its middle when long."""
    if len(name) <= width or " " not in name:
        return [name]
    spaces = [i for i, ch in enumerate(name) if ch == " "]
    at = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return [name[:at], name[at + 1:]]
