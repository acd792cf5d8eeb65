"""The size of an <iframe> that shows a chart's page whole, known from its specification
without drawing it (the explorer writes embed snippets without waiting for a render).

Vega-Lite sizes a drawing as its view plus what it adds around it: the title and its
subtitle lines, axes, a legend. Text is measured as DejaVu Sans sets it (about 0.6 em a
character, 0.65 bold), generously; tests draw every kind and check the estimate holds
(tests/test_charts.py), and Chromium checks the drawing shows whole in the frame
(tests/test_browser.py). A frame narrower than the drawing still shows it whole: the
page scales the drawing to its width (height follows).
"""

from __future__ import annotations

from typing import Any

MAX_WIDTH = 760  # wider than most article columns already
PAGE = 16 + 12  # the page's padding and the drawing's margin
CAPTION = (14.4 * 0.52, 22)  # the caption's average character width and line height
SUMMARY = 48  # the "chart's data" line under the caption


def text(value: str, size: float, bold: bool = False) -> float:
    return len(value) * size * (0.58 if bold else 0.6)


def _longest(rows: list[dict[str, Any]], field: str, size: float, limit: float) -> float:
    return min(max((text(str(r.get(field) or ""), size) for r in rows), default=0), limit)


def _body(kind: str, spec: dict[str, Any]) -> tuple[float, float]:
    """The drawing below its title: view, axes and legend."""
    rows = spec.get("data", {}).get("values", [])
    if kind in ("ranking", "profile"):
        step = spec["height"]["step"]
        labels = _longest(rows, "row" if kind == "ranking" else "name", 10, 260)
        return labels + spec["width"] + 70, len(rows) * step + 45
    if kind == "series":
        names = list(dict.fromkeys(r["name"] for r in rows))
        legend = sum(text(n, 10) + 30 for n in names)
        return max(spec["vconcat"][0]["width"] + 70, legend), \
            sum(v["height"] for v in spec["vconcat"]) + 130
    if kind == "coverage":
        panels = len({r["cohort"] for r in rows})
        return spec["spec"]["width"] + 80, panels * (spec["spec"]["height"] + 85) + 40
    if kind == "map":
        return spec["width"] + 10, spec["height"] + 30
    if kind == "tiles":
        legend = _longest(rows, "class", 10, 200) + 60
        return spec["width"] + legend, spec["height"] + 30
    if kind == "radar":
        outlines = next(layer for layer in spec["layer"] if layer.get("name") == "outlines")
        series = outlines["encoding"]["color"]["scale"]["domain"]
        return max(spec["width"], max(text(n, 10) + 40 for n in series)), \
            spec["height"] + 17 * len(series) + 30
    return spec["width"] + 60, spec["height"] + 50  # distribution


def frame(kind: str, spec: dict[str, Any]) -> tuple[int, int]:
    """Width and height (pixels) of an <iframe> holding the chart's page."""
    title = spec["title"]
    subtitles = title.get("subtitle", [])
    head_width = max([text(title["text"], 13, bold=True),
                      *(text(line, 11) for line in subtitles)])
    head_height = 22 + 15 * len(subtitles) + 8
    body_width, body_height = _body(kind, spec)
    width = min(max(head_width, body_width) + 10 + PAGE, MAX_WIDTH)
    scale = min(1.0, (width - PAGE) / (max(head_width, body_width) + 10))
    drawing = (head_height + body_height + 10) * scale
    words = " ".join([spec.get("description", ""), *subtitles[1:]])
    lines = 1 + int(len(words) * CAPTION[0] // (width - PAGE))
    return round(width), round(drawing + PAGE + lines * CAPTION[1] + SUMMARY)
