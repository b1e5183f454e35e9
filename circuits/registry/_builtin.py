"""The built-in problems (and2, perm, represent) as registry records.

Their claims are the paper's ledger (``theory.CLAIMS``), checked by the named checks of
``checks/verification/_construction_checks.py``; so their specs carry no claims of their own, and
``superpose verify`` measures them by ``checks.VerifyConfig`` (not by a ``VerifyPlan``).
"""

from __future__ import annotations

import math

from superpose.circuits.constructions import (
    AND2_COUNTS,
    AND2_FAILURE,
    AND2_FAMILIES,
    PERM_COUNTS,
    PERM_FAILURE,
    PERM_FAMILIES,
    REPRESENT_COUNTS,
    REPRESENT_FAILURE,
    And2Constants,
    PermConstants,
    RepresentConstants,
    bloom_permutation,
    bloom_represent,
    naive,
    naive_counts,
    three_channel_and2,
)
from superpose.circuits.model import And2, Permutation, Represent
from superpose.circuits.registry._spec import Construction, ProblemSpec

__all__ = ["BUILTIN_SPECS"]


def _and2_stated(s: int):
    """The issue's targets at s = 2 (the fixed-code prototype's 10-20 and 1.3-5.6), scaled by
    (s/2)^2 for larger s: the shared width is proportional to s r, and r_min = 5 s."""
    return (20.0 * (s / 2) ** 2, 6.0 * (s / 2) ** 2) if s >= 2 else None


def _perm_stated(s: int):
    """The design card's s = 2 measurements (5.7-8.5, 0.95-2.2) rounded up to (10, 3); the
    width grows like sqrt(s) t and t_min = 5 s, so the constants scale by (s/2)^(3/2) and
    (s/2)^2 (params grow like t^2)."""
    return (10.0 * (s / 2) ** 1.5, 3.0 * (s / 2) ** 2)


def _represent_stated(s: int):
    """From the definition: d = ceil(4 s (ceil((s+1)/2 log2 m') + 2)) gives
    d / log2 m' <= 2 s (s+1) + (12 s + 1) / log2(100) for m' >= 100 (no parameters)."""
    return (2 * s * (s + 1) + (12 * s + 1) / math.log2(100), 0.0)


def _and2_family(draw):
    return lambda m_prime, rng: And2(*draw(m_prime, rng))


def _perm_family(draw):
    return lambda m_prime, rng: Permutation(draw(m_prime, rng))


BUILTIN_SPECS: tuple[ProblemSpec, ...] = (
    ProblemSpec(
        "and2", "pairwise AND: y_k = x_a AND x_b over m' distinct pairs", And2,
        {name: _and2_family(draw) for name, draw in AND2_FAMILIES.items()},
        (Construction("three-channel", "and2", three_channel_and2, And2Constants, "certified",
                      _and2_stated, counts=AND2_COUNTS, failure=AND2_FAILURE, implicit=True),
         Construction("naive", "and2", naive, None, "certified", counts=naive_counts(2, 2)))),
    ProblemSpec(
        "perm", "neural permutation: y_k = x_perm[k], m = m'", Permutation,
        {name: _perm_family(draw) for name, draw in PERM_FAMILIES.items()},
        (Construction("bloom", "perm", bloom_permutation, PermConstants, "certified",
                      _perm_stated, counts=PERM_COUNTS, failure=PERM_FAILURE),
         Construction("naive", "perm", naive, None, "certified", counts=naive_counts(1, 1)))),
    ProblemSpec(
        "represent", "representation only: y_k = x_k, m = m'", Represent,
        {"all": lambda m_prime, rng: Represent(m_prime)},
        (Construction("bloom", "represent", bloom_represent, RepresentConstants, "certified",
                      _represent_stated, counts=REPRESENT_COUNTS, failure=REPRESENT_FAILURE),
         Construction("naive", "represent", naive, None, "certified",
                      counts=naive_counts(1, 1, copies_inputs=True)))),
)
