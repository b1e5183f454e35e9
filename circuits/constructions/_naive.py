"""The naive baseline: no superposition, one unit per input feature and one per output.

For any problem whose outputs are thresholds of their sources,
y_k = [sum_{f in sources(k)} x_f >= theta] (``Problem.naive_theta``): identity codes on both
sides (P_i = {i}, Q_k = {k}) and unit k with weight 1 from each source of k and that theta.
Pairwise AND: theta = 2; permutation: theta = 1; a problem that copies its inputs
(``Problem.copies_inputs``, representation) needs no computing layer: the output code reads the
input layer. Neurons m + m' (m alone for representation); exact, so certified by construction.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model import PAD, Layer, Problem, ThresholdNetwork, identity_code
from superpose.theory.errors import InvalidArgument

__all__ = ["naive"]


def naive(problem: Problem, sparsity: int, rngs, constants=None):
    """The one-unit-per-output network for ``problem``."""
    m, m_prime = problem.m, problem.m_prime
    if problem.copies_inputs:
        return ThresholdNetwork(identity_code(m), (), identity_code(m)), {}
    theta = problem.naive_theta
    if theta is None:
        raise InvalidArgument(f"problem {problem.name!r} has no naive construction: its outputs "
                              "are not thresholds of their sources (naive_theta is None)")
    sources = np.asarray(problem.sources(), dtype=np.int64)
    rows = np.repeat(np.arange(m_prime), sources.shape[1])
    cols = sources.ravel()
    keep = cols != PAD
    w = sp.csr_matrix((np.ones(int(keep.sum()), np.int64), (rows[keep], cols[keep])),
                      shape=(m_prime, m), dtype=np.int64)
    layer = Layer(w, np.full(m_prime, theta, dtype=np.int64))
    return ThresholdNetwork(identity_code(m), (layer,), identity_code(m_prime)), {}
