"""``python -m superpose``: the ``superpose`` command line."""

import sys

from superpose.checks.cli import main

sys.exit(main())
