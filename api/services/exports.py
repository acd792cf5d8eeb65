"""Whole-collection exports at the speed of the engine, for CSV and Parquet of any size.

Rows go from the database into Arrow record batches without a Python object per value
(ADBC's SQLite and PostgreSQL drivers; a cursor otherwise), and CSV cells are rendered by
Arrow compute kernels, a batch at a time, byte for byte as the csv module writes them
(quoted only when a cell holds a comma, a quote or a line break; floats as Python's repr;
empty for null).
Parquet writers take the same batches (api/http/arrow.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.sql import ColumnElement

from api.services.driver import cursor_batches
from api.services.paging import order_by
from api.services.scores import (
    COHORT_YEAR,
    DEFAULT_SCORE_SORT,
    ENTITY,
    IN_YEAR,
    SCORE,
    ScoreFilter,
    score_sort_keys,
    score_where,
)

S, E, CY = SCORE.c, ENTITY.c, COHORT_YEAR.c
ARROW = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
         "boolean": pa.bool_()}
_ZERO = {"string": "''", "integer": "0", "number": "0.0", "boolean": "0"}
BATCH_ROWS = 16384
BATCH_BYTES = 4 << 20  # PostgreSQL batches by size: a few MB keeps memory flat


@dataclass(frozen=True)
class Export:
    """A collection's rows straight from the database: its columns (their CSV rendering)
    and the record batches, read on the connection given."""

    columns: list[Column]
    batches: Callable[[Connection], Iterator[pa.RecordBatch]]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Table Schema type: string, integer, number, boolean
    expr: ColumnElement[Any]
    quoted: bool = True  # False: a code, which seed validation keeps free of , " and breaks


def score_columns(lang: str) -> list[Column]:
    """The columns of the scores CSV (the Score read model), in order."""
    name = E.name_vi if lang == "vi" else E.name_en
    return [
        Column("id", "integer", S.id), Column("year", "integer", S.year),
        Column("entity_code", "string", S.entity_code, False),
        Column("entity_name_vi", "string", E.name_vi),
        Column("entity_name_en", "string", E.name_en),
        Column("entity_kind", "string", E.kind, False),
        Column("indicator", "string", S.indicator_code, False),
        Column("cohort", "string", S.cohort, False),
        Column("cohort_size", "integer", CY.size), Column("value", "number", S.value),
        Column("value_text", "string", S.value_text, False),
        Column("rank", "integer", S.rank), Column("rank_basis", "string", S.rank_basis, False),
        Column("qualifier", "string", S.qualifier, False),
        Column("conflict_status", "string", S.conflict_status, False),
        Column("note", "string", S.note), Column("source_id", "string", S.source_id, False),
        Column("sources", "string", S.source_ids, False),
        Column("conflicts", "string", S.conflict_ids, False),
        Column("entity_name", "string", name)]


def score_statement(f: ScoreFilter, sort: tuple[str, ...], lang: str) -> Any:
    """Every score matching `f` in the collection's order, with the CSV's columns."""
    return (select(*(c.expr.label(c.name) for c in score_columns(lang)))
            .select_from(SCORE).join(ENTITY, E.code == S.entity_code)
            .join(COHORT_YEAR, IN_YEAR).where(score_where(f))
            .order_by(*order_by(score_sort_keys(sort or DEFAULT_SCORE_SORT))))


def _sqlite_file(conn: Connection) -> str | None:
    if conn.dialect.name != "sqlite":
        return None
    for _, name, path in conn.exec_driver_sql("PRAGMA database_list"):
        if name == "main":
            return str(path) or None  # empty: an in-memory database
    return None


def _adbc_batches(path: str, columns: Sequence[Column], stmt: Any,
                  version: str) -> Iterator[pa.RecordBatch] | None:
    """Batches read by ADBC's SQLite driver, or None when the file now holds another
    dataset version than `conn` reads (a reseed renamed a new file over it).

    The driver infers each column's type from the values of the first batch, so a column
    that starts with nulls would be guessed wrong: a first row of typed zeros goes before
    the rows (UNION ALL keeps it first) and is dropped here."""
    import adbc_driver_sqlite.dbapi as adbc

    rows = str(stmt.compile(dialect=sqlite_dialect.dialect(),
                            compile_kwargs={"literal_binds": True}))
    zeros = ", ".join(f"{_ZERO[c.type]} AS {c.name}" for c in columns)
    connection = adbc.connect(f"file:{path}?mode=ro")
    cursor = connection.cursor()
    try:
        cursor.execute("SELECT version FROM dataset")
        found = cursor.fetchone()
        if found is None or found[0] != version:
            cursor.close()
            connection.close()
            return None
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        cursor.execute(f"SELECT {zeros} UNION ALL SELECT * FROM ({rows})")
        reader = cursor.fetch_record_batch()
    except BaseException:
        cursor.close()
        connection.close()
        raise
    schema = pa.schema([(c.name, ARROW[c.type]) for c in columns])

    def read() -> Iterator[pa.RecordBatch]:
        try:
            first = True
            for batch in reader:
                if first:
                    batch, first = batch.slice(1), False
                yield pa.RecordBatch.from_arrays(
                    [batch.column(i).cast(ARROW[c.type]) for i, c in enumerate(columns)],
                    schema=schema)
        finally:
            cursor.close()
            connection.close()
    return read()


def _postgres_batches(conn: Connection, columns: Sequence[Column],
                      stmt: Any) -> Iterator[pa.RecordBatch]:
    """Batches read by ADBC's PostgreSQL driver (COPY in binary under the hood) on a
    connection of its own, read-only and looking at the schema `conn` reads: a loaded
    schema never changes, so both see the same rows."""
    import adbc_driver_postgresql.dbapi as adbc

    url = conn.engine.url.set(drivername="postgresql", query={})
    search_path = conn.exec_driver_sql("SHOW search_path").scalar_one()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    schema = pa.schema([(c.name, ARROW[c.type]) for c in columns])
    with adbc.connect(url.render_as_string(hide_password=False)) as connection, \
            connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")
        cursor.execute(f"SET search_path TO {search_path}")
        connection.commit()
        cursor.adbc_statement.set_options(**{
            "adbc.postgresql.batch_size_hint_bytes": str(BATCH_BYTES)})
        cursor.execute(sql)
        for batch in cursor.fetch_record_batch():
            yield pa.RecordBatch.from_arrays(
                [batch.column(i).cast(ARROW[c.type]) for i, c in enumerate(columns)],
                schema=schema)


def arrow_batches(conn: Connection, columns: Sequence[Column],
                  stmt: Any) -> Iterator[pa.RecordBatch]:
    """The rows of `stmt` (selecting `columns`, in order) as typed Arrow record batches,
    empty text as null."""
    path = _sqlite_file(conn)
    if path is not None:
        version = conn.info.get("dataset_version") or conn.exec_driver_sql(
            "SELECT version FROM dataset").scalar_one()
        found = _adbc_batches(path, columns, stmt, str(version))
        if found is not None:
            for batch in found:
                yield _no_empty_text(batch, columns)
            return
    elif conn.dialect.name == "postgresql":
        for batch in _postgres_batches(conn, columns, stmt):
            yield _no_empty_text(batch, columns)
        return
    schema = pa.schema([(c.name, ARROW[c.type]) for c in columns])
    for rows in cursor_batches(conn, stmt, size=BATCH_ROWS, server_side=True):
        yield _no_empty_text(pa.RecordBatch.from_arrays(
            [pa.array([r[i] for r in rows], ARROW[c.type]) for i, c in enumerate(columns)],
            schema=schema), columns)


def _no_empty_text(batch: pa.RecordBatch, columns: Sequence[Column]) -> pa.RecordBatch:
    """Empty text as null, as the Table Schema's `missingValues: [""]` reads a CSV cell:
    the CSV cannot tell them apart, and a typed file should not either."""
    arrays = []
    for i, c in enumerate(columns):
        values = batch.column(i)
        if c.type == "string":
            empty = pc.fill_null(pc.equal(values, ""), False)
            if pc.any(empty).as_py():
                values = pc.if_else(empty, pa.scalar(None, pa.string()), values)
        arrays.append(values)
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


def _floats(values: pa.Array) -> pa.Array:
    """Doubles as Python's repr writes them. Arrow prints the same shortest digits but
    lays out exponents and whole numbers its own way: '.0' is added to whole numbers, and
    the rare values repr would write with an exponent are written by repr itself."""
    text = pc.cast(values, pa.string())
    size = pc.abs(values)
    odd = pc.fill_null(pc.or_(pc.or_(pc.match_substring(text, "e"),
                                     pc.invert(pc.is_finite(values))),
                              pc.or_(pc.greater_equal(size, 1e16),
                                     pc.and_(pc.less(size, 1e-4), pc.not_equal(size, 0)))),
                       False)
    whole = pc.invert(pc.match_substring(text, "."))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
    if pc.any(odd).as_py():
        exact = [repr(v) for v in values.filter(odd).to_pylist()]
        text = pc.replace_with_mask(text, odd, pa.array(exact, pa.string()))
    return text


def _cells(values: pa.Array, column: Column) -> pa.Array:
    """One column's CSV cells, null as empty."""
    if column.type == "number":
        text = _floats(values)
    elif column.type == "boolean":
        text = pc.if_else(values, "true", "false")
    elif column.type == "integer":
        text = pc.cast(values, pa.string())
    else:
        text = _quoted(values) if column.quoted else values
    return pc.fill_null(text, "")


