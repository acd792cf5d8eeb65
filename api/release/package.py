"""`dti-api release --out DIR`: one release of the published dataset, byte for byte the
same whenever it is built from the same data.

DIR gets the CSV resources (data/*.csv), `datapackage.json` (Frictionless), the data
dictionary `README.md`, `CITATION.cff`, the SQLite database, `SHA256SUMS` and a zip of
all of it; `release.json` lists every file with its size and sha256 for the API.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from api.http import arrow
from api.http.render import csv_lines
from api.http.state import AppState
from api.release import citation, documents, history
from api.release.identity import Identity, identity, previous_release
from api.release.panel import WidePanel
from api.release.sqlite import copy_database
from api.services.exports import csv_chunks
from api.services.registry import every_row, export_batches
from api.services.tables import RESOURCES, Resource
from seed.geo import DERIVED

MEDIA = {".csv": "text/csv", ".json": "application/json", ".md": "text/markdown",
         ".topojson": "application/json",
         ".cff": "application/x-yaml", ".sqlite": "application/vnd.sqlite3",
         ".zip": "application/zip", ".parquet": arrow.MEDIA_TYPE, "": "text/plain"}


class ReleaseRefused(Exception):
    """The database cannot be released (it holds synthetic rows)."""


def _csv_chunks(state: AppState, resource: Resource) -> Iterable[bytes]:
    fields = resource.fields()
    collection = resource.collection
    if collection is not None:
        if collection.export:
            export = collection.export({}, "vi")
            return csv_chunks(export, export_batches(state.query, export), False)
        return csv_lines(every_row(state.query, collection, {}, {}, "vi"), fields, False)
    assert resource.rows is not None

    def produced() -> Iterator[dict[str, Any]]:
        with state.query() as ctx:
            yield from resource.rows(ctx.conn)  # type: ignore[misc]
    return csv_lines(produced(), fields, False)


def _write(path: Path, chunks: Iterable[bytes]) -> tuple[int, str, int]:
    """Write chunks; return bytes, sha256 and the number of records (a note may hold a
    line break, so records are counted by a CSV reader, not by lines)."""
    digest, size = hashlib.sha256(), 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    with path.open(encoding="utf-8", newline="") as f:
        records = sum(1 for _ in csv.reader(f)) - 1
    return size, digest.hexdigest(), records


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _parquet(root: Path, name: str, schema: dict[str, Any], meta: dict[str, str]) -> None:
    """data/<name>.parquet: the CSV just written, read back with the Table Schema's types
    (so the two files hold the same values), with descriptions and dataset metadata."""
    typed = arrow.arrow_schema(schema, meta)
    table = arrow.table_from_csv(root / "data" / f"{name}.csv", typed)
    (root / "data" / f"{name}.parquet").write_bytes(arrow.parquet_bytes(table, typed))


def _geography(target: Path) -> None:
    """geo/: the boundaries and tile grids the maps draw, as seed/geo derived them, with
    their own data package: licensed CC BY-SA 4.0 (geoBoundaries), apart from the figures."""
    target.mkdir()
    for path in sorted(DERIVED.iterdir()):
        if path.is_file():
            shutil.copyfile(path, target / path.name)


def build(state: AppState, out: Path, public_url: str = "",
          replace: bool = True) -> dict[str, Any]:
    """Write the release into `out` and return its manifest.

    It is written into a private folder beside `out` and renamed into place, so a reader
    never sees half a release. `replace=False` (the served release, which several worker
    processes may build at once) keeps a complete release another builder put there first:
    the bytes are the same.
    """
    if state.db.synthetic:
        raise ReleaseRefused(f"dataset {state.db.version} holds synthetic rows (a benchmark "
                             "build); only the published dataset is released")
    who = identity(state)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    staging.chmod(0o755)
    try:
        stats: dict[str, dict[str, Any]] = {}
        for resource in (r for r in RESOURCES if r.in_package):
            size, digest, records = _write(staging / "data" / f"{resource.name}.csv",
                                           _csv_chunks(state, resource))
            stats[resource.name] = {"bytes": size, "hash": digest, "rows": records}
        with state.query() as ctx:
            wide = WidePanel(ctx.conn)
            coverage = documents.coverage_table(ctx.conn)
            publishers = documents.publishers(ctx.conn)
            size, digest, records = _write(staging / "data" / f"{wide.name}.csv", csv_lines(
                wide.rows(ctx.conn), wide.fields(), False))
            stats[wide.name] = {"bytes": size, "hash": digest, "rows": records}
        tables: list[documents.Table] = [*(r for r in RESOURCES if r.in_package), wide]
        meta = documents.parquet_metadata(who, public_url)
        for table in tables:
            _parquet(staging, table.name, table.table_schema(), meta)
        package = documents.datapackage(who, stats, publishers, public_url, tables, staging)
        (staging / "datapackage.json").write_text(
            json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (staging / "README.md").write_text(documents.readme(who, package, stats, coverage),
                                           encoding="utf-8")
        (staging / "CITATION.cff").write_text(citation.cff(who, public_url), encoding="utf-8")
        _geography(staging / "geo")
        summary = history.summarise(staging / "data")
        previous = previous_release(who.version)
        (staging / "CHANGES.md").write_text(history.changes_text(
            who.version, previous, history.diff(
                history.recorded(previous) if previous else None, summary)), encoding="utf-8")
        with state.query() as ctx:
            copy_database(ctx.conn, staging / f"{who.name}.sqlite", who.created)
        files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*")
                       if p.is_file())
        sums = "".join(f"{sha256_of(staging / f)}  {f}\n" for f in files)
        (staging / "SHA256SUMS").write_text(sums, encoding="utf-8")
        _zip(staging, [*files, "SHA256SUMS"], staging / f"{who.name}.zip", who)
        manifest = _manifest(staging, who)
        (staging / "release.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                              encoding="utf-8")
        if out.exists() and replace:
            shutil.rmtree(out)
        try:
            staging.rename(out)
        except OSError:
            if replace or not (out / "release.json").is_file():
                raise
            shutil.rmtree(staging)  # another builder finished first, with the same bytes
        return manifest
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _zip(root: Path, files: list[str], target: Path, who: Identity) -> None:
    """A zip whose bytes depend only on the files: sorted entries, fixed times and modes."""
    year, month, day = (int(p) for p in who.created[:10].split("-"))
    with zipfile.ZipFile(target, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{who.name}/{name}", date_time=(year, month, day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever machine builds it
            with (root / name).open("rb") as src, archive.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def _manifest(root: Path, who: Identity) -> dict[str, Any]:
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if name == "release.json":
            continue
        files.append({"name": name, "bytes": path.stat().st_size, "sha256": sha256_of(path),
                      "media_type": MEDIA.get(path.suffix, "text/plain")})
    return {"version": who.version, "created": who.created, "released": who.released,
            "name": who.name, "files": files}
