"""Claim-file claims, decided by what they are about: the problem, or one construction.

A count refutes only a claim about the construction that was counted.

* **About the problem** (no ``construction`` key): a bound on what every network for the
  problem needs or can do with. It is REFUTED only by a *proved* bound of the suite that it
  contradicts (``consistency``: an upper bound by a proved lower bound, a lower bound by a
  proved upper bound) and PROVED only by a proved bound of the same kind that implies it
  (``implied``); otherwise it is UNKNOWN. The counts of the problem's default construction
  appear beside it (``measured``) as information that never decides it: they say what one
  construction uses, and a better one may use less.
* **About a construction** (``construction = "three-channel"``, upper bounds only): "this
  construction uses at most this many", decided against that construction alone. Its declared
  count formula decides the class (``<problem>-count-formula/<quantity>``, decisive) and every
  measured raw draw must lie within the formula (``<problem>-count-formula/circuits``, decisive).
  Its exact counts (``measured``) REFUTE, naming the circuit and its replay line, when a count
  exceeds ``constant * bound``, or, without a constant, when the ratio count / bound rises over
  the top decade on some family while the formula grows faster than the bound (the rise is the
  formula's, not a regime change), or on every family for a construction without a formula.
  A formula that grows faster alone never refutes: it bounds the counts from above only. The
  problem's bounds neither prove nor refute a claim about a construction.

Which constructions exist is the registry's knowledge: :func:`check_claim_constructions` checks
a file's names before anything is measured (one line, exit 2).
"""

from __future__ import annotations

from dataclasses import replace

from superpose.checks.verification._formula_checks import file_formula_evidence
from superpose.checks.verification._theory_checks import (
    MEASURED_PROBLEMS,
    consistency_evidence,
    implied_evidence,
    measured_evidence,
    over_constant,
    ratio_trends,
)
from superpose.circuits import problem_names, problem_spec
from superpose.theory import Bound, Claim, Evidence, InvalidArgument, Verdict

__all__ = ["check_claim_constructions", "counts_information", "file_claim", "file_results"]


def check_claim_constructions(specs) -> None:
    """Raise InvalidArgument (one line: exit 2) for the first claim-file record whose
    ``construction`` is not a registered construction of its one registered problem."""
    for spec in specs:
        name = spec.construction
        if name is None:
            continue
        where = (f"claim file {spec.origin}: claim {spec.id!r}: key 'construction' = "
                 f"{name!r}")
        problems = [p.strip() for p in spec.problem.split(",")]
        if len(problems) != 1:
            raise InvalidArgument(f"{where} names one construction for {len(problems)} "
                                  f"problems ({spec.problem}); a construction builds one "
                                  "problem: write one claim per problem")
        if problems[0] not in problem_names():
            raise InvalidArgument(f"{where} needs a registered problem, and "
                                  f"{problems[0]!r} is not one; use one of: "
                                  f"{', '.join(problem_names())} (superpose problems)")
        known = [c.name for c in problem_spec(problems[0]).constructions]
        if name not in known:
            raise InvalidArgument(f"{where} is not a construction of {problems[0]}; use one "
                                  f"of: {', '.join(known)} (superpose problems lists them)")


def file_claim(spec) -> tuple[Claim, Bound]:
    """A claim-file record as a ledger-style Claim (for the report) and its bound."""
    problems = tuple(p.strip() for p in spec.problem.split(","))
    bound = Bound(spec.id, problems, spec.quantity, spec.kind, spec.bound, spec.bound_text,
                  constant=spec.constant)
    constant = f", with constant {spec.constant:g}" if spec.constant is not None else ""
    if spec.construction:
        statement = (f"{spec.construction} ({spec.problem}) uses {spec.quantity} = "
                     f"{bound.display}{constant}")
    else:
        statement = f"{spec.problem} needs/uses {spec.quantity} = {bound.display}{constant}"
    claim = Claim(id=spec.id, statement=statement, source=spec.source or spec.origin,
                  kind=spec.kind, quantity=spec.quantity, problem=spec.problem,
                  bound=bound.display, assumptions=tuple(spec.assumptions),
                  construction=spec.construction or "")
    return claim, bound


#: Why a claim about the problem that nothing decides is UNKNOWN (the report's reason).
OPEN = ("no proved bound of the suite implies or refutes it (a claim about the problem; "
        "construction counts are information)")


def file_results(files: list[tuple[Claim, Bound]], bounds: list[Bound], run) -> list:
    """Each claim-file claim decided by what it is about (see the module docstring).
    ``bounds`` are the suite's (ledger and registered problems), marked proved where their
    claim was proved in this run. Returns ``(claim, evidence, reason if UNKNOWN)`` in file
    order: the reason is :data:`OPEN` for a claim about the problem, else None (the combined
    evidence says it)."""
    everything = bounds + [b for c, b in files if not c.construction]
    out = []
    for claim, bound in files:
        if claim.construction:
            out.append((claim, tuple(construction_evidence(bound, claim.construction, run)),
                        None))
        else:
            out.append((claim, tuple(problem_evidence(bound, everything, run)), OPEN))
    return out


