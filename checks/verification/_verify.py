"""``superpose verify``: every claim of the ledger with the evidence gathered for it.

The run measures each problem's default construction over its sizes, families and
sparsities once (lazily, shared by every check that needs it), runs the checks the ledger names
for each claim, and combines their evidence into one verdict per claim. Claims with no check
yet are UNKNOWN ("not yet checked"). Nothing here prints: :mod:`superpose.checks.report`
renders (and ``VerifyReport._repr_markdown_`` shows its Markdown in Jupyter).

Every registered problem that is not built in (``circuits.problem_specs()``: this repository's
``problems`` package and any installed plugin) brings its own claims; they are checked by the
generic checks of :mod:`superpose.checks.verification._problem_checks`, on the sizes of the
problem's ``VerifyPlan`` (capped by ``max_m_prime``), and reported after the ledger (in
``VerifyReport.extra_claims``, before the claim-file claims). A broken plugin stops the run
with a one-line error (exit 2).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

from superpose.checks.exit_codes import EXIT_INCONCLUSIVE, EXIT_OK, EXIT_REFUTED
from superpose.checks.sweep import Measurement, SweepSettings, geometric_sizes, measure
from superpose.checks.verification._construction_checks import CHECKS
from superpose.checks.verification._file_checks import (
    check_claim_constructions,
    file_claim,
    file_results,
)
from superpose.checks.verification._formula_checks import (
    count_formula_evidence,
    failure_bound_evidence,
)
from superpose.checks.verification._problem_checks import generic_evidence
from superpose.checks.verification._theory_checks import (
    consistency_evidence,
    derivation_evidence,
    ledger_bounds,
)
from superpose.circuits import broken_plugins, problem_spec, problem_specs
from superpose.circuits.constructions import AND2_FAMILIES
from superpose.theory import CLAIMS, Bound, Claim, Evidence, InvalidArgument, Verdict, combine

__all__ = ["ClaimResult", "VerifyConfig", "VerifyReport", "problem_claims", "verify"]


@dataclass(frozen=True)
class VerifyConfig:
    """What a verify run measures. Defaults finish in under two minutes on two cores."""

    max_m_prime: int = 10_000
    max_m_prime_s3: int = 1_000
    max_m_prime_represent: int = 100_000
    sparsities: tuple[int, ...] = (2, 3)
    and2_families: tuple[str, ...] = tuple(AND2_FAMILIES)
    perm_families: tuple[str, ...] = ("random", "shift")
    settings: SweepSettings = SweepSettings()
    slope_tolerance: float = 0.1
    solver_timeout: float = 30.0
    problems: tuple[str, ...] | None = None  # None: every registered problem
    failure_seeds: int = 100
    failure_m_prime: int = 100
    failure_input_limit: int = 5_000  # raw draws are counted at a size with at most this many
    failure_constants: tuple[tuple[str, str, float], ...] = ()  # (problem, constant, value)

    def sizes(self, problem: str, sparsity: int) -> tuple[int, ...]:
        """The m' measured: the built-ins' geometric ranges, or a registered problem's plan
        (capped by ``max_m_prime``)."""
        if problem not in _BUILTIN:
            return tuple(m for m in problem_spec(problem).plan.sizes if m <= self.max_m_prime)
        if problem == "represent":
            return geometric_sizes(100, self.max_m_prime_represent, per_decade=1)
        top = self.max_m_prime if sparsity == 2 else min(self.max_m_prime, self.max_m_prime_s3)
        return geometric_sizes(100, top)

    def families(self, problem: str) -> tuple[str, ...]:
        if problem not in _BUILTIN:
            spec = problem_spec(problem)
            return spec.plan.families or tuple(spec.families)
        return {"and2": self.and2_families, "perm": self.perm_families}.get(problem, ("all",))

    def sparsities_for(self, problem: str) -> tuple[int, ...]:
        """The built-ins' ``sparsities``, or a registered problem's own (its plan)."""
        return self.sparsities if problem in _BUILTIN else problem_spec(problem).plan.sparsities

    def failure_overrides(self, problem: str) -> dict:
        """The constants the failure-bound check of ``problem`` uses instead of the defaults
        (its decision at those constants and its raw draws)."""
        return {name: value for p, name, value in self.failure_constants if p == problem}

    def failure_family(self, problem: str) -> str:
        """The family whose raw draws are counted: and2's stress family ``nearcut`` (every
        degree just below the cutoff), else the problem's first."""
        families = self.families(problem)
        return "nearcut" if problem == "and2" and "nearcut" in families else families[0]

    def selects(self, problems: tuple[str, ...]) -> bool:
        """Whether a claim about ``problems`` is checked under the ``problems`` filter."""
        return self.problems is None or bool(set(problems) & set(self.problems))


_BUILTIN = ("and2", "perm", "represent")


@dataclass(frozen=True)
class ClaimResult:
    """A claim of the ledger, its verdict, the reason and the evidence behind it."""

    claim: Claim
    verdict: Verdict
    reason: str
    evidence: tuple[Evidence, ...]


