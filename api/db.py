"""Read-only database access shared by REST and GraphQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from api.errors import ApiError


def read_only_engine(database_url: str, pool_size: int = 8) -> Engine:
    """Open the database read-only: SQLite mode=ro, PostgreSQL read-only transactions."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "").resolve()
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true",
                               connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            dbapi_conn.execute("PRAGMA query_only = ON")

        return engine
    return create_engine(url, pool_size=pool_size, pool_pre_ping=True,
                         connect_args={"options": "-c default_transaction_read_only=on"})


class Database:
    """An engine plus the dataset's version, read once at start."""

    def __init__(self, database_url: str, pool_size: int = 8) -> None:
        self.engine = read_only_engine(database_url, pool_size)
        with self.connect() as conn:
            row = conn.execute(text("SELECT version, built_at, synthetic FROM dataset")).one()
        self.version: str = row[0]
        self.built_at: str = row[1]
        self.synthetic: bool = bool(row[2])

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        try:
            conn = self.engine.connect()
        except Exception as error:
            raise ApiError(503, "the database is unavailable") from error
        with conn:
            yield conn

    def healthy(self) -> bool:
        try:
            with self.connect() as conn:
                conn.execute(text("SELECT 1 FROM dataset")).one()
            return True
        except Exception:
            return False
