"""Storage tables. Read models live in models.public; nothing here is served directly."""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Dataset(SQLModel, table=True):
    """One row: what was loaded, when, and whether it is synthetic."""

    id: int = Field(default=1, primary_key=True)
    version: str
    built_at: str
    synthetic: bool = False
    seed_files: str  # JSON object: file name -> sha256


class Source(SQLModel, table=True):
    id: str = Field(primary_key=True)
    url: str | None = None
    title: str
    publisher: str
    published_date: str | None = None  # YYYY-MM-DD, YYYY-MM or YYYY as published
    language: str
    tier: str  # official | government | press | third-party
    tier_reason: str = ""  # the source_tiers.csv rule that gave the tier
    tier_rank: int  # 0 = preferred
    file: str
    figure_count: int = 0  # claims and statistics citing it, counted at load time


class Framework(SQLModel, table=True):
    id: str = Field(primary_key=True)  # e.g. DTI_922_2022-province
    edition: str = Field(index=True)
    level: str
    decision: str
    issued_date: str | None = None
    valid_from_year: int | None = None
    valid_to_year: int | None = None
    summary: str
    source_id: str = Field(foreign_key="source.id")
    note: str | None = None


class Indicator(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("framework_id", "level", "code"),)
    id: int = Field(primary_key=True)
    framework_id: str | None = Field(default=None, foreign_key="framework.id", index=True)
    level: str
    code: str = Field(index=True)
    parent_code: str | None = None
    kind: str  # root | pillar | main | component | criterion | external
    name_vi: str
    name_en: str
    max_points: float | None = None
    weight: float | None = None
    scale: str  # unit_interval | percent | rank
    definition: str | None = None
    source_id: str = Field(foreign_key="source.id")
    note: str | None = None


class Entity(SQLModel, table=True):
    code: str = Field(primary_key=True)
    kind: str = Field(index=True)  # province | municipality | ministry | nation
    level: str  # province | ministry | national
    name_vi: str
    name_en: str
    search_key: str  # case- and diacritic-folded names, for ?q=
    region: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    has_public_services: bool | None = None
    admin_centre: str | None = None
    group_2020: int | None = None
    group_2020_source_id: str | None = Field(default=None, foreign_key="source.id")
    source_id: str | None = Field(default=None, foreign_key="source.id")
    note: str | None = None
    synthetic: bool = False
    cohorts: str = ""  # ';'-joined codes of its cohortmember rows, summarised at load time
    iso_code: str | None = None  # ISO 3166-2 (VN-xx), where ISO lists the unit


class EntityLink(SQLModel, table=True):
    """One old province forming part of one post-2025 province."""

    new_code: str = Field(primary_key=True, foreign_key="entity.code")
    old_code: str = Field(primary_key=True, foreign_key="entity.code")
    source_id: str = Field(foreign_key="source.id")
    note: str | None = None


class Cohort(SQLModel, table=True):
    code: str = Field(primary_key=True)
    level: str
    name_vi: str
    name_en: str
    size: int  # fixed cohorts: every year; others: the largest size any year had
    fixed: bool = False
    source_id: str = Field(foreign_key="source.id")
    note: str | None = None


class CohortYear(SQLModel, table=True):
    """A cohort's size in one year: by membership, stated by a source, or unknown."""

    cohort: str = Field(primary_key=True, foreign_key="cohort.code")
    year: int = Field(primary_key=True)
    size: int | None = None
    basis: str  # membership | stated | unknown
    source_id: str | None = Field(default=None, foreign_key="source.id")


class CohortMember(SQLModel, table=True):
    cohort: str = Field(primary_key=True, foreign_key="cohort.code")
    entity_code: str = Field(primary_key=True, foreign_key="entity.code")


class Score(SQLModel, table=True):
    """One published figure: the served value/rank chosen from its claims."""

    __table_args__ = (
        UniqueConstraint("year", "entity_code", "indicator_code", "cohort"),
        Index("ix_score_ranking", "year", "cohort", "indicator_code", "rank"),
        Index("ix_score_series", "entity_code", "indicator_code", "year"),
        Index("ix_score_default_order", "year", "entity_code", "indicator_code", "id"),
    )
    id: int = Field(primary_key=True)
    year: int
    entity_code: str = Field(foreign_key="entity.code")
    indicator_code: str
    cohort: str = Field(foreign_key="cohort.code")
    value: float | None = None
    value_text: str | None = None  # as published, e.g. "0.8340"
    rank: int | None = None
    note: str | None = None
    has_conflict: bool = False
    conflict_status: str = "none"  # none | resolved_by_tier | resolved_by_agreement | unresolved
    rank_basis: str | None = None  # stated | list_order | leads_wording
    qualifier: str | None = None  # approximately | more_than | less_than | at_least
    source_id: str = Field(foreign_key="source.id")  # the claim whose figure is served
    # The claims, summarised for list views and exports: ';'-joined source ids in claim
    # order, of the sources that agree with the served figure and of those that do not.
    source_ids: str = ""
    conflict_ids: str = ""
    synthetic: bool = False


