"""Hot reads straight through the driver's cursor, with statements compiled once per shape.

SQLAlchemy builds, compiles and post-processes a statement on every call; for the batch
reads behind nested GraphQL fields (lists of keys in, tuples out) and for exports, that
costs more than the query itself. Here a module-level statement is compiled once per
dialect and list lengths, and run on the DBAPI cursor: the same SQL and parameters,
plain tuples out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

from cachetools import LRUCache
from sqlalchemy import Connection

EXTEND = "dti_extend_deadline"  # in a connection's info (api.db): restart its deadline
Compiled = tuple[str, tuple[str, ...] | None]
_COMPILED: LRUCache[tuple[Any, ...], Compiled] = LRUCache(1024)
_LOCK = threading.Lock()


def _compiled(conn: Connection, stmt: Any, lists: dict[str, Sequence[Any]]) -> Compiled:
    """A module-level statement's SQL, compiled once per dialect and list lengths."""
    key = (id(stmt), conn.dialect.name, *sorted((k, len(v)) for k, v in lists.items()))
    with _LOCK:
        found = _COMPILED.get(key)
    if found is None:
        sample = stmt.params(**{k: [None] * len(v) for k, v in lists.items()}) if lists \
            else stmt
        compiled = sample.compile(dialect=conn.dialect,
                                  compile_kwargs={"render_postcompile": True})
        found = (str(compiled), tuple(compiled.positiontup or ()) or None)
        with _LOCK:
            _COMPILED[key] = found
    return found


def _bind(names: tuple[str, ...] | None, lists: dict[str, Sequence[Any]],
          params: dict[str, Any]) -> Any:
    """Parameters in the driver's style: each list expanded as `name_N`, the rest by name."""
    values = dict(params)
    for name, items in lists.items():
        values.update({f"{name}_{i}": item for i, item in enumerate(items, 1)})
    return [values[n] for n in names] if names is not None else values


def cursor_batches(conn: Connection, stmt: Any, lists: dict[str, Sequence[Any]] | None = None,
                   size: int = 5000, server_side: bool = False,
                   **params: Any) -> Iterator[Sequence[Any]]:
    """Rows of `stmt` in batches.

    With `lists`, `stmt` is a module-level template (kept for the life of the process)
    whose expanding bind parameters they fill, and its SQL is compiled once; without, the
    statement is compiled here with its own values (a one-off, such as an export).
    Each batch gets the full statement time limit (api.db restarts it), so a long export is
    bounded per batch, not as a whole.
    """
    if lists:
        sql, names = _compiled(conn, stmt, lists)
        bound = _bind(names, lists, params)
    else:
        compiled = stmt.compile(dialect=conn.dialect,
                                compile_kwargs={"render_postcompile": True})
        sql, bound = str(compiled), compiled.params
        if compiled.positiontup is not None:  # qmark/format drivers take a sequence
            bound = [compiled.params[name] for name in compiled.positiontup]
    raw = conn.connection.dbapi_connection
    assert raw is not None
    extend = conn.connection.info.get(EXTEND, lambda: None)
    named = server_side and conn.dialect.name == "postgresql"
    cursor = raw.cursor(**({"name": "dti_export"} if named else {}))
    try:
        extend()
        cursor.execute(sql, bound)
        while True:
            extend()
            batch = cursor.fetchmany(size)
            if not batch:
                break
            yield batch
    finally:
        cursor.close()


def fetch_rows(conn: Connection, stmt: Any, **lists: Sequence[Any]) -> list[Any]:
    """Every row of `stmt`, its expanding parameters filled from `lists` (non-empty)."""
    return [row for batch in cursor_batches(conn, stmt, lists, 100_000) for row in batch]
