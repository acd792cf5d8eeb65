"""Read models: what the services return and both adapters serve (the OpenAPI components).

They are TypedDicts so a page of rows costs no object construction; pydantic derives
their JSON Schema for the committed OpenAPI document. Every name pair (name_vi,
name_en) is joined by a `name` in the requested language when rendered.
"""

from typing import NotRequired

from typing_extensions import TypedDict

from models.method_public import FrameworkMethod


class Claim(TypedDict):
    """What one source says about a figure."""

    source_id: str
    url: str | None
    publisher: str
    tier: str
    value: float | None
    value_text: str | None
    rank: int | None
    rank_basis: str | None
    qualifier: str | None
    note: str | None


class Score(TypedDict):
    id: int
    year: int
    entity_code: str
    entity_name_vi: str
    entity_name_en: str
    entity_kind: str
    indicator: str
    cohort: str
    cohort_size: int | None
    value: float | None
    value_text: str | None
    rank: int | None
    rank_basis: str | None
    qualifier: str | None
    conflict_status: str
    note: str | None
    source_id: str
    sources: list[Claim]
    conflicts: list[Claim]


class RankingEntry(TypedDict):
    year: int
    indicator: str
    cohort: str
    rank: int | None
    entity_code: str
    entity_name_vi: str
    entity_name_en: str
    value: float | None
    value_text: str | None
    previous_rank: int | None
    rank_change: int | None
    previous_value: float | None
    value_change: float | None
    has_conflict: bool
    conflict_status: str
    rank_basis: str | None
    framework_id: str | None
    source_ids: list[str]
    computed_rank: int | None  # from the values, where every member of the cohort has one
    computed_rank_basis: str | None  # computed_from_values
    previous_rank_basis: str | None  # what previous_rank rests on
    rank_change_basis: str | None  # what this edition's side of rank_change rests on
    rank_median: float | None  # over the weights' perturbations (/v1/rankings/stability)
    rank_interval: list[int] | None  # its 5th and 95th percentile ranks


class RankingMeta(TypedDict):
    """How complete a ranking is: the `meta` of /v1/rankings and the GraphQL Ranking."""

    total: int
    year: int
    indicator: str
    cohort: str
    framework_id: str | None
    cohort_size: int | None
    cohort_size_basis: str
    cohort_size_source: str | None
    members_listed: int
    ranked: int
    with_value: int
    complete: bool | None
    unresolved: int
    rank_bases: dict[str, int]
    previous_year: int
    previous_available: bool
    computed: int  # entries with a rank computed from the values
    computed_only: int  # ...of which no published rank exists
    computed_checked: int  # ...of which a published rank exists to check it
    computed_agree: int  # ...and equals it
    computed_precision: int | None  # decimals the values were ranked at


class RankingHistoryMeta(TypedDict):
    """`meta` of /v1/rankings/history: every edition the rows come from."""

    total: int
    editions: list[RankingMeta]


class EntityRef(TypedDict):
    code: str
    name_vi: str
    name_en: str


class Entity(TypedDict):
    code: str
    kind: str
    level: str
    name_vi: str
    name_en: str
    region: str | None
    iso_code: str | None  # ISO 3166-2 (VN-xx); null where ISO lists no code for the unit
    valid_from: str | None
    valid_to: str | None
    has_public_services: bool | None
    admin_centre: str | None
    group_2020: int | None
    cohorts: list[str]
    source_id: str | None
    note: str | None
    predecessors: NotRequired[list[EntityRef]]
    successors: NotRequired[list[EntityRef]]


class Framework(TypedDict):
    id: str
    edition: str
    level: str
    decision: str
    issued_date: str | None
    valid_from_year: int | None
    valid_to_year: int | None
    summary: str
    source_id: str
    note: str | None
    root_indicator: str | None
    method: NotRequired[FrameworkMethod | None]  # the weights and their check (derived)


