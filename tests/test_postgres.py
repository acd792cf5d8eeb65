"""The same loader builds the same database on PostgreSQL as on SQLite."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlmodel import SQLModel

from seed.build import DEFAULT_DATA, load
from seed.rows import SeedInvalid

import pytest


def dump(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
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
