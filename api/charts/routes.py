"""/v1/charts/{ranking,series,profile,coverage}: parse like the collections, gather
with the services, specify in Vega-Lite, render in the format asked for, cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from api.charts import specs
from api.charts.page import CSP, chart_page
from api.charts.render import FORMATS, Renderer
from api.errors import ApiError
from api.http.negotiate import MEDIA, choose, language_of
from api.http.representation import not_modified
from api.http.state import app_state
from api.rest.params import parse_query
from api.services import charts
from api.services.context import QueryContext, Years
from api.services.params import Filter, Param, enum, integer


def _years(years: Years | None) -> str | None:
    if years is None:
        return None
    return ",".join([*map(str, years.values), *(f"{a}:{b}" for a, b in years.ranges)])


def _query(path: str, **params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "", ())}
    return f"{path}?{urlencode(kept)}" if kept else path


@dataclass(frozen=True)
class Chart:
    kind: str
    summary: str
    request: type[Filter]
    gather: Callable[..., dict[str, Any]]
    spec: Callable[..., dict[str, Any]]
    data_url: Callable[[Any], str]  # the REST collection holding the chart's data


CHARTS = (
    Chart("ranking", "A ranking as a chart: rank order, values where published, ties",
          charts.RankingChart, charts.ranking, specs.ranking,
          lambda r: _query("/v1/rankings", year=r.year, cohort=r.cohort,
                           indicator=r.indicator, limit=1000)),
    Chart("series", "Entities over the years: value and rank, gaps where unpublished",
          charts.SeriesChart, charts.series, specs.series,
          lambda r: _query("/v1/scores", entity=",".join(r.entities), indicator=r.indicator,
                           year=_years(r.years), limit=1000)),
    Chart("profile", "One entity's pillars and main indicators in a year, against the "
          "cohort's published mean", charts.ProfileChart, charts.profile, specs.profile,
          lambda r: _query("/v1/scores", entity=r.entity, year=r.year, limit=1000)),
    Chart("coverage", "How complete each year is: entities with a value and a rank, and the "
          "cohort size", charts.CoverageChart, charts.coverage, specs.coverage,
          lambda r: _query("/v1/coverage", year=_years(r.years), cohort=",".join(r.cohorts),
                           indicator=r.indicator)),
)
SHARED: dict[str, Param] = {
    "format": enum(FORMATS, "svg (default), png, vl (the Vega-Lite specification) or html "
                   "(a page for an <iframe>); else by Accept"),
    "scale": Param(integer(1, 3), "PNG pixel density, 1..3 (default 1)",
                   {"type": "integer", "minimum": 1, "maximum": 3}),
}
OFFERS = ("svg", "png", "vl", "html")


def describe(ctx: QueryContext, kind: str, wanted: Filter, lang: str) -> str:
    """A chart in words without drawing it: the explorer's alt text and caption."""
    chart = next(c for c in CHARTS if c.kind == kind)
    return str(chart.spec(chart.gather(ctx, wanted), lang, "", "", "")["description"])


def params_of(chart: Chart) -> dict[str, Param]:
    return {**chart.request.PARAMS, **SHARED}


def handler(chart: Chart) -> Callable[[Request], Any]:
    async def handle(request: Request) -> ASGIApp:
        state = app_state(request)
        params = parse_query(request.query_params, params_of(chart), paged=False,
                             collection=False)
        fmt = params.get("format") or choose(request.headers.get("accept", ""), OFFERS)
        if fmt is None:
            raise ApiError(406, "charts are available as " +
                           ", ".join(MEDIA[f] for f in OFFERS))
        lang = params.get("lang") or language_of(request.headers.get("accept-language", ""))
        early = not_modified(request.scope, state.etag(request.scope),
                             state.settings.cache_max_age)
        if early:
            return early
        wanted = chart.request.build(params)
        data = await state.run(chart.gather, wanted)
        data_url = chart.data_url(wanted)
        spec = chart.spec(data, lang, state.version, data_url,
                          f"{state.settings.public_url}{data_url}")
        renderer: Renderer = state.extras["charts"]
        headers = None
        if fmt == "html":
            svg = (await renderer.render(spec, "svg")).decode()
            query = {k: v for k, v in request.query_params.items() if k != "format"}
            spec_url = _query(request.url.path, **query, format="vl")
            body = chart_page(chart.kind, spec, svg, lang, spec_url)
            headers = [(b"content-security-policy", CSP.encode())]
        else:
            body = await renderer.render(spec, fmt, params.get("scale", 1))
        rendered = await anyio.to_thread.run_sync(
            lambda: state.render(request.scope, body, MEDIA[fmt], headers=headers))
        return state.keep(request.scope, rendered)
    handle.__name__ = f"get_{chart.kind}_chart"
    return handle


ROUTES: list[BaseRoute] = [Route(f"/v1/charts/{c.kind}", handler(c), methods=["GET"])
                           for c in CHARTS]
