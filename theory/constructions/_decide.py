"""Asymptotic decisions about declared formulas: the class of a count, and where F -> 0.

**Smooth envelope.** ``ceil(x) <= x + 1``, ``floor(x) <= x``, ``max(a, b) <= a + b`` (a, b >=
0) and ``min(a, b) <= a``. Replacing each rounding by its right-hand side gives an upper
bound of the whole formula when every replaced node sits in an increasing position: under
sums, under products whose other factors are non-negative, in the base of a power with a
positive constant exponent, or inside ``log``. :func:`smooth_upper` checks that position
and refuses (returns None with the reason) anything else, such as a rounding under a minus
sign or in an exponent.

**Class.** ``count = O(g)`` for every fixed value of the constants iff ``lim envelope / g`` is
finite as m' -> oo, m = the regime. The limit is taken with the constants as positive symbols
(``sympy.limit`` and ``gruntz`` must agree on a finite expression in them), and cross-checked
by :func:`superpose.theory.ratio_limit` (limits and numerics) at the given constant values.

**Failure.** With F_env = m'^(e + o(1)), e = lim log F_env / log m' (constants symbolic), F ->
0 when e < 0; when e = 0 the limit of F_env itself decides. e is computed term by term (the
exponent of a sum is the max of its terms', of a product the sum of its factors'), since one
limit of a long sum is beyond SymPy. The thresholds are found in the declared order: each
constant is raised just above the largest root of e_i(c) = 0 (through which e_i decreases)
over the terms that depend on it and on no later constant; the bound proves F -> 0 for some
constants when every term's exponent is then negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy
from sympy.series.gruntz import gruntz

from superpose.theory import MP, M, S, Verdict, ratio_limit, run_within
from superpose.theory.constructions._evaluate import exact_number

__all__ = ["ClassDecision", "FailureDecision", "class_decision", "failure_decision",
           "exponent_terms", "smooth_upper"]

_TIMEOUT = 20.0


class _NotMonotone(Exception):
    pass


_SHIFTED = {MP: sympy.Symbol("x", positive=True) + 1, M: sympy.Symbol("y", positive=True) + 1}


def _nonnegative(expr: sympy.Expr) -> bool:
    """Whether ``expr`` is known to be >= 0 for every m', m >= 1 and positive constants."""
    return bool(expr.subs(_SHIFTED).is_nonnegative)


def _increasing_in_args(node: sympy.Expr) -> bool:
    """Whether ``node`` increases in each of its arguments (for m', m >= 1)."""
    if isinstance(node, sympy.Add):
        return True
    if isinstance(node, sympy.Mul):
        return all(_nonnegative(a) for a in node.args)
    if isinstance(node, sympy.Pow):
        return bool(node.exp.is_number and node.exp.is_positive and _nonnegative(node.base))
    return isinstance(node, sympy.log)


def _smooth(node: sympy.Expr) -> sympy.Expr:
    if not node.free_symbols & {MP, M}:
        return node  # a rounding of constants alone is a constant
    if isinstance(node, sympy.ceiling):
        return _smooth(node.args[0]) + 1
    if isinstance(node, sympy.floor):
        return _smooth(node.args[0])
    if isinstance(node, sympy.Max):
        if not all(_nonnegative(a) for a in node.args):
            raise _NotMonotone(f"max of arguments not known to be >= 0: {node}")
        return sympy.Add(*(_smooth(a) for a in node.args))
    if isinstance(node, sympy.Min):
        return _smooth(node.args[0])
    rounded = node.atoms(sympy.ceiling, sympy.floor, sympy.Max, sympy.Min)
    if not rounded:
        return node
    if not _increasing_in_args(node):
        raise _NotMonotone(f"a rounding sits where {type(node).__name__} is not increasing: "
                           f"{node}")
    return node.func(*(_smooth(a) for a in node.args))


