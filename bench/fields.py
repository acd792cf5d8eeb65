"""GraphQL cost per field, in process: our nested query uncached, and strawberry's engine
alone executing the same shape over plain objects (no database), side by side.

Both run `execute_sync` on one thread, best of several batches, so the numbers are what
execution costs, without HTTP, JSON encoding or the load generator.
"""

from __future__ import annotations

import time
from typing import Any

import strawberry

from api.graphql.http import execute


@strawberry.type
class PlainSource:
    id: str
    url: str | None
    tier: str


@strawberry.type
class PlainPoint:
    year: int
    value: float | None
    rank: int | None
    sources: list[PlainSource]


@strawberry.type
class PlainEntity:
    code: str
    name_vi: str
    series: list[PlainPoint]


@strawberry.type
class PlainNode:
    rank: int | None
    value: float | None
    entity: PlainEntity


@strawberry.type
class PlainEdge:
    node: PlainNode


@strawberry.type
class PlainEntries:
    edges: list[PlainEdge]


@strawberry.type
class PlainRanking:
    entries: PlainEntries


def _plain(answer: dict[str, Any]) -> PlainRanking:
    """The objects our answer describes, built once, for the engine-only run."""
    def entity(e: dict[str, Any]) -> PlainEntity:
        return PlainEntity(code=e["code"], name_vi=e["nameVi"], series=[
            PlainPoint(year=p["year"], value=p["value"], rank=p["rank"],
                       sources=[PlainSource(**s) for s in p["sources"]])
            for p in e["series"]])
    edges = answer["ranking"]["entries"]["edges"]
    return PlainRanking(entries=PlainEntries(edges=[PlainEdge(node=PlainNode(
        rank=e["node"]["rank"], value=e["node"]["value"], entity=entity(e["node"]["entity"])))
        for e in edges]))


def _best(run: Any, batches: int = 8, size: int = 20) -> float:
    best = float("inf")
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(size):
            run()
        best = min(best, (time.perf_counter() - start) / size)
    return best


def field_costs(app: Any, query: str, fields: int) -> dict[str, float]:
    """Microseconds per field: ours (uncached, with its queries) and the engine alone."""
    state = app.state.api
    schema = state.extras["graphql"]
    result = execute(state, schema, query, None, None)
    assert not result.errors, result.errors
    root = _plain(result.data)

    @strawberry.type
    class Query:
        @strawberry.field
        def ranking(self, year: int) -> PlainRanking:
            return root

    plain = strawberry.Schema(query=Query)
    bare = query.replace('(years: "2020:2024")', "")
    assert plain.execute_sync(bare).data == result.data, "the plain run must give our answer"
    ours = _best(lambda: execute(state, schema, query, None, None))
    engine = _best(lambda: plain.execute_sync(bare))
    return {"fields": fields, "ours_us": ours * 1e6 / fields,
            "engine_us": engine * 1e6 / fields}


def main() -> int:
    """`python -m bench.fields URL FIELDS`: measure in a fresh process, print JSON."""
    import json
    import sys

    from api.app import create_app
    from api.settings import Settings
    from bench.runner import GQL_NESTED

    app = create_app(Settings(database_url=sys.argv[1], cache_max_entries=0))
    print(json.dumps(field_costs(app, GQL_NESTED, int(sys.argv[2]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
