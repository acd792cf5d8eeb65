"""Vega-Lite specifications of the charts, with their data inline.

Honest by construction: a missing value is a labelled gap, never a zero bar (rows without
a value are drawn by a separate "not in this dataset" text layer, and lines break at
gaps: the figure may well have been published, but this dataset has not collected it);
ties are labelled; the subtitle says how complete the figure is; every chart names its
publishers, the dataset version and the REST URL of its data (also in `usermeta`).
"""

from __future__ import annotations

from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
BLUE, GREY, DARK, MEAN = "#1f5fa8", "#595959", "#1a1a1a", "#b3541e"  # WCAG AA on white
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"  # DejaVu: every Vietnamese glyph
WORDS = {
    "not_published": ("không có trong bộ dữ liệu", "not in this dataset"),
    "rank": ("Thứ hạng", "Rank"),
    "value": ("Giá trị", "Value"),
    "year": ("Năm", "Year"),
    "source": ("Nguồn", "Source"),
    "more": ("và {n} nguồn khác", "and {n} more"),
    "ties": ("Đồng hạng dùng chung thứ hạng (=15).", "Ties share a rank (=15)."),
    "size_unknown": ("không rõ số thành viên", "cohort size not published"),
    "mean": ("Trung bình nhóm", "Cohort mean"),
    "with_value": ("Có giá trị", "With a value"),
    "with_rank": ("Có thứ hạng", "With a rank"),
    "cohort_size": ("Số thành viên", "Cohort size"),
    "more_rows": ("và {n} dòng khác", "and {n} more"),
    "top": ("Đứng đầu", "Top"),
    "none_published": ("bộ dữ liệu chưa có giá trị nào", "no value in this dataset"),
    "entities": ("Số đơn vị", "Entities"),
}


def word(key: str, lang: str, **values: Any) -> str:
    return WORDS[key][lang == "en"].format(**values)


def _name(item: dict[str, Any], lang: str, prefix: str = "") -> str:
    return str(item[f"{prefix}name_{lang}"])


def source_line(publishers: list[str], version: str, url: str, lang: str) -> list[str]:
    """Two subtitle lines: who published the figures; which dataset and where its data is."""
    shown = "; ".join(publishers[:3])
    if len(publishers) > 3:
        shown += " " + word("more", lang, n=len(publishers) - 3)
    return [f"{word('source', lang)}: {shown or '-'}",
            f"DTI Open Data {version[:8]} · {url}"]


def base(title: str, subtitle: list[str], data_url: str, version: str,
          sources: list[str]) -> dict[str, Any]:
    return {"$schema": SCHEMA, "background": "white",
            "title": {"text": title, "subtitle": subtitle, "anchor": "start",
                      "font": FONT, "subtitleFont": FONT, "subtitleColor": GREY,
                      "subtitleFontSize": 11},
            "config": {"font": FONT, "view": {"stroke": None},
                       "axis": {"labelColor": DARK, "titleColor": DARK}},
            "usermeta": {"data_url": data_url, "dataset_version": version,
                         "publishers": sources, "generator": "DTI Open Data"}}


def completeness(with_value: int, size: int | None, ranked: int | None, lang: str) -> str:
    if size is None:
        base = (f"{with_value} có giá trị công bố ({word('size_unknown', 'vi')})" if lang == "vi"
                else f"{with_value} with a published value ({word('size_unknown', 'en')})")
    else:
        base = (f"{with_value}/{size} có giá trị công bố" if lang == "vi"
                else f"{with_value} of {size} have a published value")
    if ranked is not None:
        base += f"; {ranked} có thứ hạng" if lang == "vi" else f"; {ranked} ranked"
    return base


def said(title: str, *sentences: str) -> str:
    """The chart in words (its `description`: alt text, captions, screen readers)."""
    return ". ".join(x.rstrip(".") for x in (title, *sentences) if x) + "."


def listed(items: list[str], lang: str, limit: int = 5) -> str:
    more = len(items) - limit
    shown = "; ".join(items[:limit])
    if more > 0:
        shown += f"; {word('more_rows', lang, n=more)}"
    return shown


