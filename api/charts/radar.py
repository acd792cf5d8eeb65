"""A radar (spider) chart of the main indicators: one outline per entity, with the
cohort's mean and best, as the official site draws a province's profile.

Drawn only on indicators whose cohort table is complete (api/services/charts.py
`complete_mains`), so the mean and the best are of every member, and both are labelled as
computed here from the published values. Every indicator is on the same 0..1 scale, the
centre 0; the polygon points sit on the spokes, computed here (Vega-Lite has no polar
line), and each one carries its figures as a tooltip.
"""

from __future__ import annotations

import math
from typing import Any

from api.charts.specs import BLUE, DARK, FONT, GREY, MEAN, base, completeness, said, source_line

RINGS = (0.25, 0.5, 0.75, 1.0)
SIZE = 380  # the drawing's width and height (pixels), the labels inside it
REACH = 1.5  # the scales' half-width: the unit circle, and room for the labels
# Okabe-Ito colours (safe for colour-blind readers), all 4.5:1 or more on white
OUTLINES = (BLUE, "#a63d00", "#00734f", "#8f3f8a")
WORDS = {
    "mean": ("Trung bình nhóm (tính từ {n} giá trị)", "Cohort mean (computed from {n} values)"),
    "best": ("Cao nhất trong nhóm", "Best in the cohort"),
    "indicator": ("Chỉ số", "Indicator"),
    "value": ("Giá trị", "Value"),
    "rank": ("Hạng", "Rank"),
    "axes": ("{n} chỉ số thành phần chính, thang 0–1; trung bình và cao nhất tính từ bảng đủ "
             "{m} đơn vị", "{n} main indicators, scale 0–1; mean and best computed from the "
             "complete table of {m} members"),
    "absent": ("{name}: không có trong bảng này", "{name}: not in this table"),
}


def say(key: str, lang: str, **values: Any) -> str:
    return WORDS[key][lang == "en"].format(**values)


def _point(i: int, n: int, r: float) -> tuple[float, float]:
    """Spoke i of n (the first at the top, then clockwise) at radius r."""
    angle = 2 * math.pi * i / n
    return round(r * math.sin(angle), 5), round(r * math.cos(angle), 5)


def _label(name: str, width: int = 16) -> list[str]:
    """A name in lines of about `width` characters, at spaces."""
    lines: list[str] = []
    for word_ in name.split():
        if lines and len(lines[-1]) + 1 + len(word_) <= width:
            lines[-1] += " " + word_
        else:
            lines.append(word_)
    return lines


