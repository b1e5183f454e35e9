"""The ``superpose`` command line: the parser, assembled from one module per command (each adds
its own subparser and arguments and sets its ``run``), and :func:`main`. Every error is one line
on stderr with a distinct exit code: 0 ok, 1 refuted (a claim, or a wrong output found), 2 bad
input, 3 inconclusive (a run that could not finish, e.g. a lost cluster task, included), 4 a
missing optional dependency (an extra such as plot, onnx or dask)."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys

from superpose.checks.cli._args import Parser
from superpose.checks.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_INCONCLUSIVE,
    EXIT_MISSING_EXTRA,
    EXIT_OK,
    EXIT_REFUTED,
)
from superpose.theory.errors import (
    CountAboveFormula,
    MissingExtra,
    RunIncomplete,
    SuperposeError,
)

__all__ = ["console", "main"]

# the command modules of superpose.checks.cli, in the order 'superpose --help' lists them
_COMMANDS = ("build", "fuzz", "eval", "certify", "info", "verify", "claims", "sweep", "minimal",
             "repair", "selftest", "export", "materialize", "plot", "problems")


def _parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser of ``argv``: with only the named command's module imported when ``argv``
    starts with a command (a command needs nothing the others import: ``superpose fuzz`` never
    loads SymPy or Z3), with every command's otherwise (``--help``, a usage error)."""
    p = Parser(prog="superpose", description="Proof checks and property tests for neural "
               "computation in superposition (Adler & Shavit, arXiv:2409.15318).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    named = argv[:1] if argv[:1] and argv[0] in _COMMANDS else _COMMANDS
    for name in named:
        importlib.import_module(f"superpose.checks.cli.{name}").add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 refuted, 2 bad input, 3 unknown,
    4 a missing extra)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser(argv).parse_args(argv)
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
    except RunIncomplete as exc:  # nothing decided: the work could not be finished
        print(f"superpose: UNKNOWN: {exc}", file=sys.stderr)
        return EXIT_INCONCLUSIVE
    except SuperposeError as exc:
        print(f"superpose: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("superpose: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def console() -> None:
    """Run the command line on ``sys.argv`` and exit with its code. Every object left is
    first frozen out of the garbage collector (``gc.freeze``): the process ends here, and the
    collection the interpreter makes as it shuts down would walk every object of NumPy, SciPy
    and the command only for all of them to go with the process (at the end of a second run
    of ``superpose fuzz`` at m' = 10^5, about 30 of the 45 ms its exit took). Nothing is left
    undone: the objects are still freed, buffers flushed and exit handlers run."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
