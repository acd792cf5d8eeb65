"""Read-only database access shared by REST and GraphQL, bounded in time.

SQLite opens with mode=ro and query_only; PostgreSQL sessions are read-only. Every
statement has a time limit (PostgreSQL `statement_timeout` and `lock_timeout`, SQLite a
progress handler), a connection is waited for at most `pool_timeout` seconds, and
either failure is a 503/504 problem, after which the pool carries on by itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
READY_SECONDS = 1.0  # how long a readiness answer holds
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


@dataclass(frozen=True)
class Snapshot:
    """One published dataset: where it is (a PostgreSQL schema, or None) and what it is."""

    schema: str | None
    version: str
    built_at: str
    synthetic: bool


SCHEMA_KEY = "dti.schema"  # in a pooled connection's info: the schema its search_path names


class Database:
    """An engine plus the dataset being served.

    On PostgreSQL a new dataset is published by switching public.dti_current to a newly
    loaded schema (seed/build.py). Every process looks at that pointer at most every
    `version_check_seconds`, on the connection it is about to use; after a switch it
    serves the new schema, keeps the previous one for requests pinned to it, and tells
    its `on_switch` listeners (caches keyed by request must drop what they hold).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = read_only_engine(settings)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.pool_timeouts = 0  # checkouts refused for want of a free connection
        self._ready = (0.0, False)  # until when the last readiness answer holds, and it
        self.on_switch: list[Callable[[Snapshot], None]] = []
        self.previous: Snapshot | None = None
        self._next_check = 0.0
        self._lock = threading.Lock()
        with self.engine.connect() as conn:
            self.current = self._snapshot(conn, self._pointer(conn))

    @property
    def version(self) -> str:
        return self.current.version

    @property
    def built_at(self) -> str:
        return self.current.built_at

    @property
    def synthetic(self) -> bool:
        return self.current.synthetic

    def snapshot(self, version: str) -> Snapshot:
        """The served dataset of that version (the previous one, while it is still held)."""
        previous = self.previous
        if previous is not None and previous.version == version != self.current.version:
            return previous
        return self.current

    def _pointer(self, conn: Connection) -> str | None:
        """The schema public.dti_current names (None: tables in the default schema)."""
        if not self.postgres or conn.exec_driver_sql(
                "SELECT to_regclass('public.dti_current')").scalar() is None:
            return None
        found = conn.exec_driver_sql(
            "SELECT schema_name FROM public.dti_current WHERE id = 1").scalar()
        return str(found) if found else None

    def _snapshot(self, conn: Connection, schema: str | None) -> Snapshot:
        table = f'"{schema}".dataset' if schema else "dataset"
        row = conn.exec_driver_sql(f"SELECT version, built_at, synthetic FROM {table}").one()
        conn.rollback()
        return Snapshot(schema, row[0], row[1], bool(row[2]))

    def _follow(self, conn: Connection) -> None:
        """Switch to a newly published dataset, if one was (checked once per interval)."""
        now = time.monotonic()
        if not self.postgres or now < self._next_check:
            return
        self._next_check = now + self.settings.version_check_seconds
        schema = self._pointer(conn)
        conn.rollback()
        if schema == self.current.schema:
            return
        fresh = self._snapshot(conn, schema)
        with self._lock:
            if fresh.schema == self.current.schema:
                return
            self.previous, self.current = self.current, fresh
        for listener in self.on_switch:
            listener(fresh)

    def watch(self) -> Callable[[], None]:
        """Look for a newly published dataset every interval even when no request needs
        the database (cached answers): a thread of its own. Returns its stop function."""
        stop = threading.Event()
        if not self.postgres:
            return stop.set

        def run() -> None:
            while not stop.wait(self.settings.version_check_seconds):
                try:
                    with self.engine.connect() as conn:
                        self._follow(conn)
                except Exception:  # the database is away; requests will say so
                    continue

        threading.Thread(target=run, name="dataset-watch", daemon=True).start()
        return stop.set

    def _use(self, conn: Connection, pin: str | None) -> Snapshot:
        """Point the connection at the dataset to read: the pinned version while it is
        still held (the one the request's ETag names), else the current one."""
        snap = self.current
        previous = self.previous
        if pin and pin != snap.version and previous is not None and previous.version == pin:
            snap = previous
        info = conn.connection.info
        if self.postgres and snap.schema and info.get(SCHEMA_KEY) != snap.schema:
            conn.exec_driver_sql(f'SET search_path TO "{snap.schema}", public')
            conn.commit()  # a SET would be undone with the transaction it ran in
            info[SCHEMA_KEY] = snap.schema
        return snap

    @contextmanager
    def connect(self, pin: str | None = None) -> Iterator[Connection]:
        """A pooled connection reading one dataset; its version is in conn.info."""
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
                self._follow(conn)
                conn.info["dataset_version"] = self._use(conn, pin).version
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
        """Whether the database answers, within the pool timeout plus a second. The
        answer is kept for a second: probes in a flood share one database round trip."""
        now = time.monotonic()
        if now < self._ready[0]:
            return self._ready[1]
        answer = False
        with anyio.move_on_after(self.settings.pool_timeout + 1):
            answer = await anyio.to_thread.run_sync(self.check, abandon_on_cancel=True)
        self._ready = (time.monotonic() + READY_SECONDS, answer)
        return answer


# Recognised by the drivers' error codes, not their messages (which are translated and
# reworded between versions): SQLite's SQLITE_INTERRUPT (our progress deadline
# interrupts a statement), PostgreSQL's query_canceled (statement_timeout) and
# lock_not_available (lock_timeout).
SQLITE_INTERRUPT = 9
PG_QUERY_CANCELED, PG_LOCK_NOT_AVAILABLE = "57014", "55P03"


def _timed_out(error: OperationalError) -> bool:
    orig = error.orig
    return getattr(orig, "sqlite_errorcode", None) == SQLITE_INTERRUPT \
        or getattr(orig, "sqlstate", None) == PG_QUERY_CANCELED


def _lock_timed_out(error: OperationalError) -> bool:
    return getattr(error.orig, "sqlstate", None) == PG_LOCK_NOT_AVAILABLE
