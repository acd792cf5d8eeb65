"""Read models of the method behind the scores: an edition's weights and their check, the
what-if ranking and the rank-stability analysis. Every one is derived, and says so."""

from typing_extensions import TypedDict


class IndicatorWeight(TypedDict):
    """The weight of one main indicator in an edition."""

    indicator: str
    points: float
    weight: float  # points / the edition's total: the share of the DTI


class WeightCheck(TypedDict):
    """The weights recomputing every total one year and cohort publishes."""

    year: int
    cohort: str
    rows_checked: int  # entities with the DTI and every main indicator published
    cohort_size: int | None
    max_deviation: float  # largest |recomputed - published|
    worst_entity: str
    tolerance: float  # what rounding allows: one unit in the last published decimal


class PillarWeight(TypedDict):
    """A pillar's points or weight, where a source states them."""

    indicator: str
    points: float | None
    weight: float | None
    source_id: str


class FrameworkMethod(TypedDict):
    """How an edition's main indicators make its DTI, as far as the data shows."""

    weights_basis: str | None  # inferred_from_published_tables; null: no weights known
    total_points: float | None
    weights: list[IndicatorWeight]
    checks: list[WeightCheck]
    pillars: list[PillarWeight]


class WhatIfEntry(TypedDict):
    """One entity ranked with the caller's weights beside its official figures."""

    entity_code: str
    entity_name_vi: str
    entity_name_en: str
    official_value: float | None
    official_value_text: str | None
    official_rank: int | None
    official_rank_basis: str | None  # the published rank's basis, or computed_from_values
    recomputed_value: float
    recomputed_rank: int
    rank_shift: int | None  # official_rank - recomputed_rank (positive: moves up)


class WhatIfMeta(TypedDict):
    """What a what-if answer is: unofficial, computed from which weights."""

    total: int
    unofficial: bool
    label: str
    year: int
    cohort: str
    framework_id: str
    indicators: list[str]
    weights: list[float]  # the caller's, normalised to sum to 1
    official_weights: list[float]
    official_weights_basis: str
    precision: int  # decimals the recomputed values are rounded and ranked at
    moved: int  # entities whose rank differs from the official one


class StabilityEntry(TypedDict):
    """One entity's rank over perturbed weights."""

    year: int
    cohort: str
    entity_code: str
    entity_name_vi: str
    entity_name_en: str
    rank: int | None  # as published
    recomputed_rank: int  # from the main indicators with the edition's weights
    rank_median: float
    rank_interval: list[int]  # 5th and 95th percentile ranks
    driver: str | None  # the weight whose perturbation explains most of its rank variance
    driver_share: float | None  # that weight's first-order share of the variance


class StabilityAnalysis(TypedDict):
    """The parameters and cohort-level result of one analysis."""

    year: int
    cohort: str
    framework_id: str
    draws: int
    spread: float
    seed: int
    bins: int
    precision: int
    shares: dict[str, float]  # indicator -> first-order share of the cohort's rank variance
    driver: str


class StabilityMeta(TypedDict):
    total: int
    method: str
    analyses: list[StabilityAnalysis]
