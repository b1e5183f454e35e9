"""Asymptotic relations at infinity, decided by limits of ratios.

``f = O(g)`` as ``x -> oo`` iff ``lim f/g < oo``; ``f = Omega(g)`` iff ``lim f/g > 0``. The limit
is computed twice, with :func:`sympy.limit` and with :func:`sympy.series.gruntz.gruntz`, each under
a wall-clock budget; the two must agree and a numeric evaluation of the ratio at
``x = 1e3 .. 1e48`` (mpmath, 50 digits) must not contradict them. Anything less is UNKNOWN.

SymPy's ``O()`` is never used: it expands at ``x -> 0`` unless told otherwise, where
``O(x**2)`` contains ``x``, the opposite of the relation at infinity.

Functions are assumed positive for large ``x``; a negative or complex limit is UNKNOWN with its
reason. ``log(x, 2)`` is SymPy's ``log(x)/log(2)`` and needs no special care.

>>> from superpose.theory._symbols import MP
>>> is_big_o(MP, MP * sympy.log(MP, 2))[0]
<Verdict.PROVED: 'PROVED'>
>>> relation(MP**2, MP)
'omega'
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import mpmath
import sympy
from sympy.series.gruntz import gruntz

from superpose.theory._symbols import MP
from superpose.theory._verdict import Verdict

__all__ = [
    "SAMPLE_POINTS",
    "run_within",
    "RatioLimit",
    "is_big_o",
    "is_big_omega",
    "is_theta",
    "ratio_limit",
    "relation",
]

#: The points (as powers of ten) where every ratio is also evaluated numerically.
SAMPLE_POINTS: tuple[int, ...] = (3, 6, 12, 24, 48)
_DPS = 50
_DEFAULT_TIMEOUT = 15.0


@dataclass(frozen=True)
class RatioLimit:
    """The limit of ``f/g`` as ``var -> oo``, with the evidence for it.

    ``by_limit`` and ``by_gruntz`` are what the two SymPy methods returned (None where one
    raised or ran out of time); ``numeric`` holds ``(x, f(x)/g(x))`` at ``x = 1e3 .. 1e48``;
    ``value`` is the agreed limit (a SymPy number, ``sympy.oo``, or None when undecided) and
    ``reason`` says how it was reached or why not.
    """

    f: sympy.Expr
    g: sympy.Expr
    var: sympy.Symbol
    by_limit: Any
    by_gruntz: Any
    numeric: tuple[tuple[float, float], ...]
    value: Any
    reason: str

    def summary(self) -> str:
        """One line: the limit, how it was decided, and the ratio at a few sample points."""
        shown = [(x, r) for x, r in self.numeric if x in (1e6, 1e24, 1e48)]
        nums = ", ".join(f"{r:.4g} at {x:.0e}" for x, r in shown)
        head = f"lim ({self.f})/({self.g}) = {self.value}"
        return f"{head} ({self.reason}; ratio {nums or 'n/a'})"


class _Stop(BaseException):
    """Raised inside a computation that ran out of time (a BaseException, so that SymPy's
    ``except Exception`` clauses do not swallow it)."""


_STOP_GRACE = 5.0  # seconds a stopped computation has to unwind


def _stop(thread: threading.Thread, box: dict) -> None:
    """Raise :class:`_Stop` in ``thread`` until its computation has ended (``box`` holds its
    value or error) or ``_STOP_GRACE`` seconds have passed. It is raised again every 0.1 s
    while the computation goes on: one that lands in a ``__del__`` or a garbage-collector
    callback (Hypothesis registers one) is swallowed there, and reported as unraisable, which
    :func:`_without_stops` keeps off stderr."""
    if not getattr(sys.unraisablehook, "_drops_stops", False):
        sys.unraisablehook = _without_stops(sys.unraisablehook)
    deadline = time.monotonic() + _STOP_GRACE
    while thread.is_alive() and not box and time.monotonic() < deadline:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(_Stop))
        thread.join(0.1)
    thread.join(max(0.0, deadline - time.monotonic()))


def _without_stops(hook):
    """``hook`` (a ``sys.unraisablehook``), except for a :class:`_Stop`, which is ours: a stop
    swallowed by a finalizer is raised again by :func:`_stop`, never shown."""
    def filtered(unraisable) -> None:
        if not isinstance(unraisable.exc_value, _Stop):
            hook(unraisable)
    filtered._drops_stops = True
    return filtered


def run_within(fn: Callable[[], Any], timeout: float) -> tuple[Any, str]:
    """``fn()`` run in a daemon thread for at most ``timeout`` seconds: (result, "") or
    (None, why). A computation that runs out of time is stopped: :class:`_Stop` is raised in
    its thread (CPython's ``PyThreadState_SetAsyncExc``, delivered between two bytecodes;
    :func:`_stop`), so it neither goes on taking CPU nor grows without bound while the run
    goes on (a claim file's ``binomial(mp, 100)`` left SymPy growing to 6 GB); being a daemon
    thread, one stuck inside a single C call never holds up interpreter exit."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            try:
                box["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 - any failure means "no answer"
                box["error"] = exc
        except _Stop:  # a second stop, raised while the first was being caught
            box.setdefault("error", _Stop())

    thread = threading.Thread(target=work, daemon=True, name="superpose-run-within")
    thread.start()
    thread.join(timeout)
    if thread.is_alive() and not box:
        _stop(thread, box)
        return None, f"timed out after {timeout:g} s"
    if "error" in box:
        exc = box["error"]
        return None, f"raised {type(exc).__name__}: {str(exc).strip()[:80]}"
    return box["value"], ""


def _numeric(ratio: sympy.Expr, var: sympy.Symbol) -> tuple[list[tuple[float, Any]], str]:
    """The ratio at 1e3 .. 1e48 as mpmath reals (50 digits), or ([], why) if it is not real."""
    points: list[tuple[float, Any]] = []
    with mpmath.workdps(_DPS):
        try:
            fn = sympy.lambdify(var, ratio, modules="mpmath")
        except Exception:  # noqa: BLE001 - fall back to evalf below
            fn = None
        for k in SAMPLE_POINTS:
            x = mpmath.mpf(10) ** k
            value: Any = None
            if fn is not None:
                try:
                    value = fn(x)
                except Exception:  # noqa: BLE001
                    value = None
            if value is None:
                try:
                    ev = ratio.evalf(subs={var: sympy.Integer(10) ** k}, n=_DPS)
                    value = mpmath.mpmathify(complex(ev)) if not ev.is_real else mpmath.mpf(ev)
                except Exception as exc:  # noqa: BLE001
                    return [], f"numeric evaluation failed at 1e{k}: {type(exc).__name__}"
            if isinstance(value, mpmath.mpc):
                if abs(value.imag) > abs(value.real) * mpmath.mpf(10) ** (-30):
                    return [], f"ratio is complex at 1e{k}"
                value = value.real
            value = mpmath.mpf(value)
            if mpmath.isnan(value):
                return [], f"ratio is nan at 1e{k}"
            points.append((float(10**k), value))
    return points, ""


def _is_plain_number(v: Any) -> bool:
    if v is None or not isinstance(v, sympy.Basic):
        return False
    if v.has(sympy.AccumBounds) or v.has(sympy.zoo) or v.has(sympy.nan):
        return False
    return bool(v.is_number) and not v.free_symbols


def _agree(a: Any, b: Any) -> bool:
    if a is sympy.oo or b is sympy.oo:
        return a is b
    try:
        diff = sympy.simplify(a - b)
    except Exception:  # noqa: BLE001
        return False
    if diff == 0:
        return True
    with mpmath.workdps(_DPS):
        try:
            return abs(sympy.N(diff, _DPS)) < sympy.Float(10) ** (-40)
        except Exception:  # noqa: BLE001
            return False


def _numeric_contradicts(value: Any, points: list[tuple[float, Any]]) -> str:
    """Why the numeric ratios contradict the symbolic limit ``value``, or "" if they do not."""
    r = [p[1] for p in points]
    tail = r[-3:]
    if value is sympy.oo:
        if r[-1] > 1e9 or all(a < b for a, b in pairwise(tail)):
            return ""
        return "numeric ratios do not grow towards oo"
    if value == 0:
        if any(x < 0 for x in tail):
            return "numeric ratios are negative"
        if r[-1] < 1e-9 or all(a > b for a, b in pairwise(tail)):
            return ""
        return "numeric ratios do not decrease towards 0"
    target = mpmath.mpf(sympy.N(value, _DPS))
    errors = [abs(x - target) for x in tail]
    if errors[-1] < abs(target) / 10 or all(a > b for a, b in pairwise(errors)):
        return ""
    return f"numeric ratio {float(r[-1]):.4g} at 1e48 is not near nor approaching {value}"


def ratio_limit(f: Any, g: Any, var: sympy.Symbol = MP,
                timeout: float = _DEFAULT_TIMEOUT) -> RatioLimit:
    """``lim_{var -> oo} f/g`` by ``sympy.limit`` and ``gruntz``, cross-checked numerically.

    ``timeout`` is the wall-clock budget, in seconds, of each symbolic method.

    >>> from superpose.theory._symbols import MP
    >>> ratio_limit(MP * sympy.log(MP, 2), MP * sympy.log(MP)).value
    1/log(2)
    >>> ratio_limit(2 + sympy.sin(MP), 1).value is None
    True
    """
    f, g = sympy.sympify(f), sympy.sympify(g)
    ratio = f / g
    by_limit, why_limit = run_within(lambda: sympy.limit(ratio, var, sympy.oo), timeout)
    by_gruntz, why_gruntz = run_within(lambda: gruntz(ratio, var, sympy.oo), timeout)
    points, why_numeric = _numeric(ratio, var)
    numeric = tuple((x, float(v)) for x, v in points)

    def result(value: Any, reason: str) -> RatioLimit:
        return RatioLimit(f, g, var, by_limit, by_gruntz, numeric, value, reason)

    gave_up = [f"{name} {why}" for name, why in (("limit", why_limit), ("gruntz", why_gruntz))
               if why]
    if gave_up:
        return result(None, "; ".join(gave_up))
    for name, v in (("limit", by_limit), ("gruntz", by_gruntz)):
        if isinstance(v, sympy.Basic) and v.has(sympy.AccumBounds):
            return result(None, f"{name}: the limit does not exist (ratio oscillates in {v})")
        if v is sympy.oo:
            continue
        if not _is_plain_number(v):
            return result(None, f"{name} returned {v}, not a number")
    if not _agree(by_limit, by_gruntz):
        return result(None, f"limit and gruntz disagree: {by_limit} vs {by_gruntz}")
    value = by_limit
    if value is not sympy.oo:
        if value.is_extended_real is False or sympy.im(value) != 0:
            return result(None, f"complex limit {value}: f/g is not a ratio of positive functions")
        if value.is_extended_negative or value is sympy.S.NegativeInfinity:
            return result(None, f"negative limit {value}: f/g is not a ratio of positive functions")
    if why_numeric:
        return result(None, f"limit and gruntz agree on {value} but {why_numeric}")
    contradiction = _numeric_contradicts(value, points)
    if contradiction:
        return result(None, f"limit and gruntz agree on {value} but {contradiction}")
    return result(value, "limit, gruntz agree; numerics consistent")


def is_big_o(f: Any, g: Any, var: sympy.Symbol = MP,
             timeout: float = _DEFAULT_TIMEOUT) -> tuple[Verdict, RatioLimit]:
    """Whether ``f = O(g)`` at infinity: PROVED if ``lim f/g`` is finite, REFUTED if it is oo
    (the diverging ratio is the witness), UNKNOWN if the limit was not decided."""
    lim = ratio_limit(f, g, var, timeout)
    if lim.value is None:
        return Verdict.UNKNOWN, lim
    return (Verdict.REFUTED if lim.value is sympy.oo else Verdict.PROVED), lim


def is_big_omega(f: Any, g: Any, var: sympy.Symbol = MP,
                 timeout: float = _DEFAULT_TIMEOUT) -> tuple[Verdict, RatioLimit]:
    """Whether ``f = Omega(g)`` at infinity: PROVED if ``lim f/g`` is positive or oo, REFUTED if
    it is 0, UNKNOWN if the limit was not decided."""
    lim = ratio_limit(f, g, var, timeout)
    if lim.value is None:
        return Verdict.UNKNOWN, lim
    return (Verdict.REFUTED if lim.value == 0 else Verdict.PROVED), lim


def is_theta(f: Any, g: Any, var: sympy.Symbol = MP,
             timeout: float = _DEFAULT_TIMEOUT) -> tuple[Verdict, RatioLimit]:
    """Whether ``f = Theta(g)`` at infinity: PROVED if ``lim f/g`` is finite and positive,
    REFUTED if it is 0 or oo, UNKNOWN if the limit was not decided."""
    lim = ratio_limit(f, g, var, timeout)
    if lim.value is None:
        return Verdict.UNKNOWN, lim
    if lim.value is sympy.oo or lim.value == 0:
        return Verdict.REFUTED, lim
    return Verdict.PROVED, lim


def relation(f: Any, g: Any, var: sympy.Symbol = MP,
             timeout: float = _DEFAULT_TIMEOUT) -> str | None:
    """``"little-o"`` (lim f/g = 0), ``"theta"`` (finite, positive) or ``"omega"`` (oo); None
    when the limit was not decided."""
    value = ratio_limit(f, g, var, timeout).value
    if value is None:
        return None
    if value is sympy.oo:
        return "omega"
    return "little-o" if value == 0 else "theta"
