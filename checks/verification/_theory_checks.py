"""Checks that bring theory/ into verify: derivations, consistency, and bounds against counts.

* ``derive:<ID>``: the symbolic derivation steps of :func:`theory.derivations` for a ledger id,
  each an Evidence record with its premises in the detail.
* consistency (refute-only): for every problem and quantity, no lower bound may exceed an upper
  bound asymptotically; a contradiction names both claims and the diverging ratio.
* implied (decisive): a claimed lower bound below a derived one, or a claimed upper bound
  above a construction's, follows from it.
* measured: a claimed bound against a construction's exact counts over the sweep, per
  (problem, family, sparsity) group, by the least-squares slope of log(count / f) against
  log m' over the top decade. Upper bound: a slope above the tolerance on every family means the
  construction exceeds f (REFUTED, counts shown); on some families only, UNKNOWN (a regime change
  and a missing log factor look alike there: measure further); on none, the finite statement
  holds (PROVED), and a slope below -0.25 marks the bound loose, not false. With an explicit
  constant, any count above constant * f(m') is REFUTED. Lower bound: shown for information
  only (refute-only and never decisive): a lower bound speaks of every network, and finite
  counts with floors (t, r >= 10) fall at small m' whatever the asymptotics.

Bounds are compared in m' alone: m = m' (the regime where the counting argument bites), s and b
are constants (s = the sweep's sparsity, b = 1). A bound that still holds n is not comparable
with counts over m' and stays UNKNOWN.
"""

from __future__ import annotations

import sympy

from superpose.checks.sweep import Measurement, slope, top_decade
from superpose.circuits import PROBLEM_NAMES
from superpose.theory import MP, Bound, Evidence, Verdict, derivations, is_big_o, parse_bound

__all__ = ["ledger_bounds", "derivation_evidence", "consistency_evidence",
           "implied_evidence", "measured_evidence", "MEASURED_PROBLEMS"]

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


def _lower_upper_pairs(bound: Bound, others: list[Bound]):
    for other in others:
        if other is bound or other.quantity != bound.quantity:
            continue
        if not set(other.problems) & set(bound.problems):
            continue
        if bound.kind in ("lower", "theta") and other.kind in ("upper", "theta"):
            yield bound, other
        if bound.kind in ("upper", "theta") and other.kind in ("lower", "theta"):
            yield other, bound


def consistency_evidence(bound: Bound, everything: list[Bound]) -> Evidence:
    """Refute-only: no lower bound of a shared problem and quantity exceeds an upper bound."""
    checked, undecided = [], []
    for lower, upper in _lower_upper_pairs(bound, everything):
        lo, up = lower.in_mp(), upper.in_mp()
        if lo is None or up is None:
            undecided.append(f"{lower.claim_id} vs {upper.claim_id}: not a function of m'")
            continue
        verdict, witness = is_big_o(lo, up)
        if verdict is Verdict.REFUTED:
            return Evidence(
                "consistency", Verdict.REFUTED, f"no bound on {bound.quantity} contradicts it",
                "symbolic: lower bound = O(upper bound), by limits of ratios", "m' -> infinity",
                f"{lower.claim_id} says {lower.quantity} = {lower.display} but "
                f"{upper.claim_id} says {upper.display}: ({lower.text}) / ({upper.text}) -> "
                f"{witness.value} ({witness.reason})")
        if verdict is Verdict.UNKNOWN:
            undecided.append(f"{lower.claim_id} vs {upper.claim_id}: {witness.reason}")
        else:
            checked.append(upper.claim_id if lower is bound else lower.claim_id)
    detail = (f"consistent with {', '.join(sorted(set(checked)))}" if checked
              else "no other bound on the same problem and quantity")
    if undecided:
        detail += "; undecided: " + "; ".join(undecided[:2])
    return Evidence("consistency", Verdict.UNKNOWN,
                    f"no bound on {bound.quantity} contradicts it",
                    "symbolic: lower bound = O(upper bound), by limits of ratios",
                    "m' -> infinity", detail + " (consistency alone cannot prove a claim)",
                    decisive=False)


def implication(bound: Bound, other: Bound):
    """The limit of the ratio that makes ``other``, once proved, imply ``bound``, or None.

    ``other`` implies ``bound`` when both bound the same quantity, ``bound``'s problems are among
    ``other``'s, and ``bound`` is a lower bound with ``bound = O(other)`` (``other`` a lower or
    theta bound) or an upper bound with ``other = O(bound)`` (``other`` an upper or theta bound).
    """
    if other.quantity != bound.quantity or not set(bound.problems) <= set(other.problems):
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


