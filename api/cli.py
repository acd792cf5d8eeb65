"""`dti-api seed` builds the database; `dti-api serve` serves it; `dti-api release`
writes the citable data release; `dti-api mcp` serves the MCP tools over stdio."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    release = sub.add_parser("release", help="write the data release (Frictionless data "
                                             "package, CSV, SQLite, citation, zip)")
    _common(release)
    release.add_argument("--out", type=Path, metavar="DIR",
                         help="directory to write (replaced whole)")
    release.add_argument("--verify", type=Path, metavar="SHA256SUMS",
                         help="rebuild the release from the seed files (--data) and compare "
                              "every file with this published SHA256SUMS ('-': stdin)")
    release.add_argument("--data", type=Path, default=None,
                         help="with --verify: the seed directory (default: seed/data)")
    mcp = sub.add_parser("mcp", help="serve the MCP tools over standard input and output "
                                     "(for AI assistants that start a local server)")
    _common(mcp)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env(database_url=getattr(args, "database_url", None))
    if args.command == "seed":
        from seed.cli import run

        return run(settings.database_url, args.data, args.quiet, args.synthetic)
    if args.command == "release":
        if args.verify is not None:
            return verify(settings, args.verify, args.data)
        if args.out is None:
            print("release: --out DIR or --verify SHA256SUMS is required", file=sys.stderr)
            return 2
        return release(settings, args.out)
    if args.command == "mcp":
        from api.serve import run_stdio

        return run_stdio(settings)
    from api.serve import serve

    return serve(settings, args.host, args.port, args.workers)


def release(settings: Settings, out: Path) -> int:
    """Build the release of the database the settings name into `out`."""
    from api.http.state import offline_state
    from api.release.package import ReleaseRefused, build

    state = offline_state(settings)
    try:
        manifest = build(state, out.resolve(), settings.public_url)
    except ReleaseRefused as error:
        print(f"release: refused: {error}", file=sys.stderr)
        return 2
    archive = next(f for f in manifest["files"] if f["name"].endswith(".zip"))
    print(f"wrote {out}: {len(manifest['files'])} files; {archive['name']} "
          f"{archive['bytes']} bytes, sha256 {archive['sha256']}")
    return 0


def verify(settings: Settings, sums: Path, data: Path | None) -> int:
    """Rebuild from the seed files and compare with a published SHA256SUMS: 0 if equal."""
    from api.release.verify import parse_sums, verify
    from seed.build import DEFAULT_DATA

    text = sys.stdin.read() if str(sums) == "-" else sums.read_text(encoding="utf-8")
    try:
        expected = parse_sums(text)
    except ValueError as error:
        print(f"release --verify: {sums}: {error}", file=sys.stderr)
        return 2
    equal, lines = verify(expected, data or DEFAULT_DATA, settings.public_url)
    print("\n".join(lines))
    print("every file is byte-identical" if equal else "the rebuild differs", file=sys.stderr)
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
