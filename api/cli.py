"""`dti-api seed` builds the database; `dti-api serve` serves it."""

from __future__ import annotations

import argparse
import sys

from api.settings import Settings


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=argparse.SUPPRESS,
                        help="overrides DTI_DATABASE_URL (default: the embedded SQLite file)")


def build_parser() -> argparse.ArgumentParser:
    from seed.cli import add_arguments

    parser = argparse.ArgumentParser(prog="dti-api", description=__doc__)
    _common(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed", help="validate seed data and (re)build the database")
    _common(seed)
    add_arguments(seed)
    serve = sub.add_parser("serve", help="serve the API (builds the embedded default if missing)")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env(database_url=getattr(args, "database_url", None))
    if args.command == "seed":
        from seed.cli import run

        return run(settings.database_url, args.data, args.quiet, args.synthetic)
    from api.serve import serve

    return serve(settings, args.host, args.port, args.workers)


if __name__ == "__main__":
    sys.exit(main())