def ranking(data: dict[str, Any], lang: str, version: str, data_url: str,
            link: str) -> dict[str, Any]:
    """Rows in rank order: a bar where a value was published, a labelled gap where not."""
    meta, entries = data["meta"], data["entries"]
    counts: dict[int, int] = {}
    for e in entries:
        if e["rank"] is not None:
            counts[e["rank"]] = counts.get(e["rank"], 0) + 1
    rows = []
    for position, e in enumerate(entries, 1):
        rank = e["rank"]
        label = "–" if rank is None else f"={rank}" if counts[rank] > 1 else str(rank)
        rows.append({"position": position, "rank": rank, "rank_label": label,
                     "entity_code": e["entity_code"], "name": _name(e, lang, "entity_"),
                     "row": f"{label}  {_name(e, lang, 'entity_')}",
                     "value": e["value"], "value_text": e["value_text"],
                     "shown": e["value_text"] or word("not_published", lang),
                     "conflict_status": e["conflict_status"], "rank_basis": e["rank_basis"]})
    ties = any(n > 1 for n in counts.values())
    subtitle = [completeness(meta["with_value"], meta["cohort_size"], meta["ranked"], lang)
                + ("" if not ties else ". " + word("ties", lang)),
                *source_line(data["publishers"], version, link, lang)]
    title = (f"{data['indicator'][lang]} {meta['year']}: {data['cohort'][lang]}")
    spec = base(title, subtitle, data_url, version, data["publishers"])
    top = [f"{r['rank_label']} {r['name']} {r['shown']}" for r in rows if r["rank"] is not None]
    spec["description"] = said(title, subtitle[0],
                               f"{word('top', lang)}: {listed(top, lang)}" if top else "")
    tooltip = [{"field": "rank_label", "title": word("rank", lang)},
               {"field": "name", "title": "Đơn vị" if lang == "vi" else "Entity"},
               {"field": "shown", "title": word("value", lang)},
               {"field": "conflict_status", "title": "conflict_status"}]
    valued = [{"filter": "isValid(datum.value)"}]
    spec.update({
        "data": {"values": rows}, "width": 360, "height": {"step": 16},
        "encoding": {"y": {"field": "row", "type": "nominal", "title": None,
                           "sort": [r["row"] for r in rows],
                           "axis": {"labelLimit": 260, "ticks": False, "domain": False}}},
        "layer": [
            {"mark": {"type": "bar", "color": BLUE, "height": {"band": 0.7}},
             "transform": valued,
             "encoding": {"x": {"field": "value", "type": "quantitative",
                                "title": word("value", lang), "scale": {"zero": True}},
                          "tooltip": tooltip}},
            {"mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10,
                      "color": DARK}, "transform": valued,
             "encoding": {"x": {"field": "value", "type": "quantitative"},
                          "text": {"field": "value_text"}, "tooltip": tooltip}},
            {"mark": {"type": "text", "align": "left", "x": 2, "fontSize": 10,
                      "fontStyle": "italic", "color": GREY},
             "transform": [{"filter": "!isValid(datum.value)"}],
             "encoding": {"text": {"field": "shown"}, "tooltip": tooltip}},
        ]})
    return spec


