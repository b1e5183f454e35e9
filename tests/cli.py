"""Running the ``superpose`` command line in-process from a test.

Import as ``from tests.cli import run`` (tests/conftest.py puts the repository root on
sys.path)."""

from __future__ import annotations

from superpose.checks.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    """``superpose ARGV...``: its exit code, stdout and stderr (captured by ``capsys``)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
