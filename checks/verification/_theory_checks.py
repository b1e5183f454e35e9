"""Checks that bring theory/ into verify: derivations, consistency, and bounds against counts.

* ``derive:<ID>``: the symbolic derivation steps of :func:`theory.derivations` for a ledger id,
  each an Evidence record with its premises in the detail.
* consistency (refute-only): for every problem and quantity, no lower bound may exceed an upper
  bound asymptotically; a contradiction names both claims and the diverging ratio. For a claim
  file's bound about a problem only a *proved* bound refutes (``proved_only``); a clash with an
  unproved one is shown as information.
* implied (decisive): a claimed lower bound below a derived one, or a claimed upper bound
  above a construction's, follows from it.
* measured: a claimed bound against a construction's exact counts over the sweep, per
  (problem, family, sparsity) group (:func:`ratio_trends`), by the least-squares slope of
  log(count / f) against log m' over the top decade. Upper bound: a slope above the tolerance on
  every family means the construction exceeds f (REFUTED, counts shown, the largest circuit
  named with its replay line); on some families only, UNKNOWN (a regime change and a missing
  log factor look alike there: measure further), unless the construction's count formula grows
  faster than f (``rising="any"``: the rise is the formula's, so it REFUTES); where the formula
  is in f's class (``rising="never"``) a rise stays UNKNOWN; on none, the finite statement
  holds (PROVED), and a slope below -0.25 marks the bound loose, not false. With an explicit
  constant, any count above constant * f(m') is REFUTED, naming the circuit. Lower bound: shown
  for information only (refute-only and never decisive): a lower bound speaks of every network,
  and finite counts with floors (t, r >= 10) fall at small m' whatever the asymptotics. Which
  claims the counts may decide at all (only claims about the construction counted) is
  :mod:`superpose.checks.verification._file_checks`'s rule.

Bounds are compared in m' alone: m = m' (the regime where the counting argument bites), s and b
are constants (s = the sweep's sparsity, b = 1). A bound that still holds n is not comparable
with counts over m' and stays UNKNOWN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy

from superpose.checks.sweep import Measurement, slope, top_decade
from superpose.circuits import PROBLEM_NAMES
from superpose.theory import MP, Bound, Evidence, Verdict, derivations, is_big_o, parse_bound

__all__ = ["Clash", "Trend", "ledger_bounds", "derivation_evidence", "consistency_evidence",
           "contradiction", "implication", "implied_evidence", "measured_evidence",
           "over_constant", "ratio_trends", "MEASURED_PROBLEMS"]

#: The problems whose counts a claim file's bound is measured against: every registered
#: problem (a view of the registry, read when used).
MEASURED_PROBLEMS = PROBLEM_NAMES
_COUNT = {"neurons": "neurons", "params": "params", "bits": "bits"}


def ledger_bounds(claims, proved_ids: set[str]) -> list[Bound]:
    """The bounds of the ledger's records, marked proved where their claim was proved."""
    out = []
    for claim in claims:
        for quantity, text in claim.bounds:
            out.append(Bound(claim.id, claim.problems, quantity, claim.kind,
                             parse_bound(text, claim.id), text, claim.id in proved_ids))
    return out


def derivation_evidence(claim_id: str) -> list[Evidence]:
    """Every derivation step filed under ``claim_id``, as evidence with visible premises."""
    steps = [s for s in derivations() if s.claim_id == claim_id]
    if not steps:
        return [Evidence(f"derive:{claim_id}", Verdict.UNKNOWN, "a symbolic derivation",
                         "symbolic", "asymptotic", f"no derivation step is filed under "
                         f"{claim_id}")]
    return [Evidence(f"derive:{s.name}", s.verdict, s.statement,
                     "symbolic: limits of ratios (limit and gruntz, mpmath cross-check)",
                     "asymptotic",
                     s.detail + (f" [premises: {', '.join(s.premises)}]" if s.premises else ""))
            for s in steps]


@dataclass(frozen=True)
class Clash:
    """A lower and an upper bound on the same quantity of a shared problem that cannot both
    hold (``witness``: the diverging limit of lower / upper), or whose relation is undecided
    (``witness`` None, ``reason`` why)."""

    lower: Bound
    upper: Bound
    witness: object = None
    reason: str = ""


