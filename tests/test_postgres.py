"""The same loader builds the same database on PostgreSQL as on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, create_engine, select, text
from sqlmodel import SQLModel

from seed.build import DEFAULT_DATA, load
from seed.rows import SeedInvalid
from tests.conftest import TEST_CURSOR_SECRET

pytestmark = pytest.mark.postgres


def served(conn: Connection) -> str:
    """Point the session at the schema public.dti_current names (the served dataset)."""
    if conn.dialect.name != "postgresql":
        return "main"
    schema = conn.execute(text("SELECT schema_name FROM public.dti_current")).scalar_one()
    conn.execute(text(f'SET search_path TO "{schema}"'))
    return str(schema)


def dump(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            served(conn)
            out = {}
            for name, table in SQLModel.metadata.tables.items():
                rows = conn.execute(select(table)).all()
                out[name] = sorted(tuple(r) for r in rows)
            return out
    finally:
        engine.dispose()


def test_postgres_and_sqlite_hold_the_same_rows(seeded_postgres: str, sqlite_url: str) -> None:
    pg, lite = dump(seeded_postgres), dump(sqlite_url)
    pg["dataset"] = [r[:2] + r[3:] for r in pg["dataset"]]  # built_at differs by design
    lite["dataset"] = [r[:2] + r[3:] for r in lite["dataset"]]
    assert {k: len(v) for k, v in pg.items()} == {k: len(v) for k, v in lite.items()}
    assert len(pg["score"]) > 400
    assert pg == lite


def test_failed_load_leaves_postgres_untouched(seeded_postgres: str, seed_copy) -> None:
    before = dump(seeded_postgres)
    with (seed_copy / "provincial_scores.csv").open("a", encoding="utf-8") as f:
        f.write("2023,01,DTI,1.5,3,baothanhhoa-2020,\n")
    with pytest.raises(SeedInvalid):
        load(seed_copy, seeded_postgres)
    assert dump(seeded_postgres) == before


def test_a_write_that_fails_midway_rolls_back(seeded_postgres: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import seed.build as build

    before = dump(seeded_postgres)
    original = build.write_tables

    def write_then_fail(*args: object) -> None:
        original(*args)  # type: ignore[arg-type]
        raise RuntimeError("disk full")

    monkeypatch.setattr(build, "write_tables", write_then_fail)
    with pytest.raises(RuntimeError):
        load(DEFAULT_DATA, seeded_postgres)
    assert dump(seeded_postgres) == before


PARITY_URLS = [
    "/v1/rankings?year=2022", "/v1/rankings?year=2024&cohort=provinces-34",
    "/v1/scores?year=2020:2024&sort=-value&limit=50", "/v1/scores?entity=49,72&limit=1000",
    "/v1/entities?q=da%20nang", "/v1/entities/M-da-nang", "/v1/entities/48/series",
    "/v1/indicators?tree=true", "/v1/aggregates?limit=1000", "/v1/statistics?limit=1000",
    "/v1/sources/qn-interview-dti2020", "/v1/coverage?limit=1000", "/v1/metrics?limit=7",
]


GRAPHQL_QUERIES = [
    "{ ranking(year: 2022, first: 63) { ranked entries { edges { cursor node { rank "
    "entity { code name series { year value sources { id } } statistics { metric } } "
    "previous { rank } } } } } }",
    '{ scores(filter: {year: "2020:2024", hasValue: true}, sort: ["-value"], first: 50) '
    "{ totalCount edges { node { id value conflicts { sourceId } } } } }",
    '{ entity(code: "M-da-nang") { predecessors { code } } indicators(level: "national") '
    "{ edges { node { code parent { code } children { code } } } } }",
]


def test_rest_answers_the_same_on_postgres(seeded_postgres: str, client) -> None:
    from starlette.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    pg_app = create_app(Settings(database_url=seeded_postgres,
                                 cursor_secret=TEST_CURSOR_SECRET))
    with TestClient(pg_app, raise_server_exceptions=False) as pg:
        for url in PARITY_URLS:
            a, b = client.get(url), pg.get(url)
            assert a.status_code == b.status_code == 200, (url, b.text)
            assert a.json() == b.json(), url
            assert a.headers["etag"] == b.headers["etag"], url
        for query in GRAPHQL_QUERIES:
            a, b = client.post("/graphql", json={"query": query}), pg.post(
                "/graphql", json={"query": query})
            assert "errors" not in b.json(), b.text
            assert a.json() == b.json(), query
        for url in ("/v1/scores?format=csv", "/v1/scores?format=csv&sort=-value&lang=en"):
            a, b = client.get(url), pg.get(url)  # the streamed export, server-side cursor on PG
            assert b.status_code == 200 and a.content == b.content and a.text.count("\n") > 400
        deep = pg.get("/v1/scores?limit=400").json()["links"]["next"]
        assert pg.get(deep).json()["data"] == client.get(deep).json()["data"]
        nxt = pg.get("/v1/scores?limit=5").json()["links"]["next"]
        assert pg.get(nxt).status_code == 200
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        with pg_app.state.api.db.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text("DELETE FROM score"))


def test_graphql_answers_the_same_on_postgres(seeded_postgres: str, sqlite_url: str) -> None:
    """The driver-level batch reads bind parameters in psycopg's style as well."""
    from api.graphql.http import execute
    from tests.conftest import make_app

    query = """{ ranking(year: 2022, first: 10) { entries { edges { node { rank entity {
      code predecessors { code } successors { code } series(years: "2020:2024") { year value
      sources { id tier } } } } } } } source(id: "dti-gov-vn-xep-hang-2022") { figureCount } }"""
    answers = []
    for url in (seeded_postgres, sqlite_url):
        state = make_app(url).state.api
        try:
            result = execute(state, state.extras["graphql"], query, None, None)
        finally:
            state.db.engine.dispose()
        assert result.errors is None, result.errors
        answers.append(result.data)
    assert answers[0] == answers[1] and answers[0]["ranking"]["entries"]["edges"]


