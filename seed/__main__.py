"""`python -m seed`: validate seed/data and build the database (see seed.cli)."""

import sys

from seed.cli import main

sys.exit(main())
