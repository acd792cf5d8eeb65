"""`python -m seed` (and `dti-api seed`): validate seed/data and build the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seed.build import DEFAULT_DATA, default_database_url, load
from seed.rows import SeedInvalid
from seed.summary import summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None, help="seed directory (seed/data)")
    parser.add_argument("--quiet", action="store_true", help="do not print the summary")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N",
                        help="add N synthetic scores for benchmarks (flagged; refused for "
                             "the published default database)")


def run(database_url: str, data: Path | None, quiet: bool, synthetic: int = 0) -> int:
    """Build `database_url`; print every problem and change nothing when the data is bad."""
    if synthetic and database_url == default_database_url():
        print("seed: --synthetic is refused for the published default database; "
              "pass --database-url for a separate benchmark database", file=sys.stderr)
        return 2
    if synthetic < 0:
        print("seed: --synthetic must be positive", file=sys.stderr)
        return 2
    try:
        result = load(data or DEFAULT_DATA, database_url, synthetic)
    except SeedInvalid as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"seed: {len(error.problems)} problem(s); the database was not changed",
              file=sys.stderr)
        return 1
    if not quiet:
        print(summary(database_url))
    print(f"seed: dataset version {result.version}, {result.counts['score']} scores")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seed", description=__doc__)
    parser.add_argument("--database-url", default=default_database_url(),
                        help="SQLAlchemy URL (default: the embedded SQLite file)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args.database_url, args.data, args.quiet, args.synthetic)
