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

from checks._construction_checks import CHECKS
from checks._sweep import Measurement, SweepSettings, geometric_sizes, measure
from circuits import AND2_FAMILIES
from theory import CLAIMS, Claim, Evidence, Verdict, combine

__all__ = ["VerifyConfig", "ClaimResult", "VerifyReport", "verify", "EXIT_OK", "EXIT_REFUTED",
           "EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE"]

EXIT_OK, EXIT_REFUTED, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE = 0, 1, 2, 3


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
            self._checked[name] = CHECKS[name](self)
        return self._checked[name]

    def all_measurements(self) -> list[Measurement]:
        return [m for ms in self._measured.values() for m in ms]


def verify(config: VerifyConfig = VerifyConfig(), claims: tuple[Claim, ...] = CLAIMS,
           progress: Callable[[str], None] = lambda _msg: None) -> VerifyReport:
    """Check every claim in ``claims``; returns the report, prints nothing."""
    start = time.perf_counter()
    run = _Run(config, progress)
    results = []
    for claim in claims:
        evidence = tuple(e for name in claim.checks for e in run.check(name))
        verdict, reason = combine(evidence)
        if not evidence and claim.planned:
            reason = f"not yet checked (planned: {claim.planned})"
        results.append(ClaimResult(claim, verdict, reason, evidence))
    return VerifyReport(results, run.all_measurements(), config, time.perf_counter() - start)
