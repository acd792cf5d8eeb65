"""The charts there are: for each, its parameters (a service filter), how its data is
gathered, its Vega-Lite specification and the REST collection holding its data; maps add
the boundaries' licence (a header on every answer) and their geometry's version (in the
ETag)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from api.charts import distribution, maps, radar, specs
from api.charts.frame import frame
from api.services import charts, geo
from api.services.context import QueryContext, Years
from api.services.params import Filter

# The boundaries are CC BY-SA 4.0: every map answer says so in a header too (RFC 8288)
LICENCE_LINK = (b"link", b'<https://creativecommons.org/licenses/by-sa/4.0/>; rel="license"')


def _years(years: Years | None) -> str | None:
    if years is None:
        return None
    return ",".join([*map(str, years.values), *(f"{a}:{b}" for a, b in years.ranges)])


def url(path: str, **params: Any) -> str:
    """A relative URL with the parameters that have a value."""
    kept = {k: v for k, v in params.items() if v not in (None, "", ())}
    return f"{path}?{urlencode(kept)}" if kept else path


def _ranking_url(r: Any) -> str:
    return url("/v1/rankings", year=r.year, cohort=r.cohort, indicator=r.indicator, limit=1000)


@dataclass(frozen=True)
class Chart:
    kind: str
    summary: str
    request: type[Filter]
    gather: Callable[..., dict[str, Any]]
    spec: Callable[..., dict[str, Any]]
    data_url: Callable[[Any], str]  # the REST collection holding the chart's data
    headers: tuple[tuple[bytes, bytes], ...] = ()  # on every answer (a map's licence)
    variant: Callable[[], str] | None = None  # what else decides it (a map's geometry)


CHARTS = (
    Chart("ranking", "A ranking as a chart: rank order, values where published, ties",
          charts.RankingChart, charts.ranking, specs.ranking, _ranking_url),
    Chart("series", "Entities over the years: value and rank, gaps where this dataset has "
          "no figure", charts.SeriesChart, charts.series, specs.series,
          lambda r: url("/v1/scores", entity=",".join(r.entities), indicator=r.indicator,
                        year=_years(r.years), limit=1000)),
    Chart("profile", "One entity's pillars and main indicators in a year, against the "
          "cohort's published mean", charts.ProfileChart, charts.profile, specs.profile,
          lambda r: url("/v1/scores", entity=r.entity, year=r.year, limit=1000)),
    Chart("coverage", "How complete each year is: entities with a value and a rank, and the "
          "cohort size", charts.CoverageChart, charts.coverage, specs.coverage,
          lambda r: url("/v1/coverage", year=_years(r.years), cohort=",".join(r.cohorts),
                        indicator=r.indicator)),
    Chart("map", "A ranking on the map (choropleth of the boundaries, CC BY-SA 4.0): "
          "equal-interval classes, 'no data' in grey, the island groups with their province",
          geo.MapChart, geo.map_data, maps.choropleth, _ranking_url, (LICENCE_LINK,),
          geo.version),
    Chart("tiles", "A ranking as a tile grid: every province one equal square near its "
          "place (layout derived from the boundaries, CC BY-SA 4.0)",
          geo.MapChart, geo.map_data, maps.tile_grid, _ranking_url, (LICENCE_LINK,),
          geo.version),
    Chart("radar", "Main indicators of 1-4 entities against the cohort's mean and best "
          "(computed from its complete table), where that table is complete",
          charts.RadarChart, charts.radar, radar.radar,
          lambda r: url("/v1/scores", year=r.year, indicator=None, limit=1000,
                        entity=",".join(r.entities))),
    Chart("distribution", "How a ranking's values spread: a histogram of the published "
          "figures, members without one counted in words", charts.RankingChart,
          charts.ranking, distribution.distribution, _ranking_url),
)
BY_KIND = {c.kind: c for c in CHARTS}


@dataclass(frozen=True)
class Sketch:
    """A chart known without drawing it: its words and the frame that holds its page."""

    words: str
    width: int
    height: int


def sketch(ctx: QueryContext, kind: str, wanted: Filter, lang: str, base: str = "",
           version: str = "0" * 16) -> Sketch:
    """A chart in words without drawing it (the explorer's alt text and caption), and the
    size of a frame that fits its page (its source line names `base` + its data's URL,
    as the served chart does)."""
    chart = BY_KIND[kind]
    data_url = chart.data_url(wanted)
    spec = chart.spec(chart.gather(ctx, wanted), lang, version, data_url, base + data_url)
    return Sketch(str(spec["description"]), *frame(kind, spec))


def describe(ctx: QueryContext, kind: str, wanted: Filter, lang: str) -> str:
    """A chart in words without drawing it: the explorer's alt text and caption."""
    return sketch(ctx, kind, wanted, lang).words
