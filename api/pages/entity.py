"""/explore/province/{code}: one entity (a province, a post-merger unit, a ministry):
its series, its rank in every edition, a radar of its main indicators against the
cohort's mean and best where the cohort's table is complete, the entities whose scores
are nearest, every figure with its sources, and the 2025 merger both ways."""

from __future__ import annotations

from typing import Any

from api.pages.panels import ALL, Figure, figure, panel
from api.pages.site import Page, render
from api.services import catalog, rankings, scores
from api.services.charts import (
    MIN_AXES,
    PRIMARY,
    ProfileChart,
    RadarChart,
    SeriesChart,
    cohort_names,
    complete_mains,
    indicator_names,
)
from api.services.context import QueryContext
from api.services.rankings import HistoryRequest, RankingRequest
from api.services.scores import ScoreFilter

PEERS = 3  # on each side


def primary(rows: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    """Per year, the figure of the entity's primary cohort (as the charts choose)."""
    chosen: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r["year"] not in chosen or PRIMARY.index(r["cohort"]) < PRIMARY.index(
                chosen[r["year"]]["cohort"]):
            chosen[r["year"]] = r
    return {(y, r["cohort"]): r for y, r in chosen.items()}


def radar_year(ctx: QueryContext, dti: dict[tuple[int, str], dict[str, Any]]) -> int | None:
    """The latest year whose cohort has a complete main-indicator table."""
    for year, cohort in sorted(dti, reverse=True):
        if len(complete_mains(ctx, year, cohort)) >= MIN_AXES:
            return year
    return None


def peers(ctx: QueryContext, code: str, dti: dict[tuple[int, str], dict[str, Any]]
          ) -> tuple[int, str, list[dict[str, Any]]] | None:
    """The entities whose value is nearest this one's, in its latest ranking with a value."""
    valued = sorted(k for k, r in dti.items() if r["value"] is not None)
    if not valued:
        return None
    year, cohort = valued[-1]
    found, _ = rankings.ranking(ctx, RankingRequest(year, "DTI", cohort), ALL)
    ordered: list[dict[str, Any]] = sorted(
        (dict(e) for e in found.items if e["value"] is not None),
        key=lambda e: -float(e["value"] or 0))
    at = next(i for i, e in enumerate(ordered) if e["entity_code"] == code)
    near = ordered[max(0, at - PEERS):at + PEERS + 1]
    return year, cohort, near


def history(ctx: QueryContext, code: str, cohorts: list[str]) -> list[dict[str, Any]]:
    """Every published (or computed, labelled) DTI rank, in each cohort it belongs to."""
    found = []
    for cohort in cohorts:
        page = rankings.history(ctx, HistoryRequest((code,), cohort=cohort), ALL)[0]
        found += [dict(e) for e in page.items]
    return sorted(found, key=lambda e: (e["year"], e["cohort"]))


def entity_page(ctx: QueryContext, base: str, lang: str, code: str) -> bytes:
    entity: dict[str, Any] = dict(catalog.get_entity(ctx, code))
    found = [dict(s) for s in scores.list_scores(ctx, ScoreFilter(entities=(code,)),
                                                 ("year",), ALL).items]
    dti = primary([s for s in found if s["indicator"] == "DTI"])
    years = sorted({y for y, _ in dti})
    series: Figure | None = None
    profile: Figure | None = None
    radar = False
    if years:
        series = figure(ctx, base, "series", SeriesChart(entities=(code,)), lang, entity=code)
        year = radar_year(ctx, dti)
        radar = year is not None
        if year is not None:
            profile = figure(ctx, base, "radar", RadarChart((code,), year), lang, entity=code,
                             year=year)
        else:
            profile = figure(ctx, base, "profile", ProfileChart(code, years[-1]), lang,
                             entity=code, year=years[-1])
    near = peers(ctx, code, dti)
    name = entity[f"name_{lang}"]
    page = Page(lang, f"/explore/province/{code}", base, name, {},
                series.words if series else "", series.url if series else None)
    gql = (f'{{ entity(code: "{code}") {{ name series(years: "2020:2025") '
           "{ year indicatorCode value rank rankBasis sources { id publisher } } } }")
    charts = [(f.words[:60], f) for f in (series, profile) if f is not None]
    use = panel(page, f"/v1/scores?entity={code}", gql, charts)
    compare = [code, *(p["entity_code"] for p in (near[2] if near else [])
                       if p["entity_code"] != code)][:4]
    return render("entity.html", page, entity=entity, figures=found, series=series,
                  profile=profile, radar=radar, near=near, compare=",".join(compare),
                  history=history(ctx, code, entity["cohorts"]),
                  names=cohort_names(ctx.conn), use=use, indicators={
                      c: indicator_names(ctx.conn, c)[lang] for c in {
                          str(s["indicator"]) for s in found}})