def test_a_locked_table_makes_requests_fail_fast(seeded_postgres: str) -> None:
    """One session holding ACCESS EXCLUSIVE must not stall every endpoint."""
    import time

    from sqlalchemy import text
    from starlette.testclient import TestClient

    from tests.conftest import make_app

    app = make_app(seeded_postgres, cache_max_entries=0, lock_timeout_ms=300, pool_size=2)
    locker = create_engine(seeded_postgres)
    try:
        with locker.connect() as conn, TestClient(app) as client:
            transaction = conn.begin()
            served(conn)
            conn.execute(text("LOCK TABLE score IN ACCESS EXCLUSIVE MODE"))
            started = time.perf_counter()
            answers = [client.get(f"/v1/scores?limit={n}") for n in range(1, 5)]
            elapsed = time.perf_counter() - started
            assert [a.status_code for a in answers] == [503] * 4
            assert all(a.headers["retry-after"] for a in answers) and elapsed < 4
            assert client.get("/health").status_code == 200
            transaction.rollback()
            assert client.get("/v1/scores?limit=5").status_code == 200  # recovered
    finally:
        locker.dispose()
        app.state.api.db.engine.dispose()


def test_a_new_dataset_is_published_while_serving(seeded_postgres: str, seed_copy) -> None:
    """Load into a new schema, switch atomically: every process follows within
    version_check_seconds; a cursor from the old dataset is a 410; no stale cached page."""
    from starlette.testclient import TestClient

    from tests.conftest import make_app

    app = make_app(seeded_postgres, version_check_seconds=0.1)
    with TestClient(app) as client:
        before = client.get("/version").json()["dataset_version"]
        first = client.get("/v1/scores?limit=5")
        cursor_page = first.json()["links"]["next"]
        hai_duong = "/v1/scores?entity=30&year=2021&indicator=DTI"
        assert client.get(hai_duong).json()["data"] == []  # cached now
        with (seed_copy / "provincial_scores.csv").open("a", encoding="utf-8") as f:
            f.write("2021,30,DTI,,40,vneconomy-2023,a test row\n")
        result = load(seed_copy, seeded_postgres)
        assert result.version != before
        import time
        time.sleep(0.2)
        assert client.get("/version").json()["dataset_version"] == result.version
        assert [r["rank"] for r in client.get(hai_duong).json()["data"]] == [40]
        gone = client.get(cursor_page)
        assert gone.status_code == 410
        assert gone.headers["content-type"] == "application/problem+json"
        assert "dataset changed" in gone.json()["detail"]
        again = client.get("/v1/scores?limit=5")
        assert again.headers["etag"] != first.headers["etag"]
        assert client.get(again.json()["links"]["next"]).status_code == 200
    load(DEFAULT_DATA, seeded_postgres)  # the published dataset again, for the other tests
