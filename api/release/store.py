"""The served release: built once per dataset version, in the background, into a
directory every worker of the machine shares; answered from files afterwards.

Builds are deterministic, so two workers (or two machines) that build the same version
write the same bytes, and their ETags (the files' sha256) agree without coordination.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from api.errors import ApiError
from api.http.state import AppState
from api.release.package import ReleaseRefused, build

log = logging.getLogger("dti.release")


class Releases:
    def __init__(self, state: AppState, directory: Path, public_url: str) -> None:
        self.state, self.public_url, self.base = state, public_url, directory
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._manifests: dict[str, dict[str, Any]] = {}  # by dataset version
        self.failure: str | None = None

    @property
    def directory(self) -> Path:
        """The release of the dataset being served (a new version: a new release)."""
        return self.base / self.state.db.version

    @property
    def available(self) -> bool:
        """False for a synthetic database: it is never released."""
        return not self.state.db.synthetic

    def prepare(self) -> None:
        """Start building in the background unless built, building or not releasable."""
        if not self.available or self._load() is not None:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._build, name="release",
                                                daemon=True)
                self._thread.start()

    def start(self) -> None:
        """At start-up: build in the background; requests answer meanwhile."""
        self.prepare()

    def stop(self) -> None:
        """At shutdown: a build under way ends before the pool closes."""
        self.settle(10.0)

    def wait(self, timeout: float = 120.0) -> dict[str, Any]:
        """Block until built (the CLI and tests); raise what the build raised."""
        self.prepare()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.manifest()

    def settle(self, timeout: float) -> None:
        """Wait for a build under way (at shutdown: its connection goes back first)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _build(self) -> None:
        try:
            build(self.state, self.directory, self.public_url, replace=False)
            log.info("release %s built in %s", self.state.db.version, self.directory)
        except ReleaseRefused as error:
            self.failure = str(error)
        except Exception as error:  # logged and reported as 503 with the reason
            self.failure = f"{type(error).__name__}: {error}"
            log.exception("release build failed")

    def _load(self) -> dict[str, Any] | None:
        version = self.state.db.version
        if version not in self._manifests:
            path = self.directory / "release.json"
            if not path.is_file():
                return None
            self._manifests[version] = json.loads(path.read_text(encoding="utf-8"))
        return self._manifests[version]

    def manifest(self) -> dict[str, Any]:
        """The built release's manifest, or a 503 while it is being built."""
        found = self._load()
        if found is not None:
            return found
        if self.failure:
            raise ApiError(503, f"the release could not be built: {self.failure}",
                           headers={"Retry-After": "60"})
        self.prepare()
        raise ApiError(503, f"the release of dataset version {self.state.db.version} is "
                            "being built; try again in a few seconds",
                       headers={"Retry-After": "5"})

    def path_of(self, name: str) -> tuple[Path, dict[str, Any]]:
        """A file of the release and its manifest entry; 404 for any other name."""
        for entry in self.manifest()["files"]:
            if entry["name"] == name:
                return self.directory / name, entry
        raise ApiError(404, f"the release has no file {name!r}; /v1/releases lists them")
