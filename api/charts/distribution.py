"""How a ranking's values spread: a histogram of the published figures, with the members
that have none counted in words (never as a bar at zero)."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

from api.charts.specs import BLUE, DARK, base, completeness, said, source_line, word

BINS = 10
WORDS = {
    "count": ("Số đơn vị", "Entities"),
    "range": ("Khoảng giá trị", "Value range"),
    "missing": ("{n} đơn vị không có trong bộ dữ liệu, không vẽ",
                "{n} members not in this dataset, not drawn"),
    "spread": ("thấp nhất {low}, trung vị {mid}, cao nhất {high}",
               "lowest {low}, median {mid}, highest {high}"),
    "title": ("phân bố", "distribution"),
}


def say(key: str, lang: str, **values: Any) -> str:
    return WORDS[key][lang == "en"].format(**values)


def _bins(values: list[float]) -> list[tuple[float, float]]:
    """At most BINS equal bins of a round width covering every value."""
    low, high = min(values), max(values)
    if high == low:
        return [(low, low)]
    step = (high - low) / BINS
    unit = 10 ** math.floor(math.log10(step))
    step = next(m * unit for m in (1, 2, 2.5, 5, 10) if m * unit >= step)
    start = math.floor(low / step) * step
    edges = [round(start + k * step, 6) for k in range(BINS + 2)]
    return [(a, b) for a, b in pairwise(edges) if a <= high][:BINS + 1]


def distribution(data: dict[str, Any], lang: str, version: str, data_url: str,
                 link: str) -> dict[str, Any]:
    """One bar per value range, as tall as the members whose figure falls in it."""
    meta, entries = data["meta"], data["entries"]
    valued = [e for e in entries if e["value"] is not None]
    values = sorted(e["value"] for e in valued)
    bins = _bins(values) if values else []
    rows = []
    for i, (a, b) in enumerate(bins):
        last = i == len(bins) - 1
        inside = [e for e in valued if a <= e["value"] and (e["value"] < b or last)]
        names = [e[f"entity_name_{lang}"] for e in inside]
        rows.append({"from": a, "to": b, "count": len(inside),
                     "range": f"{a:g}–{b:g}", "names": ", ".join(names[:12])
                     + (f" (+{len(names) - 12})" if len(names) > 12 else "")})
    missing = len(entries) - len(valued)
    title = (f"{data['indicator'][lang]} {meta['year']}, {say('title', lang)}: "
             f"{data['cohort'][lang]}")
    subtitle = [completeness(meta["with_value"], meta["cohort_size"], None, lang)
                + (f". {say('missing', lang, n=missing)}" if missing else ""),
                *source_line(data["publishers"], version, link, lang)]
    spec = base(title, subtitle, data_url, version, data["publishers"])
    spread = say("spread", lang, low=values[0], mid=values[len(values) // 2],
                 high=values[-1]) if values else word("none_published", lang)
    spec["description"] = said(title, subtitle[0], spread)
    tooltip = [{"field": "range", "title": say("range", lang)},
               {"field": "count", "title": say("count", lang)}, {"field": "names", "title": ""}]
    spec.update({"data": {"values": rows}, "width": 380, "height": 160, "layer": [
        {"mark": {"type": "bar", "color": BLUE, "stroke": "white", "strokeWidth": 1},
         "encoding": {"x": {"field": "from", "type": "quantitative", "bin": {"binned": True},
                            "title": word("value", lang), "axis": {"format": "~g"}},
                      "x2": {"field": "to"},
                      "y": {"field": "count", "type": "quantitative",
                            "title": say("count", lang), "axis": {"tickMinStep": 1}},
                      "tooltip": tooltip}},
        {"mark": {"type": "text", "dy": -6, "fontSize": 10, "color": DARK},
         "transform": [{"filter": "datum.count > 0"},
                       {"calculate": "(datum.from + datum.to) / 2", "as": "middle"}],
         "encoding": {"x": {"field": "middle", "type": "quantitative"},
                      "y": {"field": "count", "type": "quantitative"},
                      "text": {"field": "count"}}}]})
    return spec