@dataclass
class VerifyReport:
    """The outcome of a verify run, for rendering as text or JSON."""

    results: list[ClaimResult]
    measurements: list[Measurement]
    config: VerifyConfig
    seconds: float
    extra_claims: list[ClaimResult] = field(default_factory=list)

    def exit_code(self, strict: bool = False) -> int:
        """1 if a claim is refuted; 3 if a check that ran was inconclusive (or, with
        ``strict``, if any claim is UNKNOWN, "not yet checked" included); else 0."""
        results = self.results + self.extra_claims
        if any(r.verdict is Verdict.REFUTED for r in results):
            return EXIT_REFUTED
        ran_open = any(e.decisive and e.verdict is Verdict.UNKNOWN
                       for r in results for e in r.evidence)
        if ran_open or (strict and any(r.verdict is Verdict.UNKNOWN for r in results)):
            return EXIT_INCONCLUSIVE
        return EXIT_OK

    def _repr_markdown_(self) -> str:
        """The Markdown report (:func:`superpose.checks.report.render_markdown`), so that a
        report shows as tables in Jupyter."""
        from superpose.checks.report import render_markdown  # report imports this module

        return render_markdown(self)


class _Run:
    """Lazy, shared measurements and check results of one verify run."""

    def __init__(self, config: VerifyConfig, progress: Callable[[str], None],
                 measure_all: Callable[[list[tuple]], list[Measurement]] | None = None):
        self.config = config
        self.progress = progress
        self.measure_all = measure_all
        self._measured: dict[str, list[Measurement]] = {}
        self._checked: dict[str, list[Evidence]] = {}

    def measurements(self, problem: str, construction: str | None = None) -> list[Measurement]:
        """The problem's circuits (its default construction, or ``construction``) over the
        configured sparsities, families and sizes, measured once per run (the default
        construction named is the default: measured once)."""
        if construction == problem_spec(problem).default_construction.name:
            construction = None
        key = problem if construction is None else f"{problem}/{construction}"
        if key not in self._measured:
            calls = [(problem, family, s, m_prime, self.config.settings, construction)
                     for s in self.config.sparsities_for(problem)
                     for family in self.config.families(problem)
                     for m_prime in self.config.sizes(problem, s)]
            if self.measure_all is not None:
                self._measured[key] = self.measure_all(calls)
            else:
                out = []
                for call in calls:
                    self.progress(f"{key}/{call[1]} s={call[2]} m'={call[3]}")
                    out.append(measure(*call))
                self._measured[key] = out
        return self._measured[key]

    def check(self, name: str, claim: Claim) -> list[Evidence]:
        """The evidence of check ``name`` (once per run; a count formula once per claim,
        whose bounds it decides)."""
        key = name
        if name.endswith("-count-formula"):
            key = f"{name}@{claim.id}"
            if key not in self._checked:
                problem = name.removesuffix("-count-formula")
                self._checked[key] = count_formula_evidence(name, problem, claim, self)
        elif name.endswith("-failure-bound"):
            if key not in self._checked:
                problem = name.removesuffix("-failure-bound")
                self._checked[key] = failure_bound_evidence(name, problem, self)
        elif name not in self._checked:
            if name.startswith("derive:"):
                self._checked[name] = derivation_evidence(name.removeprefix("derive:"))
            else:
                self._checked[name] = CHECKS[name](self)
        return self._checked[key]

    def all_measurements(self) -> list[Measurement]:
        return [m for ms in self._measured.values() for m in ms]


def _generic(name: str, claim: Claim, run: _Run) -> list[Evidence]:
    """A problem's own claim's check: a generic one, evaluated once per (check, claim) where
    it depends on the claim (``measured``) and once per run otherwise."""
    if name == "measured":
        return generic_evidence(name, claim, run)
    if name.endswith(("-count-formula", "-failure-bound")):
        return run.check(name, claim)
    if name not in run._checked:
        run._checked[name] = generic_evidence(name, claim, run)
    return run._checked[name]


def _result(claim: Claim, evidence: tuple[Evidence, ...],
            open_reason: str | None = None) -> ClaimResult:
    """The combined verdict; ``open_reason`` replaces combine's reason for an UNKNOWN."""
    verdict, reason = combine(evidence)
    if not evidence and claim.planned:
        reason = f"not yet checked (planned: {claim.planned})"
    if verdict is Verdict.UNKNOWN and open_reason:
        reason = open_reason
    return ClaimResult(claim, verdict, reason, evidence)


def problem_claims() -> tuple[Claim, ...]:
    """The claims of every registered problem that is not built in, in registry order."""
    return tuple(c for spec in problem_specs() if spec.provider != "built-in"
                 for c in spec.claims)