class Aggregate(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("year", "cohort", "indicator_code", "statistic"),)
    id: int = Field(primary_key=True)
    year: int
    cohort: str = Field(foreign_key="cohort.code")
    indicator_code: str
    statistic: str
    value: float | None = None
    value_text: str | None = None
    note: str | None = None
    has_conflict: bool = False
    conflict_status: str = "none"
    qualifier: str | None = None
    source_id: str = Field(foreign_key="source.id")  # the claim whose figure is served


class Claim(SQLModel, table=True):
    """What one source says about one figure (a score or an aggregate)."""

    __table_args__ = (Index("ix_claim_figure", "figure_kind", "figure_id"),)
    id: int = Field(primary_key=True)
    figure_kind: str  # score | aggregate
    figure_id: int
    source_id: str = Field(foreign_key="source.id", index=True)
    value: float | None = None
    value_text: str | None = None
    rank: int | None = None
    agrees: bool  # False: the source gives a different value or rank (a conflict)
    rank_basis: str | None = None
    qualifier: str | None = None
    note: str | None = None
    file: str
    line: int


class Metric(SQLModel, table=True):
    code: str = Field(primary_key=True)
    name_vi: str
    name_en: str
    unit: str
    definition: str


class Statistic(SQLModel, table=True):
    id: int = Field(primary_key=True)
    entity_code: str = Field(foreign_key="entity.code", index=True)
    entity_name: str  # as published, e.g. "Bắc Ninh (post-merger, incl. former Bắc Giang)"
    metric: str = Field(foreign_key="metric.code", index=True)
    as_of: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    ref_date: str | None = None  # as_of, else period_end, else period_start; None = undated
    value: float
    value_text: str
    unit: str
    source_id: str = Field(foreign_key="source.id")
    note: str | None = None
    rank_basis: str | None = None  # for statistics that are ranks
    qualifier: str | None = None


class Ranking(SQLModel, table=True):
    """A ranking derived at load time from the scores: one per year, cohort, indicator."""

    year: int = Field(primary_key=True)
    cohort: str = Field(primary_key=True, foreign_key="cohort.code")
    indicator_code: str = Field(primary_key=True)
    cohort_size: int | None = None  # the year's size; None when no source states it
    cohort_size_basis: str  # membership | stated | unknown
    cohort_size_source: str | None = None
    members_listed: int
    ranked: int
    with_value: int
    complete: bool | None = None  # None when the size is unknown
    previous_available: bool
    unresolved: int = 0  # entries whose served figure is an unresolved conflict
    rank_bases: str = "{}"  # JSON: ranked entries per rank basis
    framework_id: str | None = None  # the edition in force that year (frameworks.csv)
    # Ranks computed from the values where every member has one (never published ranks):
    # how many, how many of them fill a gap, how many a published rank checks, how many
    # of those agree, and the decimals the values were compared at.
    computed: int = 0
    computed_only: int = 0
    computed_checked: int = 0
    computed_agree: int = 0
    computed_precision: int | None = None


class RankingEntry(SQLModel, table=True):
    """One row of a derived ranking, in display order; nothing here is not in `score`."""

    year: int = Field(primary_key=True)
    cohort: str = Field(primary_key=True)
    indicator_code: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    entity_code: str = Field(foreign_key="entity.code")
    entity_name_vi: str
    entity_name_en: str
    rank: int | None = None
    value: float | None = None
    value_text: str | None = None
    previous_rank: int | None = None
    rank_change: int | None = None
    previous_value: float | None = None
    value_change: float | None = None
    has_conflict: bool = False
    conflict_status: str = "none"
    rank_basis: str | None = None
    source_ids: str = ""
    computed_rank: int | None = None  # from the values, where the cohort's are complete
    computed_rank_basis: str | None = None  # computed_from_values
    previous_rank_basis: str | None = None  # what previous_rank rests on
    rank_change_basis: str | None = None  # what this edition's side of rank_change rests on
    rank_median: float | None = None  # the stability analysis, where there is one
    rank_p05: int | None = None
    rank_p95: int | None = None


class Coverage(SQLModel, table=True):
    """How complete one year, cohort and indicator is, zero rows included (derived)."""

    year: int = Field(primary_key=True)
    cohort: str = Field(primary_key=True, foreign_key="cohort.code")
    indicator_code: str = Field(primary_key=True)
    cohort_size: int | None = None
    cohort_size_basis: str
    with_value: int
    with_rank: int
    with_computed_rank: int = 0
    figures: int
    unresolved: int



# The method's tables share this metadata: whoever creates or copies the tables gets them.
import models.method  # noqa: E402, F401