def smooth_upper(expr: sympy.Expr) -> tuple[sympy.Expr | None, str]:
    """(an upper bound of ``expr`` with no rounding, "") or (None, why not).

    >>> mp = sympy.Symbol("mp", positive=True)
    >>> smooth_upper(3 * sympy.ceiling(sympy.sqrt(mp)))[0]
    3*sqrt(mp) + 3
    """
    try:
        return sympy.expand(_smooth(expr)) if expr.is_Add else _smooth(expr), ""
    except _NotMonotone as exc:
        return None, str(exc)


def _symbolic_limit(expr: sympy.Expr) -> tuple[Any, str]:
    """lim expr as m' -> oo with every other symbol a positive parameter: (value, "") when
    limit and gruntz agree on a value free of m', else (None, why): a method that raises or
    runs out of time leaves the limit undecided."""
    by_limit, why_l = run_within(lambda: sympy.limit(expr, MP, sympy.oo), _TIMEOUT)
    by_gruntz, why_g = run_within(lambda: gruntz(expr, MP, sympy.oo), _TIMEOUT)
    if why_l or why_g:
        return None, "; ".join(f"{n} {w}" for n, w in (("limit", why_l), ("gruntz", why_g))
                               if w)
    if by_limit is None or by_gruntz is None or MP in getattr(by_limit, "free_symbols", {MP}):
        return None, f"limit gave {by_limit}, gruntz {by_gruntz}"
    if by_limit.has(sympy.AccumBounds, sympy.nan, sympy.zoo):
        return None, f"the limit does not exist ({by_limit})"
    if by_limit != by_gruntz and sympy.simplify(by_limit - by_gruntz) != 0:
        return None, f"limit and gruntz disagree: {by_limit} vs {by_gruntz}"
    simpler, _ = run_within(lambda: sympy.simplify(by_limit), _TIMEOUT)
    return (by_limit if simpler is None else simpler), ""


@dataclass(frozen=True)
class ClassDecision:
    """Whether a count formula is O(bound) for every fixed value of its constants."""

    verdict: Verdict
    envelope: sympy.Expr | None
    limit: Any
    detail: str

    @property
    def grows_faster(self) -> bool:
        """Whether lim envelope / bound is infinite: the formula outgrows the bound (which
        alone does not refute the bound, since the formula only bounds the counts above)."""
        return self.limit is not None and bool(sympy.sympify(self.limit).has(sympy.oo))


def _values(symbols: dict, values: dict) -> dict:
    return {symbols[k]: exact_number(k, v) for k, v in values.items() if k in symbols}


def class_decision(formula: sympy.Expr, regime: sympy.Expr, bound: sympy.Expr,
                   symbols: dict, values: dict, sparsity: int) -> ClassDecision:
    """Decide ``formula = O(bound)`` (m = ``regime``, s = ``sparsity``), for every positive
    value of the constants, with a numeric cross-check at ``values`` (their defaults)."""
    envelope, why = smooth_upper(formula.subs({M: regime, S: sparsity}))
    if envelope is None:
        return ClassDecision(Verdict.UNKNOWN, None, None, f"no smooth envelope: {why}")
    value, why = _symbolic_limit(envelope / bound)
    if value is None:
        return ClassDecision(Verdict.UNKNOWN, envelope, None, f"symbolic limit undecided: {why}")
    if value is sympy.oo or value.has(sympy.oo):
        return ClassDecision(Verdict.UNKNOWN, envelope, value,
                             f"lim envelope / ({bound}) = {value}: the formula grows faster, "
                             "so it cannot prove the bound (a looser formula, or a false claim)")
    at = _values(symbols, values)
    check = ratio_limit(envelope.subs(at), bound.subs(at))
    expected = value.subs(at)
    if check.value is None or check.value is sympy.oo or \
            sympy.simplify(check.value - expected) != 0:
        return ClassDecision(Verdict.UNKNOWN, envelope, value,
                             f"symbolic limit {value}, but at the defaults {check.summary()}")
    finite = value.is_finite is True and not value.has(sympy.oo, sympy.zoo)
    if not finite:
        return ClassDecision(Verdict.UNKNOWN, envelope, value,
                             f"lim envelope / ({bound}) = {value}: not known to be finite for "
                             "every positive value of the constants")
    return ClassDecision(Verdict.PROVED, envelope, value,
                         f"lim envelope / ({bound}) = {value}, finite for every positive value "
                         f"of the constants; at the defaults: {check.summary()}")


