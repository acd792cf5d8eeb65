"""Refresh the vendored GraphiQL assets from the npm registry and rewrite their manifest.

`python -m api.graphql.vendor` (maintainers only; needs npm and the registry) downloads
the packages pinned in static/MANIFEST.json with `npm pack`, copies the named files
unmodified into static/, and records each file's sha256. Nothing at run time or in the
tests downloads anything: a test checks the files against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
MANIFEST = STATIC / "MANIFEST.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refresh() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        for entry in manifest["files"]:
            spec = f"{entry['package']}@{entry['version']}"
            done = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, check=True,
                                  capture_output=True, text=True)
            with tarfile.open(Path(tmp) / done.stdout.strip().splitlines()[-1]) as archive:
                member = archive.extractfile(f"package/{entry['path']}")
                assert member is not None, spec
                (STATIC / entry["file"]).write_bytes(member.read())
            entry["sha256"] = sha256(STATIC / entry["file"])
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    refresh()
    sys.exit(0)
