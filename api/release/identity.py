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
