"""The release's SQLite database: every table of the served database, copied row by row
in key order into a new file, so the same data gives the same bytes on any backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from models.tables import Dataset
from seed.build import write_database


def copy_database(conn: Connection, target: Path, built_at: str) -> None:
    """Copy every table from `conn` into a new SQLite file at `target`.

    The dataset row's `built_at` becomes the release date: the copy is made for the
    release, and a date that changed with every rebuild would change its bytes.
    """
    rows: dict[str, list[dict[str, Any]]] = {}
    dataset: dict[str, Any] = {}
    for table in Dataset.metadata.sorted_tables:
        ordered = select(table).order_by(*table.primary_key.columns)
        found = [dict(r._mapping) for r in conn.execute(ordered)]
        if table.name == "dataset":
            dataset = {**found[0], "built_at": built_at}
        else:
            rows[table.name] = found
    write_database(f"sqlite:///{target}", rows, dataset)