def series(data: dict[str, Any], lang: str, version: str, data_url: str,
           link: str) -> dict[str, Any]:
    """One line per entity, broken where a year has no value; ranks in a second panel."""
    points, rows = data["points"], []
    segments = {"value": 0, "rank": 0}
    previous: dict[str, tuple[str, bool] | None] = {"value": None, "rank": None}
    for p in points:
        row = {**p, "name": _name(p, lang),
               "shown": p["value_text"] or word("not_published", lang),
               "rank_shown": "–" if p["rank"] is None else p["rank"]}
        for measure in ("value", "rank"):  # a new line after every gap
            has, last = p[measure] is not None, previous[measure]
            if last is None or last[0] != p["entity_code"] or not last[1]:
                segments[measure] += 1
            previous[measure] = (p["entity_code"], has)
            row[f"{measure}_segment"] = segments[measure]
        rows.append(row)
    with_value = sum(1 for p in points if p["value"] is not None)
    subtitle = [(f"{with_value}/{len(points)} năm có giá trị công bố; khoảng trống là năm "
                 "không có trong bộ dữ liệu" if lang == "vi" else
                 f"{with_value} of {len(points)} years have a published value; gaps are "
                 "years not in this dataset"),
                *source_line(data["publishers"], version, link, lang)]
    title = f"{data['indicator'][lang]}: " + ", ".join(
        dict.fromkeys(r["name"] for r in rows))
    spec = base(title, subtitle, data_url, version, data["publishers"])
    lines = []
    for name in dict.fromkeys(r["name"] for r in rows):
        mine = [r for r in rows if r["name"] == name]
        told = [f"{r['year']} {r['shown']}" + ("" if r["rank"] is None else f" (#{r['rank']})")
                for r in mine]
        lines.append(f"{name}: " + ", ".join(told))
    spec["description"] = said(title, subtitle[0], *lines)
    year = {"field": "year", "type": "ordinal", "title": word("year", lang),
            "axis": {"labelAngle": 0}}
    color = {"field": "name", "type": "nominal", "title": None,
             "legend": {"orient": "bottom"}}
    tooltip = [{"field": "name"}, {"field": "year"},
               {"field": "shown", "title": word("value", lang)},
               {"field": "rank_shown", "title": word("rank", lang)}]
    valued = [{"filter": "isValid(datum.value)"}]
    ranks = sorted({p["rank"] for p in points if p["rank"] is not None})
    ranked = [{"filter": "isValid(datum.rank)"}]
    spec.update({"data": {"values": rows}, "vconcat": [
        {"width": 420, "height": 180, "layer": [
            {"mark": {"type": "line", "strokeWidth": 2}, "transform": valued,
             "encoding": {"x": year, "y": {"field": "value", "type": "quantitative",
                                           "title": word("value", lang),
                                           "scale": {"zero": False}},
                          "color": color, "detail": {"field": "value_segment"}}},
            {"mark": {"type": "point", "filled": True, "size": 50}, "transform": valued,
             "encoding": {"x": year, "y": {"field": "value", "type": "quantitative"},
                          "color": color, "tooltip": tooltip}}]},
        {"width": 420, "height": 120, "layer": [
            {"mark": {"type": "line", "strokeWidth": 1.5, "strokeDash": [4, 2]},
             "transform": ranked,
             "encoding": {"x": year, "y": {"field": "rank", "type": "quantitative",
                                           "title": word("rank", lang),
                                           "scale": {"reverse": True, "zero": False,
                                                     "domainMin": 1, "nice": False},
                                           # ticks at the ranks themselves: a domain of
                                           # 1..2 would otherwise label 1, 1.5 as "1, 2, 2"
                                           "axis": {"values": ranks, "format": "d"}},
                          "color": color, "detail": {"field": "rank_segment"}}},
            {"mark": {"type": "point", "filled": True}, "transform": ranked,
             "encoding": {"x": year, "y": {"field": "rank", "type": "quantitative"},
                          "color": color, "tooltip": tooltip}}]}]})
    return spec


def profile(data: dict[str, Any], lang: str, version: str, data_url: str,
            link: str) -> dict[str, Any]:
    """Pillars and main indicators of one entity, the cohort mean as a tick where known."""
    bars = [{**b, "name": _name(b, lang), "shown": b["value_text"] or
             word("not_published", lang),
             "mean_shown": "–" if b["mean"] is None else b["mean"]} for b in data["bars"]]
    with_value = sum(1 for b in bars if b["value"] is not None)
    counted = (f"{with_value}/{len(bars)} chỉ số có giá trị công bố" if lang == "vi" else
               f"{with_value} of {len(bars)} indicators have a published value")
    if any(b["mean"] is not None for b in bars):  # say what the ticks are
        counted += ("; vạch cam: trung bình nhóm đã công bố" if lang == "vi"
                    else "; orange tick: the cohort's published mean")
    subtitle = [counted, *source_line(data["publishers"], version, link, lang)]
    entity = data["entity"]
    title = f"{_name(entity, lang)} {data['year']}"
    if data["dti"] and data["dti"]["value_text"]:
        title += f": DTI {data['dti']['value_text']}"
    spec = base(title, subtitle, data_url, version, data["publishers"])
    told = [f"{b['name']} {b['shown']}" + ("" if b["mean"] is None else
                                          f" ({word('mean', lang).lower()} {b['mean']})")
            for b in bars if b["value"] is not None or b["mean"] is not None]
    spec["description"] = said(title, counted, listed(told, lang, 11) if told
                               else word("none_published", lang))
    tooltip = [{"field": "name"}, {"field": "shown", "title": word("value", lang)},
               {"field": "rank", "title": word("rank", lang)},
               {"field": "mean_shown", "title": word("mean", lang)}]
    y = {"field": "name", "type": "nominal", "title": None, "sort": None,
         "axis": {"labelLimit": 260}}
    spec.update({"data": {"values": bars}, "width": 360, "height": {"step": 20},
                 "encoding": {"y": y}, "layer": [
        {"mark": {"type": "bar", "color": BLUE, "height": {"band": 0.7}},
         "transform": [{"filter": "isValid(datum.value)"}],
         "encoding": {"x": {"field": "value", "type": "quantitative",
                            "title": word("value", lang), "scale": {"domain": [0, 1]}},
                      "tooltip": tooltip}},
        {"mark": {"type": "tick", "color": MEAN, "thickness": 2},
         "transform": [{"filter": "isValid(datum.mean)"}],
         "encoding": {"x": {"field": "mean", "type": "quantitative"}, "tooltip": tooltip}},
        {"mark": {"type": "text", "align": "left", "x": 2, "fontSize": 10,
                  "fontStyle": "italic", "color": GREY},
         "transform": [{"filter": "!isValid(datum.value)"}],
         "encoding": {"text": {"field": "shown"}, "tooltip": tooltip}}]})
    return spec


