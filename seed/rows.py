"""Read seed CSV files row by row, turning every bad cell into a located problem."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.|-]{1,64}$")


@dataclass(frozen=True)
class SeedProblem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


class SeedInvalid(Exception):
    """The seed data failed validation; nothing was written."""

    def __init__(self, problems: list[SeedProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Problems:
    items: list[SeedProblem] = field(default_factory=list)

    def add(self, file: str, line: int, column: str, reason: str) -> None:
        self.items.append(SeedProblem(file, line, column, reason))

    def raise_if_any(self) -> None:
        if self.items:
            raise SeedInvalid(self.items)


class Row:
    """One CSV record with typed accessors that report problems instead of raising."""

    def __init__(self, problems: Problems, file: str, line: int, cells: dict[str, str]) -> None:
        self.problems, self.file, self.line, self.cells = problems, file, line, cells

    def fail(self, column: str, reason: str) -> None:
        self.problems.add(self.file, self.line, column, reason)

    def text(self, column: str) -> str | None:
        value = (self.cells.get(column) or "").strip()
        return value or None

    def code(self, column: str) -> str:
        """A required identifier: letters, digits and _ . | - only (safe in URLs and CSV)."""
        value = self.required(column)
        if value and not CODE_PATTERN.match(value):
            self.fail(column, f"code {value!r} may only use letters, digits and _ . | -")
        return value

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            self.fail(column, "required value is empty")
            return ""
        return value

    def integer(self, column: str) -> int | None:
        raw = self.text(column)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            self.fail(column, f"not an integer: {raw!r}")
            return None

    def number(self, column: str) -> tuple[float, str] | None:
        """Parse a published number; keep the text so its precision survives."""
        raw = self.text(column)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.fail(column, f"not a number: {raw!r}")
            return None
        if not math.isfinite(value):
            self.fail(column, f"not a finite number: {raw!r}")
            return None
        return value, raw

    def boolean(self, column: str) -> bool | None:
        raw = self.text(column)
        if raw is None:
            return None
        if raw in ("true", "false"):
            return raw == "true"
        self.fail(column, f"expected true, false or empty, got {raw!r}")
        return None

    def choice(self, column: str, allowed: Container[str], what: str) -> str | None:
        raw = self.text(column)
        if raw is None:
            self.fail(column, "required value is empty")
            return None
        if raw not in allowed:
            self.fail(column, f"unknown {what} {raw!r}")
            return None
        return raw


def read_rows(
    problems: Problems, directory: Path, name: str, columns: list[str]
) -> Iterator[Row]:
    """Yield the rows of one file, checking its header first."""
    path = directory / name
    if not path.is_file():
        problems.add(name, 0, "-", "file is missing")
        return
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        if missing or extra:
            detail = "; ".join(
                part
                for part in (
                    f"missing column(s) {', '.join(missing)}" if missing else "",
                    f"unexpected column(s) {', '.join(extra)}" if extra else "",
                )
                if part
            )
            problems.add(name, 1, "-", detail)
            return
        start = reader.line_num + 1
        for cells in reader:
            if None in cells:
                problems.add(name, start, "-", "more cells than header columns")
            yield Row(problems, name, start, cells)
            start = reader.line_num + 1
