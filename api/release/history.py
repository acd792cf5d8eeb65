"""What changed between two releases, per table: rows added, removed and changed.

Each release build summarises its tables as {natural key: hash of the row}; the summary of
every recorded release (seed/releases.csv) is committed here, in history/<version>.json,
so a later release can say what changed after the seed files it came from are gone. Row
ids are left out: they are stable only within one dataset version (a claim is keyed by
its figure's natural key and its source instead).

`python -m api.release.history` writes the summary of the seed files' dataset version
(run it when a row is added to seed/releases.csv).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

HISTORY = Path(__file__).resolve().parent / "history"
# The natural key of each table: what names a row across dataset versions.
KEYS: dict[str, tuple[str, ...]] = {
    "entities": ("code",), "merger": ("old_code", "new_code"), "frameworks": ("id",),
    "indicators": ("framework_id", "level", "code"), "cohorts": ("code",),
    "scores": ("year", "entity_code", "indicator", "cohort"),
    "claims": ("figure", "source_id"),
    "rankings": ("year", "cohort", "indicator", "entity_code"),
    "aggregates": ("year", "cohort", "indicator", "statistic"),
    "statistics": ("entity_code", "metric", "as_of", "period_start", "period_end",
                   "source_id"),
    "metrics": ("code",), "sources": ("id",), "coverage": ("year", "cohort", "indicator"),
    "panel": ("entity_code", "year", "cohort"),
}
IGNORED = {"id", "score_id", "aggregate_id", "figures"}  # ids: one version's numbering
Summary = dict[str, dict[str, str]]  # table -> natural key -> row hash


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def summarise(data: Path) -> Summary:
    """Every table of a release's data/ folder as {natural key: row hash}."""
    tables = {p.stem: _rows(p) for p in sorted(data.glob("*.csv"))}
    figures = {("score", r["id"]): "|".join(r[k] for k in KEYS["scores"])
               for r in tables.get("scores", [])}
    figures.update({("aggregate", r["id"]): "|".join(r[k] for k in KEYS["aggregates"])
                    for r in tables.get("aggregates", [])})
    out: Summary = {}
    for name, rows in tables.items():
        key = KEYS.get(name) or (tuple(rows[0]) if rows else ())
        found: dict[str, str] = {}
        for row in rows:
            if name == "claims":
                kind = row["figure_kind"]
                row = {**row, "figure": kind + ":" + figures.get(
                    (kind, row["score_id"] or row["aggregate_id"]), "?")}
            name_of = "|".join(row.get(k, "") for k in key)
            while name_of in found:  # two rows with one key: count them apart
                name_of += "+"
            cells = json.dumps({k: v for k, v in row.items() if k not in IGNORED},
                               ensure_ascii=False, sort_keys=True)
            found[name_of] = hashlib.sha256(cells.encode()).hexdigest()[:12]
        out[name] = found
    return out


def diff(old: Summary | None, new: Summary) -> dict[str, dict[str, int]]:
    """Rows added, removed and changed per table (every row added without `old`)."""
    out = {}
    for name in sorted(set(new) | set(old or {})):
        before, after = (old or {}).get(name, {}), new.get(name, {})
        out[name] = {"rows": len(after),
                     "added": sum(1 for k in after if k not in before),
                     "removed": sum(1 for k in before if k not in after),
                     "changed": sum(1 for k, h in after.items() if k in before
                                    and before[k] != h)}
    return out


def recorded(version: str) -> Summary | None:
    """The committed summary of a recorded release, if there is one."""
    path = HISTORY / f"{version}.json"
    if not path.is_file():
        return None
    found: Summary = json.loads(path.read_text(encoding="utf-8"))["tables"]
    return found


def dump(version: str, summary: Summary) -> str:
    return json.dumps({"version": version, "tables": summary}, ensure_ascii=False,
                      indent=0, sort_keys=True) + "\n"


def changes_text(version: str, previous: str | None, changes: dict[str, dict[str, int]]) -> str:
    """CHANGES.md of a release: what changed since the previous one, table by table."""
    head = (f"Changes in dataset version `{version}` since `{previous}`" if previous else
            f"Dataset version `{version}`: the first recorded release (every row is new)")
    out = [f"# {head}", "", "Rows are matched by their natural key (codes, year, "
           "indicator, cohort; never by row id), and a row is changed when any of its "
           "cells is.", "", "| table | rows | added | removed | changed |",
           "|---|---|---|---|---|"]
    out += [f"| {name} | {c['rows']} | {c['added']} | {c['removed']} | {c['changed']} |"
            for name, c in changes.items()]
    return "\n".join(out) + "\n"


def main() -> int:
    """Write history/<version>.json for the seed files' dataset version."""
    import tempfile

    from api.http.state import offline_state
    from api.release.package import build
    from api.settings import Settings
    from seed.build import DEFAULT_DATA, load

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/dti.sqlite"
        version = load(DEFAULT_DATA, url).version
        build(offline_state(Settings(database_url=url)), Path(tmp) / "release")
        summary = summarise(Path(tmp) / "release" / "data")
    HISTORY.mkdir(exist_ok=True)
    (HISTORY / f"{version}.json").write_text(dump(version, summary), encoding="utf-8")
    print(f"wrote {HISTORY / f'{version}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
