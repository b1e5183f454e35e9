"""Three-valued verdicts and the evidence records that carry them.

A check never passes by default: a timeout, a solver ``unknown`` or an empty instance space is
UNKNOWN, and only a check that really decided its statement may say PROVED or REFUTED.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = ["Verdict", "Evidence", "combine"]


class Verdict(enum.Enum):
    """The outcome of one check, or of a claim as a whole."""

    PROVED = "PROVED"
    REFUTED = "REFUTED"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Evidence:
    """What one check established about one claim.

    ``statement`` is the finite statement the check decided (the scope of its verdict);
    ``decisive`` is False for checks that can refute but never prove, such as random
    sampling, whose silence is reported as UNKNOWN with that reason.
    """

    check: str
    verdict: Verdict
    statement: str
    method: str
    sizes: str
    detail: str
    decisive: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    replay: str | None = None


def combine(evidence: Iterable[Evidence]) -> tuple[Verdict, str]:
    """The verdict of a claim from the verdicts of its checks, with the reason.

    REFUTED if any check refuted it; PROVED if at least one decisive check ran and every
    decisive check proved its statement; UNKNOWN otherwise (nothing ran, or a decisive check
    gave up).

    >>> e = Evidence("c", Verdict.PROVED, "s", "m", "", "")
    >>> combine([e])[0], combine([])[0]
    (<Verdict.PROVED: 'PROVED'>, <Verdict.UNKNOWN: 'UNKNOWN'>)
    """
    items = list(evidence)
    refuted = [e.check for e in items if e.verdict is Verdict.REFUTED]
    if refuted:
        return Verdict.REFUTED, "refuted by " + ", ".join(refuted)
    decisive = [e for e in items if e.decisive]
    if not decisive:
        return Verdict.UNKNOWN, "not yet checked" if not items else "no decisive check ran"
    open_checks = [e.check for e in decisive if e.verdict is not Verdict.PROVED]
    if open_checks:
        return Verdict.UNKNOWN, "inconclusive: " + ", ".join(open_checks)
    return Verdict.PROVED, "every decisive check proved its statement"
