"""/explore: rankings, provinces and coverage for people, in Vietnamese or English.

Server-rendered tables that work without JavaScript, charts that are the API's own SVG
resources (redrawn with tooltips by vega-embed where scripts run), and on every view a
"use this data" panel: the REST URL, the GraphQL query, the CSV and embed snippets.
Everything comes from the services the API uses; nothing here computes a figure.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from api.charts.kinds import describe
from api.charts.page import CSP
from api.services import catalog, figures, rankings, scores
from api.services.charts import CoverageChart, ProfileChart, RankingChart, SeriesChart
from api.services.context import QueryContext
from api.services.paging import PageRequest
from api.services.rankings import RankingRequest
from api.services.scores import ScoreFilter
from models.vocab import PROVINCE_COHORTS as PROVINCES

ALL = PageRequest(1000)
TEXT = {
    "title": ("Khám phá dữ liệu DTI", "Explore the DTI data"),
    "ranking": ("Bảng xếp hạng", "Ranking"), "province": ("Tỉnh, thành phố", "Province"),
    "coverage": ("Độ phủ dữ liệu", "Coverage"), "home": ("Trang chủ", "Home"),
    "switch": ("English", "Tiếng Việt"), "year": ("Năm", "Year"), "show": ("Xem", "Show"),
    "rank": ("Hạng", "Rank"), "entity": ("Đơn vị", "Entity"), "value": ("Giá trị", "Value"),
    "change": ("Thay đổi", "Change"), "sources": ("Nguồn", "Sources"),
    "conflict": ("Nguồn khác nói", "Other sources say"),
    "not_published": ("chưa công bố", "not published"),
    "use": ("Dùng dữ liệu này", "Use this data"), "rest": ("REST", "REST"),
    "graphql": ("GraphQL", "GraphQL"), "csv": ("Tải CSV", "Download CSV"),
    "embed": ("Nhúng biểu đồ", "Embed the chart"),
    "figures": ("Mọi số liệu và nguồn", "Every figure and its sources"),
    "indicator": ("Chỉ số", "Indicator"), "cohort": ("Nhóm", "Cohort"),
    "merged_into": ("Sáp nhập vào (từ 1/7/2025)", "Merged into (from 2025-07-01)"),
    "merged_from": ("Hợp nhất từ", "Formed from"),
    "series": ("Theo thời gian", "Over time"), "profile": ("Các trụ cột", "Pillars"),
    "chart_data": ("Dữ liệu biểu đồ ở bảng bên dưới.", "The chart's data is in the table below."),
    "skip": ("Bỏ qua đến nội dung", "Skip to content"),
    "with_value": ("có giá trị", "with a value"), "with_rank": ("có hạng", "ranked"),
    "complete": ("đầy đủ", "complete"), "partial": ("chưa đầy đủ", "partial"),
    "size": ("số thành viên", "cohort size"), "unknown": ("không rõ", "unknown"),
}


def t(key: str, lang: str) -> str:
    return TEXT[key][lang == "en"]


def shell(lang: str, title: str, body: str, here: str, query: dict[str, Any]) -> bytes:
    """The explorer's page: nav in one language, a switch to the other."""
    other = "en" if lang == "vi" else "vi"
    switch = f"{here}?{urlencode({**query, 'lang': other})}"
    nav = "".join(f'<li><a href="{href}?lang={lang}">{escape(t(key, lang))}</a></li>'
                  for href, key in (("/explore/ranking", "ranking"),
                                    ("/explore/coverage", "coverage")))
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · DTI Open Data</title><link rel="icon" href="/assets/favicon.svg">
<link rel="stylesheet" href="/assets/site.css">
<script src="/assets/vega-embed.js" defer></script>
<script src="/assets/chart.js" defer></script></head>
<body><a class="skip" href="#main">{escape(t("skip", lang))}</a>
<header><nav aria-label="DTI Open Data"><ul><li><a href="/">{escape(t("home", lang))}</a></li>
{nav}<li><a href="{escape(switch)}" hreflang="{other}" lang="{other}"
 class="switch">{escape(t("switch", lang))}</a></li></ul></nav></header>