@dataclass(frozen=True)
class FailureDecision:
    """Where F -> 0: the exponent e of F_env (the max of ``terms``), its value at the given
    constants, and the thresholds of the named constants (in order)."""

    terms: tuple
    exponent_here: Any
    tends_to_zero: bool | None
    thresholds: dict
    detail: str

    @property
    def verdict(self) -> Verdict:
        """PROVED when F -> 0 here, or when finite values of the threshold constants make
        every term's exponent negative."""
        if self.tends_to_zero or self.thresholds.get("proved"):
            return Verdict.PROVED
        return Verdict.UNKNOWN


def exponent_terms(expr: sympy.Expr) -> list[sympy.Expr] | None:
    """Expressions whose maximum is e = lim log(expr) / log m' (expr > 0): a sum takes the
    max of its terms' exponents, a product the sum of its factors', a constant positive power
    scales them, a power growing like ln m' that of its base's limit; anything else is one limit
    with the constants as symbols. None if a limit is undecided. Terms with exponent -oo are
    dropped.

    >>> mp = sympy.Symbol("mp", positive=True)
    >>> sorted(exponent_terms(mp**2 + 3 * mp), key=str)
    [1, 2]
    """
    if isinstance(expr, sympy.Add):
        parts = [exponent_terms(a) for a in expr.args]
        return None if any(p is None for p in parts) else [e for p in parts for e in p]
    if isinstance(expr, sympy.Mul):
        total: list[sympy.Expr] = [sympy.Integer(0)]
        for factor in expr.args:
            part = exponent_terms(factor)
            if part is None:
                return None
            total = [a + b for a in total for b in part]
        return [t for t in total if not t.has(sympy.oo, -sympy.oo)] if total else total
    if isinstance(expr, sympy.Pow) and expr.exp.is_number and expr.exp.is_positive:
        part = exponent_terms(expr.base)
        return None if part is None else [expr.exp * e for e in part]
    if not expr.has(MP):
        return [sympy.Integer(0)]
    if isinstance(expr, sympy.Pow) and expr.exp.has(MP):
        power = _growing_power(expr.base, expr.exp)
        if power is not None:
            return power
    value, _ = _symbolic_limit(sympy.expand_log(sympy.log(expr), force=True) / sympy.log(MP))
    if value is None:
        return None
    if value == -sympy.oo:
        return []
    if value.has(sympy.oo):
        return None
    return [sympy.expand(sympy.expand_log(value, force=True))]


def _growing_power(base: sympy.Expr, power: sympy.Expr) -> list[sympy.Expr] | None:
    """The exponent of base^power when base -> b and power / ln m' -> k (finite): k ln b, or
    -oo (no term) when b = 0; None when the limits are not of that kind."""
    b = _limit_of_sum(base)
    k, _ = _symbolic_limit(power / sympy.log(MP))
    if b is None or k is None or k.has(sympy.oo) or b.has(sympy.oo) or not k.is_positive:
        return None
    if b == 0:
        return []
    if not b.is_positive:
        return None
    return [sympy.expand(sympy.expand_log(k * sympy.log(b), force=True))]


def _limit_of_sum(expr: sympy.Expr) -> Any:
    """lim expr, a sum taken term by term (one limit of a long sum can defeat gruntz): the
    sum of the terms' limits when each is finite; else the limit of the whole, or None."""
    if isinstance(expr, sympy.Add):
        parts = [_symbolic_limit(a)[0] for a in expr.args]
        if all(p is not None and not p.has(sympy.oo) for p in parts):
            return sympy.Add(*parts)
    return _symbolic_limit(expr)[0]


