"""The charts there are: for each, its parameters (a service filter), how its data is
gathered, its Vega-Lite specification and the REST collection holding its data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from api.charts import specs
from api.services import charts
from api.services.context import QueryContext, Years
from api.services.params import Filter


def _years(years: Years | None) -> str | None:
    if years is None:
        return None
    return ",".join([*map(str, years.values), *(f"{a}:{b}" for a, b in years.ranges)])


def url(path: str, **params: Any) -> str:
    """A relative URL with the parameters that have a value."""
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
          lambda r: url("/v1/rankings", year=r.year, cohort=r.cohort,
                        indicator=r.indicator, limit=1000)),
    Chart("series", "Entities over the years: value and rank, gaps where unpublished",
          charts.SeriesChart, charts.series, specs.series,
          lambda r: url("/v1/scores", entity=",".join(r.entities), indicator=r.indicator,
                        year=_years(r.years), limit=1000)),
    Chart("profile", "One entity's pillars and main indicators in a year, against the "
          "cohort's published mean", charts.ProfileChart, charts.profile, specs.profile,
          lambda r: url("/v1/scores", entity=r.entity, year=r.year, limit=1000)),
    Chart("coverage", "How complete each year is: entities with a value and a rank, and the "
          "cohort size", charts.CoverageChart, charts.coverage, specs.coverage,
          lambda r: url("/v1/coverage", year=_years(r.years), cohort=",".join(r.cohorts),
                        indicator=r.indicator)),
)
BY_KIND = {c.kind: c for c in CHARTS}


def describe(ctx: QueryContext, kind: str, wanted: Filter, lang: str) -> str:
    """A chart in words without drawing it: the explorer's alt text and caption."""
    chart = BY_KIND[kind]
    return str(chart.spec(chart.gather(ctx, wanted), lang, "", "", "")["description"])
