"""Validate the seed directory, then build the database in one step that either lands or not."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from models.tables import Dataset
from seed.catalog import Catalog, parse_catalog
from seed.coverage import derive_cohort_years, derive_coverage
from seed.figures import Figures, parse_figures, resolve
from seed.rankings import derive_rankings
from seed.rows import Problems
from seed.stability import derive_stability
from seed.synthetic import add_synthetic
from seed.weights import EditionWeights, check_weights, parse_weights

DEFAULT_DATA = Path(__file__).resolve().parent / "data"


def default_database_path() -> Path:
    """The embedded SQLite file: var/ of a source checkout, else the user's data folder."""
    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file():
        return root / "var" / "dti.sqlite"
    return Path.home() / ".local" / "share" / "dti-open-data" / "dti.sqlite"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


@dataclass(frozen=True)
class LoadResult:
    version: str
    counts: dict[str, int]


def dataset_version(directory: Path) -> tuple[str, dict[str, str]]:
    """A hash of every seed file's name and bytes: same files, same version."""
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(directory.iterdir()) if p.is_file()}
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    return digest[:16], files


def validate(directory: Path) -> tuple[Catalog, Figures, dict[str, EditionWeights]]:
    """Parse everything; raise SeedInvalid listing every bad cell."""
    problems = Problems()
    catalog = parse_catalog(directory, problems)
    figures = parse_figures(directory, problems, catalog)
    weights = parse_weights(directory, problems, catalog)
    problems.raise_if_any()
    return catalog, figures, weights


def build_rows(catalog: Catalog, figures: Figures) -> dict[str, list[dict[str, Any]]]:
    """Turn validated records into table rows with deterministic ids."""
    rows: dict[str, list[dict[str, Any]]] = {
        "source": sorted(catalog.sources.values(), key=lambda r: r["id"]),
        "framework": sorted(catalog.frameworks.values(), key=lambda r: r["id"]),
        "indicator": [{"id": i, **r} for i, r in enumerate(catalog.indicators, 1)],
        "entity": sorted(catalog.entities.values(), key=lambda r: r["code"]),
        "entitylink": catalog.links,
        "cohort": sorted(catalog.cohorts.values(), key=lambda r: r["code"]),
        "cohortmember": catalog.members,
        "metric": sorted(catalog.metrics.values(), key=lambda r: r["code"]),
        "statistic": [{"id": i, **r} for i, r in enumerate(figures.statistics, 1)],
        "score": [], "aggregate": [], "claim": [],
    }
    for kind, table, fields in (
        ("score", figures.scores, ("year", "entity_code", "indicator_code", "cohort")),
        ("aggregate", figures.aggregates, ("year", "cohort", "indicator_code", "statistic")),
    ):
        for fid, key in enumerate(sorted(table), 1):
            claims = table[key]
            served = resolve(claims)
            agrees = served.pop("agrees")
            row = {"id": fid, **dict(zip(fields, key, strict=True)), **served}
            if kind == "score":
                row["synthetic"] = False
            else:
                row.pop("rank")
                row.pop("rank_basis")
            rows[kind].append(row)
            pairs = sorted(zip(claims, agrees, strict=True),
                           key=lambda p: (p[0].tier_rank, p[0].source_id))
            if kind == "score":
                row["source_ids"] = ";".join(c.source_id for c, ok in pairs if ok)
                row["conflict_ids"] = ";".join(c.source_id for c, ok in pairs if not ok)
            for claim, agree in pairs:
                rows["claim"].append({
                    "id": len(rows["claim"]) + 1, "figure_kind": kind, "figure_id": fid,
                    "source_id": claim.source_id, "value": claim.value,
                    "value_text": claim.value_text, "rank": claim.rank, "agrees": agree,
                    "rank_basis": claim.rank_basis, "qualifier": claim.qualifier,
                    "note": claim.note, "file": claim.file, "line": claim.line,
                })
    return rows