def _outlines(data: dict[str, Any], lang: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The points of every closed outline (entities, then mean and best), and the names
    of the series in legend order."""
    axes, n = data["indicators"], len(data["indicators"])
    members = axes[0]["members"]
    series: list[tuple[str, dict[int, dict[str, Any]]]] = []
    for entity in data["entities"]:
        found = {i: a["entities"][entity["code"]] for i, a in enumerate(axes)
                 if entity["code"] in a["entities"]}
        if found:
            series.append((entity[f"name_{lang}"], found))
    series.append((say("mean", lang, n=members), {i: {"value": a["mean"]}
                                                  for i, a in enumerate(axes)}))
    series.append((say("best", lang), {i: {"value": a["best"]} for i, a in enumerate(axes)}))
    rows = []
    for order, (name, points) in enumerate(series):
        for step in range(n + 1):  # back to the first point: a closed outline
            i = step % n
            if i not in points:
                continue
            point = points[i]
            x, y = _point(i, n, point["value"])
            rows.append({"series": name, "order": order, "step": step, "x": x, "y": y,
                         "indicator": axes[i][f"name_{lang}"], "value": point["value"],
                         "shown": point.get("value_text") or str(point["value"]),
                         "rank": point.get("rank")})
    return rows, [name for name, _ in series]


def radar(data: dict[str, Any], lang: str, version: str, data_url: str,
          link: str) -> dict[str, Any]:
    """The outlines on a web of rings and spokes, the indicators named at the rim."""
    axes, n = data["indicators"], len(data["indicators"])
    rows, names = _outlines(data, lang)
    members = axes[0]["members"]
    entities = ", ".join(e[f"name_{lang}"] for e in data["entities"])
    title = f"{entities} {data['year']}: " + ("hồ sơ chỉ số chính" if lang == "vi"
                                              else "main indicators")
    subtitle = [say("axes", lang, n=n, m=members) + " · " + completeness(
        members, members, None, lang), *source_line(data["publishers"], version, link, lang)]
    spec = base(title, subtitle, data_url, version, data["publishers"])
    told = []
    for e in data["entities"]:
        mine = [f"{a[f'name_{lang}']} {a['entities'][e['code']]['value_text']}"
                for a in axes if e["code"] in a["entities"]]
        told.append(f"{e[f'name_{lang}']}: " + "; ".join(mine) if mine
                    else say("absent", lang, name=e[f"name_{lang}"]))
    told.append(f"{say('mean', lang, n=members)}: "
                + "; ".join(f"{a[f'name_{lang}']} {a['mean']}" for a in axes))
    spec["description"] = said(title, subtitle[0], *told)
    web = [{"x": x, "y": y, "ring": r, "step": s}
           for r in RINGS for s in range(n + 1) for x, y in [_point(s % n, n, r)]]
    spokes = [{"x": 0, "y": 0, "x2": x, "y2": y} for i in range(n) for x, y in [_point(i, n, 1)]]
    labels = [{"x": x, "y": y, "text": _label(a[f"name_{lang}"]),
               "align": "center" if abs(x) < 0.2 else "left" if x > 0 else "right",
               # above the top spoke, under the bottom one, beside the others
               "baseline": "middle" if abs(x) >= 0.2 else "bottom" if y > 0 else "top"}
              for i, a in enumerate(axes) for x, y in [_point(i, n, 1.08)]]
    scale = {"domain": [-REACH, REACH]}
    x = {"field": "x", "type": "quantitative", "axis": None, "scale": scale}
    y = {"field": "y", "type": "quantitative", "axis": None, "scale": scale}
    colours = [*OUTLINES[:len(names) - 2], MEAN, DARK]
    colour = {"field": "series", "type": "nominal", "title": None,
              "scale": {"domain": names, "range": colours},
              "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 360,
                         "labelFont": FONT}}
    dash = {"field": "series", "type": "nominal", "legend": None,
            "scale": {"domain": names, "range": [[1, 0]] * (len(names) - 2) + [[6, 3], [2, 2]]}}
    tooltip = [{"field": "series", "title": None}, {"field": "indicator"},
               {"field": "shown", "title": say("value", lang)},
               {"field": "rank", "title": say("rank", lang)}]
    table = [{"name": e[f"name_{lang}"], "indicator": a[f"name_{lang}"],
              "shown": a["entities"].get(e["code"], {}).get("value_text") or "–",
              "rank": a["entities"].get(e["code"], {}).get("rank"), "mean": a["mean"],
              "best": a["best"]} for e in data["entities"] for a in axes]
    spec.update({"width": SIZE, "height": SIZE, "data": {"values": table}, "layer": [
        {"name": "rings", "data": {"values": web}, "mark": {
            "type": "line", "color": "#c9ced6", "strokeWidth": 1},
         "encoding": {"x": x, "y": y, "detail": {"field": "ring"},
                      "order": {"field": "step"}}},
        {"name": "spokes", "data": {"values": spokes}, "mark": {
            "type": "rule", "color": "#c9ced6"},
         "encoding": {"x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"}}},
        *({"name": f"axes_{align}_{baseline}", "data": {"values": placed},
           "mark": {"type": "text", "fontSize": 11, "lineHeight": 13, "color": DARK,
                    "font": FONT, "baseline": baseline, "align": align},
           "encoding": {"x": x, "y": y, "text": {"field": "text"}}}
          for align, baseline in sorted({(a["align"], a["baseline"]) for a in labels})
          for placed in [[a for a in labels if (a["align"], a["baseline"]) == (align, baseline)]]),
        {"name": "outlines", "data": {"values": rows},
         "mark": {"type": "line", "strokeWidth": 2},
         "encoding": {"x": x, "y": y, "color": colour, "strokeDash": dash,
                      "detail": {"field": "order"}, "order": {"field": "step"}}},
        {"name": "points", "data": {"values": rows},
         "mark": {"type": "point", "filled": True, "size": 30},
         "encoding": {"x": x, "y": y, "color": {**colour, "legend": None},
                      "tooltip": tooltip}},
        {"data": {"values": [{"x": 0.03, "y": r, "text": f"{r:g}"} for r in RINGS[1::2]]},
         "mark": {"type": "text", "fontSize": 9, "color": GREY, "align": "left",
                  "baseline": "bottom", "font": FONT},
         "encoding": {"x": x, "y": y, "text": {"field": "text"}}}]})
    return spec