def failure_decision(envelope: sympy.Expr, symbols: dict, values: dict, sparsity: int,
                     thresholds: tuple[str, ...]) -> FailureDecision:
    """The exponent terms of F_env, whether F -> 0 at ``values`` and s = ``sparsity``, and
    the thresholds of the constants ``thresholds``, raised in that order (see the module
    docstring). The other constants are fixed at ``values`` first: the terms are functions of
    the threshold constants alone."""
    at = _values(symbols, values)
    fixed = {symbols[c] for c in symbols if c not in thresholds}
    envelope = envelope.subs({S: sparsity} | {k: v for k, v in at.items() if k in fixed})
    terms = exponent_terms(envelope)
    if terms is None:
        return FailureDecision((), None, None, {}, "exponent undecided: a term's limit is "
                               "not known")
    terms = list(dict.fromkeys(terms))
    here_terms = [sympy.N(t.subs(at)) for t in terms]
    here = max(here_terms, default=-sympy.oo)
    zero: bool | None = True if here < 0 else False if here > 0 else None
    if zero is None:
        value, _ = _symbolic_limit(envelope.subs(at))
        zero = None if value is None else value == 0
    found = _thresholds(terms, symbols, at, thresholds)
    fate = {True: "-> 0", False: "does not tend to 0", None: "undecided"}[zero]
    shown = ", ".join(f"{k}* = {_show(v)} (used: {_show(at.get(symbols[k]))}, "
                      f"{'above' if at.get(symbols[k], 0) > v else 'below'})"
                      for k, v in found.items() if k not in ("proved", "why"))
    detail = (f"e = lim log F_env / log m' = max of {len(terms)} term(s); at these constants "
              f"e = {_show(here)}, so F {fate}; thresholds: {shown or found.get('why', '?')}"
              + ("" if found.get("proved") else " (no finite constants found with e < 0)"))
    return FailureDecision(tuple(terms), here, zero, found, detail)


def _thresholds(terms, symbols, at: dict, order: tuple[str, ...]) -> dict:
    """Raise each constant of ``order`` in turn above the largest root of the terms that
    depend on it and on no later one; ``proved`` if every term ends negative."""
    chosen = dict(at)
    found: dict = {}
    names = [symbols[c] for c in order]
    for i, c in enumerate(names):
        later = names[i + 1:]
        star = None
        for term in terms:
            if not term.has(c) or any(term.has(x) for x in later):
                continue
            root, why = _threshold(term.subs({k: v for k, v in chosen.items() if k is not c}),
                                   c)
            if root is None:
                found["why"] = why
                continue
            star = root if star is None or root > star else star
        if star is not None:
            found[str(c)] = star
            chosen[c] = sympy.Max(chosen.get(c, 0), star * sympy.Rational(101, 100))
    final = [sympy.N(t.subs(chosen)) for t in terms]
    found["proved"] = all(v.is_number and v < 0 for v in final)
    return found


def _threshold(exponent_c: sympy.Expr, c: sympy.Symbol) -> tuple[Any, str]:
    """The largest root of e(c) = 0, through which e decreases, or (None, why)."""
    roots, why = run_within(lambda: sympy.solve(sympy.Eq(exponent_c, 0), c), _TIMEOUT)
    real = [r for r in (roots or []) if r.is_real and r.is_positive]
    if not real:
        if exponent_c.subs(c, 1).is_negative and sympy.diff(exponent_c, c).is_nonpositive:
            return sympy.Integer(0), ""
        return None, f"no positive root of e({c}) = 0 ({why or roots})"
    star = max(real, key=lambda r: float(r))
    slope = sympy.diff(exponent_c, c).subs(c, star)
    if not slope.is_negative:
        return None, f"e does not decrease through {c} = {_show(star)}"
    return star, ""


def _show(value: Any) -> str:
    if value is None:
        return "?"
    try:
        return f"{float(value):.4g}"
    except TypeError:
        return str(value)
