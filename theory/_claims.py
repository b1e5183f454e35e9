"""The claims ledger: every claim of ../shared/paper/claims.md as a data record.

Ids are the stable ids of the claims sheet, used unchanged in code, reports and paper_notes/.
``checks`` names the checks (in the ``checks`` package) that bear on a claim today; a claim
whose tuple is empty is reported as UNKNOWN ("not yet checked"), never as passed. Names
``derive:<ID>`` are the symbolic derivation steps of ``superpose.theory._derivations`` for that id;
``<problem>-count-formula`` and ``<problem>-failure-bound`` decide the default construction's
declared formulas (``superpose.theory.constructions``) for an upper bound.
``bounds`` gives the claim's asymptotic bound per quantity in the claim-file grammar (``mp`` is
m', log is base 2), for the consistency check against every other claim. ``planned`` says what
is still to come. ``construction`` names the construction an upper bound's verdict is about
(the one its checks measure); a claim without one is about the problem itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from superpose.theory.errors import InvalidArgument

__all__ = ["Claim", "CLAIMS", "Kind", "claim_by_id"]


class Kind(enum.StrEnum):
    """What a claim's bound says: a lower bound (Omega), an upper bound (O), both (Theta), or a
    corollary of other claims. A member is its string (``Kind.LOWER == "lower"``), so JSON,
    f-strings and comparisons with plain strings see ``"lower"`` as before."""

    LOWER = "lower"
    UPPER = "upper"
    THETA = "theta"
    COROLLARY = "corollary"


@dataclass(frozen=True, kw_only=True)
class Claim:
    """One claim: what it says, where it comes from, and what bears on it.

    Every field is a keyword. ``kind`` may be given as a :class:`Kind` or its string
    (``"upper"``); it is stored as the :class:`Kind`. ``construction`` is the registered
    construction whose counts, formula and certificates the claim's checks decide (``""``: the
    claim is about the problem, every network for it); :attr:`about` says which.

    >>> Claim(id="MY-UB", statement="s", source="me", kind="upper", quantity="neurons",
    ...       problem="and2", bound="O(m')").kind
    <Kind.UPPER: 'upper'>
    """

    id: str
    statement: str
    source: str
    kind: Kind
    quantity: str  # "neurons" | "params" | "bits" | "features"
    problem: str
    bound: str
    assumptions: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    planned: str = ""
    bounds: tuple[tuple[str, str], ...] = ()  # (quantity, bound in the claim-file grammar)
    construction: str = ""

    def __post_init__(self) -> None:
        try:
            kind = Kind(self.kind)
        except ValueError:
            kinds = ", ".join(k.value for k in Kind)
            raise InvalidArgument(f"claim {self.id!r}: kind={self.kind!r} must be one of "
                                  f"{kinds}") from None
        object.__setattr__(self, "kind", kind)

    @property
    def problems(self) -> tuple[str, ...]:
        """The problem names the claim is about (``problem`` may list several)."""
        return tuple(p.strip() for p in self.problem.split(","))

    @property
    def about(self) -> str:
        """What the verdict is about: ``"construction three-channel of and2"`` for a claim about
        one construction, else ``"the problem and2"`` (every network for it).

        >>> claim_by_id("UB-PERM").about, claim_by_id("LB-PARAMS").about
        ('construction bloom of perm', 'the problem and2, perm')
        """
        if self.construction:
            return f"construction {self.construction} of {self.problem}"
        return f"the problem {self.problem}"


_FIXED = "fixed input and output codes (reconstruction)"
_SPARSE = "constant sparsity s"

CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="LB-PARAMS",
        statement="computing m' features in superposition (permutation, pairwise AND, ...) needs "
                  "Omega(m' log m') parameters",
        source="abstract v1-v3",
        kind=Kind.LOWER,
        quantity="params",
        problem="and2, perm",
        bound="Omega(m' log m')",
        assumptions=(_FIXED, _SPARSE, "b bits per parameter, b constant",
                     "m >= m'^(1/2+eps) for and2",
                     "s >= 2 for and2 (at s = 1 every AND instance is the zero function)",
                     "parameter positions fixed by the architecture, or charged log2 C(slots, P) "
                     "bits"),
        checks=("derive:STIRLING", "derive:FAMILY-SIZE", "derive:LB-PARAMS", "premises",
                "minimal-sizes"),
        bounds=(("params", "mp*log(mp)"),),
    ),
    Claim(
        id="LB-NEURONS",
        statement="... and Omega(sqrt(m' log m')) neurons",
        source="abstract",
        kind=Kind.LOWER,
        quantity="neurons",
        problem="and2, perm",
        bound="Omega(sqrt(m' log m'))",
        assumptions=(_FIXED, _SPARSE, "P <= n^2 for layered networks, input layer counted"),
        checks=("derive:LB-NEURONS", "minimal-sizes"),
        bounds=(("neurons", "sqrt(mp*log(mp))"),),
    ),
    Claim(
        id="CAPACITY",
        statement="a network with n neurons computes at most O(n^2 / log n) such features",
        source="abstract v2/v3",
        kind=Kind.UPPER,
        quantity="features",
        problem="and2, perm",
        bound="O(n^2 / log n)",
        assumptions=(_FIXED, _SPARSE, "P <= n^2"),
        checks=("derive:CAPACITY",),
    ),
    Claim(
        id="UB-AND-NEURONS",
        statement="m' pairwise ANDs can be computed with O(sqrt(m') log m') neurons",
        source="abstract",
        kind=Kind.UPPER,
        quantity="neurons",
        problem="and2",
        bound="O(sqrt(m') log m')",
        assumptions=(_FIXED, _SPARSE, "neurons counted with the input layer",
                     "certified correctness"),
        checks=("and2-count-formula", "and2-failure-bound", "and2-correct", "and2-neurons",
                "selftest"),
        bounds=(("neurons", "sqrt(mp)*log(mp)"),),
        construction="three-channel",
    ),
    Claim(
        id="UB-AND-PARAMS",
        statement="... with O(m' log^2 m') parameters",
        source="abstract",
        kind=Kind.UPPER,
        quantity="params",
        problem="and2",
        bound="O(m' log^2 m')",
        assumptions=(_FIXED, _SPARSE, "nonzero weights plus nonzero thresholds",
                     "certified correctness"),
        checks=("and2-count-formula", "and2-failure-bound", "and2-correct", "and2-params",
                "selftest"),
        bounds=(("params", "mp*log(mp)^2"),),
        construction="three-channel",
    ),
    Claim(
        id="TIGHTNESS",
        statement="upper and lower bounds are within a polylog factor (neurons: sqrt(log m'), "
                  "parameters: log m')",
        source="abstract",
        kind=Kind.THETA,
        quantity="neurons",
        problem="and2",
        bound="ratio sqrt(log m') and log m'",
        assumptions=(_FIXED, _SPARSE),
        checks=("derive:TIGHTNESS",),
    ),
    Claim(
        id="REPRESENT",
        statement="merely representing m' sparse features needs as little as O(log m') neurons",
        source="abstract",
        kind=Kind.UPPER,
        quantity="neurons",
        problem="represent",
        bound="O(log m')",
        assumptions=(_SPARSE, "support (Bloom) code decoded exactly by thresholds"),
        checks=("represent-count-formula", "represent-failure-bound", "represent-correct",
                "represent-width", "selftest"),
        bounds=(("neurons", "log(mp)"),),
        construction="bloom",
    ),
    Claim(
        id="EXP-GAP",
        statement="n neurons represent 2^Omega(n) sparse features but compute only O(n^2 / log n)",
        source="abstract",
        kind=Kind.COROLLARY,
        quantity="features",
        problem="represent, and2",
        bound="2^Omega(n) vs O(n^2 / log n)",
        assumptions=(_FIXED, _SPARSE),
        checks=("derive:EXP-GAP",),
    ),
    Claim(
        id="COMPRESSION",
        statement="any sparse sub-network still computing the m' features keeps Omega(m' log m') "
                  "parameters, whatever the size of the dense network",
        source="abstract v1, v3",
        kind=Kind.LOWER,
        quantity="params",
        problem="and2, perm",
        bound="Omega(m' log m')",
        assumptions=(_FIXED, _SPARSE, "b bits per parameter"),
        checks=("derive:COMPRESSION",),
        planned="a pruning experiment on a construction",
        bounds=(("params", "mp*log(mp)"),),
    ),
    Claim(
        id="PARAMS-ESTIMATE",
        statement="the parameter count estimates the number of features computed, within log "
                  "factors",
        source="abstract v3",
        kind=Kind.THETA,
        quantity="params",
        problem="and2, perm",
        bound="m' log m' <~ P <~ m' log^2 m'",
        assumptions=(_FIXED, _SPARSE),
        checks=("derive:PARAMS-ESTIMATE",),
        planned="against the constructions' measured counts",
    ),
    Claim(
        id="UB-PERM",
        statement="neural permutation with inputs and outputs in superposition fits in "
                  "O(sqrt(m') log m') neurons and O(m' log^2 m') parameters",
        source="reconstruction (this project's, not the paper's headline)",
        kind=Kind.UPPER,
        quantity="neurons",
        problem="perm",
        bound="O(sqrt(m') log m') neurons, O(m' log^2 m') params",
        assumptions=(_FIXED, _SPARSE, "certified correctness"),
        checks=("perm-count-formula", "perm-failure-bound", "perm-correct", "perm-neurons",
                "perm-params", "selftest"),
        bounds=(("neurons", "sqrt(mp)*log(mp)"), ("params", "mp*log(mp)^2")),
        construction="bloom",
    ),
)


def claim_by_id(claim_id: str) -> Claim:
    """The ledger record with this id.

    >>> claim_by_id("UB-PERM").problem
    'perm'
    """
    for claim in CLAIMS:
        if claim.id == claim_id:
            return claim
    known = ", ".join(c.id for c in CLAIMS)
    raise InvalidArgument(f"claim id {claim_id!r} is not in the ledger; use one of: {known}")
