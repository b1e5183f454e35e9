"""The symbolic derivations behind the counting claims, as checked steps with visible premises.

Each :class:`Step` states one asymptotic fact, names the earlier steps and assumptions it rests on,
and carries a verdict computed by :mod:`superpose.theory._asymptotic` (limits of ratios,
cross-checked numerically), never written in by hand. Statements that fail on purpose (a regime
where the bound does not apply, a capacity beyond the bound) are stated as their negation, so that
every step of a sound derivation reads PROVED; a step that SymPy could not decide reads UNKNOWN.

All logarithms written ``log2`` are base 2; ``loggamma`` stands for ``ln Gamma`` so that
``log2 k! = loggamma(k+1)/ln 2`` and ``log C(N, k) = loggamma(N+1) - loggamma(k+1) -
loggamma(N-k+1)`` hold for real arguments.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import sympy

from superpose.theory._asymptotic import RatioLimit, is_big_o, is_big_omega, is_theta, ratio_limit
from superpose.theory._symbols import MP, B, M, N
from superpose.theory._verdict import Verdict

__all__ = ["Step", "derivations", "log2_binomial", "log2_factorial"]

_LN2 = sympy.log(2)


@dataclass(frozen=True)
class Step:
    """One checked step: ``claim_id`` is a ledger id (or ``STIRLING`` / ``FAMILY-SIZE`` for the
    helpers), ``name`` identifies the step for later premises, ``detail`` shows the limit."""

    claim_id: str
    name: str
    statement: str
    premises: tuple[str, ...]
    verdict: Verdict
    detail: str


def log2_factorial(k: Any) -> sympy.Expr:
    """``log2 k!`` as ``loggamma(k+1)/ln 2`` (SymPy's gruntz cannot expand ``factorial``)."""
    return sympy.loggamma(k + 1) / _LN2


def log2_binomial(n: Any, k: Any) -> sympy.Expr:
    """``log2 C(n, k)`` through ``loggamma``, valid for real ``n >= k >= 0``."""
    return (sympy.loggamma(n + 1) - sympy.loggamma(k + 1) - sympy.loggamma(n - k + 1)) / _LN2


def _pairs(m: Any) -> sympy.Expr:
    return m * (m - 1) / 2


def _log2(x: Any) -> sympy.Expr:
    return sympy.log(x, 2)


def _negated(verdict: Verdict) -> Verdict:
    """The verdict of "not S" from the verdict of S (UNKNOWN stays UNKNOWN)."""
    return {Verdict.PROVED: Verdict.REFUTED, Verdict.REFUTED: Verdict.PROVED}.get(
        verdict, Verdict.UNKNOWN)


def _all(*verdicts: Verdict) -> Verdict:
    if any(v is Verdict.REFUTED for v in verdicts):
        return Verdict.REFUTED
    if all(v is Verdict.PROVED for v in verdicts):
        return Verdict.PROVED
    return Verdict.UNKNOWN


def _limit_equals(lim: RatioLimit, target: Any) -> Verdict:
    """PROVED if the decided limit equals ``target``, REFUTED if it is another value."""
    if lim.value is None:
        return Verdict.UNKNOWN
    if lim.value is sympy.oo or target is sympy.oo:
        return Verdict.PROVED if lim.value is target else Verdict.REFUTED
    return Verdict.PROVED if sympy.simplify(lim.value - target) == 0 else Verdict.REFUTED


def _little_o(lim: RatioLimit) -> Verdict:
    """PROVED if ``lim f/g = 0`` (f = o(g)), REFUTED if it is positive or oo."""
    if lim.value is None:
        return Verdict.UNKNOWN
    return Verdict.PROVED if lim.value == 0 else Verdict.REFUTED


def _steps() -> tuple[Step, ...]:
    mp, n = MP, N
    mp_log = mp * _log2(mp)
    steps: list[Step] = []

    def add(claim_id: str, name: str, statement: str, premises: tuple[str, ...],
            verdict: Verdict, detail: str) -> None:
        steps.append(Step(claim_id, name, statement, premises, verdict, detail))

    # a. Stirling.
    v, lim = is_theta(log2_factorial(mp), mp_log)
    add("STIRLING", "stirling", "log2(m'!) = Theta(m' log m')", (), v, lim.summary())

    # b. Family size of pairwise AND: log2 C(C(m,2), m').
    fam_m_eq = log2_binomial(_pairs(mp), mp)
    v, lim = is_theta(fam_m_eq, mp_log)
    add("FAMILY-SIZE", "family-size-m=mp",
        "pairwise AND with m = m' inputs: log2 C(C(m,2), m') = Theta(m' log m')",
        ("N = C(C(m,2), m') instances", "m = m'"), v, lim.summary())

    eps = sympy.Rational(1, 4)
    m_eps = mp ** (sympy.Rational(1, 2) + eps)
    v, lim = is_theta(log2_binomial(_pairs(m_eps), mp), mp_log)
    add("FAMILY-SIZE", "family-size-m=mp^(1/2+eps)",
        "m = m'^(1/2+eps) with eps = 1/4: log2 C(C(m,2), m') = Theta(m' log m')",
        ("N = C(C(m,2), m') instances", "m = m'^(3/4)"), v, lim.summary())

    # The complete pair set: m' = C(m, 2), a single instance.
    complete = log2_binomial(_pairs(M), _pairs(M))
    exact_zero = sympy.simplify(complete) == 0
    small = all(math.comb(k * (k - 1) // 2, k * (k - 1) // 2) == 1 for k in range(2, 41))
    add("FAMILY-SIZE", "family-size-complete-pairs",
        "the complete-pair family (m' = C(m,2), m ~ sqrt(2 m')) carries no information: "
        "log2 N = log2 C(m', m') = 0, so the counting bound does not apply there",
        ("N = C(C(m,2), m') instances", "m' = C(m,2)"),
        Verdict.PROVED if exact_zero and small else Verdict.REFUTED,
        f"simplify(log2 C(C(m,2), C(m,2))) = {sympy.simplify(complete)}; "
        f"C(C(k,2), C(k,2)) = 1 for k = 2..40: {small}")

    # eps = 0: m = 2 sqrt(m') leaves only Theta(m') bits, o(m' log m').
    m_sqrt = 2 * sympy.sqrt(mp)
    fam_sqrt = log2_binomial(_pairs(m_sqrt), mp)
    lim_small = ratio_limit(fam_sqrt, mp_log)
    v_lin, lim_lin = is_theta(fam_sqrt, mp)
    add("FAMILY-SIZE", "family-size-m=2sqrt(mp)",
        "with eps = 0 (m = 2 sqrt(m')) log2 C(C(m,2), m') = Theta(m') = o(m' log m'): "
        "the condition m >= m'^(1/2+eps) is needed",
        ("N = C(C(m,2), m') instances", "m = 2 sqrt(m')"),
        _all(_little_o(lim_small), v_lin), lim_small.summary() + "; " + lim_lin.summary())

    # c. LB-PARAMS: b P >= log2 N, so P >= log2 N / b, for constant b.
    lb_names = []
    for problem, log2n, prem in (
            ("perm", log2_factorial(mp), ("stirling", "N = m'! instances")),
            ("and2", fam_m_eq, ("family-size-m=mp", "m = m'"))):
        verdicts, limits = [], []
        for bits in (1, 64):
            v, lim = is_big_omega((log2n / B).subs(B, bits), mp_log)
            verdicts.append(v)
            limits.append(lim)
        same = (limits[0].value is not None and limits[1].value is not None
                and limits[0].value not in (0, sympy.oo)
                and sympy.simplify(limits[0].value / limits[1].value - 64) == 0)
        verdict = _all(*verdicts, Verdict.PROVED if same else Verdict.UNKNOWN)
        name = f"lb-params-{problem}"
        lb_names.append(name)
        add("LB-PARAMS", name,
            f"{problem}: b P >= log2 N implies P >= log2 N / b = Omega(m' log m') for b = 1 "
            "and b = 64 alike (same Theta, limits in ratio 64)",
            prem + ("b bits per parameter, b constant", "distinguishable instances"),
            verdict, " | ".join(f"b={bits}: {lim.summary()}"
                                for bits, lim in zip((1, 64), limits, strict=True)))

    # d. LB-NEURONS: P <= n^2 so n >= sqrt(P).
    v, lim = is_theta(sympy.sqrt(mp_log), sympy.sqrt(log2_factorial(mp)))
    add("LB-NEURONS", "lb-neurons-sqrt",
        "sqrt(m' log2 m') = Theta(sqrt(log2 m'!))", ("stirling",), v, lim.summary())
    verdicts, details = [], []
    for bits in (1, 64):
        v, lim = is_big_omega(sympy.sqrt(log2_factorial(mp) / bits), sympy.sqrt(mp_log))
        verdicts.append(v)
        details.append(f"b={bits}: {lim.summary()}")
    add("LB-NEURONS", "lb-neurons",
        "n >= sqrt(P) >= sqrt(log2 N / b), so n = Omega(sqrt(m' log m'))",
        ("lb-params-perm", "lb-neurons-sqrt", "P <= n^2 (layered network, input layer counted)"),
        _all(*verdicts), " | ".join(details))

    # e. CAPACITY: c m' log m' <= P <= n^2 gives m' = O(n^2 / log n).
    boundary = n**2 / _log2(n)
    v, lim = is_theta(boundary * _log2(boundary), n**2, var=n)
    add("CAPACITY", "capacity-boundary",
        "m' = n^2/log2 n is consistent with the budget: m' log2 m' = Theta(n^2)",
        ("lb-params-perm", "lb-params-and2", "P <= n^2"), v, lim.summary())
    v, lim = is_big_o(n**2 * _log2(n**2), n**2, var=n)
    add("CAPACITY", "capacity-beyond",
        "m' = n^2 exceeds the budget: m' log2 m' is not O(n^2) (it is omega(n^2))",
        ("lb-params-perm", "lb-params-and2", "P <= n^2"), _negated(v), lim.summary())
    add("CAPACITY", "capacity",
        "a network with n neurons computes at most m' = O(n^2 / log n) features",
        ("capacity-boundary", "capacity-beyond"),
        _all(steps[-2].verdict, steps[-1].verdict),
        "m' log m' <= n^2 / c is met at m' = Theta(n^2/log n) and violated at m' = n^2")

    # f. TIGHTNESS: upper bound over lower bound.
    v, lim = is_theta((sympy.sqrt(mp) * _log2(mp)) / sympy.sqrt(mp_log), sympy.sqrt(sympy.log(mp)))
    add("TIGHTNESS", "tightness-neurons",
        "neurons: (sqrt(m') log m') / sqrt(m' log m') = Theta(sqrt(log m'))",
        ("lb-neurons", "UB-AND-NEURONS: O(sqrt(m') log m')"), v, lim.summary())
    v, lim = is_theta((mp * _log2(mp) ** 2) / mp_log, sympy.log(mp))
    add("TIGHTNESS", "tightness-params",
        "parameters: (m' log^2 m') / (m' log m') = Theta(log m')",
        ("lb-params-and2", "UB-AND-PARAMS: O(m' log^2 m')"), v, lim.summary())

    # g. EXP-GAP: representing 2^Theta(n) features vs computing O(n^2/log n).
    v, lim = is_theta(_log2(2 ** (n / 4)), n, var=n)
    add("EXP-GAP", "exp-gap-represent",
        "a representation of width c log2 m' holds m' = 2^(n/c) features: log2(2^(n/4)) = "
        "Theta(n)", ("REPRESENT: width O(log m')",), v, lim.summary())
    lim = ratio_limit(boundary, 2 ** (n / 4), var=n)
    add("EXP-GAP", "exp-gap",
        "computing reaches only n^2/log2 n = o(2^(n/4)) features: an exponential gap",
        ("exp-gap-represent", "capacity"), _little_o(lim), lim.summary())

    # h. COMPRESSION: the bound does not mention the dense network.
    dense = sympy.Symbol("D", positive=True)
    bound = log2_factorial(MP) / B
    free = [sorted(str(s) for s in bound.subs(B, bits).free_symbols) for bits in (1, 64)]
    independent = all(f == ["mp"] for f in free) and dense not in bound.free_symbols
    lb = [s.verdict for s in steps if s.name in lb_names]
    add("COMPRESSION", "compression",
        "any sub-network still computing the m' features has P_sub = Omega(m' log m') whatever "
        "the dense size D: the bound log2 N / b has no free symbol but m' (P_sub <= P_dense "
        "plays no part)", tuple(lb_names) + ("the sub-network solves every instance",),
        _all(*lb, Verdict.PROVED if independent else Verdict.REFUTED),
        f"free symbols of log2 N / b at b = 1, 64: {free}")

    # i. PARAMS-ESTIMATE: both ends have log P / log m' -> 1.
    lo = ratio_limit(sympy.log(mp_log), sympy.log(mp))
    hi = ratio_limit(sympy.log(mp * _log2(mp) ** 2), sympy.log(mp))
    add("PARAMS-ESTIMATE", "params-estimate",
        "m' log m' <~ P <~ m' log^2 m' gives log P / log m' -> 1 at both ends, so P "
        "determines m' up to log factors",
        ("lb-params-and2", "UB-AND-PARAMS: O(m' log^2 m')"),
        _all(_limit_equals(lo, 1), _limit_equals(hi, 1)), lo.summary() + " | " + hi.summary())
    return tuple(steps)


@functools.lru_cache(maxsize=1)
def _cached() -> tuple[Step, ...]:
    return _steps()


def derivations() -> list[Step]:
    """Every derivation step, in order (computed once per process, a few seconds).

    >>> [s.name for s in derivations()][:2]
    ['stirling', 'family-size-m=mp']
    """
    return list(_cached())
