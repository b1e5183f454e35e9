"""What a problem brings to the suite: the records a plugin registers (``ProblemSpec``).

A :class:`ProblemSpec` names a problem and gives everything the suite needs to build, store,
check and verify it: its :class:`~circuits.Problem` subclass, its instance families, its
constructions (:class:`Construction`), its own claims (``theory.Claim`` records whose checks are
the generic ones listed in :data:`GENERIC_CHECKS`) and how ``superpose verify`` measures it
(:class:`VerifyPlan`). Built-in problems and plugins use the same records
(``circuits/registry/_builtin.py``, ``problems/``, ``examples/plugin/``);
:mod:`superpose.circuits.registry._registry` loads and validates them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from superpose.circuits.model import Problem
from superpose.theory import Claim
from superpose.theory.constructions import CountFormulas, FailureBound
from superpose.theory.errors import ClaimFileError

__all__ = ["Construction", "ProblemSpec", "VerifyPlan", "GENERIC_CHECKS", "NOTIONS",
           "check_spec"]

#: Correctness notions a construction may target (``paper_notes/model.md`` section 6):
#: "certified" (every s-sparse input; certify and repair apply) or "epsilon" (an approximate
#: construction: measured by its error rate, never certified or repaired).
NOTIONS = ("certified", "epsilon")

#: Checks a problem's own claims may name, after the problem's name and a dash
#: (``or2-correct``), plus ``measured`` (the claim's ``bounds`` against the counts of the
#: problem's default construction). See ``paper_notes/problems.md``.
GENERIC_CHECKS = ("correct", "neurons", "params", "error", "peers", "count-formula",
                  "failure-bound")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Construction:
    """A named way to build a network for one problem, with its constants' type.

    ``build(problem, sparsity, rngs, constants) -> (ThresholdNetwork, resolved constants)``
    draws its input code from ``rngs[0]`` and its output code from ``rngs[1]`` without looking
    at the instance, and any other random choice from ``rngs[2]``. ``constants`` is a dataclass
    type (or None): the accepted overrides.

    ``stated(s)`` gives the constants the construction states for its default constants at
    sparsity s and m' >= 100, as ``(neurons / f_n(m'), params / f_p(m'))`` with
    f_n = sqrt(m') log2 m' and f_p = m' log2^2 m' (log2 m' alone for representation), or None
    where it states none. They are statements to check, not fitted to measurements.

    ``notion`` is the correctness its default constants target (:data:`NOTIONS`);
    ``epsilon`` the error rate an approximate ("epsilon") construction states: at most that
    fraction of output bits decoded wrong on a random input with exactly s active features.
    ``readouts``: other decodings of the same network to measure beside the AND of Q_k, as
    ``(name, fn)`` with ``fn(circuit, active) -> B x m' CSR of ones``.

    ``counts``: upper bounds on every circuit's counts, for every instance
    (``theory.constructions.CountFormulas``); every circuit built is checked against them.
    ``failure``: a bound on the probability that the raw draw is wrong on some s-sparse input
    (``theory.constructions.FailureBound``), for a random construction. Both are text in the
    claim-file grammar, parsed when the problem is registered; None where not declared (verify
    then decides the claims by measurement, and says so).

    ``implicit``: ``build`` also takes ``implicit=True`` and then returns the same network
    with its first layer kept as factors (:class:`superpose.circuits.model.FactoredLayer`).
    """

    name: str
    problem: str
    build: Callable
    constants: type | None
    notion: str  # the correctness notion the default constants target
    stated: Callable[[int], tuple[float, float] | None] = lambda s: None
    epsilon: float | None = None
    readouts: tuple[tuple[str, Callable], ...] = ()
    counts: CountFormulas | None = None
    failure: FailureBound | None = None
    implicit: bool = False


@dataclass(frozen=True)
class VerifyPlan:
    """How ``superpose verify`` measures a registered (non-ledger) problem.

    ``sizes``: the m' measured at every sparsity (capped by ``--max-m-prime``); ``sparsities``
    and ``families`` (None: every family); ``peers``: other constructions of the problem
    measured at the same sizes, side by side with the default in the ``<name>-peers`` check.
    """

    sizes: tuple[int, ...] = (100, 316)
    sparsities: tuple[int, ...] = (2,)
    families: tuple[str, ...] | None = None
    peers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProblemSpec:
    """Everything the suite needs about one problem; register it under the entry point group
    ``superpose.problems`` (``paper_notes/problems.md``).

    ``families`` maps a family name to ``fn(m_prime, rng) -> Problem`` (the first is the
    default); ``constructions`` lists :class:`Construction` records (the first is the default);
    ``claims`` are the problem's own ``theory.Claim`` records (the paper's claims about the
    built-in problems stay in ``theory.CLAIMS``); a claim's ``construction``, if it names one,
    must be the default (the one its checks measure). ``provider`` is filled in by the
    registry.
    """

    name: str
    summary: str
    problem_type: type
    families: Mapping[str, Callable[[int, np.random.Generator], Problem]]
    constructions: tuple[Construction, ...]
    claims: tuple[Claim, ...] = ()
    plan: VerifyPlan = field(default_factory=VerifyPlan)
    provider: str = "built-in"

    @property
    def default_family(self) -> str:
        return next(iter(self.families))

    @property
    def default_construction(self) -> Construction:
        return self.constructions[0]


def check_spec(spec: object, taken: set[str], ledger_ids: set[str]) -> str | None:
    """Why ``spec`` cannot be registered (one clause), or None when it can.

    ``taken``: names of problems already registered; ``ledger_ids``: claim ids already used."""
    if not isinstance(spec, ProblemSpec):
        return f"it gave a {type(spec).__name__}, not a circuits.ProblemSpec"
    if not isinstance(spec.name, str) or not _NAME.match(spec.name):
        return (f"name={spec.name!r} must be lower-case letters, digits and '_', starting "
                "with a letter")
    if spec.name in taken:
        return f"problem name {spec.name!r} is already registered"
    if not (isinstance(spec.problem_type, type) and issubclass(spec.problem_type, Problem)):
        return f"problem_type={spec.problem_type!r} must be a subclass of circuits.Problem"
    if not spec.families:
        return "it has no instance family"
    for name, fn in spec.families.items():
        if not isinstance(name, str) or not callable(fn):
            return f"family {name!r} must map a name to a callable (m_prime, rng) -> Problem"
    if not spec.constructions:
        return "it has no construction"
    seen = set()
    for c in spec.constructions:
        if not isinstance(c, Construction):
            return f"construction {c!r} must be a circuits.Construction"
        if c.problem != spec.name or c.name in seen or not callable(c.build):
            return (f"construction {c.name!r} must be callable, named once and made for "
                    f"problem {spec.name!r} (it says {c.problem!r})")
        if c.notion not in NOTIONS or (c.notion == "epsilon") != (c.epsilon is not None):
            return (f"construction {c.name!r}: notion {c.notion!r} must be one of "
                    f"{', '.join(NOTIONS)}, with an epsilon exactly when it is 'epsilon'")
        if c.epsilon is not None and not 0 < c.epsilon < 1:
            return f"construction {c.name!r}: epsilon={c.epsilon!r} must lie in (0, 1)"
        why = _check_declarations(spec.name, c)
        if why:
            return why
        seen.add(c.name)
    return _check_claims(spec, ledger_ids) or _check_plan(spec)


def _check_declarations(problem: str, c: Construction) -> str | None:
    """Why construction ``c``'s count formulas or failure bound cannot be used, or None."""
    for label, declared, kind in (("counts", c.counts, CountFormulas),
                                  ("failure", c.failure, FailureBound)):
        if declared is None:
            continue
        if not isinstance(declared, kind):
            return (f"construction {c.name!r}: {label}={declared!r} must be a "
                    f"theory.constructions.{kind.__name__}")
        try:
            declared.parsed(f"{problem}/{c.name} {label}")
        except ClaimFileError as exc:
            return str(exc)
    return None


def _check_claims(spec: ProblemSpec, ledger_ids: set[str]) -> str | None:
    allowed = {"measured"} | {f"{spec.name}-{g}" for g in GENERIC_CHECKS}
    for claim in spec.claims:
        if not isinstance(claim, Claim):
            return f"claim {claim!r} must be a theory.Claim"
        if claim.id in ledger_ids:
            return f"claim id {claim.id!r} is already used"
        if spec.name not in claim.problems:
            return f"claim {claim.id!r} is about {claim.problem!r}, not {spec.name!r}"
        default = spec.constructions[0].name
        if claim.construction and claim.construction != default:
            return (f"claim {claim.id!r} is about construction {claim.construction!r}, but its "
                    f"checks measure the default construction {default!r}; name {default!r} or "
                    "none")
        unknown = [c for c in claim.checks if c not in allowed]
        if unknown or not claim.checks:
            return (f"claim {claim.id!r} names check {unknown[0] if unknown else None!r}; "
                    f"use some of: {', '.join(sorted(allowed))}")
        ledger_ids = ledger_ids | {claim.id}
    return None


def _check_plan(spec: ProblemSpec) -> str | None:
    plan = spec.plan
    if not isinstance(plan, VerifyPlan):
        return f"plan={plan!r} must be a circuits.VerifyPlan"
    if not plan.sizes or not all(isinstance(m, int) and m >= 1 for m in plan.sizes):
        return f"plan.sizes={plan.sizes!r} must be integers m' >= 1"
    if not plan.sparsities or not all(isinstance(s, int) and s >= 1 for s in plan.sparsities):
        return f"plan.sparsities={plan.sparsities!r} must be integers >= 1"
    unknown = [f for f in (plan.families or ()) if f not in spec.families]
    unknown += [c for c in plan.peers if c not in {x.name for x in spec.constructions}]
    if unknown:
        return f"plan names {unknown[0]!r}, which is not one of its families or constructions"
    return None

