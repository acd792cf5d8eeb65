"""Storage tables of the method behind the scores, derived at load time: the weights of
each edition's main indicators, the check that they recompute every published total, and
the rank-stability analysis. Nothing here is a published figure."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class FrameworkWeight(SQLModel, table=True):
    """The weight of one main indicator in an edition (seed/data/framework_weights.csv)."""

    framework_id: str = Field(primary_key=True, foreign_key="framework.id")
    indicator_code: str = Field(primary_key=True)
    position: int
    points: float
    share: float  # points / the edition's total
    basis: str  # inferred_from_published_tables
    evidence: str


class WeightCheck(SQLModel, table=True):
    """The weights recomputing every total one year and cohort publishes (derived)."""

    framework_id: str = Field(primary_key=True, foreign_key="framework.id")
    year: int = Field(primary_key=True)
    cohort: str = Field(primary_key=True, foreign_key="cohort.code")
    rows_checked: int  # entities with the DTI and every weighted main indicator
    cohort_size: int | None = None
    max_deviation: float
    worst_entity: str
    tolerance: float  # what rounding allows: one unit in the last published decimal
    precision: int


class StabilityAnalysis(SQLModel, table=True):
    """How one complete table's ranking moves when the weights do (derived at load)."""

    year: int = Field(primary_key=True)
    cohort: str = Field(primary_key=True, foreign_key="cohort.code")
    framework_id: str = Field(foreign_key="framework.id")
    draws: int
    spread: float  # each weight times a factor drawn uniformly from 1 +/- spread
    seed: int
    bins: int  # for the first-order variance shares
    precision: int  # decimals the recomputed values are ranked at
    shares: str  # JSON: indicator -> share of the cohort's rank variance
    driver: str  # the indicator with the largest share


class RankStability(SQLModel, table=True):
    """One entity's rank over the perturbed weights (derived at load)."""

    year: int = Field(primary_key=True)
    cohort: str = Field(primary_key=True)
    entity_code: str = Field(primary_key=True, foreign_key="entity.code")
    position: int
    rank: int | None = None  # as published
    recomputed_rank: int  # from the main indicators and the edition's weights
    rank_median: float
    rank_p05: int
    rank_p95: int
    driver: str | None = None  # None when the rank never moves
    driver_share: float | None = None