def contradiction(bound: Bound, other: Bound) -> Clash | None:
    """The :class:`Clash` of ``bound`` and ``other``, or None when they are not a lower and an
    upper bound on the same quantity of a shared problem, or when they agree."""
    undecided = None
    for lower, upper in _lower_upper_pairs(bound, other):
        lo, up = lower.in_mp(), upper.in_mp()
        if lo is None or up is None:
            undecided = Clash(lower, upper, reason=f"{lower.claim_id} vs {upper.claim_id}: "
                              "not a function of m'")
            continue
        verdict, witness = is_big_o(lo, up)
        if verdict is Verdict.REFUTED:
            return Clash(lower, upper, witness)
        if verdict is Verdict.UNKNOWN:
            undecided = Clash(lower, upper,
                              reason=f"{lower.claim_id} vs {upper.claim_id}: {witness.reason}")
    return undecided


def _lower_upper_pairs(bound: Bound, other: Bound):
    """(lower, upper) for each way one of the two bounds the other from below on a shared
    problem and quantity (both ways for two theta bounds)."""
    if other is bound or other.quantity != bound.quantity:
        return
    if not set(other.problems) & set(bound.problems):
        return
    if bound.kind in ("lower", "theta") and other.kind in ("upper", "theta"):
        yield bound, other
    if bound.kind in ("upper", "theta") and other.kind in ("lower", "theta"):
        yield other, bound


def consistency_evidence(bound: Bound, everything: list[Bound],
                         proved_only: bool = False) -> Evidence:
    """Refute-only: no lower bound of a shared problem and quantity exceeds an upper bound.

    With ``proved_only`` (a claim file's bound about a problem) only a *proved* bound can
    refute: a clash with a bound nobody proved says that one of the two is false, not which,
    so it is shown as information beside the verdict."""
    statement = f"no bound on {bound.quantity} contradicts it" + (
        " (only a proved bound refutes)" if proved_only else "")
    method = "symbolic: lower bound = O(upper bound), by limits of ratios"
    checked, undecided, unproved = [], [], []
    for other in everything:
        if not any(True for _ in _lower_upper_pairs(bound, other)):
            continue
        found = contradiction(bound, other)
        if found is None:
            checked.append(other.claim_id)
            continue
        lower, upper, witness = found.lower, found.upper, found.witness
        if witness is None:
            undecided.append(found.reason)
            continue
        clash = (f"{lower.claim_id} says {lower.quantity} = {lower.display} but "
                 f"{upper.claim_id} says {upper.display}: ({lower.text}) / ({upper.text}) -> "
                 f"{witness.value} ({witness.reason})")
        if proved_only and not other.proved:
            unproved.append(clash)
            continue
        return Evidence("consistency", Verdict.REFUTED, statement, method, "m' -> infinity",
                        clash + (f"; {other.claim_id} is proved" if proved_only else ""))
    detail = (f"consistent with {', '.join(sorted(set(checked)))}" if checked
              else "no other bound on the same problem and quantity")
    if unproved:
        detail += ("; contradicts a bound nobody proved (so one of the two is false; "
                   "information, not a verdict): " + "; ".join(unproved[:2]))
    if undecided:
        detail += "; undecided: " + "; ".join(undecided[:2])
    return Evidence("consistency", Verdict.UNKNOWN, statement, method, "m' -> infinity",
                    detail + " (consistency alone cannot prove a claim)", decisive=False)


def implication(bound: Bound, other: Bound):
    """The limit of the ratio that makes ``other``, once proved, imply ``bound``, or None.

    ``other`` implies ``bound`` when both bound the same quantity, ``bound``'s problems are among
    ``other``'s, and ``bound`` is a lower bound with ``bound = O(other)`` (``other`` a lower or
    theta bound) or an upper bound with ``other = O(bound)`` (``other`` an upper or theta bound).
    A ``bound`` with a ``constant`` (count <= constant * f, or >=, at every size) is never
    implied: an O() or Omega() bound, proved, says nothing about any one constant.
    """
    if other.quantity != bound.quantity or not set(bound.problems) <= set(other.problems) \
            or bound.constant is not None:
        return None
    mine, theirs = bound.in_mp(), other.in_mp()
    if mine is None or theirs is None:
        return None
    if bound.kind == "lower" and other.kind in ("lower", "theta"):
        verdict, witness = is_big_o(mine, theirs)
    elif bound.kind == "upper" and other.kind in ("upper", "theta"):
        verdict, witness = is_big_o(theirs, mine)
    else:
        return None
    return witness if verdict is Verdict.PROVED else None


