"""What every ``superpose`` subcommand shares: its exit codes (0 ok or proved, 1 refuted,
2 bad input, 3 inconclusive, 4 a missing optional dependency), one-line argparse errors with
exit 2, and typed arguments whose messages name the bad value and the rule."""

from __future__ import annotations

import argparse
from typing import Iterable

from theory import Verdict

__all__ = ["Parser", "integer", "positive_float", "exit_for", "EXIT_OK", "EXIT_REFUTED",
           "EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE", "EXIT_MISSING_EXTRA"]

EXIT_OK, EXIT_REFUTED, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE = 0, 1, 2, 3
EXIT_MISSING_EXTRA = 4  # an optional dependency (plot, onnx, torch) is not installed


def exit_for(verdicts: Iterable[Verdict]) -> int:
    """1 if any verdict is REFUTED, else 3 if any is UNKNOWN, else 0.

    >>> exit_for([Verdict.PROVED, Verdict.UNKNOWN]), exit_for([])
    (3, 0)
    """
    seen = set(verdicts)
    if Verdict.REFUTED in seen:
        return EXIT_REFUTED
    return EXIT_INCONCLUSIVE if Verdict.UNKNOWN in seen else EXIT_OK


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        self.exit(EXIT_BAD_INPUT, f"superpose: error: {message}; see 'superpose --help'\n")


def integer(name: str):
    """An argparse type: a base-10 integer, named ``name`` in the error message."""
    def parse(text: str) -> int:
        try:
            return int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be an integer") from None
    return parse


def positive_float(name: str):
    """An argparse type: a finite number > 0, named ``name`` in the error message."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be a number") from None
        if not (value > 0 and value != float("inf")):
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be a finite number > 0")
        return value
    return parse
