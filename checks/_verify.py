"""``superpose verify``: every claim of the ledger with the evidence gathered for it.

The run measures each problem's default construction over its sizes, families and
sparsities once (lazily, shared by every check that needs it), runs the checks the ledger names
for each claim, and combines their evidence into one verdict per claim. Claims with no check
yet are UNKNOWN ("not yet checked"). Nothing here prints: :mod:`checks._report` renders.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from checks._args import EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_REFUTED
from checks._construction_checks import CHECKS
from checks._sweep import Measurement, SweepSettings, geometric_sizes, measure
from checks._theory_checks import (MEASURED_PROBLEMS, consistency_evidence,
                                   derivation_evidence, implied_evidence, ledger_bounds,
                                   measured_evidence)
from circuits import AND2_FAMILIES
from theory import CLAIMS, Bound, Claim, Evidence, Verdict, combine

__all__ = ["VerifyConfig", "ClaimResult", "VerifyReport", "verify", "EXIT_OK", "EXIT_REFUTED",
           "EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE"]



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

    def sizes(self, problem: str, sparsity: int) -> tuple[int, ...]:
        if problem == "represent":
            return geometric_sizes(100, self.max_m_prime_represent, per_decade=1)
        top = self.max_m_prime if sparsity == 2 else min(self.max_m_prime, self.max_m_prime_s3)
        return geometric_sizes(100, top)

    def families(self, problem: str) -> tuple[str, ...]:
        return {"and2": self.and2_families, "perm": self.perm_families}.get(problem, ("all",))


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


class _Run:
    """Lazy, shared measurements and check results of one verify run."""

    def __init__(self, config: VerifyConfig, progress: Callable[[str], None]):
        self.config = config
        self.progress = progress
        self._measured: dict[str, list[Measurement]] = {}
        self._checked: dict[str, list[Evidence]] = {}

    def measurements(self, problem: str) -> list[Measurement]:
        if problem not in self._measured:
            out = []
            for s in self.config.sparsities:
                for family in self.config.families(problem):
                    for m_prime in self.config.sizes(problem, s):
                        self.progress(f"{problem}/{family} s={s} m'={m_prime}")
                        out.append(measure(problem, family, s, m_prime, self.config.settings))
            self._measured[problem] = out
        return self._measured[problem]

    def check(self, name: str) -> list[Evidence]:
        if name not in self._checked:
            if name.startswith("derive:"):
                self._checked[name] = derivation_evidence(name.removeprefix("derive:"))
            else:
                self._checked[name] = CHECKS[name](self)
        return self._checked[name]

    def all_measurements(self) -> list[Measurement]:
        return [m for ms in self._measured.values() for m in ms]


def _result(claim: Claim, evidence: tuple[Evidence, ...]) -> ClaimResult:
    verdict, reason = combine(evidence)
    if not evidence and claim.planned:
        reason = f"not yet checked (planned: {claim.planned})"
    return ClaimResult(claim, verdict, reason, evidence)


def _file_claim(spec) -> tuple[Claim, Bound]:
    """A claim-file record as a ledger-style Claim (for the report) and its bound."""
    problems = tuple(p.strip() for p in spec.problem.split(","))
    bound = Bound(spec.id, problems, spec.quantity, spec.kind, spec.bound, spec.bound_text,
                       constant=spec.constant)
    statement = f"{spec.problem} needs/uses {spec.quantity} = {bound.display}" + (
        f", with constant {spec.constant:g}" if spec.constant is not None else "")
    claim = Claim(spec.id, statement, spec.source or spec.origin, spec.kind, spec.quantity,
                  spec.problem, bound.display, tuple(spec.assumptions))
    return claim, bound


def verify(config: VerifyConfig = VerifyConfig(), claims: tuple[Claim, ...] = CLAIMS,
           progress: Callable[[str], None] = lambda _msg: None,
           claim_specs: tuple = ()) -> VerifyReport:
    """Check every claim in ``claims`` and every claim-file record in ``claim_specs``.

    Ledger claims get the checks they name plus a consistency check of their bounds against
    the rest of the ledger; file claims get consistency against the ledger and the file,
    implication by a proved bound, and the measured counts of the matching construction (so a
    contradiction between a file and the ledger is charged to the file claim). Returns the
    report; prints nothing.
    """
    start = time.perf_counter()
    run = _Run(config, progress)
    evidence = {c.id: tuple(e for name in c.checks for e in run.check(name)) for c in claims}
    proved = {c.id for c in claims if combine(evidence[c.id])[0] is Verdict.PROVED}
    bounds = ledger_bounds(claims, proved)
    files = [_file_claim(spec) for spec in claim_specs]
    everything = bounds + [b for _, b in files]
    results = []
    for claim in claims:
        extra = tuple(consistency_evidence(b, bounds) for b in bounds if b.claim_id == claim.id)
        results.append(_result(claim, evidence[claim.id] + extra))
    extra_claims = []
    for claim, bound in files:
        found = [consistency_evidence(bound, everything)]
        implied = implied_evidence(bound, everything)
        if implied is not None:
            found.append(implied)
        problems = [p for p in bound.problems if p in MEASURED_PROBLEMS]
        ms = [m for p in problems for m in run.measurements(p)]
        found.append(measured_evidence(bound, ms, config.slope_tolerance))
        extra_claims.append(_result(claim, tuple(found)))
    return VerifyReport(results, run.all_measurements(), config, time.perf_counter() - start,
                        extra_claims)
