"""A chart as a self-contained page for an <iframe>: the server-drawn SVG (works without
JavaScript), its text description, a data table and the source line; where scripts run,
vega-embed (served from the installed vl-convert package) makes it interactive."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from api.charts import maps

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
    "map": maps.TABLE,
    "tiles": maps.TABLE,
    "radar": (("name", "Đơn vị", "Entity"), ("indicator", "Chỉ số", "Indicator"),
              ("shown", "Giá trị", "Value"), ("rank", "Hạng", "Rank"),
              ("mean", "Trung bình nhóm (tính)", "Cohort mean (computed)"),
              ("best", "Cao nhất trong nhóm", "Best in the cohort")),
    "distribution": (("range", "Khoảng giá trị", "Value range"),
                     ("count", "Số đơn vị", "Entities"), ("names", "Đơn vị", "Members")),
}
# Scripts from this origin only; vega compiles its expressions with Function (hence
# 'unsafe-eval') and sets inline styles; any site may frame the chart.
CSP = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' "
       "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors *")
TEMPLATES = Environment(loader=PackageLoader("api.charts"), autoescape=True,
                        trim_blocks=True, lstrip_blocks=True)


def description(spec: dict[str, Any]) -> str:
    """The chart in words (what it shows, from its spec's description) and its sources."""
    return " ".join([spec["description"], *spec["title"]["subtitle"][1:]])


def chart_page(kind: str, spec: dict[str, Any], svg: str, lang: str, spec_url: str) -> bytes:
    """The page; `svg` is vl-convert's drawing (it escapes the text it draws)."""
    columns = [(field, vi if lang == "vi" else en) for field, vi, en in TABLES[kind]]
    rows = [["" if r.get(f) is None else str(r[f]) for f, _ in columns]
            for r in spec["data"]["values"]]
    return TEMPLATES.get_template("chart.html").render(
        lang=lang, title=spec["title"]["text"], words=description(spec), svg=Markup(svg),
        spec_url=spec_url, columns=[c for _, c in columns], rows=rows,
        caption="Dữ liệu của biểu đồ" if lang == "vi" else "The chart's data").encode()