def _quoted(values: pa.Array) -> pa.Array:
    """Text cells, quoted where they hold a comma, a quote or a line break. Names and
    notes repeat, so each distinct value is looked at once."""
    encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary
    special = pc.fill_null(pc.match_substring_regex(distinct, '[,"\r\n]'), False)
    if not pc.any(special).as_py():
        return values
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(distinct, '"', '""'), '"',
                                         "")
    return pc.if_else(special, quoted, distinct).take(encoded.indices)


def csv_batch(batch: pa.RecordBatch, columns: Sequence[Column]) -> bytes:
    """A record batch as CSV lines, each ending in a line feed."""
    cells = [_cells(batch.column(i), c) for i, c in enumerate(columns)]
    cells[-1] = pc.binary_join_element_wise(cells[-1], "\n", "")  # shorter than a line
    lines = pc.binary_join_element_wise(*cells, ",")
    if len(lines) == 0:
        return b""
    _, offsets, data = lines.buffers()
    width = 8 if pa.types.is_large_string(lines.type) else 4
    at = memoryview(offsets).cast("q" if width == 8 else "i")
    return bytes(memoryview(data)[at[lines.offset]:at[lines.offset + len(lines)]])


def score_batches(conn: Connection, f: ScoreFilter, sort: tuple[str, ...],
                  lang: str) -> Iterator[pa.RecordBatch]:
    """Every score matching `f`, in the collection's order, as typed record batches."""
    return arrow_batches(conn, score_columns(lang), score_statement(f, sort, lang))


def score_csv(conn: Connection, f: ScoreFilter, sort: tuple[str, ...],
              lang: str) -> Iterator[bytes]:
    """Every score matching `f` as CSV lines (no header), in chunks of whole lines."""
    columns = score_columns(lang)
    for batch in score_batches(conn, f, sort, lang):
        yield csv_batch(batch, columns)


def score_export(f: ScoreFilter, sort: tuple[str, ...], lang: str) -> Export:
    """Every score matching `f`, in the collection's order, as an export."""
    return Export(score_columns(lang), lambda conn: score_batches(conn, f, sort, lang))


def csv_chunks(export: Export, batches: Iterator[pa.RecordBatch], bom: bool) -> Iterator[bytes]:
    """A whole CSV: the header, then each batch's lines."""
    yield ("\ufeff" if bom else "").encode() + ",".join(c.name for c in export.columns).encode() \
        + b"\n"
    for batch in batches:
        yield csv_batch(batch, export.columns)
