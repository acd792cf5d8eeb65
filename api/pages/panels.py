"""The parts several explorer pages share: a chart as a figure (its words known without
drawing it), the "use this data" panel with embed snippets, and which edition of a
ranking a page opens on (from coverage: the latest year with complete values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.charts.kinds import sketch
from api.errors import not_found
from api.pages.site import TEMPLATES, Page, url
from api.services import figures
from api.services.context import QueryContext
from api.services.paging import PageRequest
from api.services.params import Filter
from seed.geo import COHORTS as MAPPED

ALL = PageRequest(1000)
PROVINCES: tuple[str, ...] = MAPPED  # the cohorts with boundaries: before the merger, then after


@dataclass(frozen=True)
class Figure:
    """A chart on a page: the SVG resource as an image (no script needed), upgraded by
    chart.js from its Vega-Lite `spec_url`; `words` is its alt text and caption."""

    kind: str
    url: str  # the chart resource, relative, with lang
    words: str
    width: int  # of a frame that holds its page
    height: int

    @property
    def spec_url(self) -> str:
        return f"{self.url}&format=vl"


def figure(ctx: QueryContext, base: str, kind: str, wanted: Filter, lang: str,
           **params: Any) -> Figure:
    """A chart on a page; `base` is DTI_PUBLIC_URL, as the served chart names it."""
    found = sketch(ctx, kind, wanted, lang, base)
    return Figure(kind, url(f"/v1/charts/{kind}", **params, lang=lang), found.words,
                  found.width, found.height)


def embeds(page: Page, charts: list[tuple[str, Figure]]) -> list[dict[str, str]]:
    """Snippets to paste into another site: absolute addresses when DTI_PUBLIC_URL is
    set, each frame sized to hold its chart."""
    make: Any = TEMPLATES.get_template("snippets.html").module  # its macros
    found = []
    for name, f in charts:
        src = page.absolute(f.url)
        found.append({"name": name, "img": str(make.img(src, f.words, f.width - 28)),
                      "frame": str(make.frame(f"{src}&format=html", f.words[:120], f.width,
                                              f.height))})
    return found


def panel(page: Page, rest: str, graphql: str,
          charts: list[tuple[str, Figure]]) -> dict[str, Any]:
    csv = rest + ("&" if "?" in rest else "?") + "format=csv"
    return {"rest": rest, "csv": csv, "graphql": graphql, "embeds": embeds(page, charts)}


def full(row: dict[str, Any], key: str) -> bool:
    """Every member of the cohort counted (a cohort of unknown size never is)."""
    return bool(row["cohort_size"]) and row[key] >= row["cohort_size"]


def ministries(names: dict[str, dict[str, str]]) -> tuple[str, ...]:
    """The ministries' cohorts, by the data's own levels (those providing public services
    first)."""
    return tuple(sorted((c for c, n in names.items() if n["level"] == "ministry"),
                        reverse=True))


def group(cohort: str | None, names: dict[str, dict[str, str]]) -> tuple[str, ...]:
    """The cohorts a ranking page chooses among: the provinces, the ministries, or one."""
    if cohort is None or cohort in PROVINCES:
        return PROVINCES
    found = ministries(names)
    return found if cohort in found else (cohort,)


def editions(ctx: QueryContext, cohorts: tuple[str, ...],
             indicator: str) -> list[dict[str, Any]]:
    """Coverage of every edition of these cohorts that has a value or a rank."""
    rows = figures.coverage(ctx, figures.CoverageFilter(cohorts=cohorts,
                                                        indicators=(indicator,)),
                            ALL).items
    return [dict(r) for r in rows if r["with_value"] or r["with_rank"]]


def choose(rows: list[dict[str, Any]], year: int | None, cohort: str | None,
           order: tuple[str, ...]) -> tuple[int, str]:
    """The edition a ranking page shows: the year asked for, else the latest year with
    complete values, else with complete ranks, else the latest with any; the cohort asked
    for, else the most complete one that year (the later cohort on a tie)."""
    if cohort is not None:
        rows = [r for r in rows if r["cohort"] == cohort]
    if not rows:
        raise not_found(f"this dataset has no ranking of {cohort or 'these cohorts'}; see "
                        "/explore/coverage")
    if year is None:
        for key in ("with_value", "with_rank", ""):
            years = [r["year"] for r in rows if not key or full(r, key)]
            if years:
                year = max(years)
                break
    same = [r for r in rows if r["year"] == year]
    if not same:
        raise not_found(f"this dataset has no ranking of {cohort or 'these cohorts'} in "
                        f"{year}; see /explore/coverage")

    def completeness(r: dict[str, Any]) -> tuple[bool, bool, int, int, int]:
        return (full(r, "with_value"), full(r, "with_rank"), r["with_value"], r["with_rank"],
                order.index(r["cohort"]) if r["cohort"] in order else 0)

    best = max(same, key=completeness)
    return best["year"], best["cohort"]