def verify(config: VerifyConfig = VerifyConfig(), claims: tuple[Claim, ...] = CLAIMS,
           progress: Callable[[str], None] = lambda _msg: None,
           claim_specs: tuple = (), own_claims: tuple[Claim, ...] | None = None,
           measure_all: Callable[[list[tuple]], list[Measurement]] | None = None
           ) -> VerifyReport:
    """Check every claim in ``claims``, every registered problem's own claim (``own_claims``;
    by default :func:`problem_claims` when ``claims`` is the whole ledger, none when the caller
    chose its own ``claims``) and every claim-file record in ``claim_specs``.

    Ledger claims get the checks they name plus a consistency check of their bounds against
    the rest of the ledger; a problem's own claims get their generic checks
    (:mod:`superpose.checks.verification._problem_checks`) and the same consistency check;
    file claims are decided by what they are about
    (:mod:`superpose.checks.verification._file_checks`): a bound about the problem by the
    suite's proved bounds alone (consistency, implication), with the default construction's
    counts beside it as information; an upper bound about a named construction by that
    construction's count formula and exact counts alone. ``config.problems`` keeps only the
    claims about those problems. A broken plugin, or a file claim naming a construction that
    is not registered, raises InvalidArgument. Returns the report; prints nothing.

    ``measure_all(calls)``, if given, measures a list of circuits, each ``call`` the arguments
    of :func:`superpose.checks.sweep.measure`, and returns their measurements in order (say
    as Dask tasks: ``superpose.checks.cluster.measure_on_dask``); by default they are measured
    here one after another.
    """
    _check_problems(config)
    check_claim_constructions(claim_specs)
    start = time.perf_counter()
    run = _Run(config, progress, measure_all)
    if own_claims is None:
        own_claims = problem_claims() if tuple(claims) == CLAIMS else ()
    claims = tuple(c for c in claims if config.selects(c.problems))
    own = tuple(c for c in own_claims if config.selects(c.problems))
    evidence = _claim_evidence(run, claims, own)
    everyone = claims + own
    proved = {c.id for c in everyone
              if combine(evidence[c.id])[0] is Verdict.PROVED and _bounds_the_problem(c)}
    bounds = ledger_bounds(everyone, proved)
    results = [_with_consistency(c, evidence[c.id], bounds) for c in claims]
    extra_claims = [_with_consistency(c, evidence[c.id], bounds) for c in own]
    files = file_results([file_claim(spec) for spec in claim_specs], bounds, run)
    extra_claims += [_result(claim, evidence, open_reason) for claim, evidence, open_reason
                     in files]
    return VerifyReport(results, run.all_measurements(), config, time.perf_counter() - start,
                        extra_claims)


def _bounds_the_problem(claim: Claim) -> bool:
    """Whether ``claim``, once proved, is a proved bound on its problem (one that may imply or
    refute a claim-file bound about the problem). A claim whose checks prove a construction
    correct (a ``<problem>-correct`` check) is: a correct network's size bounds what the
    problem needs. Otherwise only a claim that names no construction and counts none (no
    ``<problem>-count-formula`` or ``measured`` check: a derivation) is; a claim decided by
    counting a construction not proved correct (UAND-NEURONS, about an approximate one, or a
    plugin's claim that leaves ``construction`` out) is not."""
    if any(name.endswith("-correct") for name in claim.checks):
        return True
    counted = any(name.endswith("-count-formula") or name == "measured"
                  for name in claim.checks)
    return not claim.construction and not counted


def _check_problems(config: VerifyConfig) -> None:
    """Refuse a run over a broken plugin, one that names an unknown problem, or a failure
    constant its problem's failure bound does not have or that is not a finite number > 0
    (InvalidArgument, exit 2)."""
    broken = broken_plugins()
    if broken:
        raise InvalidArgument(f"{broken[0].message()} ('superpose problems' lists it); verify "
                              "checks every installed problem")
    for name in config.problems or ():
        problem_spec(name)
    for problem, name, value in config.failure_constants:
        failure = problem_spec(problem).default_construction.failure
        names = failure.constants if failure is not None else ()
        if name not in names:
            raise InvalidArgument(f"failure constant {problem}:{name}={value!r} names no "
                                  f"constant of {problem}'s failure bound; use one of: "
                                  f"{', '.join(names) or 'none (it declares no bound)'}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not (math.isfinite(value) and value > 0):  # its symbols are positive
            raise InvalidArgument(f"failure constant {problem}:{name}={value!r} must be a "
                                  "finite number > 0, as every constant of a failure bound is")


def _claim_evidence(run: _Run, claims: tuple[Claim, ...], own: tuple[Claim, ...]
                    ) -> dict[str, tuple[Evidence, ...]]:
    """The evidence of every check each claim names, by claim id: ledger claims through the
    registry of checks, a problem's own claims through the generic checks."""
    evidence = {c.id: tuple(e for name in c.checks for e in run.check(name, c)) for c in claims}
    evidence |= {c.id: tuple(e for name in c.checks for e in _generic(name, c, run))
                 for c in own}
    return evidence


def _with_consistency(claim: Claim, evidence: tuple[Evidence, ...],
                      bounds: list[Bound]) -> ClaimResult:
    """The claim's result from its evidence plus the consistency of each of its bounds with
    every bound of the suite (ledger and registered problems)."""
    extra = tuple(consistency_evidence(b, bounds) for b in bounds if b.claim_id == claim.id)
    return _result(claim, evidence + extra)