def implied_evidence(bound: Bound, everything: list[Bound]) -> Evidence | None:
    """PROVED when a proved bound of the same kind implies this one, else None."""
    for other in everything:
        if other is bound or not other.proved:
            continue
        witness = implication(bound, other)
        if witness is not None:
            return Evidence("implied", Verdict.PROVED,
                            f"{bound.quantity} = {bound.display} follows from {other.claim_id}",
                            "symbolic: limits of ratios", "m' -> infinity",
                            f"{other.claim_id} proves {other.display}; limit of the ratio "
                            f"{witness.value}")
    return None


@dataclass(frozen=True)
class Trend:
    """One (problem, family, sparsity) group of a sweep against a bound: its rows (m', count,
    count / f(m'), measurement), sorted by m', and the top-decade slope of log(ratio) against
    log m' (None with fewer than two sizes there)."""

    key: tuple[str, str, int]
    rows: tuple[tuple[int, int, float, Measurement], ...]
    slope: float | None

    @property
    def where(self) -> str:
        return f"{self.key[0]}/{self.key[1]} s={self.key[2]}"

    def shown(self) -> str:
        """The top decade's counts and ratios, e.g. ``m'=1000: 3479 (0.87), ...``."""
        return ", ".join(f"m'={mp}: {c} ({r:.3g})" for mp, c, r, _ in top_decade(self.rows))


def ratio_trends(bound: Bound, ms: list[Measurement]) -> tuple[list[Trend], str]:
    """Each (problem, family, sparsity) group of ``ms`` against ``bound`` (m = m', s the
    group's sparsity, b = 1), or ``([], why)`` when the bound and the counts do not compare."""
    if bound.quantity not in _COUNT:
        return [], f"quantity {bound.quantity!r} is not a count of a circuit"
    if not ms:
        return [], "no construction measured for " + ", ".join(bound.problems)
    groups: dict[tuple, list] = {}
    fns: dict[int, object] = {}
    for m in ms:
        if m.sparsity not in fns:
            f = bound.in_mp(m.sparsity)
            if f is None:
                return [], f"bound {bound.text!r} is not a function of m' (m = m', s, b fixed)"
            try:
                fns[m.sparsity] = sympy.lambdify(MP, f, modules="math")
            except (ValueError, TypeError, OverflowError, RecursionError) as exc:
                return [], (f"bound {bound.text!r} cannot be made a function of m' "
                            f"({type(exc).__name__}: {' '.join(str(exc).split())[:80]})")
        count = getattr(m.counts, _COUNT[bound.quantity])
        value, why = _value_at(fns[m.sparsity], m.m_prime)
        if why:
            return [], (f"bound {bound.text!r} at m'={m.m_prime} (s={m.sparsity}) {why}, so "
                        "the counts cannot be compared with it")
        groups.setdefault((m.problem, m.family, m.sparsity), []).append(
            (m.m_prime, count, count / value, m))
    trends = []
    for key, rows in sorted(groups.items()):
        rows.sort(key=lambda row: row[0])
        top = top_decade(rows)
        grow = slope([(mp, ratio) for mp, _, ratio, _ in top]) if len(top) >= 2 else None
        trends.append(Trend(key, tuple(rows), grow))
    return trends, ""


def _value_at(fn, m_prime: int) -> tuple[float, str]:
    """(the bound's value at m', "") when it is a positive finite number, else (0, why): a
    bound the grammar accepts may leave its domain at a measured size (log(mp - 1000) at
    m' = 100, 1/(mp - 100) at m' = 100, sqrt(-mp))."""
    try:
        value = float(fn(m_prime))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as exc:
        return 0.0, f"cannot be evaluated ({type(exc).__name__}: {exc})"
    if not math.isfinite(value) or value <= 0:
        return 0.0, f"is {value!r}, not a positive finite number"
    return value, ""


def _sizes(trends: list[Trend]) -> str:
    sizes = [mp for t in trends for mp, *_ in t.rows]
    return f"m'={min(sizes)}..{max(sizes)}, {len(trends)} (problem, family, s) groups"


def _named(m: Measurement) -> str:
    return f"{m.label()} (seed {m.settings.seed})"


def over_constant(bound: Bound, trends: list[Trend]) -> list[tuple[Trend, tuple]]:
    """Every (group, row) whose count exceeds ``bound.constant * f(m')`` (none without a
    constant)."""
    if bound.constant is None:
        return []
    return [(t, row) for t in trends for row in t.rows if row[2] > bound.constant]