def problem_evidence(bound: Bound, everything: list[Bound], run) -> list[Evidence]:
    """A bound about the problem: proved bounds decide it, the default constructions' counts
    are shown beside it."""
    found = [consistency_evidence(bound, everything, proved_only=True)]
    implied = implied_evidence(bound, everything)
    if implied is None:
        implied = Evidence(
            "implied", Verdict.UNKNOWN,
            f"{bound.quantity} = {bound.display} follows from a proved bound of the suite",
            "symbolic: limits of ratios", "m' -> infinity",
            "no proved bound of the suite implies it: a bound on the problem is decided by "
            "proved bounds only (a construction's counts are shown beside it, never deciding)")
    found.append(implied)
    problems = [p for p in bound.problems if p in MEASURED_PROBLEMS]
    for problem in problems:
        construction = problem_spec(problem).default_construction.name
        found.append(counts_information(bound, run.measurements(problem), construction,
                                        run.config.slope_tolerance))
    if not problems:
        found.append(Evidence("measured", Verdict.UNKNOWN, "the counts of a construction",
                              "construction counts", "none",
                              "no registered problem named " + ", ".join(bound.problems)
                              + ": nothing was measured", decisive=False))
    return found


def counts_information(bound: Bound, ms, construction: str, tolerance: float) -> Evidence:
    """Information only (UNKNOWN, never decisive): how ``construction``'s exact counts ``ms``
    compare with a bound about the problem, e.g. "three-channel does not reach this bound on 5
    of 12 (family, s) groups". It never refutes nor proves: one construction's counts say what
    it uses, not what the problem needs."""
    statement = (f"{construction}'s {bound.quantity} / ({bound.text}) over the sweep, "
                 "top-decade slope (information)")
    method = "construction, exact counts from the circuit"
    trends, why = ratio_trends(bound, ms)
    sloped = [t for t in trends if t.slope is not None]
    never = "information only, never deciding a bound on the problem"
    if not sloped:
        return Evidence("measured", Verdict.UNKNOWN, statement, method, "none",
                        f"{never}: {why or 'fewer than two sizes in the top decade'}",
                        decisive=False)
    sizes = [mp for t in trends for mp, *_ in t.rows]
    where = f"m'={min(sizes)}..{max(sizes)}"
    what = "families" if len({t.key[2] for t in sloped}) == 1 else "(family, s) groups"
    upper = bound.kind in ("upper", "theta")
    if upper:
        beyond = [t for t in sloped if t.slope > tolerance]
        label = ", ".join(f"{t.key[1]} s={t.key[2]}" for t in beyond)
        head = (f"{construction} does not reach this bound on {len(beyond)} of {len(sloped)} "
                f"{what} ({label}: {bound.quantity} / ({bound.text}) rises by more than the "
                f"tolerance {tolerance:g} over the top decade)" if beyond else
                f"{construction}'s {bound.quantity} / ({bound.text}) rises by at most the "
                f"tolerance {tolerance:g} over the top decade on all {len(sloped)} {what}")
        over = over_constant(bound, trends)
        if over:
            head += (f"; {len(over)} of its counts exceed {bound.constant:g} * "
                     f"({bound.text}), the first at {over[0][1][3].label()}")
    else:
        beyond = [t for t in sloped if t.slope < -tolerance]
        head = (f"{construction}'s {bound.quantity} / ({bound.text}) falls on {len(beyond)} "
                f"of {len(sloped)} {what}")
    key = (max if upper else min)(sloped, key=lambda t: t.slope)
    detail = (f"{never}: {head}; steepest slope {key.slope:+.3f} at {key.where}, counts "
              f"(ratio): {key.shown()}")
    return Evidence("measured", Verdict.UNKNOWN, statement, method, where, detail,
                    decisive=False)


def construction_evidence(bound: Bound, construction: str, run) -> list[Evidence]:
    """An upper bound about one construction, decided by its formula and exact counts."""
    (problem,) = bound.problems
    default = problem_spec(problem).default_construction.name
    formulas = file_formula_evidence(problem, bound, run, construction)
    ms = run.measurements(problem, None if construction == default else construction)
    if not formulas:
        rising = "every"
    elif formulas[0].verdict is Verdict.PROVED:
        rising = "never"
    else:
        rising = "any" if formulas[0].data.get("grows_faster") else "every"
    measured = measured_evidence(bound, ms, run.config.slope_tolerance, rising)
    if formulas:  # the formula decides the class; the counts can still refute
        measured = replace(measured, decisive=False)
    return formulas + [measured]
