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
  M_j t + t: j fires iff all of P_h is on (h present, or P_h covered by the active supports)
  and the partners put t on j (a partner present, or leak); never while a unit of P_h is off.
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

from superpose.circuits.model import (
    And2,
    FactoredLayer,
    Layer,
    ThresholdNetwork,
    holding_type,
    pattern_from_keys,
    random_support_code,
    sorted_unique,
    support_sum,
    transpose_pattern,
    transpose_stored,
)
from superpose.circuits.validate import check_int, check_positive

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


def three_channel_and2(problem: And2, sparsity: int, rngs, constants: And2Constants,
                       implicit: bool = False):
    """The network and its resolved sizes for ``problem``; ``rngs`` = (input, output, weights).
    ``implicit``: keep layer 1 as its factors A and S_P (:class:`FactoredLayer`), the same
    W1 without storing it.

    Layer 1 is W1 = A @ S_P, with S_P the input code's incidence and A (d1 x m) the sets each
    unit reads: shared unit q reads T_q with weight 1; dedicated unit j reads B_j with weight
    1 and its owner h with weight M_j. Layer 2 is W2 = C @ S_R, with S_R the supports {q} of
    the shared units and R_k of the heavy pairs, and C[q, q] = r, C[q, k] = r / |R_k| for
    every heavy k with q in Q_k.
    """
    k = constants.validated(sparsity)
    m, m_prime = problem.m, problem.m_prime
    z = _sizes(m, m_prime, sparsity, k)
    t, r, d0, d_out = z["t"], z["r"], z["d0"], z["d_out"]
    in_code = random_support_code(m, d0, t, rngs[0])
    out_code = random_support_code(m_prime, d_out, r, rngs[1])
    Q = out_code.indices.reshape(m_prime, r)

    pairs = problem.pairs
    deg = problem.degrees()
    a, b = pairs[:, 0], pairs[:, 1]
    a_owns = (deg[a] > deg[b]) | ((deg[a] == deg[b]) & (a < b))
    owner = np.where(a_owns, a, b)
    partner = np.where(a_owns, b, a)
    heavy = deg[owner] > z["heavy_cutoff"]

    shared_ptr, shared_feats = _shared_sets(np.flatnonzero(~heavy), pairs, Q, m, d_out)
    ded = _dedicated_units(np.flatnonzero(heavy), owner, partner, m_prime, sparsity, r, t,
                           rngs[2])
    n_ded = len(ded.theta)
    d1 = d_out + n_ded
    a_ptr = np.concatenate([shared_ptr, shared_ptr[-1] + ded.indptr[1:]])
    a_feats = np.concatenate([shared_feats, ded.features.astype(shared_feats.dtype)])
    del shared_feats
    kind = holding_type(int(ded.weights.max(initial=1)))
    a_weights = np.ones(len(a_feats), dtype=kind)
    a_weights[len(a_feats) - len(ded.features):] = ded.weights
    theta1 = np.concatenate([np.full(d_out, 2 * t, dtype=np.int64), ded.theta])
    if implicit:
        left = sp.csr_matrix((a_weights, a_feats, a_ptr), shape=(d1, m))
        layer1 = FactoredLayer(left, in_code, theta1)
    else:
        layer1 = Layer(support_sum(a_ptr, a_feats, in_code.indptr, in_code.indices, d0,
                                   weights=a_weights), theta1)
    del a_ptr, a_feats, a_weights
    w2 = _recode(Q, ded, d_out, d1, r)
    theta2 = np.full(d_out, r, dtype=np.int64)
    network = ThresholdNetwork(in_code, (layer1, Layer(w2, theta2)), out_code)
    resolved = {**asdict(k), **z, "n_heavy_pairs": int(heavy.sum()),
                "n_dedicated_units": int(n_ded)}
    return network, resolved


