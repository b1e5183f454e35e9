"""What every ``superpose`` subcommand shares: one-line argparse errors with exit 2 and typed
arguments whose messages name the bad value and the rule (the exit codes are
:mod:`superpose.checks.exit_codes`)."""

from __future__ import annotations

import argparse

from superpose.checks.exit_codes import EXIT_BAD_INPUT

__all__ = ["Parser", "integer", "positive_float"]


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
