"""The counting premises of the lower bounds, checked exhaustively at small sizes.

The counting argument behind LB-PARAMS (and through it LB-NEURONS, CAPACITY, COMPRESSION) has
two finite premises that this module decides by enumeration, with exact integers:

* ``premise:distinguishable``: different instances of a family give different functions on
  s-sparse inputs. An *instance's function* is its truth table: for each of the
  ``count_sparse_inputs(m, s)`` inputs (empty input included), the set of outputs that read 1.
  Families: every permutation of m (output k copies input ``perm[k]``); pairwise AND as pair
  *sets* (the theory's N = C(C(m,2), m') instances; output k computes the k-th pair of the set in
  lexicographic order) and as ordered pair *lists* (output k computes pair k; a list and its
  reordering are different instances and give different functions, because outputs are
  ordered). The theory needs s >= 1 for permutations and s >= 2 for pairwise AND: at s = 1 no
  AND output can ever read 1, so every pair set gives the all-zero function. Results at s = 1 for
  AND are reported as data, never as a refutation of the premise as the theory uses it.

* ``premise:function-count``: a fixed architecture with P parameter slots, each an integer from
  a value set V of |V| = 2^b values, realises at most |V|^P = 2^(bP) functions. Architectures:
  ``widths = (d_0, ..., d_L)``, input read directly (identity input code, a_0 = x, m = d_0),
  layers of threshold units ``a_l = [W_l a_{l-1} >= theta_l]`` (model.md section 4), outputs read
  directly (identity output code, y = a_L). Slots: every entry of every W_l and every theta_l,
  P = sum_l d_l (d_{l-1} + 1). Every one of the |V|^P assignments is enumerated (NumPy,
  vectorised) and evaluated on every s-sparse input; functions are distinct truth tables.
  Beside it, the *positions-free* table: for each P', the number of functions realised with at
  most P' nonzero parameters (any slots), against the values-only bound |V|^P' = 2^(bP') and the
  positions-charged bound C(P, P') |V|^P' (paper_notes/gaps.md, "values, not positions").

Every evaluation is cross-checked against the project's own evaluators: truth tables against
``Problem.truth`` (every single-output column, and a stride of whole instances per group, plus
both instances of any collision), network functions against ``ThresholdNetwork.evaluate`` on a
stride of assignments. A mismatch makes the check UNKNOWN (the enumeration cannot be trusted),
never PROVED.

Where it lives: the enumeration of instances and their truth tables in
``superpose.checks.premises._distinct``, the enumeration of tiny architectures and their
functions in ``superpose.checks.premises._count``; the two Evidence records and
``premise_evidence`` here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from superpose.checks.premises._count import (
    DEFAULT_ARCHITECTURES,
    FunctionCount,
    NonzeroRow,
    function_counts,
    signed_values,
)
from superpose.checks.premises._distinct import (
    DEFAULT_FAMILIES,
    Distinguishability,
    distinguishability,
    min_premise_sparsity,
)
from superpose.theory import Evidence, Verdict

__all__ = [
    "Distinguishability", "FunctionCount", "NonzeroRow", "distinguishability",
    "distinguishability_evidence", "function_counts", "function_count_evidence",
    "premise_evidence", "min_premise_sparsity", "signed_values", "DEFAULT_FAMILIES",
    "DEFAULT_ARCHITECTURES",
]


def _fmt_instance(problem: str, inst) -> str:
    if problem == "perm":
        return "perm " + str(list(inst))
    return "pairs " + ", ".join(f"({a},{b})" for a, b in inst)


def distinguishability_evidence(results: Sequence[Distinguishability]) -> Evidence:
    """``premise:distinguishable`` from distinguishability results.

    The verdict is about the results with ``in_premise`` True (s at or above the sparsity the
    counting argument uses): REFUTED, naming the two instances, if any of them has a collision;
    UNKNOWN if a cross-check against ``Problem.truth`` disagreed or none was in the premise;
    PROVED otherwise. Results below that sparsity are reported in ``detail`` and ``data`` only.
    """
    results = list(results)
    used = [r for r in results if r.in_premise]
    data_only = [r for r in results if not r.in_premise]
    sizes = _dist_sizes(used)
    statement = ("different instances give different functions on s-sparse inputs "
                 "(truth tables on all sum_{j<=s} C(m,j) inputs), at the s the counting argument "
                 "uses (perm s >= 1, and2 s >= 2). Instances: perms = every permutation of m, "
                 "output k = x_perm[k]; and2 sets = every set of m' of the C(m,2) pairs (the "
                 "argument's N = C(C(m,2), m')), output k = the k-th pair in lexicographic "
                 "order; and2 lists = every ordered list of m' distinct pairs, output k = pair "
                 "k (a reordering is another instance); given = an explicit list. Enumerated: "
                 + (sizes or "no family"))
    table = [r.as_dict() for r in results]
    method = ("exhaustive enumeration of every instance and every s-sparse input; tables hashed, "
              "cross-checked against Problem.truth")
    mism = sum(r.mismatches for r in results)
    collided = [r for r in used if r.collisions]
    notes = _data_notes(data_only)
    complete = [r for r in used if r.order == "lists" and r.m_prime == math.comb(r.m, 2)
                and not r.collisions]
    for r in complete:
        notes.append(f"the {r.instances} orderings of the complete pair set (m={r.m}, "
                     f"m'={r.m_prime}, s={r.s}) are pairwise distinct: ordered outputs carry "
                     f"log2 m'! bits where the pair-set count log2 C(C(m,2), m') is 0")
    summary = (f"{sum(r.instances for r in used)} instances in {len(used)} groups, "
               f"{sum(r.collisions for r in used)} collisions; "
               f"{sum(r.cross_checked for r in results)} tables recomputed by Problem.truth, "
               f"{mism} mismatches")
    if mism:
        verdict = Verdict.UNKNOWN
        detail = f"the vectorised truth tables disagree with Problem.truth ({mism} mismatches)"
    elif collided:
        r = collided[0]
        a, b = r.example
        verdict = Verdict.REFUTED
        detail = (f"{r.problem} m={r.m} m'={r.m_prime} s={r.s} ({r.order}): "
                  f"{_fmt_instance(r.problem, a)} and {_fmt_instance(r.problem, b)} give the same "
                  f"truth table ({r.collisions} of {r.instances} instances collide)")
    elif not used:
        verdict = Verdict.UNKNOWN
        detail = "no family was enumerated at a sparsity the premise uses"
    else:
        verdict = Verdict.PROVED
        detail = summary
    if verdict is not Verdict.PROVED:
        detail += "; " + summary
    if notes:
        detail += "; " + "; ".join(notes)
    return Evidence("premise:distinguishable", verdict, statement, method, sizes, detail,
                    decisive=True, data={"families": table})


def _data_notes(results: Sequence[Distinguishability]) -> list[str]:
    """One line per (problem, s) below the premise's sparsity: reported, never decisive."""
    groups: dict[tuple[str, int], list[Distinguishability]] = {}
    for r in results:
        groups.setdefault((r.problem, r.s), []).append(r)
    notes = []
    for (problem, s), rs in groups.items():
        need = min_premise_sparsity(problem)
        bad = [r for r in rs if r.collisions]
        head = (f"data outside the premise ({problem} at s={s}; the counting argument uses "
                f"s >= {need}): {len(rs)} groups, {sum(r.instances for r in rs)} instances, ")
        if not bad:
            notes.append(head + "no collision")
        elif all(r.distinct == 1 and r.zero_tables == r.instances for r in rs):
            r = next(r for r in rs if r.example)
            a, b = r.example
            notes.append(head + "every group realises ONE function (all outputs 0 on every "
                         f"input), e.g. m={r.m} m'={r.m_prime}: {_fmt_instance(problem, a)} and "
                         f"{_fmt_instance(problem, b)}")
        else:
            notes.append(head + f"{len(bad)} groups with collisions (see data)")
    return notes


