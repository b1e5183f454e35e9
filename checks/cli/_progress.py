"""Progress bars for long work (tqdm, on stderr), shown only to a person at a terminal.

A bar is drawn when all of these hold: the command was not given ``--quiet``; the environment
variable ``CI`` is unset or empty; stderr is a terminal. ``SUPERPOSE_PROGRESS=1`` forces bars on
(say, under ``script`` or in a test) and ``SUPERPOSE_PROGRESS=0`` forces them off; ``--quiet``
wins over both. Bars never touch stdout and leave no line behind, so the output of a command
read by a program or a CI log is byte for byte what it is without them.

Two shapes of work:

* :func:`steps`: a sequence of named steps (circuits of a sweep, stages of a build); each call
  ``step(message)`` marks the previous step done and shows ``message`` as the current one.
* :func:`counter`: chunked work reporting ``progress(done, total)`` (enumeration chunks, Z3
  outputs, fuzzing batches); ``done`` never decreases, and the bar shows done of total.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from superpose.theory.errors import InvalidArgument

if TYPE_CHECKING:
    from tqdm import tqdm

__all__ = ["FORCE_ENV", "enabled", "bar", "steps", "counter"]

FORCE_ENV = "SUPERPOSE_PROGRESS"


def enabled(quiet: bool = False, stream: TextIO | None = None) -> bool:
    """Whether bars are drawn: not ``quiet``, then ``SUPERPOSE_PROGRESS`` (1 on, 0 off) if set,
    else off when ``CI`` is set (non-empty), else on exactly when ``stream`` (default stderr)
    is a terminal."""
    if quiet:
        return False
    forced = os.environ.get(FORCE_ENV, "").strip()
    if forced:
        if forced not in ("0", "1"):
            raise InvalidArgument(f"{FORCE_ENV}={forced!r} must be 1 (force progress bars on) "
                                  "or 0 (off); unset it to decide by the terminal")
        return forced == "1"
    if os.environ.get("CI"):
        return False
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def __getattr__(name: str):
    """``tqdm``, imported on first use: a command whose bars are off (``--quiet``, a pipe, CI)
    never imports it (about 20 ms of its start-up)."""
    if name == "tqdm":
        from tqdm import tqdm

        globals()["tqdm"] = tqdm
        return tqdm
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bar(desc: str, total: int | None = None, unit: str = "it", quiet: bool = False) -> "tqdm":
    """A tqdm bar on stderr, disabled (it prints nothing, counts nothing) unless
    :func:`enabled`. It clears its line when closed; use it as a context manager."""
    make = globals().get("tqdm") or __getattr__("tqdm")
    return make(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True, mininterval=0.2, disable=not enabled(quiet))


@contextmanager
def steps(desc: str, total: int | None = None, unit: str = "step",
          quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """Yield ``step(message)``: it counts the previous step as done and shows ``message``.
    On leaving the block normally the last step counts as done too."""
    if not enabled(quiet):
        yield lambda message: None
        return
    with bar(desc, total, unit, quiet) as b:
        started = False

        def step(message: str) -> None:
            nonlocal started
            if started:
                b.update(1)
            started = True
            b.set_postfix_str(message)

        yield step
        if started:
            b.update(1)


@contextmanager
def counter(desc: str, unit: str = "it",
            quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """Yield ``progress(done, total)``, which moves the bar to ``done`` of ``total``.

    A report with a smaller ``done`` than the last one (a new phase of the work, say the Z3
    outputs after the search) restarts the bar at that count."""
    if not enabled(quiet):
        yield lambda done, total: None
        return
    with bar(desc, None, unit, quiet) as b:
        def progress(done: int, total: int) -> None:
            if b.disable:
                return
            if b.total != total or done < b.n:
                b.reset(total=total)
            b.update(done - b.n)

        yield progress
