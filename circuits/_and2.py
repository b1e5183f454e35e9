"""The three-channel pairwise-AND construction with fixed input and output codes.

Write s for the sparsity, t = max(t_min, ceil(log2 m)), r = max(r_min, ceil(c_r log2 m')),
deg(i) for the number of pairs holding feature i. Layers (widths):

* layer 0, the input code: each feature gets a random t-subset P_i of
  d0 = ceil(c_d max(sqrt(m'), s) t) units (the max keeps d0 >= c_d s t when m' < s^2, where
  s active supports would otherwise cover a fourth one).
* output code: each output k gets a random r-subset Q_k of d_out = ceil(c_shared s sqrt(m') r).
* ownership: a pair belongs to its endpoint of higher degree (ties: the lower index); it is
  *heavy* when its owner has degree > heavy_factor sqrt(m'), else *light*.
* layer 1, shared channel (d_out units, unit q aligned with output unit q): light pair k uses
  R_k = Q_k. Unit q holds T_q, the endpoints of the light pairs whose Q_k contains q; the weight
  from input unit u is |{f in T_q : u in P_f}| and theta = 2t, so q fires iff two features of
  T_q are present (or partly covered features leak t more).
* layer 1, dedicated channel: a heavy owner h with o owned pairs gets
  g_h = max(ceil(2 s r), ceil(2 s r o / sqrt(m'))) units, or one exact unit per pair when
  o <= g_h. Each owned pair gets r random units of the group (or its exact unit); unit j holds
  the partner set B_j, weight M_j = |B_j| t + 1 on P_h plus 1 per partner support, theta =
  M_j t + t: j fires iff h is present and some partner of B_j is (never when h is absent).
* layer 2, re-coding into the output code: unit q adds weight r from shared unit q, and weight
  r / |R_k| from each unit of R_k for every heavy k with q in Q_k; theta = r.

Defaults (c_d = 3, t_min = 10, c_r = s / 2, r_min = 5 s, c_shared = 2, heavy_factor = 1)
follow the measurements of ../shared/design/model.md and target certified correctness at
s = 2 and 3. The design card's r_min = 10 is kept at s = 2 but fails at s = 3: a false light
output needs every unit of its r-subset hit by two of the s active features, and the number of
active sets grows like m^s, so r must grow with s (paper_notes/gaps.md has the failures).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from circuits._codes import random_subsets, random_support_code
from circuits._network import Layer, ThresholdNetwork
from circuits._problems import And2
from circuits._validate import check_int, check_positive

__all__ = ["And2Constants", "three_channel_and2"]


@dataclass(frozen=True)
class And2Constants:
    """Constants of the three-channel construction; ``None`` means c_r = s / 2, r_min = 5 s."""

    c_d: float = 3.0
    t_min: int = 10
    c_r: float | None = None
    r_min: int | None = None
    c_shared: float = 2.0
    heavy_factor: float = 1.0

    def validated(self, s: int) -> "And2Constants":
        c_r = s / 2 if self.c_r is None else self.c_r
        return And2Constants(
            c_d=check_positive("c_d", self.c_d),
            t_min=check_int("t_min", self.t_min, minimum=1),
            c_r=check_positive("c_r", c_r),
            r_min=check_int("r_min", 5 * s if self.r_min is None else self.r_min, minimum=1),
            c_shared=check_positive("c_shared", self.c_shared),
            heavy_factor=check_positive("heavy_factor", self.heavy_factor),
        )


def _sizes(m: int, m_prime: int, s: int, k: And2Constants) -> dict:
    root = math.sqrt(m_prime)
    log_mp = math.log2(m_prime) if m_prime > 1 else 0.0
    t = max(k.t_min, math.ceil(math.log2(m)))
    r = max(k.r_min, math.ceil(k.c_r * log_mp))
    return {
        "t": t,
        "r": r,
        "d0": math.ceil(k.c_d * max(root, s) * t),
        "d_out": max(r, math.ceil(k.c_shared * s * root * r)),
        "heavy_cutoff": k.heavy_factor * root,
    }


def three_channel_and2(problem: And2, sparsity: int, rngs, constants: And2Constants):
    """The network and its resolved sizes for ``problem``; ``rngs`` = (input, output, weights)."""
    k = constants.validated(sparsity)
    m, m_prime = problem.m, problem.m_prime
    z = _sizes(m, m_prime, sparsity, k)
    t, r, d0, d_out = z["t"], z["r"], z["d0"], z["d_out"]
    in_code = random_support_code(m, d0, t, rngs[0])
    out_code = random_support_code(m_prime, d_out, r, rngs[1])
    P = in_code.indices.reshape(m, t)
    Q = out_code.indices.reshape(m_prime, r)

    pairs = problem.pairs
    deg = problem.degrees()
    a, b = pairs[:, 0], pairs[:, 1]
    a_owns = (deg[a] > deg[b]) | ((deg[a] == deg[b]) & (a < b))
    owner = np.where(a_owns, a, b)
    partner = np.where(a_owns, b, a)
    heavy = deg[owner] > z["heavy_cutoff"]

    shared = _shared_channel(np.flatnonzero(~heavy), pairs, Q, P, m, d0, d_out, t)
    ded_rows, ded_theta, members = _dedicated_channel(
        np.flatnonzero(heavy), owner, partner, P, d0, m_prime, sparsity, r, t, d_out, rngs[2])
    n_ded = len(ded_theta)
    d1 = d_out + n_ded
    w1 = sp.vstack([shared, ded_rows]).tocsr() if n_ded else shared
    theta1 = np.concatenate([np.full(d_out, 2 * t, dtype=np.int64), ded_theta])
    w2 = _recode(Q, members, d_out, d1, r)
    theta2 = np.full(d_out, r, dtype=np.int64)
    network = ThresholdNetwork(in_code, (Layer(w1, theta1), Layer(w2, theta2)), out_code)
    resolved = {**asdict(k), **z, "n_heavy_pairs": int(heavy.sum()),
                "n_dedicated_units": int(n_ded)}
    return network, resolved


def _expand_supports(unit: np.ndarray, feature: np.ndarray, P: np.ndarray, d_in: int,
                     n_units: int, weight: np.ndarray | None = None) -> sp.csr_matrix:
    """Sum over (unit, feature) entries of weight * [input unit u in P_feature], as CSR."""
    t = P.shape[1]
    rows = np.repeat(unit, t)
    cols = P[feature].ravel()
    data = np.ones(len(rows), np.int64) if weight is None else np.repeat(weight, t)
    mat = sp.csr_matrix((data, (rows, cols)), shape=(n_units, d_in), dtype=np.int64)
    mat.sum_duplicates()
    return mat


def _shared_channel(light, pairs, Q, P, m, d0, d_out, t) -> sp.csr_matrix:
    r = Q.shape[1]
    units = np.concatenate([Q[light].ravel(), Q[light].ravel()])
    feats = np.concatenate([np.repeat(pairs[light, 0], r), np.repeat(pairs[light, 1], r)])
    key = np.unique(units * m + feats)
    return _expand_supports(key // m, key % m, P, d0, d_out)


def _dedicated_channel(heavy, owner, partner, P, d0, m_prime, s, r, t, offset, rng):
    """Rows of the dedicated units (over layer 0), their thresholds, and R_k per heavy pair.

    Returns ``members``: a list of (k array, unit array of shape (len(k), |R_k|)) with unit
    indices in layer 1 (shared block first, so dedicated units start at ``offset``).
    """
    root = math.sqrt(m_prime)
    rows, thetas, members = [], [], []
    next_unit = 0
    for h in np.unique(owner[heavy]):
        ks = heavy[owner[heavy] == h]
        o = len(ks)
        g = max(math.ceil(2 * s * r), math.ceil(2 * s * r * o / root))
        if o <= g:
            g, assign = o, np.arange(o)[:, None]
        else:
            assign = random_subsets(o, g, r, rng)
        local = assign.ravel()
        part = np.repeat(partner[ks], assign.shape[1])
        b_size = np.bincount(local, minlength=g)
        big_m = b_size * t + 1
        to_partner = _expand_supports(local, part, P, d0, g)
        to_owner = _expand_supports(np.arange(g), np.full(g, h), P, d0, g, weight=big_m)
        rows.append(to_partner + to_owner)
        thetas.append(big_m * t + t)
        members.append((ks, offset + next_unit + assign))
        next_unit += g
    if not rows:
        return sp.csr_matrix((0, d0), dtype=np.int64), np.zeros(0, np.int64), []
    return sp.vstack(rows).tocsr(), np.concatenate(thetas).astype(np.int64), members


def _recode(Q, members, d_out, d1, r) -> sp.csr_matrix:
    """Layer 2: copy of the shared block (weight r) plus the heavy R_k summed into Q_k."""
    rows = [np.arange(d_out)]
    cols = [np.arange(d_out)]
    data = [np.full(d_out, r, dtype=np.int64)]
    for ks, units in members:
        size = units.shape[1]
        q = np.repeat(Q[ks], size, axis=1)  # (len(ks), r * size): each q with each unit
        j = np.tile(units, (1, Q.shape[1]))
        rows.append(q.ravel())
        cols.append(j.ravel())
        data.append(np.full(q.size, r // size, dtype=np.int64))
    mat = sp.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(d_out, d1), dtype=np.int64)
    mat.sum_duplicates()
    return mat