def coverage(data: dict[str, Any], lang: str, version: str, data_url: str,
             link: str) -> dict[str, Any]:
    """Per year and cohort: entities with a value, with a rank, and the cohort size."""
    rows = []
    for r in data["rows"]:
        cohort = data["cohorts"][r["cohort"]][lang]
        size = r["cohort_size"]
        for measure in ("with_value", "with_rank"):
            rows.append({"year": r["year"], "cohort": cohort, "measure": word(measure, lang),
                         "count": r[measure], "cohort_size": size,
                         "size_shown": word("size_unknown", lang) if size is None else size})
    counted = ["đếm từ mọi nguồn tại /v1/sources" if lang == "vi"
               else "counted from every source at /v1/sources"]
    subtitle = [("Mỗi cột: số đơn vị có giá trị hoặc thứ hạng; vạch: số thành viên của nhóm"
                 if lang == "vi" else "Bars: entities with a value or a rank; tick: the "
                 "cohort's size"), *source_line(counted, version, link, lang)]
    title = f"{data['indicator'][lang]}: " + ("độ phủ dữ liệu" if lang == "vi" else "coverage")
    spec = base(title, subtitle, data_url, version, [])
    told = []
    for r in data["rows"]:
        size = word("size_unknown", lang) if r["cohort_size"] is None else r["cohort_size"]
        told.append(f"{data['cohorts'][r['cohort']][lang]} {r['year']}: "
                    + (f"{r['with_value']}/{size} có giá trị, {r['with_rank']} có thứ hạng"
                       if lang == "vi" else
                       f"{r['with_value']} of {size} with a value, {r['with_rank']} ranked"))
    spec["description"] = said(title, listed(told, lang, 20))
    tooltip = [{"field": "cohort"}, {"field": "year"}, {"field": "measure"},
               {"field": "count"}, {"field": "size_shown", "title": word("cohort_size", lang)}]
    order = list(dict.fromkeys(r["cohort"] for r in rows))
    spec.update({"data": {"values": rows}, "facet": {
        "row": {"field": "cohort", "type": "nominal", "title": None, "sort": order,
                "header": {"labelAngle": 0, "labelOrient": "top", "labelAnchor": "start",
                           "labelFontWeight": "bold", "labelFont": FONT}}},
        "spec": {"width": 420, "height": 140, "layer": [
            {"mark": "bar", "encoding": {
                "x": {"field": "year", "type": "ordinal", "title": word("year", lang),
                      "axis": {"labelAngle": 0}},
                "xOffset": {"field": "measure"},
                "y": {"field": "count", "type": "quantitative",
                      "title": word("entities", lang)},
                "color": {"field": "measure", "type": "nominal", "title": None,
                          "scale": {"range": [BLUE, MEAN]}, "legend": {"orient": "bottom"}},
                "tooltip": tooltip}},
            {"mark": {"type": "tick", "color": DARK, "thickness": 2},
             "transform": [{"filter": "isValid(datum.cohort_size)"}],
             "encoding": {"x": {"field": "year", "type": "ordinal"},
                          "y": {"field": "cohort_size", "type": "quantitative"},
                          "tooltip": tooltip}}]},
        "resolve": {"scale": {"y": "independent"}}})
    return spec