def measured_evidence(bound: Bound, ms: list[Measurement], tolerance: float) -> Evidence:
    """A bound against the exact counts of a construction over the sweep (see module doc)."""
    name = "measured"
    statement = f"{bound.quantity} / ({bound.text}) over the sweep, top-decade slope"
    if bound.quantity not in _COUNT:
        return Evidence(name, Verdict.UNKNOWN, statement, "construction counts", "none",
                        f"quantity {bound.quantity!r} is not a count of a circuit",
                        decisive=False)
    if not ms:
        return Evidence(name, Verdict.UNKNOWN, statement, "construction counts", "none",
                        "no construction measured for " + ", ".join(bound.problems),
                        decisive=False)
    f = bound.in_mp(ms[0].sparsity)
    if f is None:
        return Evidence(name, Verdict.UNKNOWN, statement, "construction counts", "none",
                        f"bound {bound.text!r} is not a function of m' (m = m', s, b fixed)",
                        decisive=False)
    fn = sympy.lambdify(MP, f, modules="math")
    groups: dict[tuple, list[tuple[int, int, float]]] = {}
    for m in ms:
        count = getattr(m.counts, _COUNT[bound.quantity])
        groups.setdefault((m.problem, m.family, m.sparsity), []).append(
            (m.m_prime, count, count / float(fn(m.m_prime))))
    slopes = {}
    for key, rows in groups.items():
        rows.sort()
        top = top_decade(rows)
        if len(top) >= 2:
            slopes[key] = (slope([(mp, ratio) for mp, _, ratio in top]), top)
    if not slopes:
        return Evidence(name, Verdict.UNKNOWN, statement, "construction counts", "none",
                        "fewer than two sizes in the top decade", decisive=False)
    method = "construction, exact counts from the circuit"
    sizes = (f"m'={min(mp for r in groups.values() for mp, _, _ in r)}.."
             f"{max(mp for r in groups.values() for mp, _, _ in r)}, {len(slopes)} "
             f"(problem, family, s) groups")
    upper = bound.kind in ("upper", "theta")
    pick = max if upper else min
    key, (worst, top) = pick(slopes.items(), key=lambda item: item[1][0])
    where = f"{key[0]}/{key[1]} s={key[2]}"
    shown = ", ".join(f"m'={mp}: {c} ({ratio:.3g})" for mp, c, ratio in top)
    beyond = [k for k, (g, _) in slopes.items() if (g > tolerance if upper else g < -tolerance)]
    if upper and bound.constant is not None:
        for k, rows in sorted(groups.items()):
            over = [(mp, c, r) for mp, c, r in rows if r > bound.constant]
            if over:
                mp, c, r = over[0]
                return Evidence(name, Verdict.REFUTED, statement, method, sizes,
                                f"{bound.quantity} = {c} > {bound.constant:g} * ({bound.text}) "
                                f"at {k[0]}/{k[1]} s={k[2]} m'={mp} (ratio {r:.3g})")
    if not upper:
        trend = (f"the construction's ratio falls on {len(beyond)} of {len(slopes)} families "
                 f"(slope {worst:+.3f} at {where}: {shown}); " if beyond else "")
        return Evidence(name, Verdict.UNKNOWN, statement, method, sizes,
                        trend + "a construction's finite counts can neither prove nor refute a "
                        "lower bound on every network", decisive=False)
    if len(beyond) == len(slopes):
        return Evidence(name, Verdict.REFUTED, statement, method, sizes,
                        f"on every family the construction's {bound.quantity} grows faster than "
                        f"{bound.text}; steepest slope {worst:+.3f} at {where}, counts (ratio): "
                        f"{shown}")
    if beyond:
        names = ", ".join(f"{k[1]} s={k[2]}" for k in sorted(beyond))
        return Evidence(name, Verdict.UNKNOWN, statement, method, sizes,
                        f"mixed: the ratio rises beyond the tolerance {tolerance:g} on {names} "
                        f"but not on every family (slope {worst:+.3f} at {where}: {shown}); "
                        "rerun with a larger --max-m-prime")
    loose = " (loose: the counts grow more slowly)" if worst < -0.25 else ""
    return Evidence(name, Verdict.PROVED, statement, method, sizes,
                    f"steepest slope {worst:+.3f} <= {tolerance:g} at {where}{loose}; counts "
                    f"(ratio): {shown}")
