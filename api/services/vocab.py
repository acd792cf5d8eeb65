"""Closed vocabularies both adapters validate against."""

from __future__ import annotations

from api.errors import invalid

LEVELS = ("province", "ministry", "national")
KINDS = ("province", "municipality", "ministry", "nation")
INDICATOR_KINDS = ("root", "pillar", "main", "component", "criterion", "external")
COHORTS = ("provinces-63", "provinces-34", "ministries-public-services",
           "ministries-no-public-services", "ministries-and-provinces", "nation",
           "un-member-states")
STATISTICS = ("mean", "value", "min", "max", "n_units", "count_above_mean", "count_ge_0.5",
              "share_ge_0.5_pct", "growth_pct_vs_prev_year", "growth_pct_vs_prev_year_low",
              "growth_pct_vs_prev_year_high", "growth_pct_vs_2020", "count_group_2")
TIERS = ("official", "government", "press", "third-party")


def check_choices(parameter: str, values: tuple[str, ...] | str | None,
                  allowed: tuple[str, ...]) -> None:
    """Raise a 400 naming the parameter when a value is outside its vocabulary."""
    items = (values,) if isinstance(values, str) else values or ()
    bad = [v for v in items if v not in allowed]
    if bad:
        raise invalid(parameter, f"unknown value {bad[0]!r}; expected one of "
                                 f"{', '.join(allowed)}")
