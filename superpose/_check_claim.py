"""``superpose.check_claim``: one claim in the claim-file grammar, checked without a file, with
the verdict ``superpose verify --claims FILE`` gives it."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping, Sequence

from superpose._api import _config, _progress, _show
from superpose.checks.report import verify_replay
from superpose.checks.verification import (
    ClaimResult,
    VerifyConfig,
    VerifyReport,
    contradiction,
    file_claim,
    implication,
    ledger_bounds,
    problem_claims,
)
from superpose.checks.verification import verify as _verify
from superpose.circuits import problem_names
from superpose.circuits.io import markdown_cell
from superpose.theory import (
    CLAIMS,
    Bound,
    Claim,
    ClaimFileError,
    Evidence,
    InvalidArgument,
    Kind,
    Verdict,
    parse_claims,
)

__all__ = ["CHECK_CLAIM_MAX_M_PRIME", "ClaimCheck", "check_claim"]

#: The largest m' :func:`check_claim` measures by default (``superpose verify``'s is 10000).
CHECK_CLAIM_MAX_M_PRIME = 1_000
_ORIGIN = "check_claim"


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict of :func:`check_claim` on one claim: the ``ClaimResult`` that
    ``superpose verify --claims FILE`` reports for it, the claim as that file (``toml``), the
    configuration it was measured with, and the run's report (its measurements)."""

    result: ClaimResult
    toml: str
    config: VerifyConfig = field(repr=False)
    report: VerifyReport = field(repr=False)

    @property
    def claim(self) -> Claim:
        return self.result.claim

    @property
    def verdict(self) -> Verdict:
        return self.result.verdict

    @property
    def reason(self) -> str:
        return self.result.reason

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return self.result.evidence

    @property
    def command(self) -> str:
        """The ``superpose verify`` command that checks the claim saved as ``claims.toml``."""
        return verify_replay(self.config, "claims.toml")

    def __repr__(self) -> str:
        return (f"<ClaimCheck {self.claim.id} {self.verdict.value}: {self.claim.problem} "
                f"{self.claim.quantity} = {self.claim.bound}; {self.reason}>")

    def _repr_markdown_(self) -> str:
        """The verdict and one table row per check (how Jupyter shows it)."""
        c, cell = self.claim, markdown_cell
        lines = [f"**{cell(c.id)}: {self.verdict.value}** ({cell(self.reason)})", "",
                 cell(c.statement), "",
                 "| Check | Verdict | Method | Sizes | Evidence |", "|---|---|---|---|---|"]
        for e in self.evidence:
            role = "" if e.decisive else " (refute-only)"
            lines.append(f"| {cell(e.check)} | {e.verdict.value}{role} | {cell(e.method)} "
                         f"| {cell(e.sizes)} | {cell(e.detail)} |")
        return "\n".join(lines) + "\n"


def check_claim(bound: str, *, problem: str, quantity: str, kind: str | Kind,
                constant: float | None = None, construction: str | None = None,
                id: str = "MY-CLAIM", source: str = "",
                assumptions: Sequence[str] = (), max_m_prime: int = CHECK_CLAIM_MAX_M_PRIME,
                sparsities: int | Iterable[int] | None = None,
                families: Mapping[str, str | Sequence[str]] | None = None, seed: int = 0,
                instance_seed: int = 0, samples: int | None = None,
                certify_max_m_prime: int | None = None, timeout: float | None = None,
                repair: bool = True, progress: Callable[[str], None] | None = None
                ) -> ClaimCheck:
    """Check one claim written as in a claim file, without the file: ``bound`` in the
    claim-file grammar (``"mp*log(mp)"``; log is base 2), about ``problem``'s ``quantity``
    (neurons, params, bits or features), of ``kind`` lower, upper or theta, with an optional
    ``constant`` (count <= constant * bound for an upper bound) and, for an upper bound, an
    optional ``construction`` the claim is about (as the claim file's ``construction`` key).

    The claim is parsed by :func:`superpose.theory.parse_claims` and checked by verify's
    claim-file path, so the result is the one ``superpose verify --claims FILE --max-m-prime
    N`` gives for it: a claim about the problem by the suite's proved bounds (consistency,
    implication; the default construction's counts up to ``max_m_prime`` shown beside it), a
    claim about a construction by that construction's formula and counts. Only the claims whose
    verdict could decide this one (imply it, or contradict it) run their checks; the others
    take part through their bounds alone. The other keywords are :func:`verify`'s.
    """
    if isinstance(assumptions, str):
        assumptions = [assumptions]
    toml = _claim_toml({"id": id, "problem": problem, "quantity": quantity, "kind": kind,
                        "bound": bound, "source": source or None, "constant": constant,
                        "construction": construction,
                        "assumptions": list(assumptions) if assumptions else None})
    try:
        (spec,) = parse_claims(toml, _ORIGIN)
    except ClaimFileError as exc:
        raise InvalidArgument(str(exc).replace(f"claim file {_ORIGIN}: ", f"{_ORIGIN}: ", 1)
                              ) from None
    _, mine = file_claim(spec)
    registered = set(problem_names())
    config = _config(problems=[p for p in mine.problems if p in registered],
                     max_m_prime=max_m_prime, sparsities=sparsities, families=families,
                     seed=seed, instance_seed=instance_seed, samples=samples,
                     certify_max_m_prime=certify_max_m_prime, timeout=timeout, repair=repair)
    about_construction = spec.construction is not None
    ledger = tuple(_only_if_it_can_decide(c, mine, about_construction) for c in CLAIMS)
    own = tuple(_only_if_it_can_decide(c, mine, about_construction) for c in problem_claims())
    report = _verify(config, claims=ledger, own_claims=own, claim_specs=(spec,),
                     progress=_progress(progress))
    return ClaimCheck(report.extra_claims[-1], toml, config, report)


def _only_if_it_can_decide(claim: Claim, mine: Bound, about_construction: bool) -> Claim:
    """``claim`` as is when its being proved could decide ``mine``: imply it (verify's
    implication: same quantity, ``mine``'s problems among its own, a lower bound below it or an
    upper bound above it) or refute it (a contradiction, which refutes only once proved);
    otherwise ``claim`` without checks, which keeps its bounds for the consistency check and
    spares running checks that cannot change the verdict on ``claim``. Nothing of the suite
    decides a claim about a construction, so then every claim goes without checks."""
    if not claim.checks or (not about_construction and _can_decide(claim, mine)):
        return claim
    return replace(claim, checks=())


def _can_decide(claim: Claim, mine: Bound) -> bool:
    return any(implication(mine, theirs) is not None
               or getattr(contradiction(mine, theirs), "witness", None) is not None
               for theirs in ledger_bounds([claim], set()))


def _claim_toml(table: Mapping[str, object]) -> str:
    """One ``[[claim]]`` table of the given keys (None: left out), for parse_claims."""
    lines = ["[[claim]]"]
    for key, value in table.items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(key, value)}")
    return "\n".join(lines) + "\n"


def _toml_value(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = "".join(c if c >= " " and c not in '"\\\x7f' else f"\\u{ord(c):04x}"
                          for c in value)
        return f'"{escaped}"'
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return "nan"
        return repr(number) if math.isfinite(number) else ("inf" if number > 0 else "-inf")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(key, v) for v in value) + "]"
    raise InvalidArgument(f"{key}={_show(value)} must be a string or a number, not "
                          f"{type(value).__name__}")
