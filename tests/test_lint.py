"""ruff and mypy (strict) pass on the code, so style is checked where tests run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


def test_ruff() -> None:
    result = run("ruff", "check", "api", "models", "seed", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = run("mypy", "api", "models", "seed")
    assert result.returncode == 0, result.stdout + result.stderr
