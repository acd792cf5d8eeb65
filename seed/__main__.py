"""`python -m seed`: the same as `dti-api seed`."""

import sys

from api.cli import main

sys.exit(main(["seed", *sys.argv[1:]]))
