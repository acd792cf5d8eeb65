"""GraphQL object types: the read models' fields (derived) plus their relations.

Every plain field comes from a read model through `@view`; this module only adds the
relations, each fetched for a whole group of rows at once by `batched`. A resolver's
`self` is the read model (a dict).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info

from api.graphql.arguments import filter_arguments, generated_field
from api.graphql.context import batched, context
from api.graphql.views import view
from api.services import catalog, figures, scores
from api.services.params import Filter
from api.services.scores import ScoreFilter, SeriesFilter, scores_for_entities, series_for
from models import method_public as mp
from models import public as pub

T = TypeVar("T")
Row = Any  # a read model (dict); typed loosely because strawberry passes it as `self`


def _nested(parser: type[Filter], fn: Any, returns: str, description: str, **which: Any) -> Any:
    """A list field of an entity with `parser`'s arguments, parsed once per request
    however many rows ask with them, fetched by `fn(conn, codes, filter)` for the group."""
    arguments = filter_arguments(parser, **which)

    def run(row: Row, info: Info, raw: dict[str, Any], names: dict[str, str]) -> Any:
        f = context(info).parsed(parser, raw, names)
        return batched(row, info, fn.__name__, lambda r: r["code"], fn, f, default=[])
    return generated_field(arguments, returns, run, description, module=__name__)


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


@view(pub.Source)
class Source:
    @strawberry.field(description="Figures this source gives (agreeing or conflicting).")
    def scores(self: Row, info: Info) -> list[Score]:
        return batched(self, info, "scores", lambda r: r["id"], scores.scores_by_source,
                       default=[])

    @strawberry.field(deprecation_reason="Use `id`: `sources` lists Source objects "
                      "everywhere now; this goes away in the next release.")
    def source_id(self: Row) -> str:
        return str(self["id"])

    @strawberry.field(deprecation_reason="The source's fields are on this object: "
                      "`Score.sources` lists Source objects now (what each source said "
                      "is `Score.claims`); this goes away in the next release.")
    def source(self: Row) -> Source:
        return self


def _sources(row: Row, info: Info) -> list[Any]:
    """The sources of a figure whose claims agree with it (a score's or an aggregate's)."""
    return batched(row, info, "sources", lambda r: [c["source_id"] for c in r["sources"]],
                   figures.sources_by_id, many=True)


@view(pub.Claim)
class Claim:
    @strawberry.field
    def source(self: Row, info: Info) -> Source:
        return batched(self, info, "source", lambda r: r["source_id"], figures.sources_by_id)


@view(mp.IndicatorWeight, description="A main indicator's weight in an edition (derived).")
class IndicatorWeight:
    pass


@view(mp.WeightCheck, description="The weights recomputing every published total of a year.")
class WeightCheck:
    pass


@view(mp.PillarWeight, description="A pillar's points or weight, where a source states them.")
class PillarWeight:
    pass


@view(mp.FrameworkMethod, description="How the main indicators make the DTI: weights "
      "inferred from the published tables, with their check (derived, not published).")
class FrameworkMethod:
    pass


@view(pub.Framework, rename={"root_indicator": "rootIndicatorCode"})
class Framework:
    @strawberry.field
    def indicators(self: Row, info: Info) -> list[Indicator]:
        return batched(self, info, "indicators", lambda r: r["id"],
                       catalog.indicators_of_frameworks, default=[])

    @strawberry.field(description="The weights and their check; null where no complete "
                                  "main-indicator table shows them.")
    def method(self: Row) -> FrameworkMethod | None:
        return self.get("method")


def _family(row: Row, info: Info) -> tuple[Any, list[Any]]:
    key = (row["framework_id"], row["level"], row["code"])
    found: tuple[Any, list[Any]] = batched(row, info, "family", lambda _: key,
                                           catalog.indicator_family, default=(None, []))
    return found


@view(pub.Indicator)
class Indicator:
    @strawberry.field
    def parent(self: Row, info: Info) -> Indicator | None:
        return _family(self, info)[0]

    @strawberry.field
    def children(self: Row, info: Info) -> list[Indicator]:
        return _family(self, info)[1]

    @strawberry.field
    def framework(self: Row, info: Info) -> Framework | None:
        if self["framework_id"] is None:
            return None
        return batched(self, info, "framework", lambda r: r["framework_id"],
                       catalog.frameworks_by_id)


@view(pub.SeriesPoint, rename={"indicator": "indicatorCode"})
class SeriesPoint:
    @strawberry.field
    def sources(self: Row, info: Info) -> list[Source]:
        return batched(self, info, "sources", lambda r: r["source_ids"],
                       figures.sources_by_id, many=True)


@view(pub.Statistic)
class Statistic:
    @strawberry.field
    def source(self: Row, info: Info) -> Source:
        return batched(self, info, "source", lambda r: r["source_id"], figures.sources_by_id)


def _linked(row: Row, info: Info, direction: str) -> list[Any]:
    return batched(row, info, direction, lambda r: r["code"], catalog.linked_entities,
                   direction, default=[])


@view(pub.Entity)
class Entity:
    @strawberry.field(description="Pre-2025 provinces that formed this one.")
    def predecessors(self: Row, info: Info) -> list[Entity]:
        return _linked(self, info, "predecessors")

    @strawberry.field(description="Post-2025 province this one became part of.")
    def successors(self: Row, info: Info) -> list[Entity]:
        return _linked(self, info, "successors")

    scores = _nested(ScoreFilter, scores_for_entities, "list[Score]",
                     'Published figures, e.g. year: "2020:2024".', only=("year", "indicator"))
    series = _nested(SeriesFilter, series_for, "list[SeriesPoint]",
                     "Time series of indicators (default DTI).", deprecated={"years": "year"})

    @strawberry.field
    def statistics(self: Row, info: Info) -> list[Statistic]:
        return batched(self, info, "statistics", lambda r: r["code"], figures.statistics_for,
                       default=[])


def _entity(row: Row, info: Info) -> Any:
    return batched(row, info, "entity", lambda r: r["entity_code"], catalog.entities_by_code)


CLAIMS = "What each source whose figure agrees said (`conflicts`: the others)."
SOURCES = "The sources whose figure agrees, as everywhere `sources` appears."


@view(pub.Score, rename={"indicator": "indicatorCode", "sources": "claims"},
      describe={"sources": CLAIMS})
class Score:
    @strawberry.field
    def entity(self: Row, info: Info) -> Entity:
        return _entity(self, info)

    @strawberry.field(name="sources", description=SOURCES)
    def agreeing_sources(self: Row, info: Info) -> list[Source]:
        return _sources(self, info)

    @strawberry.field(name="indicator")
    def indicator_detail(self: Row, info: Info) -> Indicator | None:
        return batched(self, info, "indicator", lambda r: (r["indicator"], r["entity_kind"]),
                       catalog.indicators_of_figures)


@view(pub.RankingEntry)
class RankingEntry:
    @strawberry.field
    def entity(self: Row, info: Info) -> Entity:
        return _entity(self, info)

    @strawberry.field(description="The same entity's figure in the previous year, if any.")
    def previous(self: Row, info: Info) -> Score | None:
        return batched(self, info, "previous", lambda r: (
            r["year"], r["cohort"], r["indicator"], r["entity_code"]), scores.previous_figures)

    @strawberry.field
    def sources(self: Row, info: Info) -> list[Source]:
        return batched(self, info, "sources", lambda r: r["source_ids"],
                       figures.sources_by_id, many=True)


@view(pub.RankingMeta, description="How complete one edition's ranking is.")
class RankingEdition:
    pass


@view(pub.RankingMeta, register=False)
class Ranking:
    entries: Connection[RankingEntry]


@view(pub.RankingHistoryMeta)
class RankingHistory:
    entries: Connection[RankingEntry]


@view(mp.WhatIfEntry, description="Unofficial: an entity ranked with the caller's weights.")
class WhatIfEntry:
    pass


@view(mp.WhatIfMeta, description="Unofficial: a ranking recomputed with the caller's weights "
      "of the main indicators; never a published figure.")
class WhatIf:
    entries: Connection[WhatIfEntry]


@view(pub.MergerLink)
class MergerLink:
    @strawberry.field(name="old")
    def old_entity(self: Row, info: Info) -> Entity:
        return batched(self, info, "old", lambda r: r["old_code"], catalog.entities_by_code)

    @strawberry.field(name="new")
    def new_entity(self: Row, info: Info) -> Entity:
        return batched(self, info, "new", lambda r: r["new_code"], catalog.entities_by_code)


@view(pub.Aggregate, rename={"indicator": "indicatorCode", "sources": "claims"},
      describe={"sources": CLAIMS})
class Aggregate:
    @strawberry.field(name="sources", description=SOURCES)
    def agreeing_sources(self: Row, info: Info) -> list[Source]:
        return _sources(self, info)


@view(pub.Metric)
class Metric:
    pass


@view(pub.Coverage)
class Coverage:
    pass


@strawberry.type
class Dataset:
    version: str
    built_at: str
    synthetic: bool
    licence: str
    attribution: str
