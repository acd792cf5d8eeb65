"""`python -m seed.geo [--out DIR]`: derive seed/geo/derived from seed/geo/source and
seed/data (needs the `[geo]` extra); prints each file's size and the tile grids' figures."""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

from seed.geo import DERIVED
from seed.geo.build import outputs
from seed.geo.derive import GeoInvalid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seed.geo", description=__doc__)
    parser.add_argument("--out", type=Path, default=DERIVED,
                        help="where to write the derived files (default seed/geo/derived)")
    args = parser.parse_args(argv)
    try:
        files, layouts = outputs()
    except GeoInvalid as error:
        print(f"seed.geo: {error}; nothing was written", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for name, body in sorted(files.items()):
        (args.out / name).write_bytes(body)
        print(f"{name}: {len(body):,} bytes, {len(gzip.compress(body, 9, mtime=0)):,} gzipped")
    for cohort, found in layouts.items():
        print(f"tiles {cohort}: {found.columns} columns; of {found.pairs} neighbouring "
              f"pairs {found.within_1} within 1 cell ({found.within_1 / found.pairs:.1%}), "
              f"{found.within_2} within 2 ({found.within_2 / found.pairs:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
