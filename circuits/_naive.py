"""The naive baseline: no superposition, one unit per input feature and one per output.

Identity codes on both sides (P_i = {i}, Q_k = {k}). For pairwise AND, unit k has weight 1 from
a_k and b_k and theta = 2; for a permutation, weight 1 from perm[k] and theta = 1; for
representation there is no computing layer. Neurons m + m' (m alone for representation).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from circuits._codes import identity_code
from circuits._network import Layer, ThresholdNetwork
from circuits._problems import And2, Permutation, Problem

__all__ = ["naive"]


def naive(problem: Problem, sparsity: int, rngs, constants=None):
    """The one-unit-per-output network for ``problem``."""
    m, m_prime = problem.m, problem.m_prime
    if isinstance(problem, And2):
        sources, theta = problem.pairs, 2
    elif isinstance(problem, Permutation):
        sources, theta = problem.perm[:, None], 1
    else:
        return ThresholdNetwork(identity_code(m), (), identity_code(m)), {}
    rows = np.repeat(np.arange(m_prime), sources.shape[1])
    w = sp.csr_matrix((np.ones(rows.size, np.int64), (rows, sources.ravel())),
                      shape=(m_prime, m), dtype=np.int64)
    layer = Layer(w, np.full(m_prime, theta, dtype=np.int64))
    return ThresholdNetwork(identity_code(m), (layer,), identity_code(m_prime)), {}