def _shared_sets(light, pairs, Q, m, d_out, block: int = 1 << 22):
    """T_q for every shared unit q as a CSR pattern ``(indptr, features)``: the endpoints of
    the light pairs k with q in Q_k, each feature once, ascending (features int32 where m
    fits). Taken unit block by unit block through Q^T (the pairs k of each q, ascending), so
    only about ``block`` keys (q - q0) m + f are sorted at once."""
    r = Q.shape[1]
    qt = transpose_stored(sp.csr_matrix(
        (np.ones(len(light) * r, dtype=np.int8), Q[light].ravel(),
         np.arange(0, (len(light) + 1) * r, r)), shape=(len(light), d_out)))
    kind = np.int32 if m <= np.iinfo(np.int32).max else np.int64
    ptr = np.asarray(qt.indptr, dtype=np.int64)
    counts, parts = np.zeros(d_out, dtype=np.int64), []
    q0 = 0
    while q0 < d_out:
        q1 = min(max(int(np.searchsorted(ptr, ptr[q0] + block // 2, side="right")) - 1,
                     q0 + 1), d_out)
        ks = light[qt.indices[ptr[q0]:ptr[q1]]]
        local = np.repeat(np.arange(q1 - q0, dtype=np.int64), np.diff(ptr[q0:q1 + 1]))
        keys = sorted_unique(np.concatenate([local * m + pairs[ks, 0], local * m + pairs[ks, 1]]))
        block_ptr, features = pattern_from_keys(keys, q1 - q0, m)
        counts[q0:q1] = np.diff(block_ptr)
        parts.append(features.astype(kind))
        q0 = q1
    indptr = np.zeros(d_out + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, (np.concatenate(parts) if parts else np.zeros(0, dtype=kind))


@dataclass(frozen=True)
class _Dedicated:
    """The dedicated block of layer 1 (units numbered from 0) and the heavy pairs' R_k.

    ``indptr``/``features``/``weights``: row j of A for dedicated unit j (partners of B_j with
    weight 1, then its owner with weight M_j); ``theta``: M_j t + t; ``pairs``: the heavy
    pairs, grouped by owner; ``units_ptr``/``units``: R_k of each, as dedicated unit numbers.
    """

    indptr: np.ndarray
    features: np.ndarray
    weights: np.ndarray
    theta: np.ndarray
    pairs: np.ndarray
    units_ptr: np.ndarray
    units: np.ndarray


def _dedicated_units(heavy, owner, partner, m_prime, s, r, t, rng) -> _Dedicated:
    """Groups, R_k and the rows of the dedicated channel, for all heavy owners at once.

    Owners h are taken in ascending order, each with its pairs in ascending order; owner h with o
    pairs gets g_h = max(ceil(2 s r), ceil(2 s r o / sqrt(m'))) units, or one per pair when o <=
    g_h. The random R_k of an owner are its pairs' independent uniform r-subsets of its g_h units,
    by Floyd's algorithm: column c = 0..r-1 draws v uniform in [0, g_h - r + c] for every pair of
    the owner and keeps v unless the pair already holds it, else takes g_h - r + c. All owners'
    draws are one ``rng.integers`` call, in the order owner, column, pair: the same numbers as one
    call per (owner, column), because a bounded integer draw consumes the generator the same way
    whether its bounds come as one array or one call at a time
    (tests/circuits/constructions/test_build_scale.py checks it against the per-owner reference).
    """
    root = math.sqrt(m_prime)
    order = np.argsort(owner[heavy], kind="stable")
    ks = heavy[order]
    own = owner[ks]
    first = np.flatnonzero(np.concatenate([[True], own[1:] != own[:-1]])) if len(ks) else \
        np.zeros(0, np.int64)
    o = np.diff(np.append(first, len(ks)))
    g = np.maximum(math.ceil(2 * s * r), np.ceil(2 * s * r * o / root).astype(np.int64))
    exact = o <= g
    g = np.where(exact, o, g)
    base = np.cumsum(g) - g  # first dedicated unit of each owner's group
    group = np.repeat(np.arange(len(o)), o)  # owner group of each heavy pair
    pos = np.arange(len(ks)) - first[group]  # rank of the pair within its group
    size = np.where(exact[group], 1, r)  # |R_k|
    units_ptr = np.zeros(len(ks) + 1, dtype=np.int64)
    np.cumsum(size, out=units_ptr[1:])
    units = np.empty(int(units_ptr[-1]), dtype=np.int64)
    one = exact[group]
    units[units_ptr[:-1][one]] = base[group[one]] + pos[one]
    drawn = _floyd_by_group(o[~exact], g[~exact], r, rng)
    many = np.flatnonzero(~one)
    units[(units_ptr[many][:, None] + np.arange(r)).ravel()] = \
        (base[group[many]][:, None] + drawn).ravel()

    n_ded = int(g.sum())
    unit_ptr, pair_pos = transpose_pattern(units_ptr, units, n_ded)
    b_size = np.diff(unit_ptr)
    big_m = b_size * t + 1
    indptr = unit_ptr + np.arange(n_ded + 1)
    features = np.empty(int(indptr[-1]), dtype=np.int64)
    weights = np.ones(len(features), dtype=np.int64)
    features[np.arange(len(pair_pos)) + np.repeat(np.arange(n_ded), b_size)] = \
        partner[ks[pair_pos]]
    features[indptr[1:] - 1] = np.repeat(own[first], g)
    weights[indptr[1:] - 1] = big_m
    return _Dedicated(indptr, features, weights, (big_m * t + t).astype(np.int64), ks,
                      units_ptr, units)


def _floyd_by_group(o: np.ndarray, g: np.ndarray, r: int, rng) -> np.ndarray:
    """For groups of o_i rows over g_i units: each row an independent uniform r-subset of
    range(g_i) (unsorted, in draw order), rows grouped as given; one ``rng.integers`` call that
    draws what ``random_subsets(o_i, g_i, r, rng)`` draws group after group."""
    n = int(o.sum())
    if n == 0:
        return np.zeros((0, r), dtype=np.int64)
    cols = np.arange(r)
    highs = (g[:, None] - r + cols + 1).ravel()  # j + 1 per (group, column)
    values = rng.integers(0, np.repeat(highs, np.repeat(o, r)))
    group = np.repeat(np.arange(len(o)), o)
    start = np.cumsum(o) - o
    rank = np.arange(n) - start[group]
    v = values[(start[group] * r + rank)[:, None] + cols * o[group][:, None]]
    top = g[group][:, None] - r + cols  # j per (row, column)
    chosen = np.empty((n, r), dtype=np.int64)
    for col in range(r):
        taken = (chosen[:, :col] == v[:, col:col + 1]).any(axis=1)
        chosen[:, col] = np.where(taken, top[:, col], v[:, col])
    return chosen


def _recode(Q, ded: _Dedicated, d_out, d1, r) -> sp.csr_matrix:
    """Layer 2 = C @ S_R: weight r from shared unit q, and r / |R_k| from each unit of R_k for
    every heavy pair k with q in Q_k (summed)."""
    n_heavy = len(ded.pairs)
    sizes = np.diff(ded.units_ptr)
    sup_indptr = np.concatenate([np.arange(d_out + 1), d_out + ded.units_ptr[1:]])
    sup_indices = np.concatenate([np.arange(d_out), d_out + ded.units])
    q_ptr, k_pos = transpose_pattern(np.arange(0, (n_heavy + 1) * Q.shape[1], Q.shape[1]),
                                     Q[ded.pairs].ravel(), d_out)
    indptr = q_ptr + np.arange(d_out + 1)
    items = np.empty(int(indptr[-1]), dtype=np.int64)
    weights = np.empty(len(items), dtype=np.int64)
    rest = np.arange(len(k_pos)) + np.repeat(np.arange(1, d_out + 1), np.diff(q_ptr))
    items[indptr[:-1]] = np.arange(d_out)
    weights[indptr[:-1]] = r
    items[rest] = d_out + k_pos
    weights[rest] = r // sizes[k_pos]
    return support_sum(indptr, items, sup_indptr, sup_indices, d1, weights=weights)