def _dist_sizes(results: Sequence[Distinguishability]) -> str:
    bodies: dict[tuple[str, str, int], str] = {}
    for key in dict.fromkeys((r.problem, r.order, r.s) for r in results):
        rs = [r for r in results if (r.problem, r.order, r.s) == key]
        if key[0] == "perm":
            bodies[key] = f"m={_span(sorted({r.m for r in rs}))} (all m! per m)"
        else:
            per_m = []
            for m in sorted({r.m for r in rs}):
                per_m.append(f"m={m} m'={_span([r.m_prime for r in rs if r.m == m])}")
            bodies[key] = ", ".join(per_m)
    merged: dict[tuple[str, str, str], list[int]] = {}
    for (problem, order, s), body in bodies.items():
        merged.setdefault((problem, order, body), []).append(s)
    return "; ".join(f"{problem} {order} {body}, s={_span(ss)}"
                     for (problem, order, body), ss in merged.items())


def _span(values: Sequence[int]) -> str:
    values = sorted(values)
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}..{values[-1]}"
    return ",".join(str(v) for v in values)


def _vals(values: Sequence[int]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def function_count_evidence(results: Sequence[FunctionCount]) -> Evidence:
    """``premise:function-count``: #functions <= 2^(bP) = |V|^P for every architecture (and,
    as a sanity bound, <= C(P, p) |V|^p with at most p nonzeros), from exact enumeration.

    The positions-free comparison with 2^(bp) is information, in ``detail`` and ``data``.
    """
    results = list(results)
    sizes = "; ".join(f"widths {fc.widths} V={_vals(fc.values)} s={fc.s}" for fc in results)
    statement = ("a threshold network of fixed architecture (identity codes; every weight and "
                 "threshold a slot) with P slots, each from a value set V of 2^b integers, "
                 "realises at most 2^(bP) = |V|^P distinct functions on s-sparse inputs, and at "
                 "most C(P,p) |V|^p with at most p nonzero parameters: " + (sizes or "none"))
    method = ("exhaustive enumeration of all |V|^P assignments (NumPy), truth tables hashed; "
              "a stride of assignments re-evaluated by ThresholdNetwork")
    data = {"architectures": [fc.as_dict() for fc in results]}
    mism = sum(fc.mismatches for fc in results)
    broken = [fc for fc in results if not fc.nonzero_histogram_ok]
    over = [fc for fc in results if not fc.within_bound or not fc.positions_bound_holds]
    counts = ", ".join(f"{fc.widths}/{_vals(fc.values)}: {fc.functions} of {fc.assignments}"
                       for fc in results)
    pos = [fc for fc in results if fc.positions_needed]
    if pos:
        worst = max(((fc, r) for fc in pos for r in fc.by_nonzeros if r.exceeds_values_bound),
                    key=lambda t: t[1].functions / t[1].values_bound)
        fc, r = worst
        pos_text = (f"positions are not free: in {len(pos)} of {len(results)} architectures the "
                    f"networks with at most p nonzero parameters realise MORE than 2^(bp) "
                    f"functions for some p (worst: widths {fc.widths} V={_vals(fc.values)} p={r.p}:"
                    f" {r.functions} functions > 2^(bp) = {r.values_bound}; C(P,p) 2^(bp) = "
                    f"{r.positions_bound}), so a bound on nonzero parameters needs the log2 C(P,p) "
                    f"positions term; the fixed-architecture bound 2^(bP) over all P slots holds")
    else:
        pos_text = "networks with at most p nonzeros never exceeded 2^(bp) here"
    if mism or broken:
        verdict = Verdict.UNKNOWN
        detail = (f"the enumeration disagrees with ThresholdNetwork ({mism} mismatches) or the "
                  f"nonzero histogram with its formula ({len(broken)} architectures)")
    elif not results:
        verdict, detail = Verdict.UNKNOWN, "no architecture was enumerated"
    elif over:
        fc = over[0]
        verdict = Verdict.REFUTED
        detail = (f"widths {fc.widths} V={_vals(fc.values)}: {fc.functions} functions against "
                  f"|V|^P = {fc.assignments}")
    else:
        verdict = Verdict.PROVED
        detail = f"#functions of #assignments: {counts}"
    detail += "; " + pos_text
    return Evidence("premise:function-count", verdict, statement, method, sizes, detail,
                    decisive=True, data=data)


def premise_evidence() -> list[Evidence]:
    """Both premises at the default sizes (a few seconds, exact integers).

    ``premise:distinguishable``: :data:`DEFAULT_FAMILIES`; ``premise:function-count``:
    :data:`DEFAULT_ARCHITECTURES`.
    """
    dist = [distinguishability(problem, m, s, mp, order=order)
            for problem, m, mps, order, ss in DEFAULT_FAMILIES
            for s in ss for mp in mps]
    counts = [function_counts(w, v, s) for w, v, s in DEFAULT_ARCHITECTURES]
    return [distinguishability_evidence(dist), function_count_evidence(counts)]
