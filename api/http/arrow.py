"""Parquet from a Frictionless Table Schema: typed columns, described, with the dataset's
metadata in the file. Pure functions (rows or Arrow batches in, bytes out), used by the
data release and by any HTTP format that answers Parquet.

Types follow the Table Schema: codes stay strings (`01` is Hà Nội), integers are nullable
64-bit integers (ranks), numbers are doubles next to the printed `value_text`, booleans are
booleans, dates are dates. An empty cell of a CSV is a null here, as the Table Schema's
`missingValues: [""]` says. Each column's description is in its Arrow field metadata,
and the whole Table Schema and the dataset metadata (version, licence, source) are in
the file's key-value metadata, so a reader without the data package still has them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from api.http.render import _cell

MEDIA_TYPE = "application/vnd.apache.parquet"
TYPES: dict[str, pa.DataType] = {"string": pa.string(), "integer": pa.int64(),
                                 "number": pa.float64(), "boolean": pa.bool_(),
                                 "date": pa.date32()}
SCHEMA_KEY = "frictionless:schema"
# How pandas should type each column on read (its own "pandas" metadata key): nullable
# integers, floats and booleans, and strings, so `pd.read_parquet(url)` needs no dtype=.
PANDAS = {"string": ("unicode", "string"), "integer": ("int64", "Int64"),
          "number": ("float64", "Float64"), "boolean": ("bool", "boolean"),
          "date": ("date", "object")}
ROW_GROUP = 65_536  # rows per row group: column statistics pay, memory stays small
WRITE = {"compression": "zstd", "write_statistics": True, "store_schema": True}


def arrow_schema(table_schema: Mapping[str, Any],
                 metadata: Mapping[str, str] | None = None) -> pa.Schema:
    """The Arrow schema of a Table Schema; `metadata` (version, licence, source...) and
    the Table Schema itself become the schema's key-value metadata."""
    fields = [pa.field(f["name"], TYPES[f["type"]], nullable=True,
                       metadata={"description": f.get("description", "")})
              for f in table_schema["fields"]]
    columns = [{"name": f["name"], "field_name": f["name"], "pandas_type": PANDAS[f["type"]][0],
                "numpy_type": PANDAS[f["type"]][1], "metadata": None}
               for f in table_schema["fields"]]
    pandas = {"index_columns": [], "column_indexes": [], "columns": columns,
              "creator": {"library": "pyarrow", "version": pa.__version__},
              "pandas_version": "2.2.0"}  # the metadata's format, not the reader's version
    meta = {**(metadata or {}), SCHEMA_KEY: json.dumps(table_schema, ensure_ascii=False),
            "pandas": json.dumps(pandas)}
    return pa.schema(fields, metadata=meta)


def _value(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "string":
        cell = _cell(value)  # lists and nested rows as the CSV writes them
        return None if cell == "" else str(cell)
    if kind == "number":
        return float(value)
    if kind == "integer":
        return int(value)
    return value


def batches_from_rows(rows: Iterable[Mapping[str, Any]], schema: pa.Schema,
                      size: int = 16_384) -> Iterator[pa.RecordBatch]:
    """Rows (dicts, as the services return them) as record batches of `schema`."""
    kinds = [(f.name, _kind(f.type)) for f in schema]
    chunk: list[Mapping[str, Any]] = []

    def batch() -> pa.RecordBatch:
        return pa.RecordBatch.from_arrays(
            [pa.array([_value(r.get(name), kind) for r in chunk], schema.field(name).type)
             for name, kind in kinds], schema=schema)
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield batch()
            chunk = []
    if chunk:
        yield batch()


def _kind(dtype: pa.DataType) -> str:
    return next(k for k, t in TYPES.items() if t == dtype)


def table_from_csv(source: Any, schema: pa.Schema) -> pa.Table:
    """A CSV written by the release (header, empty = null) read with `schema`'s types."""
    return pacsv.read_csv(
        source, read_options=pacsv.ReadOptions(use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={f.name: f.type for f in schema}, null_values=[""],
            strings_can_be_null=True, quoted_strings_can_be_null=True,
            true_values=["true"], false_values=["false"], include_columns=schema.names),
    ).cast(schema)


class _Chunks:
    """A write-only file whose bytes are taken out as they come (a streamed answer)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def parquet_stream(batches: Iterable[pa.RecordBatch | pa.Table],
                   schema: pa.Schema) -> Iterator[bytes]:
    """Parquet bytes as they are written: a row group every ROW_GROUP rows, so memory
    stays bounded whatever the number of rows."""
    sink = _Chunks()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema, **WRITE)
    pending: list[pa.RecordBatch | pa.Table] = []
    count = 0
    try:
        for batch in batches:
            pending.append(batch)
            count += batch.num_rows
            if count >= ROW_GROUP:
                writer.write_table(_table(pending, schema), row_group_size=ROW_GROUP)
                pending, count = [], 0
                yield sink.take()
        if pending:
            writer.write_table(_table(pending, schema), row_group_size=ROW_GROUP)
    finally:
        writer.close()
    yield sink.take()


def _table(parts: Sequence[pa.RecordBatch | pa.Table], schema: pa.Schema) -> pa.Table:
    tables = [p if isinstance(p, pa.Table) else pa.Table.from_batches([p]) for p in parts]
    return pa.concat_tables([t.cast(schema) for t in tables])


def parquet_bytes(table: pa.Table, schema: pa.Schema) -> bytes:
    """One Parquet file holding `table`, typed and described by `schema`."""
    return b"".join(parquet_stream([table], schema))
