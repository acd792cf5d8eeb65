"""/explore/compare (2 to 4 entities side by side: their series, their DTI value and
rank in every year, a radar where their cohort's table is complete) and /explore/search
(names without diacritics or case, as /v1/entities?q= finds them)."""

from __future__ import annotations

from typing import Any

from api.pages.entity import primary
from api.pages.panels import ALL, PROVINCES, figure, ministries, panel
from api.pages.site import Page, render
from api.services import catalog, scores
from api.services.catalog import EntityFilter
from api.services.charts import MAX_PROFILES, MIN_AXES, RadarChart, SeriesChart, complete_mains
from api.services.charts import cohort_names as names_of
from api.services.context import QueryContext
from api.services.paging import PageRequest
from api.services.scores import ScoreFilter

FOUND = PageRequest(50)  # search results shown


def choices(ctx: QueryContext, names: dict[str, dict[str, str]]
            ) -> list[tuple[str, list[dict[str, Any]]]]:
    """The compare form's options: the 63 provinces, the 34 units, the ministries."""
    found = []
    for cohort in (*PROVINCES, *ministries(names)[:1]):
        members = [dict(e) for e in catalog.list_entities(ctx, EntityFilter(cohort=cohort),
                                                          ALL).items]
        found.append((cohort, sorted(members, key=lambda e: str(e["name_vi"]))))
    return found


def _radar(ctx: QueryContext, codes: list[str], by_entity: dict[str, Any]) -> int | None:
    """The latest year all of them have a DTI figure in the first one's cohort, and that
    cohort's main-indicator table is complete."""
    first = by_entity[codes[0]]
    for year, cohort in sorted(first, reverse=True):
        shared = all((year, cohort) in by_entity[c] for c in codes)
        if shared and len(complete_mains(ctx, year, cohort)) >= MIN_AXES:
            return year
    return None


def compare_page(ctx: QueryContext, base: str, lang: str, codes: list[str]) -> bytes:
    codes = list(dict.fromkeys(codes))[:MAX_PROFILES]
    entities: list[dict[str, Any]] = [dict(catalog.get_entity(ctx, c)) for c in codes]
    found = scores.list_scores(ctx, ScoreFilter(entities=tuple(codes), indicators=("DTI",)),
                               ("year",), ALL).items
    by_entity = {c: primary([dict(s) for s in found if s["entity_code"] == c]) for c in codes}
    years = sorted({y for c in codes for y, _ in by_entity[c]})
    rows = [{"year": y, "cells": [next((r for (yy, _), r in by_entity[c].items() if yy == y),
                                       None) for c in codes]} for y in years]
    title = (" · ".join(e[f"name_{lang}"] for e in entities) if entities
             else ("So sánh các đơn vị" if lang == "vi" else "Compare entities"))
    series = radar = None
    with_data = [c for c in codes if by_entity[c]]
    if len(codes) >= 2 and with_data:
        series = figure(ctx, base, "series", SeriesChart(entities=tuple(with_data)), lang,
                        entity=",".join(with_data))
        year = _radar(ctx, codes, by_entity)
        if year is not None:
            radar = figure(ctx, base, "radar", RadarChart(tuple(codes), year), lang,
                           entity=",".join(codes), year=year)
    page = Page(lang, "/explore/compare", base, title, {"entity": ",".join(codes)},
                series.words if series else "", series.url if series else None)
    gql = ("{ entities: rankingHistory(entity: [" + ", ".join(f'"{c}"' for c in codes)
           + "]) { entries { edges { node { year cohort rank valueText entity { name } } } } } }")
    use = panel(page, f"/v1/scores?entity={','.join(codes)}&indicator=DTI", gql,
                [(f.words[:60], f) for f in (series, radar) if f is not None]) \
        if codes else None
    names = names_of(ctx.conn)
    return render("compare.html", page, entities=entities, rows=rows, series=series,
                  radar=radar, choices=choices(ctx, names), codes=codes, use=use, names=names)


def search_page(ctx: QueryContext, base: str, lang: str, q: str | None) -> bytes:
    found = catalog.list_entities(ctx, EntityFilter(q=q), FOUND).items if q else []
    title = (f"{'Tìm' if lang == 'vi' else 'Search'}: {q}" if q
             else ("Tìm tỉnh, bộ" if lang == "vi" else "Find a province or ministry"))
    page = Page(lang, "/explore/search", base, title, {"q": q})
    return render("search.html", page, q=q, found=found, names=names_of(ctx.conn))
