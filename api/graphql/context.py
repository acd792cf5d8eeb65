"""Per-request GraphQL context: the shared state, DataLoaders, and off-loop service calls."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio.to_thread
from graphql import GraphQLError
from strawberry.dataloader import DataLoader

from api.errors import ApiError
from api.services import catalog, figures, scores
from api.services.context import QueryContext, Years

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class UserInputError(GraphQLError):
    """An invalid argument: shown to the client with an error code (never masked)."""


def to_graphql_error(error: ApiError) -> GraphQLError:
    code = {400: "BAD_USER_INPUT", 404: "NOT_FOUND"}.get(error.status, "UNAVAILABLE")
    return UserInputError(error.detail, extensions={"code": code, "errors": error.errors})


@dataclass
class GraphQLContext:
    state: Any  # api.rest.respond.ApiState (settings, db, cache, codec)
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a sync service function in a worker thread with its own connection."""
        def work() -> T:
            with self.state.db.connect() as conn:
                return fn(QueryContext(conn, self.state.codec, self.state.totals), *args)
        try:
            return await anyio.to_thread.run_sync(work)
        except ApiError as error:
            raise to_graphql_error(error) from None

    def loader(self, name: str, batch: Callable[[Any, list[Any]], dict[Any, Any]],
               default: Any = None) -> DataLoader[Any, Any]:
        """A DataLoader of this request whose batch runs `batch(conn, keys)` off the loop."""
        if name not in self.loaders:
            async def load(keys: list[Any]) -> list[Any]:
                found = await self.call(lambda ctx: batch(ctx.conn, keys))
                return [found.get(k, default) for k in keys]
            self.loaders[name] = DataLoader(load_fn=load)
        return self.loaders[name]


def grouped(fetch: Callable[[Any, list[str], Any], dict[str, Any]]
            ) -> Callable[[Any, list[tuple[str, Any]]], dict[tuple[str, Any], Any]]:
    """Batch keys (code, args) by args, one fetch per distinct args."""
    def batch(conn: Any, keys: list[tuple[str, Any]]) -> dict[tuple[str, Any], Any]:
        by_args: dict[Any, list[str]] = defaultdict(list)
        for code, args in keys:
            by_args[args].append(code)
        out: dict[tuple[str, Any], Any] = {}
        for args, codes in by_args.items():
            found = fetch(conn, codes, args)
            out.update({(c, args): found.get(c, []) for c in codes})
        return out
    return batch


def _series(conn: Any, codes: list[str], args: tuple[tuple[str, ...], Years | None]
            ) -> dict[str, Any]:
    return scores.series_for(conn, codes, args[0], args[1])


def _entity_scores(conn: Any, codes: list[str],
                   args: tuple[tuple[str, ...], Years | None]) -> dict[str, Any]:
    return scores.scores_for_entities(conn, codes, scores.ScoreFilter(years=args[1],
                                                                      indicators=args[0]))


def _source_scores(conn: Any, ids: list[str]) -> dict[str, Any]:
    by_source = scores.score_ids_by_source(conn, ids)
    found = scores.scores_by_ids(conn, sorted({i for v in by_source.values() for i in v}))
    return {s: [found[i] for i in by_source.get(s, []) if i in found] for s in ids}


LOADERS: dict[str, tuple[Callable[[Any, list[Any]], dict[Any, Any]], Any]] = {
    "entity": (catalog.entities_by_code, None),
    "links": (catalog.merger_links, ([], [])),
    "indicator": (catalog.indicators_by_code, None),
    "framework_indicators": (catalog.indicators_of_frameworks, []),
    "framework": (catalog.frameworks_by_id, None),
    "series": (grouped(_series), []),
    "entity_scores": (grouped(_entity_scores), []),
    "score_by_key": (scores.scores_by_keys, None),
    "statistics": (figures.statistics_for, []),
    "source": (figures.sources_by_id, None),
    "source_scores": (_source_scores, []),
}


async def load(info_context: GraphQLContext, name: str, key: Any) -> Any:
    batch, default = LOADERS[name]
    return await info_context.loader(name, batch, default).load(key)


async def load_many(info_context: GraphQLContext, name: str, keys: Sequence[Any]) -> list[Any]:
    batch, default = LOADERS[name]
    return list(await info_context.loader(name, batch, default).load_many(list(keys)))
