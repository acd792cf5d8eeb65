"""/explore/ranking and /explore/coverage: a ranking around its map (or, for cohorts
without boundaries, its bar chart), its table with ties, changes, rank bases, conflicts
and sources, and how its values spread; and how complete each year is.

Everything comes from the services the API uses; nothing here computes a figure.
"""

from __future__ import annotations

from typing import Any

from api.errors import ApiError
from api.pages import words
from api.pages.panels import (
    ALL,
    PROVINCES,
    choose,
    editions,
    figure,
    group,
    ministries,
    panel,
)
from api.pages.site import Page, render
from api.services import charts, figures, method, rankings, scores, whatif
from api.services.charts import CoverageChart, RankingChart, cohort_names
from api.services.context import QueryContext
from api.services.geo import MapChart
from api.services.paging import PageRequest
from api.services.rankings import RankingRequest
from api.services.scores import ScoreFilter

VIEWS = ("map", "tiles")
INDICATORS = ("DTI", "GOV", "ECO", "SOC")  # offered first, then the main indicators


def _entries(ctx: QueryContext, year: int, indicator: str, cohort: str) -> tuple[
        list[dict[str, Any]], dict[str, Any]]:
    found, meta = rankings.ranking(ctx, RankingRequest(year, indicator, cohort), ALL)
    entries: list[dict[str, Any]] = [dict(e) for e in found.items]
    disputed = tuple(e["entity_code"] for e in entries if e["has_conflict"])
    others = {s["entity_code"]: s["conflicts"] for s in scores.list_scores(
        ctx, ScoreFilter(entities=disputed, cohorts=(cohort,), indicators=(indicator,)), (),
        ALL).items if s["year"] == year} if disputed else {}
    ranks = [e["rank"] for e in entries if e["rank"] is not None]
    computed = [e.get("computed_rank") for e in entries]
    for e in entries:
        # a published rank as published; else the rank computed from the values, labelled
        # so (never in the published one's place: it shows where none was published)
        rank, basis, pool = e["rank"], e["rank_basis"], ranks
        if rank is None and e.get("computed_rank") is not None:
            rank, basis, pool = e["computed_rank"], "computed_from_values", computed
        e["rank_shown"] = "–" if rank is None else f"={rank}" if pool.count(rank) > 1 \
            else str(rank)
        e["basis_shown"] = basis
        e["conflicts"] = others.get(e["entity_code"], [])
    return entries, dict(meta)


def what_if_available(ctx: QueryContext, year: int, cohort: str) -> bool:
    """Whether the year's main-indicator table is complete for this cohort."""
    try:
        whatif.what_if(ctx, whatif.WhatIfRequest(year, cohort), PageRequest(1))
    except ApiError:
        return False
    return True


def what_if_page(ctx: QueryContext, base: str, lang: str, year: int, cohort: str | None,
                 weights: tuple[float, ...] | None) -> bytes:
    """Unofficial: the ranking recomputed with the weights asked for, beside the official."""
    found, meta = whatif.what_if(ctx, whatif.WhatIfRequest(year, cohort, weights), ALL)
    names = cohort_names(ctx.conn)
    indicators = {i: n[lang] for i, n in _indicators(ctx, year, meta["cohort"])}
    points, _ = method.edition_weights(ctx.conn, meta["framework_id"])
    official = ",".join(f"{w['points']:g}" for w in points)
    asked = ",".join(f"{w:g}" for w in weights) if weights else official
    title = f"{words.t('what_if', lang)}: DTI {year}, {names[meta['cohort']][lang]}"
    page = Page(lang, "/explore/what-if", base, title,
                {"year": year, "cohort": meta["cohort"], "weights": asked})
    rest = f"/v1/rankings/what-if?year={year}&cohort={meta['cohort']}&weights={asked}"
    return render("whatif.html", page, meta=meta, entries=found.items, asked=asked,
                  official=official, indicators=[indicators.get(i, i) for i in meta["indicators"]],
                  year=year, cohort=meta["cohort"], rest=rest)


