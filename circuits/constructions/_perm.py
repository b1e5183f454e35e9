"""Neural permutation in superposition: y_k = x_{perm[k]}, inputs and outputs Bloom-coded.

t = max(t_min, ceil(log2 m')), d = ceil(c_d sqrt(s max(m', s)) t) (the max keeps d >= c_d s t
when m' < s). Input feature i has a random
t-subset P_i of layer 0 (width d); output k a random t-subset Q_k of layer 1 (width d). Output
unit q sums, with weight 1, the input supports of every feature perm[k] whose output support
Q_k holds q, and fires at theta = t: the weight from input unit u is
|{k : q in Q_k, u in P_perm[k]}|. With d = c_d sqrt(s m') t the expected leak into a unit is
about t / c_d^2; at c_d = 1 it equals the threshold and almost every input fails, so the default
c_d = 2 is the measured working point of ../shared/design/model.md (c_d = 1.5 already fails at
m' = 300). t_min = 5 s keeps the design's t >= 10 at s = 2; at s = 3, t >= 10 left 4 of 100
seeds with false positives at m' = 60 and t >= 15 none (paper_notes/gaps.md): the number of
active sets grows like m^s, so the support must grow with s, as r does in the AND construction.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from superpose.circuits.model import (
    Layer,
    Permutation,
    ThresholdNetwork,
    random_support_code,
    support_sum,
    transpose_pattern,
)
from superpose.circuits.validate import check_int, check_positive

__all__ = ["PermConstants", "bloom_permutation"]


@dataclass(frozen=True)
class PermConstants:
    """Constants of the permutation construction; ``t_min=None`` means 5 s."""

    c_d: float = 2.0
    t_min: int | None = None

    def validated(self, s: int) -> "PermConstants":
        t_min = 5 * s if self.t_min is None else self.t_min
        return PermConstants(check_positive("c_d", self.c_d),
                             check_int("t_min", t_min, minimum=1))


def bloom_permutation(problem: Permutation, sparsity: int, rngs, constants: PermConstants):
    """The one-layer permutation network and its resolved sizes.

    W = A @ S_P, with S_P the input code's incidence and A[q, f] = |{k : q in Q_k,
    perm[k] = f}| (A is Q's incidence transposed, columns relabelled by perm).
    """
    k = constants.validated(sparsity)
    m_prime = problem.m_prime
    t = max(k.t_min, math.ceil(math.log2(m_prime)) if m_prime > 1 else 0)
    d = math.ceil(k.c_d * math.sqrt(sparsity * max(m_prime, sparsity)) * t)
    in_code = random_support_code(m_prime, d, t, rngs[0])
    out_code = random_support_code(m_prime, d, t, rngs[1])
    q_ptr, ks = transpose_pattern(out_code.indptr, out_code.indices, d)
    w = support_sum(q_ptr, problem.perm[ks], in_code.indptr, in_code.indices, d)
    network = ThresholdNetwork(in_code, (Layer(w, np.full(d, t, dtype=np.int64)),), out_code)
    return network, {**asdict(k), "t": t, "d": d}
