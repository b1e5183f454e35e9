"""The exit codes of every ``superpose`` command and of the pytest plugin: 0 ok or proved,
1 refuted, 2 bad input, 3 inconclusive, 4 a missing optional dependency."""

from __future__ import annotations

from typing import Iterable

from superpose.theory import Verdict

__all__ = ["EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE", "EXIT_MISSING_EXTRA", "EXIT_OK", "EXIT_REFUTED",
           "exit_for"]

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
