"""Neural permutation in superposition: y_k = x_{perm[k]}, inputs and outputs Bloom-coded.

t = max(t_min, ceil(log2 m')), d = ceil(c_d sqrt(s m') t). Input feature i has a random
t-subset P_i of layer 0 (width d); output k a random t-subset Q_k of layer 1 (width d). Output
unit q sums, with weight 1, the input supports of every feature perm[k] whose output support
Q_k holds q, and fires at theta = t: the weight from input unit u is
|{k : q in Q_k, u in P_perm[k]}|. With d = c_d sqrt(s m') t the expected leak into a unit is
about t / c_d^2; at c_d = 1 it equals the threshold and almost every input fails, so the default
c_d = 2 (the measured working point of ../shared/design/model.md) is the smallest safe choice.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from circuits._codes import random_support_code
from circuits._network import Layer, ThresholdNetwork
from circuits._problems import Permutation
from circuits._validate import check_int, check_positive

__all__ = ["PermConstants", "bloom_permutation"]


@dataclass(frozen=True)
class PermConstants:
    """Constants of the permutation construction."""

    c_d: float = 2.0
    t_min: int = 10

    def validated(self) -> "PermConstants":
        return PermConstants(check_positive("c_d", self.c_d),
                             check_int("t_min", self.t_min, minimum=1))


def bloom_permutation(problem: Permutation, sparsity: int, rngs, constants: PermConstants):
    """The one-layer permutation network and its resolved sizes."""
    k = constants.validated()
    m_prime = problem.m_prime
    t = max(k.t_min, math.ceil(math.log2(m_prime)) if m_prime > 1 else 0)
    d = max(t, math.ceil(k.c_d * math.sqrt(sparsity * m_prime) * t))
    in_code = random_support_code(m_prime, d, t, rngs[0])
    out_code = random_support_code(m_prime, d, t, rngs[1])
    P = in_code.indices.reshape(m_prime, t)
    Q = out_code.indices.reshape(m_prime, t)
    rows = np.repeat(Q, t, axis=1).ravel()
    cols = np.tile(P[problem.perm], (1, t)).ravel()
    w = sp.csr_matrix((np.ones(len(rows), np.int64), (rows, cols)), shape=(d, d), dtype=np.int64)
    w.sum_duplicates()
    network = ThresholdNetwork(in_code, (Layer(w, np.full(d, t, dtype=np.int64)),), out_code)
    return network, {**asdict(k), "t": t, "d": d}
