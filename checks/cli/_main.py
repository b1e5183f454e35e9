"""The ``superpose`` command line: the parser, assembled from one module per command (each adds
its own subparser and arguments and sets its ``run``), and :func:`main`. Every error is one line
on stderr with a distinct exit code: 0 ok, 1 refuted (a claim, or a wrong output found), 2 bad
input, 3 inconclusive, 4 a missing optional dependency (an extra such as plot or onnx)."""

from __future__ import annotations

import argparse
import os
import sys

from superpose.checks.cli import build as build_cmd
from superpose.checks.cli import certify as certify_cmd
from superpose.checks.cli import claims as claims_cmd
from superpose.checks.cli import eval as eval_cmd
from superpose.checks.cli import export as export_cmd
from superpose.checks.cli import fuzz as fuzz_cmd
from superpose.checks.cli import info as info_cmd
from superpose.checks.cli import minimal as minimal_cmd
from superpose.checks.cli import plot as plot_cmd
from superpose.checks.cli import problems as problems_cmd
from superpose.checks.cli import repair as repair_cmd
from superpose.checks.cli import selftest as selftest_cmd
from superpose.checks.cli import sweep as sweep_cmd
from superpose.checks.cli import verify as verify_cmd
from superpose.checks.cli._args import Parser
from superpose.checks.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_MISSING_EXTRA,
    EXIT_OK,
    EXIT_REFUTED,
)
from superpose.theory.errors import CountAboveFormula, MissingExtra, SuperposeError

__all__ = ["main"]

# in the order 'superpose --help' lists them
_COMMANDS = (build_cmd, fuzz_cmd, eval_cmd, certify_cmd, info_cmd, verify_cmd, claims_cmd,
             sweep_cmd, minimal_cmd, repair_cmd, selftest_cmd, export_cmd, plot_cmd,
             problems_cmd)


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="superpose", description="Proof checks and property tests for neural "
               "computation in superposition (Adler & Shavit, arXiv:2409.15318).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in _COMMANDS:
        command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 refuted, 2 bad input, 3 unknown)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return int(exc.code or 0)
    try:
        return args.run(args)
    except MissingExtra as exc:
        print(f"superpose: error: {exc}", file=sys.stderr)
        return EXIT_MISSING_EXTRA
    except CountAboveFormula as exc:  # a refutation of the construction's own formula
        print(f"superpose: REFUTED: {exc}", file=sys.stderr)
        return EXIT_REFUTED
    except SuperposeError as exc:
        print(f"superpose: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("superpose: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
