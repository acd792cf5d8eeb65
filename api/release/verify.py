"""`dti-api release --verify SHA256SUMS`: rebuild a release from the seed files, in a
temporary folder, and compare every file with a published SHA256SUMS, as a stranger
checking our hashes would."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pyarrow

from api.release.package import sha256_of


def parse_sums(text: str) -> dict[str, str]:
    """`sha256sum` lines (`<hex>  <name>`) as {name: hex}; ValueError on anything else."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name or any(
                c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"line {number} is not '<sha256>  <file>': {line[:80]!r}")
        found[name.lstrip("*")] = digest
    if not found:
        raise ValueError("no checksum lines")
    return found


def rebuild(data: Path, public_url: str, out: Path) -> str:
    """Load `data` into a new SQLite file and build its release into `out`; the version."""
    from api.http.state import offline_state
    from api.release.package import build
    from api.settings import Settings
    from seed.build import load

    url = f"sqlite:///{out.parent / 'dti.sqlite'}"
    version = load(data, url).version
    build(offline_state(Settings(database_url=url, public_url=public_url)), out)
    return version


def verify(sums: dict[str, str], data: Path, public_url: str) -> tuple[bool, list[str]]:
    """Rebuild and compare; (every file equal, one line per file)."""
    with tempfile.TemporaryDirectory(prefix="dti-verify-") as tmp:
        root = Path(tmp) / "release"
        version = rebuild(data, public_url, root)
        lines, equal = [], True
        for name, digest in sorted(sums.items()):
            path = root / name
            if not path.is_file():
                lines.append(f"MISSING  {name} (the rebuild of {version} has no such file)")
                equal = False
                continue
            mine = sha256_of(path)
            same = mine == digest
            equal &= same
            note = ""
            if not same and name.endswith(".sqlite"):
                note = (f" (its header records the SQLite library: this one is "
                        f"{sqlite3.sqlite_version})")
            elif not same and name.endswith(".parquet"):
                note = (" (its footer records the writer: this one is pyarrow "
                        f"{pyarrow.__version__})")
            lines.append(f"{'OK' if same else 'DIFFERS'}  {name}{note}")
        extra = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                       if p.is_file() and p.relative_to(root).as_posix() not in sums
                       and p.name not in ("SHA256SUMS", "release.json")
                       and p.suffix != ".zip")
        lines += [f"NEW  {name} (not in the published SHA256SUMS)" for name in extra]
        lines += [f"zip  {p.name} sha256 {sha256_of(p)} (compare with /v1/releases)"
                  for p in root.glob("*.zip")]
        return equal and not extra, [f"rebuilt dataset version {version}", *lines]
