"""What the MCP tools answer: typed documents whose JSON Schemas are the tools' output
schemas. Every answer carries `provenance`; every figure its served source."""

from __future__ import annotations

from typing_extensions import TypedDict

from models import public as pub


class Provenance(TypedDict):
    """Where an answer comes from and how to check it."""

    dataset_version: str
    rest_url: str  # the same data on the REST API
    cite: str  # the citation rule


class SourceRef(TypedDict):
    """A public page a figure was read from."""

    id: str
    publisher: str
    title: str
    url: str | None
    published_date: str | None
    tier: str  # official > government > press > third-party


class Figure(TypedDict):
    """One published figure of one entity, with the source it is served from."""

    entity_code: str
    entity_name_vi: str
    entity_name_en: str
    year: int
    indicator: str
    cohort: str
    cohort_size: int | None
    value: float | None
    value_text: str | None  # as the source printed it
    qualifier: str | None
    rank: int | None
    rank_basis: str | None
    rank_status: str | None  # published | computed (derived from values, not a source)
    conflict_status: str
    source: SourceRef | None
    gaps: list[str]
    rest_url: str


class RankedFigure(Figure):
    previous_rank: int | None
    rank_change: int | None
    previous_value: float | None
    value_change: float | None


class Claim(TypedDict):
    """What one source says about a figure."""

    source: SourceRef
    value: float | None
    value_text: str | None
    rank: int | None
    rank_basis: str | None
    qualifier: str | None
    note: str | None


class FigureWithClaims(Figure):
    agreeing: list[Claim]
    conflicting: list[Claim]
    how_chosen: str


class Gap(TypedDict):
    """A figure this dataset does not have."""

    entity_code: str
    year: int
    indicator: str
    cohort: str | None
    note: str


class EntityRef(TypedDict):
    code: str
    name_vi: str
    name_en: str


class EntityMatch(TypedDict):
    code: str
    kind: str
    name_vi: str
    name_en: str
    region: str | None
    valid_from: str | None
    valid_to: str | None
    cohorts: list[str]
    merged_into: list[EntityRef]
    formed_from: list[EntityRef]
    status: str
    matched: str  # how the query reached it: by name, or through the 2025 merger
    rest_url: str


class FindAnswer(TypedDict):
    query: str
    matches: list[EntityMatch]
    note: str | None
    provenance: Provenance


class RankingSummary(TypedDict):
    year: int
    indicator: str
    cohort: str
    framework_id: str | None
    cohort_size: int | None
    cohort_size_basis: str
    members_listed: int
    ranked: int
    with_value: int
    complete: bool | None
    unresolved: int
    rank_bases: dict[str, int]
    completeness: str


class RankingAnswer(TypedDict):
    ranking: RankingSummary
    entries: list[RankedFigure]
    shown: int
    note: str | None
    provenance: Provenance


class ProfileAnswer(TypedDict):
    entity: EntityMatch
    figures: list[Figure]
    gaps: list[Gap]
    note: str | None
    provenance: Provenance


class CompareYear(TypedDict):
    year: int
    figures: list[Figure]
    gaps: list[Gap]


class CompareAnswer(TypedDict):
    indicator: str
    entities: list[EntityRef]
    years: list[CompareYear]
    provenance: Provenance


class CoverageRow(pub.Coverage):
    """A coverage row and what it means, in words."""

    known: str


class CoverageAnswer(TypedDict):
    year: int
    rows: list[CoverageRow]
    years_with_data: list[int]
    note: str
    provenance: Provenance


class FigureAnswer(TypedDict):
    entity: EntityRef
    year: int
    indicator: str
    figures: list[FigureWithClaims]
    note: str | None
    provenance: Provenance


class FrameworkAnswer(TypedDict):
    framework: pub.Framework
    indicators: list[pub.Indicator]
    editions: list[str]
    note: str
    provenance: Provenance


class Licence(TypedDict):
    code: str
    data: str


class AboutAnswer(TypedDict):
    title: str
    summary: str
    dataset_version: str
    built_at: str
    release_date: str
    released: bool
    licence: Licence
    how_to_cite: str
    citation_cff: str
    source_tiers: str
    links: dict[str, str]
    provenance: Provenance
