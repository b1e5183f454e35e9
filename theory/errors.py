"""The error hierarchy shared by every superpose package.

Each error also subclasses the builtin it refines, so callers that do not know superpose can
still catch ``ValueError`` or ``OSError``. Messages name the bad value, the rule and the fix in
one line, e.g. ``"sparsity=5 must be <= m=4; pass a smaller --sparsity"``.
"""

from __future__ import annotations

__all__ = ["SuperposeError", "InvalidArgument", "CircuitFormatError", "ClaimFileError",
           "CountAboveFormula", "MissingExtra", "RunIncomplete"]


class SuperposeError(Exception):
    """Base class of every error superpose raises on purpose."""


class InvalidArgument(SuperposeError, ValueError):
    """An argument breaks a documented rule (a range, a type, a known name)."""


class CircuitFormatError(SuperposeError, ValueError):
    """A file is missing, unreadable, of another format or version, or inconsistent."""


class ClaimFileError(InvalidArgument):
    """A claims file is unreadable, malformed, or holds a forbidden or unbounded expression.

    The message names the claim id and the offending key or token, in one line.
    """


class MissingExtra(SuperposeError, ImportError):
    """An optional dependency (an extra such as ``plot`` or ``onnx``) is not installed.

    The message names the module, what needs it and the ``pip install`` line that fixes it.
    """


class CountAboveFormula(SuperposeError, RuntimeError):
    """A circuit's exact count exceeds its construction's declared count formula: the
    formula (or the construction) is wrong. A refutation, not bad input (exit 1).

    The message names the circuit, the step and both numbers, and the command that rebuilds it.
    """


class RunIncomplete(SuperposeError, RuntimeError):
    """Work a command needed could not be finished (a cluster task lost past its retries, a
    scheduler gone), so nothing was decided: inconclusive (exit 3), neither bad input nor a
    verdict.

    The message names the work that was lost, why, and how to rerun it.
    """
