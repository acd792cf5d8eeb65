"""Which release a database makes: its dataset version and the date it was released."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import seed
from api.http.state import AppState

RELEASES = Path(seed.__file__).resolve().parent / "releases.csv"


@dataclass(frozen=True)
class Identity:
    version: str  # the dataset version
    created: str  # ISO 8601 date-time
    released: bool  # False: no seed/releases.csv row names this version

    @property
    def name(self) -> str:
        return f"dti-open-data-{self.version}"


def identity(state: AppState) -> Identity:
    """Version and date of the release: seed/releases.csv records when each dataset
    version was released; an unlisted version (a local build) takes its build time."""
    with RELEASES.open(encoding="utf-8", newline="") as f:
        dates = {r["dataset_version"]: r["date"] for r in csv.DictReader(f)}
    version = state.db.version
    if version in dates:
        return Identity(version, f"{dates[version]}T00:00:00Z", True)
    return Identity(version, state.db.built_at, False)


def recorded_releases() -> list[tuple[str, str, str]]:
    """(version, date, note) of every release seed/releases.csv records, oldest first."""
    with RELEASES.open(encoding="utf-8", newline="") as f:
        found = [(r["dataset_version"], r["date"], r.get("note") or "")
                 for r in csv.DictReader(f)]
    return sorted(found, key=lambda r: r[1])


def previous_release(version: str) -> str | None:
    """The release recorded before `version` (the newest one, for an unrecorded build)."""
    found = [v for v, _, _ in recorded_releases()]
    before = found[:found.index(version)] if version in found else found
    return before[-1] if before else None
