"""`dti-api seed` builds the database; `dti-api serve` serves it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api.settings import Settings


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=argparse.SUPPRESS,
                        help="overrides DTI_DATABASE_URL (default: the embedded SQLite file)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dti-api", description=__doc__)
    _common(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed", help="validate seed data and (re)build the database")
    _common(seed)
    seed.add_argument("--data", type=Path, default=None, help="seed directory (seed/data)")
    seed.add_argument("--quiet", action="store_true", help="do not print the summary")
    seed.add_argument("--synthetic", type=int, default=0, metavar="N",
                      help="add N synthetic scores for benchmarks (flagged; refused for "
                           "the published default database)")
    serve = sub.add_parser("serve", help="serve the API (builds the embedded default if missing)")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    return parser


def run_seed(settings: Settings, data: Path | None, quiet: bool, synthetic: int = 0) -> int:
    from api.settings import DEFAULT_DATABASE_URL
    from seed.build import DEFAULT_DATA, load
    from seed.rows import SeedInvalid
    from seed.summary import summary

    if synthetic and settings.database_url == DEFAULT_DATABASE_URL:
        print("seed: --synthetic is refused for the published default database; "
              "pass --database-url for a separate benchmark database", file=sys.stderr)
        return 2
    if synthetic < 0:
        print("seed: --synthetic must be positive", file=sys.stderr)
        return 2
    try:
        result = load(data or DEFAULT_DATA, settings.database_url, synthetic)
    except SeedInvalid as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"seed: {len(error.problems)} problem(s); the database was not changed",
              file=sys.stderr)
        return 1
    if not quiet:
        print(summary(settings.database_url))
    print(f"seed: dataset version {result.version}, {result.counts['score']} scores")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env(database_url=getattr(args, "database_url", None))
    if args.command == "seed":
        return run_seed(settings, args.data, args.quiet, args.synthetic)
    from api.serve import serve

    return serve(settings, args.host, args.port, args.workers)


if __name__ == "__main__":
    sys.exit(main())
