"""The Arrow export path writes what the csv module writes: floats as repr, quoting only
where needed, nulls as empty cells; the ADBC reader survives columns that start with
nulls; the Parquet export holds the CSV export's rows."""

from __future__ import annotations

import csv
import io
import math
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Column as SAColumn
from sqlalchemy import Float, Integer, MetaData, String, Table, create_engine, insert, select

from api.http import arrow
from api.release.store import Releases
from api.services import exports
from api.services.exports import Column, arrow_batches, csv_batch
from api.services.scores import ScoreFilter
from api.services.tables import BY_NAME


def _floats() -> list[float]:
    rng = random.Random(21)
    found = [0.0, -0.0, 45.0, 0.834, 0.8199, 1e-05, 5e-05, 0.0001, 1234567.0, 0.1 + 0.2,
             1e15, 1e16, 123456789012345.0, 1.5e-07, 99.99, 1e22, 2.5e-4, -3.25, 1e300,
             5e-324, math.inf, -math.inf]
    found += [round(rng.random() * 10 ** rng.randint(-6, 8), rng.randint(0, 6))
              for _ in range(20_000)]
    found += [rng.random() * 10 ** rng.randint(-12, 20) for _ in range(20_000)]
    return found


def _csv_module(rows: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [["" if v is None else ("true" if v is True else "false" if v is False else v)
          for v in row] for row in rows])
    return out.getvalue().encode()


def test_cells_are_written_as_the_csv_module_writes_them() -> None:
    floats = _floats()
    texts = ["plain", "with, comma", 'a "quote"', "line\nbreak", "",
             None, "Hà Nội", "trailing ", " leading", '"', ","]
    rows = [(i, floats[i], texts[i % len(texts)], None if i % 7 else True)
            for i in range(len(floats))]
    columns = [Column("id", "integer", None), Column("value", "number", None),  # type: ignore[arg-type]
               Column("note", "string", None), Column("flag", "boolean", None)]  # type: ignore[arg-type]
    batch = pa.RecordBatch.from_arrays(
        [pa.array([r[i] for r in rows], exports.ARROW[c.type]) for i, c in enumerate(columns)],
        names=[c.name for c in columns])
    assert csv_batch(batch, columns) == _csv_module(rows)
    # A carriage return is quoted too (RFC 4180, and Python from 3.12 on; 3.11's csv module
    # quotes only its line terminator's characters), as the export always did.
    one = pa.RecordBatch.from_arrays([pa.array(["a\rb"])], names=["note"])
    assert csv_batch(one, columns[2:3]) == b'"a\rb"\n'


def test_columns_that_start_with_nulls_are_read_by_both_paths(tmp_path: Path) -> None:
    """ADBC's SQLite driver guesses types from the first batch: 40,000 nulls come first.
    Its batches, and the cursor's (taken when the file holds another dataset version than
    the connection reads), render the csv module's bytes."""
    meta = MetaData()
    table = Table("t", meta, SAColumn("id", Integer, primary_key=True),
                  SAColumn("note", String), SAColumn("value", Float), SAColumn("rank", Integer))
    dataset = Table("dataset", meta, SAColumn("version", String, primary_key=True))
    engine = create_engine(f"sqlite:///{tmp_path / 't.sqlite'}")
    meta.create_all(engine)
    rows = [{"id": i, "note": None if i < 40_000 else f"n{i}, late",
             "value": None if i < 40_000 else i / 8, "rank": None if i < 40_000 else i}
            for i in range(41_000)]
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
        conn.execute(insert(dataset), [{"version": "v1"}])
    columns = [Column("id", "integer", table.c.id), Column("note", "string", table.c.note),
               Column("value", "number", table.c.value), Column("rank", "integer", table.c.rank)]
    stmt = select(*(c.expr.label(c.name) for c in columns)).order_by(table.c.id)
    expected = _csv_module([(r["id"], r["note"], r["value"], r["rank"]) for r in rows])
    for version in ("v1", "stale"):
        with engine.connect() as conn:
            conn.info["dataset_version"] = version
            found = b"".join(csv_batch(b, columns) for b in arrow_batches(conn, columns, stmt))
        assert found == expected, version
    adbc = exports._adbc_batches(str(tmp_path / "t.sqlite"), columns, stmt, "v1")
    assert adbc is not None
    read = pa.Table.from_batches(list(adbc))
    assert read.num_rows == 41_000 and read.column("value").null_count == 40_000
    assert read.schema.field("note").type == pa.string()
    assert exports._adbc_batches(str(tmp_path / "t.sqlite"), columns, stmt, "v2") is None


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> str:
    from seed.build import DEFAULT_DATA, load

    url = f"sqlite:///{tmp_path_factory.mktemp('synthetic') / 'x.sqlite'}"
    load(DEFAULT_DATA, url, synthetic=20_000)
    return url


def test_parquet_export_holds_the_csv_export(synthetic: str, tmp_path: Path) -> None:
    engine = create_engine(synthetic)
    schema = arrow.arrow_schema(BY_NAME["scores"].table_schema(), {"dti:version": "x"})
    with engine.connect() as conn:
        text = b"".join(exports.score_csv(conn, ScoreFilter(), ("-value",), "en"))
        parquet = b"".join(arrow.parquet_stream(
            exports.score_batches(conn, ScoreFilter(), ("-value",), "en"), schema))
    (tmp_path / "s.parquet").write_bytes(parquet)
    table = pq.read_table(tmp_path / "s.parquet")
    assert table.num_rows == text.count(b"\n") > 20_000
    header = ",".join(schema.names).encode() + b"\n"
    from_csv = arrow.table_from_csv(io.BytesIO(header + text), schema)
    assert table.equals(from_csv.cast(table.schema))


def test_rows_become_the_same_parquet_as_the_release_csv(cached_app: Any) -> None:
    """api/http/arrow.py from service rows (lists of sources and all) gives the table the
    release reads from its CSV: one typing, whichever way the rows come."""
    from api.services.registry import BY_OPERATION, every_row

    state = cached_app.state.api
    root = state.part(Releases).wait() and state.part(Releases).directory
    for name, operation in (("scores", "list_scores"), ("entities", "list_entities"),
                            ("sources", "list_sources")):
        endpoint = BY_OPERATION[operation]
        schema = arrow.arrow_schema(BY_NAME[name].table_schema())
        found = b"".join(arrow.parquet_stream(arrow.batches_from_rows(
            every_row(state.query, endpoint, {}, {}, "vi"), schema), schema))
        table = pq.read_table(io.BytesIO(found))
        released = pq.read_table(root / "data" / f"{name}.parquet")
        assert table.select(released.schema.names).equals(released.cast(table.schema)), name
