"""The ``superpose`` command line: one module per command, the argument helpers they share in
``_args``. ``main`` loads the commands on first call, so that importing this package (the
pytest plugin does) costs nothing."""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run ``superpose ARGV`` and return its exit code (:mod:`superpose.checks.exit_codes`)."""
    from superpose.checks.cli._main import main as run

    return run(argv)