def measured_evidence(bound: Bound, ms: list[Measurement], tolerance: float,
                      rising: str = "every") -> Evidence:
    """A bound against the exact counts of a construction over the sweep (see module doc).

    ``rising`` says what a ratio that rises over the top decade does to an upper bound:
    ``"every"`` REFUTES only when it rises on every group (a construction without a count
    formula); ``"any"`` REFUTES when it rises on some group, because the construction's count
    formula grows faster than the bound, so the rise is the formula's, not a regime change;
    ``"never"`` leaves it UNKNOWN, because the formula is in the bound's class and a finite
    rise cannot outweigh it. A count above an explicit constant times the bound always REFUTES.
    A refutation names the circuit and its replay line."""
    name = "measured"
    statement = f"{bound.quantity} / ({bound.text}) over the sweep, top-decade slope"
    method = "construction, exact counts from the circuit"
    trends, why = ratio_trends(bound, ms)
    sloped = [t for t in trends if t.slope is not None]
    if not sloped:
        return Evidence(name, Verdict.UNKNOWN, statement, "construction counts", "none",
                        why or "fewer than two sizes in the top decade", decisive=False)
    sizes = _sizes(trends)
    upper = bound.kind in ("upper", "theta")
    worst = (max if upper else min)(sloped, key=lambda t: t.slope)
    over = over_constant(bound, trends) if upper else []
    if over:
        t, (mp, c, r, m) = over[0]
        return Evidence(name, Verdict.REFUTED, statement, method, sizes,
                        f"{bound.quantity} = {c} > {bound.constant:g} * ({bound.text}) at "
                        f"{_named(m)} (ratio {r:.3g}; {len(over)} count(s) above)",
                        replay=m.counts_command())
    beyond = [t for t in sloped if (t.slope > tolerance if upper else t.slope < -tolerance)]
    if not upper:
        trend = (f"the construction's ratio falls on {len(beyond)} of {len(sloped)} families "
                 f"(slope {worst.slope:+.3f} at {worst.where}: {worst.shown()}); "
                 if beyond else "")
        return Evidence(name, Verdict.UNKNOWN, statement, method, sizes,
                        trend + "a construction's finite counts can neither prove nor refute a "
                        "lower bound on every network", decisive=False)
    steepest = worst  # the steepest group overall, so the steepest of ``beyond`` when any
    top = steepest.rows[-1][3]
    if beyond and (rising == "any" or (rising == "every" and len(beyond) == len(sloped))):
        names = ("every family" if len(beyond) == len(sloped) else
                 ", ".join(f"{t.key[1]} s={t.key[2]}" for t in beyond))
        mp, count, ratio, _ = steepest.rows[-1]
        formula = " (and so does its count formula)" if rising == "any" else ""
        return Evidence(name, Verdict.REFUTED, statement, method, sizes,
                        f"{_named(top)} has {bound.quantity} = {count} = {ratio:.3g} * "
                        f"({bound.text}), a ratio that rises with slope {steepest.slope:+.3f} "
                        f"over the top decade; the construction's {bound.quantity} grows faster "
                        f"than {bound.text} on {names}{formula}; counts (ratio): "
                        f"{steepest.shown()}", replay=top.counts_command())
    if beyond:
        names = ", ".join(f"{t.key[1]} s={t.key[2]}" for t in beyond)
        head = ("the ratio rises" if len(beyond) == len(sloped) else "mixed: the ratio rises")
        tail = ("" if len(beyond) == len(sloped) else " but not on every family")
        tail += (f" (slope {steepest.slope:+.3f} at {steepest.where}: {steepest.shown()}); "
                 + ("its count formula is in the bound's class, so the rise is finite-size"
                    if rising == "never" else "rerun with a larger --max-m-prime"))
        return Evidence(name, Verdict.UNKNOWN, statement, method, sizes,
                        f"{head} beyond the tolerance {tolerance:g} on {names}{tail}")
    if rising == "any":  # nothing rose, but the formula says the counts may yet outgrow f
        return Evidence(name, Verdict.UNKNOWN, statement, method, sizes,
                        f"no family's ratio rises by more than the tolerance {tolerance:g} "
                        f"(steepest slope {worst.slope:+.3f} at {worst.where}), but the "
                        "construction's count formula grows faster than the bound (floors hide "
                        "a log factor at small m', and beyond m' ~ 10^4 it rises by less than "
                        "the tolerance per decade), so these sizes neither show nor exclude it; "
                        f"counts (ratio): {worst.shown()}")
    loose = " (loose: the counts grow more slowly)" if worst.slope < -0.25 else ""
    return Evidence(name, Verdict.PROVED, statement, method, sizes,
                    f"steepest slope {worst.slope:+.3f} <= {tolerance:g} at {worst.where}"
                    f"{loose}; counts (ratio): {worst.shown()}")
