"""The claims ledger: every claim of ../shared/paper/claims.md as a data record.

Ids are the stable ids of the claims sheet, used unchanged in code, reports and paper_notes/.
``checks`` names the checks (in the ``checks`` package) that bear on a claim today; a claim
whose tuple is empty is reported as UNKNOWN ("not yet checked"), never as passed. Names
``derive:<ID>`` are the symbolic derivation steps of ``superpose.theory._derivations`` for that id.
``bounds`` gives the claim's asymptotic bound per quantity in the claim-file grammar (``mp`` is
m', log is base 2), for the consistency check against every other claim. ``planned`` says what
is still to come.
"""

from __future__ import annotations

from dataclasses import dataclass

from superpose.theory.errors import InvalidArgument

__all__ = ["Claim", "CLAIMS", "claim_by_id"]


@dataclass(frozen=True)
class Claim:
    """One claim: what it says, where it comes from, and what bears on it."""

    id: str
    statement: str
    source: str
    kind: str  # "lower" | "upper" | "theta" | "corollary"
    quantity: str  # "neurons" | "params" | "bits" | "features"
    problem: str
    bound: str
    assumptions: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    planned: str = ""
    bounds: tuple[tuple[str, str], ...] = ()  # (quantity, bound in the claim-file grammar)

    @property
    def problems(self) -> tuple[str, ...]:
        """The problem names the claim is about (``problem`` may list several)."""
        return tuple(p.strip() for p in self.problem.split(","))


_FIXED = "fixed input and output codes (reconstruction)"
_SPARSE = "constant sparsity s"

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "LB-PARAMS",
        "computing m' features in superposition (permutation, pairwise AND, ...) needs "
        "Omega(m' log m') parameters",
        "abstract v1-v3",
        "lower", "params", "and2, perm", "Omega(m' log m')",
        (_FIXED, _SPARSE, "b bits per parameter, b constant", "m >= m'^(1/2+eps) for and2",
         "s >= 2 for and2 (at s = 1 every AND instance is the zero function)",
         "parameter positions fixed by the architecture, or charged log2 C(slots, P) bits"),
        checks=("derive:STIRLING", "derive:FAMILY-SIZE", "derive:LB-PARAMS", "premises",
                "minimal-sizes"),
        bounds=(("params", "mp*log(mp)"),),
    ),
    Claim(
        "LB-NEURONS",
        "... and Omega(sqrt(m' log m')) neurons",
        "abstract",
        "lower", "neurons", "and2, perm", "Omega(sqrt(m' log m'))",
        (_FIXED, _SPARSE, "P <= n^2 for layered networks, input layer counted"),
        checks=("derive:LB-NEURONS", "minimal-sizes"),
        bounds=(("neurons", "sqrt(mp*log(mp))"),),
    ),
    Claim(
        "CAPACITY",
        "a network with n neurons computes at most O(n^2 / log n) such features",
        "abstract v2/v3",
        "upper", "features", "and2, perm", "O(n^2 / log n)",
        (_FIXED, _SPARSE, "P <= n^2"),
        checks=("derive:CAPACITY",),
    ),
    Claim(
        "UB-AND-NEURONS",
        "m' pairwise ANDs can be computed with O(sqrt(m') log m') neurons",
        "abstract",
        "upper", "neurons", "and2", "O(sqrt(m') log m')",
        (_FIXED, _SPARSE, "neurons counted with the input layer", "certified correctness"),
        checks=("and2-neurons", "and2-correct", "selftest"),
        bounds=(("neurons", "sqrt(mp)*log(mp)"),),
    ),
    Claim(
        "UB-AND-PARAMS",
        "... with O(m' log^2 m') parameters",
        "abstract",
        "upper", "params", "and2", "O(m' log^2 m')",
        (_FIXED, _SPARSE, "nonzero weights plus nonzero thresholds", "certified correctness"),
        checks=("and2-params", "and2-correct", "selftest"),
        bounds=(("params", "mp*log(mp)^2"),),
    ),
    Claim(
        "TIGHTNESS",
        "upper and lower bounds are within a polylog factor (neurons: sqrt(log m'), "
        "parameters: log m')",
        "abstract",
        "theta", "neurons", "and2", "ratio sqrt(log m') and log m'",
        (_FIXED, _SPARSE),
        checks=("derive:TIGHTNESS",),
    ),
    Claim(
        "REPRESENT",
        "merely representing m' sparse features needs as little as O(log m') neurons",
        "abstract",
        "upper", "neurons", "represent", "O(log m')",
        (_SPARSE, "support (Bloom) code decoded exactly by thresholds"),
        checks=("represent-width", "represent-correct", "selftest"),
        bounds=(("neurons", "log(mp)"),),
    ),
    Claim(
        "EXP-GAP",
        "n neurons represent 2^Omega(n) sparse features but compute only O(n^2 / log n)",
        "abstract",
        "corollary", "features", "represent, and2", "2^Omega(n) vs O(n^2 / log n)",
        (_FIXED, _SPARSE),
        checks=("derive:EXP-GAP",),
    ),
    Claim(
        "COMPRESSION",
        "any sparse sub-network still computing the m' features keeps Omega(m' log m') "
        "parameters, whatever the size of the dense network",
        "abstract v1, v3",
        "lower", "params", "and2, perm", "Omega(m' log m')",
        (_FIXED, _SPARSE, "b bits per parameter"),
        checks=("derive:COMPRESSION",),
        planned="a pruning experiment on a construction",
        bounds=(("params", "mp*log(mp)"),),
    ),
    Claim(
        "PARAMS-ESTIMATE",
        "the parameter count estimates the number of features computed, within log factors",
        "abstract v3",
        "theta", "params", "and2, perm", "m' log m' <~ P <~ m' log^2 m'",
        (_FIXED, _SPARSE),
        checks=("derive:PARAMS-ESTIMATE",),
        planned="against the constructions' measured counts",
    ),
    Claim(
        "UB-PERM",
        "neural permutation with inputs and outputs in superposition fits in "
        "O(sqrt(m') log m') neurons and O(m' log^2 m') parameters",
        "reconstruction (this project's, not the paper's headline)",
        "upper", "neurons", "perm", "O(sqrt(m') log m') neurons, O(m' log^2 m') params",
        (_FIXED, _SPARSE, "certified correctness"),
        checks=("perm-neurons", "perm-params", "perm-correct", "selftest"),
        bounds=(("neurons", "sqrt(mp)*log(mp)"), ("params", "mp*log(mp)^2")),
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
