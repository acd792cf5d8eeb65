"""The release's SQLite database: every table of the served database copied into a new
file, so the same data gives the same bytes on any backend and in any process.

What would otherwise vary, and what fixes it: SQLAlchemy keeps a table's indexes in a set,
so `create_all` creates them in an order that changes with PYTHONHASHSEED (and with it the
file's pages); here every DDL statement runs in a fixed order (tables by dependency and
name, each table's indexes by name). Rows are sorted by primary key in Python (code-point
order, which is SQLite's BINARY order), not by the source database's collation, and go in
in that order, so every rowid is the same. The page size is fixed, and VACUUM leaves the
file without free pages. What stays outside our hands is the SQLite library itself: its
version is written in the file header (bytes 96-99), so a verifier with another SQLite
version may see that file differ while every row is equal (`dti-api release --verify`
then says so).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, create_engine, insert, select
from sqlalchemy.schema import CreateIndex, CreateTable

from models.tables import Dataset

PAGE_SIZE = 4096


def _key(table: Table) -> Any:
    columns = [c.name for c in table.primary_key.columns]
    return lambda row: tuple(row[c] for c in columns)


def copy_database(conn: Connection, target: Path, built_at: str) -> None:
    """Copy every table from `conn` into a new SQLite file at `target`.

    The dataset row's `built_at` becomes the release date: the copy is made for the
    release, and a date that changed with every rebuild would change its bytes.
    """
    tables = Dataset.metadata.sorted_tables  # by dependency, ties by name: a fixed order
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # SQLite makes the file; an empty one would be read as a database
    engine = create_engine(f"sqlite:///{tmp}")
    try:
        with engine.begin() as out:
            out.exec_driver_sql(f"PRAGMA page_size = {PAGE_SIZE}")
            for table in tables:
                out.execute(CreateTable(table))
                for index in sorted(table.indexes, key=lambda i: str(i.name)):
                    out.execute(CreateIndex(index))
            for table in tables:
                found = sorted((dict(r._mapping) for r in conn.execute(select(table))),
                               key=_key(table))
                if table.name == "dataset":
                    found = [{**found[0], "built_at": built_at}]
                for start in range(0, len(found), 5000):
                    out.execute(insert(table), found[start:start + 5000])
        with engine.connect() as out:
            out.exec_driver_sql("VACUUM")
        engine.dispose()
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        engine.dispose()
        Path(tmp).unlink(missing_ok=True)
        raise