def _indicators(ctx: QueryContext, year: int,
                cohort: str) -> list[tuple[str, dict[str, str]]]:
    """(code, name) of every indicator this edition has a figure of, DTI first."""
    rows = figures.coverage(ctx, figures.CoverageFilter(cohorts=(cohort,)), ALL).items
    held = {r["indicator"] for r in rows if r["year"] == year
            and (r["with_value"] or r["with_rank"])}
    ordered = sorted(held, key=lambda c: (c not in INDICATORS,
                                          INDICATORS.index(c) if c in INDICATORS else 0, c))
    return [(c, charts.indicator_names(ctx.conn, c)) for c in ordered]


def ranking_page(ctx: QueryContext, base: str, lang: str, year: int | None,
                 cohort: str | None, indicator: str | None, view: str | None) -> bytes:
    indicator = indicator or "DTI"
    names = cohort_names(ctx.conn)
    order = group(cohort, names)
    asked = cohort  # a cohort asked for stays; else each year opens on its most complete
    found = editions(ctx, order if cohort is None else (cohort,), indicator)
    year, cohort = choose(found, year, cohort, order)
    entries, meta = _entries(ctx, year, indicator, cohort)
    mapped = cohort in PROVINCES
    view = view if view in VIEWS else "map"
    params = {"year": year, "cohort": cohort, "indicator": indicator}
    picked = [(c, n[lang]) for c, n in _indicators(ctx, year, cohort)]
    title = f"{dict(picked).get(indicator, indicator)} {year}: {names[cohort][lang]}"
    if mapped:
        main = figure(ctx, base, view, MapChart(year, indicator, cohort), lang, **params)
        other = "tiles" if view == "map" else "map"
        second = figure(ctx, base, other, MapChart(year, indicator, cohort), lang, **params)
    else:
        main = figure(ctx, base, "ranking", RankingChart(year, indicator, cohort), lang, **params)
        second = None
    spread = figure(ctx, base, "distribution", RankingChart(year, indicator, cohort), lang,
                    **params)
    page = Page(lang, "/explore/ranking", base, title,
                {**params, "view": view if mapped and view != "map" else None},
                main.words, main.url)
    same_year = [(c, names[c][lang]) for c in (*PROVINCES, *ministries(names)) if c != cohort
                 and any(r["year"] == year for r in editions(ctx, (c,), indicator))]
    years = sorted({r["year"] for r in found})
    gql = (f'{{ ranking(year: {year}, cohort: "{cohort}", indicator: "{indicator}") {{ '
           "complete ranked entries { edges { node { rank valueText rankChange rankBasis "
           "entity { code name } } } } } }")
    charts_ = [(page.t(f.kind) if f.kind in ("map", "tiles", "distribution") else title, f)
               for f in (main, second, spread) if f is not None]
    use = panel(page, f"/v1/rankings?year={year}&cohort={cohort}&indicator={indicator}",
                gql, charts_)
    return render("ranking.html", page, meta=meta, entries=entries, main=main,
                  spread=spread, mapped=mapped, view=view, years=years, year=year,
                  cohort=cohort, indicator=indicator, indicators=picked,
                  same_year=same_year, use=use, asked=asked,
                  what_if=indicator == "DTI" and what_if_available(ctx, year, cohort))


def coverage_page(ctx: QueryContext, base: str, lang: str) -> bytes:
    names = cohort_names(ctx.conn)
    cohorts = (*PROVINCES, *ministries(names))
    rows = figures.coverage(ctx, figures.CoverageFilter(cohorts=cohorts, indicators=("DTI",)),
                            ALL).items
    chart = figure(ctx, base, "coverage", CoverageChart(cohorts=PROVINCES), lang)
    page = Page(lang, "/explore/coverage", base,
                "Độ phủ dữ liệu DTI" if lang == "vi" else "DTI coverage", {}, chart.words,
                chart.url)
    listed = ", ".join(f'"{c}"' for c in PROVINCES)
    gql = (f'{{ coverage(cohort: [{listed}], indicator: ["DTI"]) '
           "{ edges { node { year cohort withValue withRank cohortSize } } } }")
    use = panel(page, f"/v1/coverage?cohort={','.join(PROVINCES)}&indicator=DTI", gql,
                [(page.title, chart)])
    return render("coverage.html", page, chart=chart, use=use, names=names,
                  rows=[r for r in rows if r["with_value"] or r["with_rank"]
                        or r["cohort"] in PROVINCES])
