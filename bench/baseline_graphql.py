"""The GraphQL baseline: a plain strawberry resolver over the ORM, written the obvious way.

One sync resolver loads the ranking rows with a SQLModel session; each entry's entity is
fetched when asked for (no DataLoader), and nothing is cached. It returns the same rows
as our `ranking` field for the benchmark's query.
"""

from __future__ import annotations

import os

import strawberry
from sqlalchemy import create_engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from models.tables import Entity as EntityRow
from models.tables import Score as ScoreRow

engine = create_engine(os.environ["DTI_DATABASE_URL"])


@strawberry.type
class Entity:
    code: str
    name_vi: str
    name_en: str


@strawberry.type
class Entry:
    rank: int | None
    value: float | None
    previous_rank: int | None
    rank_change: int | None
    value_change: float | None
    entity_code: strawberry.Private[str]

    @strawberry.field
    def entity(self) -> Entity:
        with Session(engine) as session:
            row = session.get(EntityRow, self.entity_code)
            assert row is not None
            return Entity(code=row.code, name_vi=row.name_vi, name_en=row.name_en)


def _scores(session: Session, year: int) -> list[ScoreRow]:
    return list(session.exec(select(ScoreRow).where(
        ScoreRow.year == year, ScoreRow.cohort == "provinces-63",
        ScoreRow.indicator_code == "DTI").order_by(ScoreRow.rank, ScoreRow.entity_code)))


@strawberry.type
class Query:
    @strawberry.field
    def ranking(self, year: int) -> list[Entry]:
        with Session(engine) as session:
            now = _scores(session, year)
            before = {s.entity_code: s for s in _scores(session, year - 1)}
        entries = []
        for s in now:
            p = before.get(s.entity_code)
            entries.append(Entry(
                rank=s.rank, value=s.value, entity_code=s.entity_code,
                previous_rank=p.rank if p else None,
                rank_change=p.rank - s.rank if p and p.rank and s.rank else None,
                value_change=round(s.value - p.value, 6)
                if p and p.value is not None and s.value is not None else None))
        return entries


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(routes=[Route("/health", health),
                        Route("/graphql", GraphQL(strawberry.Schema(query=Query)))])
