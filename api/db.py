"""Read-only database access shared by REST and GraphQL, bounded in time.

SQLite opens with mode=ro and query_only; PostgreSQL sessions are read-only. Every
statement has a time limit (PostgreSQL `statement_timeout` and `lock_timeout`, SQLite a
progress handler), a connection is waited for at most `pool_timeout` seconds, and
either failure is a 503/504 problem, after which the pool carries on by itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.errors import ApiError
from api.services.driver import EXTEND
from api.settings import Settings

SQLITE_STEPS = 20_000  # virtual-machine steps between deadline checks (well under 1 ms)
# EXTEND, in a connection's `info`: a callable restarting its statement deadline.
# Statements run through SQLAlchemy restart it themselves; reads through the driver's
# cursor (api.services.driver) call it before each batch.


def _sqlite_engine(path: Path, settings: Settings) -> Engine:
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true",
                           connect_args={"check_same_thread": False},
                           pool_size=settings.pool_size, max_overflow=0,
                           pool_timeout=settings.pool_timeout)
    limit = settings.statement_timeout_ms / 1000

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only = ON")
        deadline = [0.0]

        def extend() -> None:
            deadline[0] = time.monotonic() + limit

        record.info[EXTEND] = extend
        dbapi_conn.set_progress_handler(
            lambda: 1 if deadline[0] and time.monotonic() > deadline[0] else 0, SQLITE_STEPS)

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, *args: Any) -> None:
        conn.connection.info[EXTEND]()

    return engine


def read_only_engine(settings: Settings) -> Engine:
    """Open the database read-only with the settings' pool and time limits."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(Path(url.database or "").resolve(), settings)
    options = ("-c default_transaction_read_only=on "
               f"-c statement_timeout={settings.statement_timeout_ms} "
               f"-c lock_timeout={settings.lock_timeout_ms} "
               f"-c idle_in_transaction_session_timeout={settings.statement_timeout_ms * 4}")
    return create_engine(url, pool_size=settings.pool_size, max_overflow=0,
                         pool_timeout=settings.pool_timeout, pool_pre_ping=True,
                         connect_args={"options": options,
                                       "connect_timeout": max(1, int(settings.pool_timeout))})


class Database:
    """An engine plus the dataset's version, read once at start."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = read_only_engine(settings)
        with self.connect() as conn:
            row = conn.execute(text("SELECT version, built_at, synthetic FROM dataset")).one()
        self.version: str = row[0]
        self.built_at: str = row[1]
        self.synthetic: bool = bool(row[2])
        self.pool_timeouts = 0  # checkouts refused for want of a free connection

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        try:
            conn = self.engine.connect()
        except PoolTimeout:
            self.pool_timeouts += 1
            raise ApiError(503, "the service is busy; every database connection is in use",
                           headers={"Retry-After": "2"}) from None
        except DBAPIError as error:
            raise ApiError(503, "the database is unavailable",
                           headers={"Retry-After": "5"}) from error
        with conn:
            try:
                yield conn
            except OperationalError as error:
                if _lock_timed_out(error):
                    raise ApiError(503, "the data is being updated; retry shortly",
                                   headers={"Retry-After": "2"}) from None
                if _timed_out(error):
                    raise ApiError(504, "the query took too long and was stopped") from None
                raise ApiError(503, "the database is unavailable",
                               headers={"Retry-After": "5"}) from error

    def check(self) -> bool:
        try:
            with self.connect() as conn:
                conn.execute(text("SELECT 1 FROM dataset")).one()
            return True
        except Exception:
            return False

    async def ready(self) -> bool:
        """Whether the database answers, within the pool timeout plus a second."""
        with anyio.move_on_after(self.settings.pool_timeout + 1):
            return await anyio.to_thread.run_sync(self.check, abandon_on_cancel=True)
        return False


def _timed_out(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "interrupted" in message or "statement timeout" in message \
        or "canceling statement" in message


def _lock_timed_out(error: OperationalError) -> bool:
    return "lock timeout" in str(error.orig).lower()
