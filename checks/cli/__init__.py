"""The ``superpose`` command line: one module per command (``build``, ``info``, ``fuzz``,
``eval``, ``certify``, ``verify``, ``claims``, ``sweep``, ``minimal``, ``repair``, ``selftest``,
``export``, ``plot``, ``problems``), each with ``add_parser(sub)`` and ``run(args)``; the
argument helpers they and the pytest plugin share in ``_args``. ``main`` loads the commands on
first call, so that importing this package (the pytest plugin does) costs nothing but argparse.
``console`` is the ``superpose`` program itself: ``main``, then the process exits.
"""

from __future__ import annotations

from superpose.checks.cli._args import MIN_M_PRIME, integer, verify_config

__all__ = ["MIN_M_PRIME", "console", "integer", "main", "verify_config"]


def main(argv: list[str] | None = None) -> int:
    """Run ``superpose ARGV`` and return its exit code (:mod:`superpose.checks.exit_codes`)."""
    from superpose.checks.cli._main import main as run

    return run(argv)


def console() -> None:
    """The ``superpose`` program (its console script and ``python -m superpose``): ``main``
    on ``sys.argv``, then exit with its code (:func:`superpose.checks.cli._main.console`)."""
    from superpose.checks.cli._main import console as program

    program()
