"""A chart as a self-contained page for an <iframe>: the server-drawn SVG (works without
JavaScript), its text description, a data table and the source line; where scripts run,
vega-embed (served from the installed vl-convert package) makes it interactive."""

from __future__ import annotations

from html import escape
from typing import Any

# Columns of each chart's data table: (field, Vietnamese, English).
TABLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ranking": (("rank_label", "Hạng", "Rank"), ("name", "Đơn vị", "Entity"),
                ("shown", "Giá trị", "Value"), ("conflict_status", "Mâu thuẫn", "Conflict")),
    "series": (("name", "Đơn vị", "Entity"), ("year", "Năm", "Year"),
               ("shown", "Giá trị", "Value"), ("rank_shown", "Hạng", "Rank")),
    "profile": (("name", "Chỉ số", "Indicator"), ("shown", "Giá trị", "Value"),
                ("rank", "Hạng", "Rank"), ("mean_shown", "Trung bình nhóm", "Cohort mean")),
    "coverage": (("cohort", "Nhóm", "Cohort"), ("year", "Năm", "Year"),
                 ("measure", "Đo", "Measure"), ("count", "Số đơn vị", "Entities"),
                 ("size_shown", "Số thành viên", "Cohort size")),
}
# Scripts from this origin only; vega compiles its expressions with Function (hence
# 'unsafe-eval') and sets inline styles; any site may frame the chart.
CSP = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' "
       "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors *")


def data_table(kind: str, rows: list[dict[str, Any]], lang: str, caption: str) -> str:
    columns = TABLES[kind]
    head = "".join(f'<th scope="col">{escape(vi if lang == "vi" else en)}</th>'
                   for _, vi, en in columns)
    body = "".join("<tr>" + "".join(
        f"<td>{escape('' if r.get(f) is None else str(r[f]))}</td>" for f, _, _ in columns)
        + "</tr>" for r in rows)
    return (f'<table class="data"><caption>{escape(caption)}</caption><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table>")


def description(spec: dict[str, Any]) -> str:
    """The chart in words (what it shows, from its spec's description) and its sources."""
    return " ".join([spec["description"], *spec["title"]["subtitle"][1:]])


def chart_page(kind: str, spec: dict[str, Any], svg: str, lang: str, spec_url: str) -> bytes:
    words = description(spec)
    table_caption = "Dữ liệu của biểu đồ" if lang == "vi" else "The chart's data"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(spec["title"]["text"])}</title>
<link rel="stylesheet" href="/assets/site.css">
<script src="/assets/vega-embed.js" defer></script>
<script src="/assets/chart.js" defer></script></head>
<body class="chart-page"><main>
<figure class="chart" data-spec="{escape(spec_url)}">
<div class="chart-svg" role="img" aria-label="{escape(words)}">{svg}</div>
<figcaption>{escape(words)}</figcaption></figure>
<details><summary>{escape(table_caption)}</summary>
{data_table(kind, spec["data"]["values"], lang, table_caption)}</details>
</main></body></html>""".encode()
