"""Closed vocabularies and cohort groups, each defined once.

The loader checks the seed files against them (seed/), the query layer checks request
parameters against them (api/services/params.py), and the data dictionary states them
as Table Schema enums (api/services/fields.py).
"""

from __future__ import annotations

LEVELS = ("province", "ministry", "national")
KINDS = ("province", "municipality", "ministry", "nation")
# Which indicator edition (level) a figure of an entity kind belongs to.
LEVEL_OF_KIND = {"province": "province", "municipality": "province", "ministry": "ministry",
                 "nation": "national"}
INDICATOR_KINDS = ("root", "pillar", "main", "component", "criterion", "external")
SCALES = ("unit_interval", "percent", "rank")
METRIC_UNITS = ("count", "percent", "rank", "days", "VND_billion", "points_of_12")
STATISTICS = ("mean", "value", "min", "max", "n_units", "count_above_mean", "count_ge_0.5",
              "share_ge_0.5_pct", "growth_pct_vs_prev_year", "growth_pct_vs_prev_year_low",
              "growth_pct_vs_prev_year_high", "growth_pct_vs_2020", "count_group_2")

# Preference when sources disagree, best first: the publisher of the assessment, government
# portals, the press, third-party compilations (which host is which: source_tiers.csv).
TIERS = ("official", "government", "press", "third-party")
# How sure a served figure is, best first (seed/figures.py decides it).
CONFLICT_STATUSES = ("none", "resolved_by_tier", "resolved_by_agreement", "unresolved")
# What a published rank rests on, firmest first.
RANK_BASES = ("stated", "list_order", "leads_wording")
# What a rank this project computed rests on: never a published rank (seed/rankings.py).
COMPUTED_RANK_BASIS = "computed_from_values"
QUALIFIERS = ("approximately", "more_than", "less_than", "at_least")
SIZE_BASES = ("membership", "stated", "unknown")  # where a cohort's size in a year comes from
# How the weights of an edition's main indicators are known (seed/weights.py).
WEIGHTS_BASES = ("inferred_from_published_tables",)

# Every group ranked together (cohorts.csv defines them; the loader refuses others).
COHORTS = ("provinces-63", "provinces-34", "ministries-public-services",
           "ministries-no-public-services", "ministries-and-provinces", "nation",
           "un-member-states")
# The cohorts the DTI assesses, in the order tables list them.
DTI_COHORTS = ("provinces-63", "provinces-34", "ministries-public-services",
               "ministries-no-public-services", "nation")
PROVINCE_COHORTS = ("provinces-63", "provinces-34")
# First and last edition year of the cohorts that did not exist in every edition: the 34
# merged provinces from the 2024 edition (published for both), the 63 until then.
COHORT_YEARS: dict[str, tuple[int | None, int | None]] = {
    "provinces-63": (None, 2024), "provinces-34": (2024, None)}
MERGER_YEAR = 2025  # the first edition whose default cohort is the 34 merged provinces


def default_cohort(year: int) -> str:
    """The provincial cohort a request for `year` means when it names none."""
    return "provinces-63" if year < MERGER_YEAR else "provinces-34"
