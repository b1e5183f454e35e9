"""``python -m superpose``: the ``superpose`` command line."""

from superpose.checks.cli import console

console()
