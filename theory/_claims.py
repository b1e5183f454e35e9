"""The claims ledger: every claim of ../shared/paper/claims.md as a data record.

Ids are the stable ids of the claims sheet, used unchanged in code, reports and paper_notes/.
``checks`` names the checks (in the ``checks`` package) that bear on a claim today; a claim
whose tuple is empty is reported as UNKNOWN ("not yet checked"), never as passed. ``planned``
says which kind of check will decide it once written.
"""

from __future__ import annotations

from dataclasses import dataclass

from theory.errors import InvalidArgument

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


_FIXED = "fixed input and output codes (reconstruction)"
_SPARSE = "constant sparsity s"

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "LB-PARAMS",
        "computing m' features in superposition (permutation, pairwise AND, ...) needs "
        "Omega(m' log m') parameters",
        "abstract v1-v3",
        "lower", "params", "and2, perm", "Omega(m' log m')",
        (_FIXED, _SPARSE, "b bits per parameter, b constant", "m >= m'^(1/2+eps) for and2"),
        planned="symbolic counting argument (theory) and exhaustive premises (checks)",
    ),
    Claim(
        "LB-NEURONS",
        "... and Omega(sqrt(m' log m')) neurons",
        "abstract",
        "lower", "neurons", "and2, perm", "Omega(sqrt(m' log m'))",
        (_FIXED, _SPARSE, "P <= n^2 for layered networks, input layer counted"),
        planned="symbolic: LB-PARAMS with P <= n^2",
    ),
    Claim(
        "CAPACITY",
        "a network with n neurons computes at most O(n^2 / log n) such features",
        "abstract v2/v3",
        "upper", "features", "and2, perm", "O(n^2 / log n)",
        (_FIXED, _SPARSE, "P <= n^2"),
        planned="symbolic: invert LB-PARAMS",
    ),
    Claim(
        "UB-AND-NEURONS",
        "m' pairwise ANDs can be computed with O(sqrt(m') log m') neurons",
        "abstract",
        "upper", "neurons", "and2", "O(sqrt(m') log m')",
        (_FIXED, _SPARSE, "neurons counted with the input layer", "certified correctness"),
        checks=("and2-neurons", "and2-correct"),
    ),
    Claim(
        "UB-AND-PARAMS",
        "... with O(m' log^2 m') parameters",
        "abstract",
        "upper", "params", "and2", "O(m' log^2 m')",
        (_FIXED, _SPARSE, "nonzero weights plus nonzero thresholds", "certified correctness"),
        checks=("and2-params", "and2-correct"),
    ),
    Claim(
        "TIGHTNESS",
        "upper and lower bounds are within a polylog factor (neurons: sqrt(log m'), "
        "parameters: log m')",
        "abstract",
        "theta", "neurons", "and2", "ratio sqrt(log m') and log m'",
        (_FIXED, _SPARSE),
        planned="symbolic: ratio limits",
    ),
    Claim(
        "REPRESENT",
        "merely representing m' sparse features needs as little as O(log m') neurons",
        "abstract",
        "upper", "neurons", "represent", "O(log m')",
        (_SPARSE, "support (Bloom) code decoded exactly by thresholds"),
        checks=("represent-width", "represent-correct"),
    ),
    Claim(
        "EXP-GAP",
        "n neurons represent 2^Omega(n) sparse features but compute only O(n^2 / log n)",
        "abstract",
        "corollary", "features", "represent, and2", "2^Omega(n) vs O(n^2 / log n)",
        (_FIXED, _SPARSE),
        planned="symbolic, with the two constructions side by side",
    ),
    Claim(
        "COMPRESSION",
        "any sparse sub-network still computing the m' features keeps Omega(m' log m') "
        "parameters, whatever the size of the dense network",
        "abstract v1, v3",
        "lower", "params", "and2, perm", "Omega(m' log m')",
        (_FIXED, _SPARSE, "b bits per parameter"),
        planned="symbolic corollary of LB-PARAMS; a pruning experiment",
    ),
    Claim(
        "PARAMS-ESTIMATE",
        "the parameter count estimates the number of features computed, within log factors",
        "abstract v3",
        "theta", "params", "and2, perm", "m' log m' <~ P <~ m' log^2 m'",
        (_FIXED, _SPARSE),
        planned="symbolic, against the constructions' measured counts",
    ),
    Claim(
        "UB-PERM",
        "neural permutation with inputs and outputs in superposition fits in "
        "O(sqrt(m') log m') neurons and O(m' log^2 m') parameters",
        "reconstruction (this project's, not the paper's headline)",
        "upper", "neurons", "perm", "O(sqrt(m') log m') neurons, O(m' log^2 m') params",
        (_FIXED, _SPARSE, "certified correctness"),
        checks=("perm-neurons", "perm-params", "perm-correct"),
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
