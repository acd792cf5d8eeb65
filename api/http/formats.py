"""The format registry: every representation the service answers in, defined once.

An endpoint names the formats it offers (the first is its default); `format=` and
`Accept` choose among them (api/http/negotiate.py), the response carries the format's
media type, and a collection's rows are written by the format's writers: `rows` takes
the read models one by one (any collection), `batches` takes Arrow record batches read
straight from the database (a collection with an export: CSV and Parquet at the engine's
speed). A new format is one entry here (as datasette's renderers are one table), not a
branch in every handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from api.http import arrow
from api.http.render import csv_lines, ndjson_lines
from api.services.exports import Export, csv_chunks


@dataclass(frozen=True)
class Options:
    """What a writer may need besides the rows: a byte-order mark (spreadsheets), the
    Table Schema of the columns (typed formats) and the dataset's metadata."""

    bom: bool = False
    table_schema: Mapping[str, Any] | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


RowWriter = Callable[[Iterable[dict[str, Any]], list[str], Options], Iterator[bytes]]
BatchWriter = Callable[[Iterator[pa.RecordBatch], Export, Options], Iterator[bytes]]


def _csv(rows: Iterable[dict[str, Any]], columns: list[str], options: Options) -> Iterator[bytes]:
    return csv_lines(rows, columns, options.bom)


def _ndjson(rows: Iterable[dict[str, Any]], _: list[str], __: Options) -> Iterator[bytes]:
    return ndjson_lines(rows)


def _typed(options: Options) -> pa.Schema:
    assert options.table_schema is not None, "a typed format needs the Table Schema"
    return arrow.arrow_schema(options.table_schema, options.metadata)


def _parquet(rows: Iterable[dict[str, Any]], _: list[str], options: Options) -> Iterator[bytes]:
    schema = _typed(options)
    return arrow.parquet_stream(arrow.batches_from_rows(rows, schema), schema)


def _csv_batches(batches: Iterator[pa.RecordBatch], export: Export,
                 options: Options) -> Iterator[bytes]:
    return csv_chunks(export, batches, options.bom)


def _parquet_batches(batches: Iterator[pa.RecordBatch], _: Export,
                     options: Options) -> Iterator[bytes]:
    return arrow.parquet_stream(batches, _typed(options))


@dataclass(frozen=True)
class Format:
    name: str  # as `format=` names it
    media_type: str  # Content-Type of the answer
    description: str  # for the contract and the docs
    rows: RowWriter | None = None  # writes a collection's rows (a download)
    batches: BatchWriter | None = None  # writes an export's Arrow batches (faster)
    compressible: bool = True  # gzip is worth it (not for PNG, zip, Parquet)
    binary: bool = False  # bytes, not text (the contract's `format: binary`)
    structured: bool = False  # JSON or YAML: validators read an object, not a string
    extension: str = ""  # a file of this format ends with it (static files, downloads)
    download: bool = False  # sent as an attachment (Content-Disposition) by collections
    typed: bool = False  # its writers need the columns' Table Schema

    @property
    def essence(self) -> str:
        """The media type without parameters, as Accept names it."""
        return self.media_type.split(";")[0]


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("json", "application/json", "JSON", extension="json", structured=True),
    Format("csv", "text/csv; charset=utf-8", "CSV: every matching row, streamed",
           rows=_csv, batches=_csv_batches, extension="csv", download=True),
    Format("ndjson", "application/x-ndjson", "Newline-delimited JSON: every matching row, "
           "streamed", rows=_ndjson, extension="ndjson"),
    Format("parquet", arrow.MEDIA_TYPE, "Parquet: every matching row, typed (codes as text, "
           "nullable integers), columns described, streamed", rows=_parquet,
           batches=_parquet_batches, compressible=False, binary=True, extension="parquet",
           download=True, typed=True),
    Format("html", "text/html; charset=utf-8", "An HTML page", extension="html"),
    Format("svg", "image/svg+xml", "SVG drawing (for <img>)", extension="svg"),
    Format("png", "image/png", "PNG image", compressible=False, binary=True,
           extension="png"),
    Format("vl", "application/vnd.vegalite+json", "The Vega-Lite specification, its data "
           "inline", structured=True),
    Format("jsonld", "application/ld+json", "JSON-LD", extension="jsonld", structured=True),
    Format("markdown", "text/markdown; charset=utf-8", "Markdown text", extension="md"),
    Format("css", "text/css; charset=utf-8", "CSS", extension="css"),
    Format("js", "text/javascript; charset=utf-8", "JavaScript", extension="js"),
    Format("text", "text/plain; charset=utf-8", "Plain text", extension="txt"),
    Format("atom", "application/atom+xml; charset=utf-8", "An Atom feed", extension="atom"),
    Format("bibtex", "application/x-bibtex; charset=utf-8", "BibTeX", extension="bib"),
    Format("apa", "text/plain; charset=utf-8", "A reference in APA style (7th edition)"),
    Format("cff", "application/x-yaml; charset=utf-8", "CITATION.cff (Citation File "
           "Format 1.2.0)", extension="cff", structured=True),
)}
MEDIA = {name: f.media_type for name, f in FORMATS.items()}
ROW_FORMATS = tuple(name for name, f in FORMATS.items() if f.rows is not None)
COLLECTION_FORMATS = ("json", *ROW_FORMATS)
BY_EXTENSION = {f.extension: f for f in FORMATS.values() if f.extension}


def of_file(name: str) -> Format | None:
    """The format of a file, by its name's extension."""
    return BY_EXTENSION.get(name.rpartition(".")[2]) if "." in name else None