class Indicator(TypedDict):
    code: str
    framework_id: str | None
    level: str
    kind: str
    parent_code: str | None
    name_vi: str
    name_en: str
    max_points: float | None
    weight: float | None
    scale: str
    definition: str | None
    source_id: str
    note: str | None
    children: NotRequired[list["Indicator"]]
    parent: NotRequired["Indicator | None"]


class Aggregate(TypedDict):
    id: int
    year: int
    cohort: str
    indicator: str
    statistic: str
    value: float | None
    value_text: str | None
    qualifier: str | None
    conflict_status: str
    note: str | None
    source_id: str
    sources: list[Claim]
    conflicts: list[Claim]


class Metric(TypedDict):
    code: str
    name_vi: str
    name_en: str
    unit: str
    definition: str


class Statistic(TypedDict):
    id: int
    entity_code: str
    entity_name_vi: str
    entity_name_en: str
    entity_name_published: str  # as the source printed it, e.g. a merged unit's long name
    metric: str
    unit: str
    as_of: str | None
    period_start: str | None
    period_end: str | None
    value: float
    value_text: str
    rank_basis: str | None
    qualifier: str | None
    source_id: str
    note: str | None


class FigureRef(TypedDict):
    """A figure a source is cited for: a score, an aggregate or a statistic (`kind`)."""
    kind: str
    id: int
    year: int | None
    entity_code: str | None
    cohort: str | None
    indicator: str | None
    statistic: str | None
    metric: str | None
    value_text: str | None
    rank: int | None
    agrees: bool


class Source(TypedDict):
    id: str
    url: str | None
    title: str
    publisher: str
    published_date: str | None
    language: str
    tier: str
    tier_reason: str
    figure_count: int
    figures: NotRequired[list[FigureRef]]


class CohortSize(TypedDict):
    """A ranked group in one year: its published size and what that size rests on."""

    cohort: str
    year: int
    name_vi: str
    name_en: str
    level: str
    cohort_size: int | None
    cohort_size_basis: str
    source_id: str | None


class Coverage(TypedDict):
    year: int
    cohort: str
    indicator: str
    cohort_size: int | None
    cohort_size_basis: str
    with_value: int
    with_rank: int
    with_computed_rank: int
    figures: int
    unresolved: int


class SeriesPoint(TypedDict):
    year: int
    indicator: str
    cohort: str
    value: float | None
    value_text: str | None
    rank: int | None
    rank_basis: str | None
    qualifier: str | None
    cohort_size: int | None
    source_ids: list[str]
    has_conflict: bool
    conflict_status: str


class MergerLink(TypedDict):
    """One pre-2025 province forming part of one post-2025 province."""

    old_code: str
    old_name_vi: str
    old_name_en: str
    new_code: str
    new_name_vi: str
    new_name_en: str
    valid_from: str | None
    source_id: str
    note: str | None


class CollectionMeta(TypedDict):
    """`meta` of a collection: how many rows match, over every page."""

    total: int


class SeriesMeta(TypedDict):
    total: int
    entity: str


class IndicatorMeta(TypedDict):
    total: int
    tree: bool


class Licence(TypedDict):
    code: str
    data: str


class IndexData(TypedDict):
    dataset_version: str
    built_at: str
    synthetic: bool
    licence: Licence
    collections: dict[str, str]


class IndexLinks(TypedDict):
    self: str
    openapi: str
    docs: str
    graphql: str


class ServiceIndex(TypedDict):
    """/v1 (and / for clients that do not ask for HTML): what is here and where."""

    data: IndexData
    links: IndexLinks


class Health(TypedDict):
    status: str
    database: NotRequired[str]


class VersionInfo(TypedDict):
    dataset_version: str
    built_at: str
    synthetic: bool
    api_version: str


class ReleaseFile(TypedDict):
    """One file of a release: its size, checksum and download address."""

    name: str
    bytes: int
    sha256: str
    media_type: str
    url: str


class Release(TypedDict):
    """A versioned, citable download of the whole dataset."""

    version: str
    name: str
    created: str
    released: bool  # False: a local build of a version not recorded in seed/releases.csv
    zip: str  # address of the zip holding every other file
    datapackage: str
    citation: str
    files: list[ReleaseFile]