<main id="main" tabindex="-1"><h1>{escape(title)}</h1>{body}</main>
<footer><p>{escape("Mã nguồn: MIT. Số liệu thuộc các nguồn công bố." if lang == "vi" else
                   "Code: MIT. Figures belong to their publishers.")}
 <a href="/v1/sources">/v1/sources</a></p></footer></body></html>""".encode()


# The chart pages' policy (vega-embed needs 'unsafe-eval'), with forms sent here and
# no framing.
HEADERS = [(b"content-security-policy", CSP.replace("form-action 'none'", "form-action 'self'")
            .replace("frame-ancestors *", "frame-ancestors 'none'").encode())]


def figure(chart_url: str, alt: str, lang: str) -> str:
    """A chart: the SVG resource as an image (no script needed), upgraded by chart.js;
    `alt` is the chart in words (its description), also its caption."""
    return (f'<figure class="chart" data-spec="{escape(chart_url)}&amp;format=vl">'
            f'<img class="chart-svg" src="{escape(chart_url)}" alt="{escape(alt)}" '
            f'loading="lazy"><figcaption>{escape(alt)} {escape(t("chart_data", lang))}'
            "</figcaption></figure>")


def use_panel(lang: str, rest: str, graphql: str, chart: str | None) -> str:
    csv_url = rest + ("&" if "?" in rest else "?") + "format=csv"
    parts = [f'<h2 id="use">{escape(t("use", lang))}</h2><dl class="use">',
             f'<dt>{t("rest", lang)}</dt><dd><a href="{escape(rest)}"><code>'
             f"{escape(rest)}</code></a></dd>",
             f'<dt>{t("csv", lang)}</dt><dd><a href="{escape(csv_url)}"><code>'
             f"{escape(csv_url)}</code></a></dd>",
             f'<dt>{t("graphql", lang)}</dt><dd><pre><code>{escape(graphql)}</code></pre>'
             f'<a href="/graphql#query={quote(graphql)}">GraphiQL</a></dd>']
    if chart:
        img = f'<img src="{chart}" alt="DTI chart">'
        frame = (f'<iframe src="{chart}&format=html" title="DTI chart" width="640" '
                 'height="480"></iframe>')
        parts.append(f'<dt>{escape(t("embed", lang))}</dt><dd><pre><code>{escape(img)}'
                     f"</code></pre><pre><code>{escape(frame)}</code></pre></dd>")
    return "".join(parts) + "</dl>"


def _change(entry: dict[str, Any]) -> str:
    change = entry["rank_change"]
    if change is None:
        return ""
    if change == 0:
        return '<span aria-label="no change">=</span>'
    arrow, word = ("▲", "up") if change > 0 else ("▼", "down")
    return f'<span class="{word}" aria-label="{word} {abs(change)}">{arrow}{abs(change)}</span>'


def _sources(ids: list[str]) -> str:
    return ", ".join(f'<a href="/v1/sources/{quote(i)}">{escape(i)}</a>' for i in ids)


def ranking_table(ctx: QueryContext, year: int, cohort: str, lang: str) -> str:
    found, meta = rankings.ranking(ctx, RankingRequest(year, "DTI", cohort), ALL)
    entries: list[dict[str, Any]] = [dict(e) for e in found.items]
    disputed = tuple(e["entity_code"] for e in entries if e["has_conflict"])
    conflicts = {s["entity_code"]: s for s in scores.list_scores(
        ctx, ScoreFilter(entities=disputed, cohorts=(cohort,), indicators=("DTI",)), (),
        ALL).items if s["year"] == year} if disputed else {}
    ranks = [e["rank"] for e in entries if e["rank"] is not None]
    ties = {r for r in ranks if ranks.count(r) > 1}
    rows = []
    for e in entries:
        rank = "–" if e["rank"] is None else f"={e['rank']}" if e["rank"] in ties \
            else str(e["rank"])
        name = e[f"entity_name_{lang}"]
        value = escape(e["value_text"]) if e["value_text"] else \
            f'<span class="missing">{escape(t("not_published", lang))}</span>'
        other = ""
        if e["has_conflict"] and e["entity_code"] in conflicts:
            said = [f"{escape(c['value_text'] or '')} {('#' + str(c['rank'])) if c['rank'] else ''}"
                    f" ({_sources([c['source_id']])})"
                    for c in conflicts[e["entity_code"]]["conflicts"]]
            other = (f'<div class="conflict"><span aria-hidden="true">⚠</span> '
                     f'{escape(t("conflict", lang))}: {"; ".join(said)} '
                     f'<span class="status">{escape(e["conflict_status"])}</span></div>')
        rows.append(
            f'<tr><td class="num">{rank}</td><td><a href="/explore/province/'
            f'{quote(e["entity_code"])}?lang={lang}">{escape(name)}</a></td>'
            f'<td class="num">{value}</td><td class="num">{_change(e)}</td>'
            f"<td>{_sources(e['source_ids'])}{other}</td></tr>")
    size = meta["cohort_size"]
    badge = (f'{meta["with_value"]}/{size if size is not None else t("unknown", lang)} '
             f'{t("with_value", lang)} · {meta["ranked"]} {t("with_rank", lang)} · '
             f'{t("complete", lang) if meta["complete"] else t("partial", lang)}')
    head = "".join(f'<th scope="col"{c}>{escape(t(k, lang))}</th>' for k, c in (
        ("rank", ' class="num"'), ("entity", ""), ("value", ' class="num"'),
        ("change", ' class="num"'), ("sources", "")))
    return (f'<section class="ranking" aria-labelledby="h-{cohort}">'
            f'<h2 id="h-{cohort}">{escape(cohort)} · {year}</h2>'
            f'<p class="badge">{escape(badge)}</p>'
            f'<table><caption>{escape(t("ranking", lang))} DTI {year}, {escape(cohort)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table></section>")


def ranking_years(ctx: QueryContext) -> list[tuple[int, str]]:
    """The (year, cohort) of every provincial DTI ranking with at least one rank."""
    rows = figures.coverage(ctx, figures.CoverageFilter(cohorts=PROVINCES,
                                                        indicators=("DTI",)), ALL).items
    return [(r["year"], r["cohort"]) for r in rows if r["with_rank"]]


def ranking_page(ctx: QueryContext, lang: str, year: int | None, cohort: str | None) -> bytes:
    editions = ranking_years(ctx)
    years = sorted({y for y, _ in editions})
    year = year if year in years else years[-1]
    cohorts = [c for y, c in editions if y == year and (cohort is None or c == cohort)] \
        or [c for y, c in editions if y == year]
    cohorts.sort(key=PROVINCES.index)  # before the merger, then after
    options = "".join(f'<option value="{y}"{" selected" if y == year else ""}>{y}</option>'
                      for y in years)
    form = (f'<form method="get" action="/explore/ranking" class="pick">'
            f'<label for="year">{escape(t("year", lang))}</label> '
            f'<select id="year" name="year">{options}</select>'
            f'<input type="hidden" name="lang" value="{lang}"> '
            f'<button type="submit">{escape(t("show", lang))}</button></form>')
    sections = []
    for c in cohorts:
        chart = f"/v1/charts/ranking?year={year}&cohort={c}&lang={lang}"
        words = describe(ctx, "ranking", RankingChart(year=year, cohort=c), lang)
        sections.append(f'<div class="side">{figure(chart, words, lang)}'
                        f"{ranking_table(ctx, year, c, lang)}</div>")
    main = cohorts[0]
    rest = f"/v1/rankings?year={year}&cohort={main}"
    gql = (f'{{ ranking(year: {year}, cohort: "{main}") {{ complete ranked entries {{ edges '
           "{ node { rank valueText rankChange entity { code name } } } } } }")
    body = (form + f'<div class="sides">{"".join(sections)}</div>'
            + use_panel(lang, rest, gql, f"/v1/charts/ranking?year={year}&cohort={main}"))
    return shell(lang, f"{t('ranking', lang)} DTI {year}", body, "/explore/ranking",
                 {"year": year, **({"cohort": cohort} if cohort else {})})


def province_page(ctx: QueryContext, lang: str, code: str) -> bytes:
    entity: dict[str, Any] = dict(catalog.get_entity(ctx, code))
    name = entity[f"name_{lang}"]
    found = scores.list_scores(ctx, ScoreFilter(entities=(code,)), ("year",), ALL).items
    years = sorted({s["year"] for s in found if s["indicator"] == "DTI"})
    links = []
    for key, field in (("merged_into", "successors"), ("merged_from", "predecessors")):
        others = entity.get(field) or []
        if others:
            shown = ", ".join(f'<a href="/explore/province/{quote(o["code"])}?lang={lang}">'
                              f'{escape(o[f"name_{lang}"])}</a>' for o in others)
            links.append(f"<p>{escape(t(key, lang))}: {shown}</p>")
    charts = ""
    if years:
        series = f"/v1/charts/series?entity={quote(code)}&lang={lang}"
        charts += f"<h2>{escape(t('series', lang))}</h2>" + figure(
            series, describe(ctx, "series", SeriesChart(entities=(code,)), lang), lang)
        profile = f"/v1/charts/profile?entity={quote(code)}&year={years[-1]}&lang={lang}"
        charts += f"<h2>{escape(t('profile', lang))} {years[-1]}</h2>" + figure(
            profile, describe(ctx, "profile", ProfileChart(code, years[-1]), lang), lang)
    rows = []
    for s in found:
        value = escape(s["value_text"]) if s["value_text"] else \
            f'<span class="missing">{escape(t("not_published", lang))}</span>'
        said = "; ".join(f"{escape(c['value_text'] or '')} "
                         f"{('#' + str(c['rank'])) if c['rank'] else ''} "
                         f"({_sources([c['source_id']])})" for c in s["conflicts"])
        other = (f'<div class="conflict"><span aria-hidden="true">⚠</span> '
                 f'{escape(t("conflict", lang))}: {said}</div>') if said else ""
        rows.append(f'<tr><td class="num">{s["year"]}</td><td>{escape(s["indicator"])}</td>'
                    f'<td class="num">{value}</td><td class="num">'
                    f'{"" if s["rank"] is None else s["rank"]}</td>'
                    f'<td>{escape(s["cohort"])}</td>'
                    f'<td>{_sources([c["source_id"] for c in s["sources"]])}{other}</td></tr>')
    head = "".join(f'<th scope="col">{escape(t(k, lang))}</th>' for k in (
        "year", "indicator", "value", "rank", "cohort", "sources"))
    table = (f"<h2>{escape(t('figures', lang))}</h2><table><caption>{escape(name)}"
             f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    about = (f'<p class="lead">{escape(entity["name_vi"])} · {escape(entity["name_en"])} · '
             f'<code>{escape(code)}</code> · {escape(entity["kind"])}'
             f'{" · " + escape(entity["region"]) if entity["region"] else ""}</p>')
    gql = (f'{{ entity(code: "{code}") {{ name series(years: "2020:2025") '
           "{ year indicatorCode value rank sourceIds } } }")
    body = (about + "".join(links) + charts + table
            + use_panel(lang, f"/v1/scores?entity={quote(code)}", gql,
                        f"/v1/charts/series?entity={quote(code)}" if years else None))
    return shell(lang, name, body, f"/explore/province/{quote(code)}", {})


def coverage_page(ctx: QueryContext, lang: str) -> bytes:
    rows = figures.coverage(ctx, figures.CoverageFilter(cohorts=PROVINCES, indicators=("DTI",)),
                            ALL).items
    cells = "".join(
        f'<tr><td class="num">{r["year"]}</td><td>{escape(r["cohort"])}</td>'
        f'<td class="num">{r["with_value"]}</td><td class="num">{r["with_rank"]}</td>'
        f'<td class="num">{"" if r["cohort_size"] is None else r["cohort_size"]}</td></tr>'
        for r in rows)
    head = "".join(f'<th scope="col">{escape(t(k, lang))}</th>' for k in (
        "year", "cohort", "with_value", "with_rank", "size"))
    chart = f"/v1/charts/coverage?lang={lang}"
    gql = ('{ coverage(cohort: ["provinces-63", "provinces-34"], indicator: ["DTI"]) '
           "{ edges { node { year cohort withValue withRank cohortSize } } } }")
    body = (figure(chart, describe(ctx, "coverage", CoverageChart(), lang), lang)
            + f"<table><caption>{escape(t('coverage', lang))}</caption><thead><tr>{head}"
            f"</tr></thead><tbody>{cells}</tbody></table>"
            + use_panel(lang, "/v1/coverage?cohort=provinces-63,provinces-34&indicator=DTI",
                        gql, "/v1/charts/coverage?"))
    return shell(lang, t("coverage", lang), body, "/explore/coverage", {})
