"""Strawberry types: thin views over the read models, linked through DataLoaders."""

from __future__ import annotations

import dataclasses
import functools
from enum import Enum
from typing import Any, Generic, TypeVar, cast

import strawberry
from strawberry.types import Info

from api.graphql.context import GraphQLContext, load, load_many
from api.services.context import Years
from api.services.paging import Page

T = TypeVar("T")


@strawberry.enum
class Lang(Enum):
    VI = "vi"
    EN = "en"


@functools.cache
def _init_fields(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def build(cls: type[T], data: dict[str, Any], **renamed: str) -> T:
    """Make a type from a read model, taking only the fields the type declares."""
    names: tuple[str, ...] = _init_fields(cast(Any, cls))
    values = {k: data[k] for k in names if k in data}
    values.update({new: data[old] for new, old in renamed.items()})
    return cls(**values)


def ctx_of(info: Info) -> GraphQLContext:
    context: GraphQLContext = info.context
    return context


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def connection(page: Page[Any], make: Any) -> Any:
    cursors = page.cursors or [""] * len(page.items)
    edges = [Edge(cursor=c, node=make(i)) for c, i in zip(cursors, page.items, strict=True)]
    return Connection(edges=edges,
                      page_info=PageInfo(has_next_page=page.next_cursor is not None,
                                         end_cursor=page.next_cursor),
                      total_count=page.total)


@strawberry.type
class Names:
    name_vi: str
    name_en: str

    @strawberry.field(description="The name in `lang` (default vi).")
    def name(self, lang: Lang = Lang.VI) -> str:
        return self.name_vi if lang is Lang.VI else self.name_en


@strawberry.type
class Source:
    id: str
    url: str | None
    title: str
    publisher: str
    published_date: str | None
    language: str
    tier: str
    figure_count: int

    @strawberry.field(description="Figures this source gives (agreeing or conflicting).")
    async def scores(self, info: Info) -> list[Score]:
        found = await load(ctx_of(info), "source_scores", self.id)
        return [Score.of(s) for s in found]


@strawberry.type
class Claim:
    source_id: str
    url: str | None
    publisher: str
    tier: str
    value: float | None
    value_text: str | None
    rank: int | None
    note: str | None

    @strawberry.field
    async def source(self, info: Info) -> Source:
        return build(Source, await load(ctx_of(info), "source", self.source_id))


@strawberry.type
class Framework:
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
    root_indicator_code: str | None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Framework:
        return build(cls, data, root_indicator_code="root_indicator")

    @strawberry.field
    async def indicators(self, info: Info) -> list[Indicator]:
        return [Indicator.of(i) for i in await load(ctx_of(info), "framework_indicators",
                                                    self.id)]


@strawberry.type
class Indicator(Names):
    code: str
    framework_id: str | None
    level: str
    kind: str
    parent_code: str | None
    max_points: float | None
    weight: float | None
    scale: str
    definition: str | None
    source_id: str
    note: str | None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Indicator:
        return build(cls, data)

    async def _siblings(self, info: Info) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await load(ctx_of(info), "framework_indicators",
                                                 self.framework_id)
        return [i for i in found if i["level"] == self.level]

    @strawberry.field
    async def parent(self, info: Info) -> Indicator | None:
        match = [i for i in await self._siblings(info) if i["code"] == self.parent_code]
        return Indicator.of(match[0]) if match else None

    @strawberry.field
    async def children(self, info: Info) -> list[Indicator]:
        return [Indicator.of(i) for i in await self._siblings(info)
                if i["parent_code"] == self.code]

    @strawberry.field
    async def framework(self, info: Info) -> Framework | None:
        if self.framework_id is None:
            return None
        return Framework.of(await load(ctx_of(info), "framework", self.framework_id))


def _years(years: str | None) -> Years | None:
    from api.graphql.args import parse_years
    return parse_years(years)


@strawberry.type
class SeriesPoint:
    year: int
    indicator_code: str
    cohort: str
    value: float | None
    value_text: str | None
    rank: int | None
    cohort_size: int
    source_ids: list[str]
    has_conflict: bool

    @strawberry.field
    async def sources(self, info: Info) -> list[Source]:
        return [build(Source, s) for s in await load_many(ctx_of(info), "source",
                                                          self.source_ids)]


@strawberry.type
class Statistic:
    id: int
    entity_code: str
    entity_name: str
    metric: str
    unit: str
    as_of: str | None
    period_start: str | None
    period_end: str | None
    value: float
    value_text: str
    source_id: str
    note: str | None

    @strawberry.field
    async def source(self, info: Info) -> Source:
        return build(Source, await load(ctx_of(info), "source", self.source_id))


@strawberry.type
class Entity(Names):
    code: str
    kind: str
    level: str
    region: str | None
    valid_from: str | None
    valid_to: str | None
    has_public_services: bool | None
    admin_centre: str | None
    group_2020: int | None
    cohorts: list[str]
    source_id: str | None
    note: str | None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Entity:
        return build(cls, data)

    async def _linked(self, info: Info, index: int) -> list[Entity]:
        refs = (await load(ctx_of(info), "links", self.code))[index]
        found = await load_many(ctx_of(info), "entity", [r["code"] for r in refs])
        return [Entity.of(e) for e in found if e]

    @strawberry.field(description="Pre-2025 provinces that formed this one.")
    async def predecessors(self, info: Info) -> list[Entity]:
        return await self._linked(info, 0)

    @strawberry.field(description="Post-2025 province this one became part of.")
    async def successors(self, info: Info) -> list[Entity]:
        return await self._linked(info, 1)

    @strawberry.field(description="Published figures, e.g. year: \"2020:2024\".")
    async def scores(self, info: Info, year: str | None = None,
                     indicator: list[str] | None = None) -> list[Score]:
        key = (self.code, (tuple(sorted(indicator or ())), _years(year)))
        return [Score.of(s) for s in await load(ctx_of(info), "entity_scores", key)]

    @strawberry.field(description="Time series of indicators (default DTI).")
    async def series(self, info: Info, indicator: list[str] | None = None,
                     years: str | None = None) -> list[SeriesPoint]:
        key = (self.code, (tuple(sorted(indicator or ())), _years(years)))
        return [build(SeriesPoint, p, indicator_code="indicator")
                for p in await load(ctx_of(info), "series", key)]

    @strawberry.field
    async def statistics(self, info: Info) -> list[Statistic]:
        return [build(Statistic, s) for s in await load(ctx_of(info), "statistics", self.code)]


@strawberry.type
class Score:
    id: int
    year: int
    entity_code: str
    indicator_code: str
    entity_kind: str
    cohort: str
    cohort_size: int
    value: float | None
    value_text: str | None
    rank: int | None
    note: str | None
    sources: list[Claim]
    conflicts: list[Claim]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Score:
        claims = {k: [build(Claim, c) for c in data[k]] for k in ("sources", "conflicts")}
        return build(cls, {**data, **claims}, indicator_code="indicator")

    @strawberry.field
    async def entity(self, info: Info) -> Entity:
        return Entity.of(await load(ctx_of(info), "entity", self.entity_code))

    @strawberry.field
    async def indicator(self, info: Info) -> Indicator | None:
        level = {"ministry": "ministry", "nation": "national"}.get(self.entity_kind, "province")
        found = await load(ctx_of(info), "indicator", (self.indicator_code, level))
        return Indicator.of(found) if found else None


async def _load_entity(info: Info, code: str) -> Entity:
    return Entity.of(await load(ctx_of(info), "entity", code))


def selects(info: Info, *path: str) -> bool:
    """Whether the current field's selection reaches `path` (e.g. entries, edges, node)."""
    level: list[Any] = list(info.selected_fields)
    for name in path:
        level = [s for f in level for s in getattr(f, "selections", [])
                 if getattr(s, "name", None) == name]
        if not level:
            return False
    return True


@strawberry.type
class RankingEntry:
    rank: int | None
    entity_code: str
    value: float | None
    value_text: str | None
    previous_rank: int | None
    rank_change: int | None
    previous_value: float | None
    value_change: float | None
    has_conflict: bool
    source_ids: list[str]
    year: strawberry.Private[int]
    cohort: strawberry.Private[str]
    indicator: strawberry.Private[str]
    prefetched: strawberry.Private[dict[str, Any] | None] = None

    @strawberry.field
    def entity(self, info: Info) -> Entity:
        # Synchronous when the ranking resolver fetched the entities with the ranking
        # (one query for all rows); otherwise an awaitable through the DataLoader.
        if self.prefetched is not None:
            return Entity.of(self.prefetched)
        return _load_entity(info, self.entity_code)  # type: ignore[return-value]

    @strawberry.field(description="The same entity's figure in the previous year, if any.")
    async def previous(self, info: Info) -> Score | None:
        key = (self.year - 1, self.cohort, self.indicator, self.entity_code)
        found = await load(ctx_of(info), "score_by_key", key)
        return Score.of(found) if found else None

    @strawberry.field
    async def sources(self, info: Info) -> list[Source]:
        return [build(Source, s) for s in await load_many(ctx_of(info), "source",
                                                          self.source_ids)]


@strawberry.type
class Ranking:
    year: int
    indicator: str
    cohort: str
    cohort_size: int
    members_listed: int
    ranked: int
    with_value: int
    complete: bool
    previous_year: int
    previous_available: bool
    entries: Connection[RankingEntry]


@strawberry.type
class Aggregate:
    id: int
    year: int
    cohort: str
    indicator_code: str
    statistic: str
    value: float | None
    value_text: str | None
    note: str | None
    sources: list[Claim]
    conflicts: list[Claim]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Aggregate:
        claims = {k: [build(Claim, c) for c in data[k]] for k in ("sources", "conflicts")}
        return build(cls, {**data, **claims}, indicator_code="indicator")


@strawberry.type
class Metric(Names):
    code: str
    unit: str
    definition: str


@strawberry.type
class Coverage:
    year: int
    cohort: str
    indicator: str
    cohort_size: int
    with_value: int
    with_rank: int
    figures: int


@strawberry.type
class Dataset:
    version: str
    built_at: str
    synthetic: bool
    licence: str
    attribution: str
