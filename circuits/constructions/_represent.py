"""REPRESENT: a Bloom support code that only represents features, decoded by thresholds.

m = m' features, y_k = x_k, no computing layer (L = 0): output k is read as the AND of its own
support, so the input code is the output code. t = ceil(c_t log2 m') + t_extra supports in a
layer of width d = ceil(c_w s t).

Correctness notions: a false positive at k needs the supports of the s active features to cover
P_k; that has probability at most (s t / d)^t = c_w^(-t). Certified correctness (every
s-sparse input) follows, by the union bound over the m' C(m', s) <= m'^(s+1) pairs (k, active
set), once t log2 c_w > (s+1) log2 m'; the defaults c_w = 4, c_t = (s+1)/2, t_extra = 2 give
expected number of bad pairs <= 1/16 for every m'. Width: 2 s (s+1) log2 m' + O(s), so
O(log m') for constant s. The w.h.p. variant (c_t = 1, c_w = 2) is narrower, O(s log m').
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from superpose.circuits.model import Represent, ThresholdNetwork, random_support_code
from superpose.circuits.validate import check_int, check_positive

__all__ = ["RepresentConstants", "bloom_represent"]


@dataclass(frozen=True)
class RepresentConstants:
    """Constants of the representation code; ``c_t=None`` means (s + 1) / 2."""

    c_w: float = 4.0
    c_t: float | None = None
    t_extra: int = 2

    def validated(self, s: int) -> "RepresentConstants":
        c_t = (s + 1) / 2 if self.c_t is None else self.c_t
        return RepresentConstants(check_positive("c_w", self.c_w), check_positive("c_t", c_t),
                                  check_int("t_extra", self.t_extra, minimum=0))


def bloom_represent(problem: Represent, sparsity: int, rngs, constants: RepresentConstants):
    """The zero-layer representation network and its resolved sizes."""
    k = constants.validated(sparsity)
    m_prime = problem.m_prime
    log_mp = math.log2(m_prime) if m_prime > 1 else 0.0
    t = max(1, math.ceil(k.c_t * log_mp) + k.t_extra)
    d = max(t, math.ceil(k.c_w * sparsity * t))
    code = random_support_code(m_prime, d, t, rngs[0])
    return ThresholdNetwork(code, (), code), {**asdict(k), "t": t, "d": d}