def summarise_memberships(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Each entity's cohorts, ';'-joined in code order, so one row tells them."""
    cohorts: dict[str, list[str]] = {}
    for member in rows["cohortmember"]:
        cohorts.setdefault(member["entity_code"], []).append(member["cohort"])
    for entity in rows["entity"]:
        entity["cohorts"] = ";".join(sorted(cohorts.get(entity["code"], [])))


def count_citations(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Each source's figure_count: the claims and statistics that cite it."""
    cited = Counter(c["source_id"] for c in rows["claim"])
    cited.update(s["source_id"] for s in rows["statistic"])
    for source in rows["source"]:
        source["figure_count"] = cited[source["id"]]


def write_tables(conn: Connection, rows: dict[str, list[dict[str, Any]]],
                 dataset: dict[str, Any]) -> None:
    metadata = Dataset.metadata  # every table of models.tables
    metadata.drop_all(conn)
    metadata.create_all(conn)
    tables = metadata.tables
    for name, batch in rows.items():
        for chunk in _chunks(batch, 5000):
            conn.execute(insert(tables[name]), chunk)
    conn.execute(insert(tables["dataset"]), [dataset])


def _chunks(items: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def built_at() -> str:
    """Build time; SOURCE_DATE_EPOCH pins it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch
              else dt.datetime.now(dt.UTC).replace(microsecond=0))
    return moment.isoformat().replace("+00:00", "Z")


def load(directory: Path, database_url: str, synthetic: int = 0) -> LoadResult:
    """Validate `directory` and replace the database at `database_url` with its contents.

    `synthetic` > 0 adds that many generated scores for benchmarks; the dataset is then
    flagged synthetic and its version says so.
    """
    catalog, figures, weights = validate(directory)
    rows = build_rows(catalog, figures)
    version, files = dataset_version(directory)
    if synthetic:
        add_synthetic(rows, synthetic)
        version = f"{version}-synthetic-{synthetic}"
    derive_cohort_years(rows, catalog)
    problems = Problems()
    check_weights(rows, weights, problems)  # every total the weights should reproduce
    problems.raise_if_any()
    derive_stability(rows, weights)
    derive_rankings(rows)
    derive_coverage(rows)
    count_citations(rows)
    summarise_memberships(rows)
    dataset = {"id": 1, "version": version, "built_at": built_at(),
               "synthetic": bool(synthetic), "seed_files": json.dumps(files, sort_keys=True)}
    write_database(database_url, rows, dataset)
    return LoadResult(version, {name: len(batch) for name, batch in rows.items()})


def write_database(database_url: str, rows: dict[str, list[dict[str, Any]]],
                   dataset: dict[str, Any]) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _write_sqlite(Path(url.database or ""), rows, dataset)
        return
    engine = create_engine(url)
    try:
        publish(engine, rows, dataset)
    finally:
        engine.dispose()


# PostgreSQL: each load goes into a schema of its own; one row in public.dti_current names
# the schema being served. The load and the switch are one transaction, so readers see the
# old dataset or the new one, never part of either; every API process follows the switch
# within a second (api/db.py). The previous schema stays for requests still reading it.
POINTER = "public.dti_current"
KEEP_SCHEMAS = 2  # the served one and the one before it


def schema_for(version: str) -> str:
    """A new schema name: the dataset version and the load's time, in lowercase ASCII."""
    slug = re.sub(r"[^a-z0-9]+", "_", version.lower())[:40]
    return f"dti_{slug}_{time.time_ns():x}"


def publish(engine: Engine, rows: dict[str, list[dict[str, Any]]],
            dataset: dict[str, Any]) -> str:
    """Load into a new schema and switch to it atomically; drop schemas no one reads."""
    schema = schema_for(dataset["version"])
    with engine.begin() as conn:  # one transaction: all or nothing
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
        write_tables(conn, rows, dataset)
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {POINTER} (id integer PRIMARY KEY "
                          "CHECK (id = 1), schema_name text NOT NULL, version text NOT NULL, "
                          "switched_at timestamptz NOT NULL DEFAULT now())"))
        conn.execute(text(f"INSERT INTO {POINTER} (id, schema_name, version) VALUES "
                          "(1, :schema, :version) ON CONFLICT (id) DO UPDATE SET "
                          "schema_name = excluded.schema_name, version = excluded.version, "
                          "switched_at = now()"),
                     {"schema": schema, "version": dataset["version"]})
    drop_old_schemas(engine, schema)
    return schema


def drop_old_schemas(engine: Engine, current: str) -> list[str]:
    """Drop loaded schemas older than the KEEP_SCHEMAS newest; one still locked by a
    long reader is left for the next load."""
    with engine.connect() as conn:
        names = sorted((r[0] for r in conn.execute(text(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dti\\_%'"))),
            key=lambda n: int(n.rsplit("_", 1)[1], 16) if re.fullmatch(
                r"dti_[a-z0-9_]+_[0-9a-f]+", n) else -1)
    dropped = []
    for name in [n for n in names if n != current][:max(len(names) - KEEP_SCHEMAS, 0)]:
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            dropped.append(name)
        except DBAPIError:
            continue
    return dropped


def _write_sqlite(target: Path, rows: dict[str, list[dict[str, Any]]],
                  dataset: dict[str, Any]) -> None:
    """Build a new file beside the target and rename it over the old one."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    os.close(fd)
    engine = create_engine(f"sqlite:///{tmp}")
    try:
        with engine.begin() as conn:
            write_tables(conn, rows, dataset)
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
        engine.dispose()
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; readers (the API user) need read access
        os.replace(tmp, target)
    except BaseException:
        engine.dispose()
        Path(tmp).unlink(missing_ok=True)
        raise
