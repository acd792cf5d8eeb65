"""Closed vocabularies: each defined once, checked by the parsers in api.services.params."""

from __future__ import annotations

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
# Which indicator edition (level) a figure of an entity kind belongs to.
LEVEL_OF_KIND = {"province": "province", "municipality": "province", "ministry": "ministry",
                 "nation": "national"}
