"""Building at scale: the vectorised sparse helpers and constructions equal simple references
(same matrices, same random draws), and a large build is consistent and correct.

The references are the plain loops the constructions were first written with (one call per
owner, COO triples summed by SciPy): the vectorised code must build the identical circuit,
because the same seed promises the same circuit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, note
from hypothesis import strategies as st

from superpose import circuits
from superpose.circuits import And2, And2Constants, construct, fuzz
from superpose.circuits.constructions._and2 import _floyd_by_group
from superpose.circuits.model import random_subsets, seeded_rng
from superpose.circuits.model import value_stats as _value_stats
from superpose.circuits.model._sparse import (
    pattern_from_keys,
    sorted_unique,
    support_sum,
    transpose_pattern,
)
from superpose.theory.errors import InvalidArgument
from tests.strategies import describe, examples, pair_lists, seeds

# --- references --------------------------------------------------------------------------------


def _reference_support_sum(indptr, features, sup_indptr, sup_indices, width, weights):
    """Dense sum over entries e of row i of w_e [u in S_{f_e}], by loops."""
    out = np.zeros((len(indptr) - 1, width), dtype=np.int64)
    for i in range(len(indptr) - 1):
        for e in range(indptr[i], indptr[i + 1]):
            f = features[e]
            out[i, sup_indices[sup_indptr[f]:sup_indptr[f + 1]]] += weights[e]
    return out


def _expand(unit, feature, P, d_in, n_units, weight=None):
    t = P.shape[1]
    data = np.ones(len(unit) * t, np.int64) if weight is None else np.repeat(weight, t)
    mat = sp.csr_matrix((data, (np.repeat(unit, t), P[feature].ravel())),
                        shape=(n_units, d_in), dtype=np.int64)
    mat.sum_duplicates()
    return mat


def _reference_three_channel(problem: And2, s: int, seed: int, constants: And2Constants):
    """The construction as first written: a loop over heavy owners, one random_subsets call
    each, layers summed from COO triples. Returns (W1, theta1, W2, theta2)."""
    rngs = [seeded_rng(seed, stream) for stream in range(3)]
    k = constants.validated(s)
    m, m_prime = problem.m, problem.m_prime
    root = math.sqrt(m_prime)
    log_mp = math.log2(m_prime) if m_prime > 1 else 0.0
    t = max(k.t_min, math.ceil(math.log2(m)))
    r = max(k.r_min, math.ceil(k.c_r * log_mp))
    d0 = math.ceil(k.c_d * max(root, s) * t)
    d_out = max(r, math.ceil(k.c_shared * s * root * r))
    P = circuits.random_support_code(m, d0, t, rngs[0]).indices.reshape(m, t)
    Q = circuits.random_support_code(m_prime, d_out, r, rngs[1]).indices.reshape(m_prime, r)
    pairs, deg = problem.pairs, problem.degrees()
    a, b = pairs[:, 0], pairs[:, 1]
    a_owns = (deg[a] > deg[b]) | ((deg[a] == deg[b]) & (a < b))
    owner, partner = np.where(a_owns, a, b), np.where(a_owns, b, a)
    heavy = deg[owner] > k.heavy_factor * root
    light = np.flatnonzero(~heavy)
    key = np.unique(np.concatenate([Q[light].ravel()] * 2) * m + np.concatenate(
        [np.repeat(pairs[light, 0], r), np.repeat(pairs[light, 1], r)]))
    blocks, thetas = [_expand(key // m, key % m, P, d0, d_out)], [np.full(d_out, 2 * t)]
    q_rows, j_cols, vals = [np.arange(d_out)], [np.arange(d_out)], [np.full(d_out, r)]
    next_unit, hk = d_out, np.flatnonzero(heavy)
    for h in np.unique(owner[hk]):
        ks = hk[owner[hk] == h]
        o = len(ks)
        g = max(math.ceil(2 * s * r), math.ceil(2 * s * r * o / root))
        if o <= g:
            g, assign = o, np.arange(o)[:, None]
        else:
            assign = random_subsets(o, g, r, rngs[2])
        local = assign.ravel()
        big_m = np.bincount(local, minlength=g) * t + 1
        blocks.append(_expand(local, np.repeat(partner[ks], assign.shape[1]), P, d0, g)
                      + _expand(np.arange(g), np.full(g, h), P, d0, g, weight=big_m))
        thetas.append(big_m * t + t)
        size = assign.shape[1]
        q_rows.append(np.repeat(Q[ks], size, axis=1).ravel())
        j_cols.append(np.tile(next_unit + assign, (1, r)).ravel())
        vals.append(np.full(len(ks) * r * size, r // size))
        next_unit += g
    w1 = sp.vstack(blocks).tocsr()
    w2 = sp.csr_matrix((np.concatenate(vals), (np.concatenate(q_rows), np.concatenate(j_cols))),
                       shape=(d_out, next_unit), dtype=np.int64)
    w2.sum_duplicates()
    return w1, np.concatenate(thetas), w2, np.full(d_out, r)


def _same_csr(got: sp.csr_matrix, want: sp.csr_matrix) -> bool:
    want = want.tocsr()
    want.sum_duplicates()
    return (got.shape == want.shape and np.array_equal(got.indptr, want.indptr)
            and np.array_equal(got.indices, want.indices)
            and np.array_equal(got.data, want.data))


# --- the helpers against their references ------------------------------------------------------


@st.composite
def support_sum_cases(draw):
    """A random integer A (rows x items, weights >= 1, repeats allowed) and supports of mixed
    or equal sizes over a small width."""
    width = draw(st.integers(1, 12))
    n_items = draw(st.integers(1, 8))
    fixed = draw(st.booleans())
    t = draw(st.integers(0, width))
    sizes = [t if fixed else draw(st.integers(0, width)) for _ in range(n_items)]
    supports = [sorted(draw(st.sets(st.integers(0, width - 1), min_size=n, max_size=n)))
                for n in sizes]
    rows = draw(st.lists(st.lists(st.integers(0, n_items - 1), max_size=6), max_size=8))
    weights = [draw(st.lists(st.integers(1, 9), min_size=len(row), max_size=len(row)))
               for row in rows]
    chunk = draw(st.integers(1, 40))
    indptr = np.cumsum([0] + [len(row) for row in rows])
    sup_indptr = np.cumsum([0] + sizes)
    return (indptr, np.array(sum(rows, []), dtype=np.int64), sup_indptr,
            np.array(sum(supports, []), dtype=np.int64), width,
            np.array(sum(weights, []), dtype=np.int64), chunk)


@examples(200)
@given(case=support_sum_cases(), unit_weights=st.booleans())
def test_support_sum_equals_the_dense_loop_reference_and_is_canonical(case, unit_weights):
    indptr, features, sup_indptr, sup_indices, width, weights, chunk = case
    if unit_weights:
        weights = np.ones_like(weights)
    got = support_sum(indptr, features, sup_indptr, sup_indices, width,
                      weights=None if unit_weights else weights, chunk=chunk)
    want = _reference_support_sum(indptr, features, sup_indptr, sup_indices, width, weights)
    note(f"got={got.toarray().tolist()} want={want.tolist()}")
    assert got.dtype == np.int64 and got.shape == want.shape
    assert np.array_equal(got.toarray(), want)
    assert np.all(got.data != 0), "an entry of a sum of positive weights is stored as zero"
    fresh = sp.csr_matrix((got.data, got.indices, got.indptr), shape=got.shape)
    assert fresh.has_canonical_format, "rows must be sorted with one entry per column"


def test_support_sum_keeps_column_indices_beyond_int32():
    # a width past 2^31 (a construction constant such as c_d = 1e9 asks for one): the few
    # entries must keep their columns, not wrap to negative int32 values
    width = 10 ** 11
    got = support_sum(np.array([0, 1, 2]), np.array([0, 1]), np.array([0, 2, 3]),
                      np.array([5, width - 1, 2 ** 35]), width)
    assert got.indices.dtype == np.int64
    assert got.indices.tolist() == [5, width - 1, 2 ** 35] and got.shape == (2, width)


def test_support_sum_refuses_keys_beyond_int64_instead_of_wrapping():
    with pytest.raises(OverflowError, match="beyond int64"):
        support_sum(np.array([0, 1, 2]), np.array([0, 1]), np.array([0, 1, 2]),
                    np.array([0, 1]), 2 ** 62)


def test_support_sum_rejects_a_weight_below_one():
    with pytest.raises(InvalidArgument, match="weights.min"):
        support_sum(np.array([0, 1]), np.array([0]), np.array([0, 1]), np.array([0]), 2,
                    weights=np.array([0]))


@examples(100)
@given(keys=st.lists(st.integers(-2**40, 2**40), max_size=60))
def test_sorted_unique_equals_numpy_unique(keys):
    keys = np.array(keys, dtype=np.int64)
    assert np.array_equal(sorted_unique(keys), np.unique(keys))


@examples(100)
@given(data=st.data(), n_rows=st.integers(0, 8), n_cols=st.integers(1, 8))
def test_pattern_from_keys_and_transpose_pattern_agree_with_dense_matrices(data, n_rows, n_cols):
    cells = data.draw(st.sets(st.integers(0, max(n_rows * n_cols - 1, 0)),
                              max_size=n_rows * n_cols), label="cells")
    keys = np.array(sorted(cells), dtype=np.int64)
    indptr, indices = pattern_from_keys(keys, n_rows, n_cols)
    dense = np.zeros((n_rows, n_cols), dtype=np.int64)
    dense.ravel()[keys] = 1
    got = sp.csr_matrix((np.ones(len(indices), np.int64), indices, indptr),
                        shape=(n_rows, n_cols)).toarray()
    assert np.array_equal(got, dense)
    t_ptr, t_rows = transpose_pattern(indptr, indices, n_cols)
    for j in range(n_cols):
        assert t_rows[t_ptr[j]:t_ptr[j + 1]].tolist() == np.flatnonzero(dense[:, j]).tolist()


@examples(100)
@given(groups=st.lists(st.tuples(st.integers(1, 12), st.integers(0, 30)), max_size=6),
       r=st.integers(1, 6), seed=seeds)
def test_one_draw_for_all_groups_equals_one_random_subsets_call_per_group(groups, r, seed):
    o = np.array([n for n, _ in groups], dtype=np.int64)
    g = np.array([r + extra for _, extra in groups], dtype=np.int64)
    rng, ref_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    got = _floyd_by_group(o, g, r, rng)
    want = [random_subsets(int(n), int(width), r, ref_rng) for n, width in zip(o, g)]
    want = np.concatenate(want) if want else np.zeros((0, r), dtype=np.int64)
    assert np.array_equal(got, want)
    assert rng.integers(0, 2**40, size=3).tolist() == ref_rng.integers(0, 2**40, size=3).tolist()
    assert rng.integers(0, 7, size=3).tolist() == ref_rng.integers(0, 7, size=3).tolist(), \
        "the generators are in different states after the draws"


def _reference_random_subsets(n_rows, n, t, rng):
    """Floyd's algorithm as first written: rows x t int64, a quadratic check per column."""
    chosen = np.empty((n_rows, t), dtype=np.int64)
    for col, j in enumerate(range(n - t, n)):
        v = rng.integers(0, j + 1, size=n_rows)
        taken = (chosen[:, :col] == v[:, None]).any(axis=1)
        chosen[:, col] = np.where(taken, j, v)
    return chosen


@examples(100)
@given(n_rows=st.integers(0, 50), n=st.integers(1, 400), data=st.data(), seed=seeds)
def test_random_subsets_draws_what_the_row_major_floyd_reference_draws(n_rows, n, data, seed):
    t = data.draw(st.integers(0, min(n, 40)), label="t")
    got = random_subsets(n_rows, n, t, np.random.default_rng(seed))
    want = _reference_random_subsets(n_rows, n, t, np.random.default_rng(seed))
    assert got.dtype == np.int64 and got.flags.c_contiguous
    assert np.array_equal(got, want)


@examples(100)
@given(values=st.lists(st.integers(-2**63, 2**63 - 1) | st.integers(-3, 40), max_size=40))
def test_value_stats_count_nonzeros_bits_and_the_largest_magnitude_exactly(values):
    array = np.array(values, dtype=np.int64)
    nonzero = [abs(v) for v in values if v]
    assert _value_stats(array) == (len(nonzero), sum(1 + v.bit_length() for v in nonzero),
                                   max(nonzero, default=0))


# --- the construction against the loop reference -----------------------------------------------


def _assert_same_as_reference(problem, s, seed, constants):
    circuit = construct(problem, sparsity=s, seed=seed, constants=constants)
    w1, theta1, w2, theta2 = _reference_three_channel(problem, s, seed,
                                                      And2Constants(**constants))
    layer1, layer2 = circuit.network.layers
    assert _same_csr(layer1.weights, w1), f"{describe(circuit)}: layer 1 weights differ"
    assert np.array_equal(layer1.theta, theta1), f"{describe(circuit)}: layer 1 thresholds"
    assert _same_csr(layer2.weights, w2), f"{describe(circuit)}: layer 2 weights differ"
    assert np.array_equal(layer2.theta, theta2), f"{describe(circuit)}: layer 2 thresholds"
    return circuit


@examples(40)
@given(instance=pair_lists(max_m=16, max_pairs=100), s=st.sampled_from([1, 2, 3]),
       seed=st.integers(0, 2**16), heavy_factor=st.sampled_from([0.1, 0.3, 1.0]),
       r_min=st.sampled_from([1, 2, 5, None]), c_r=st.sampled_from([0.1, None]))
def test_three_channel_builds_the_same_layers_as_the_per_owner_loop_reference(
        instance, s, seed, heavy_factor, r_min, c_r):
    m, pairs = instance
    constants = {"heavy_factor": heavy_factor, "r_min": r_min, "c_r": c_r, "t_min": 3}
    _assert_same_as_reference(And2(m, pairs), min(s, m), seed, constants)


@pytest.mark.parametrize("family", sorted(circuits.constructions.AND2_FAMILIES))
@pytest.mark.parametrize("s", [2, 3])
def test_three_channel_with_random_owner_groups_equals_the_reference_on_every_family(family, s):
    """Small r (r_min = 2, c_r = 0.1) makes g_h < o_h for the heavy owners, so the groups'
    R_k are drawn at random (the vectorised Floyd draw), not one exact unit per pair."""
    problem = circuits.registry.make_problem("and2", 300, family, instance_seed=1)
    constants = {"heavy_factor": 0.5, "r_min": 2, "c_r": 0.1}
    circuit = _assert_same_as_reference(problem, s, 5, constants)
    if family in ("star", "mixed", "complete"):
        assert circuit.constants["n_dedicated_units"] < circuit.constants["n_heavy_pairs"]


@examples(20)
@given(n=st.integers(1, 300), s=st.sampled_from([2, 3]), seed=seeds)
def test_bloom_permutation_equals_the_summed_coo_triples(n, s, seed):
    perm = np.random.default_rng(seed).permutation(n)
    circuit = construct(circuits.Permutation(perm), sparsity=min(s, n), seed=seed % 2**16)
    net = circuit.network
    t = net.input_code.sizes()[0]
    P = net.input_code.indices.reshape(n, t)
    Q = net.output_code.indices.reshape(n, t)
    d = net.output_code.width
    want = sp.csr_matrix((np.ones(n * t * t, np.int64),
                          (np.repeat(Q, t, axis=1).ravel(), np.tile(P[perm], (1, t)).ravel())),
                         shape=(d, d), dtype=np.int64)
    assert _same_csr(net.layers[0].weights, want)


# --- a large build -------------------------------------------------------------------------------


@pytest.mark.slow
def test_and2_random_at_ten_to_the_five_has_consistent_counts_and_no_wrong_fuzzed_output():
    circuit = circuits.build("and2", 10**5, "random", sparsity=2, seed=0)
    counts = circuit.counts()
    net = circuit.network
    assert counts.widths == tuple(net.widths) and len(counts.widths) == 3
    assert counts.widths[0] == net.input_code.width
    assert counts.widths[-1] == net.output_code.width
    assert counts.neurons == sum(counts.widths)
    assert counts.nonzero_weights == sum(layer.weights.nnz for layer in net.layers) > 0
    assert counts.nonzero_thresholds == sum(len(layer.theta) for layer in net.layers)
    assert counts.params == counts.nonzero_weights + counts.nonzero_thresholds > 0
    for layer in net.layers:
        w = layer.weights
        assert sp.csr_matrix((w.data, w.indices, w.indptr), shape=w.shape).has_canonical_format
        assert w.data.min() > 0
    report = fuzz(circuit, samples=2000, seed=0)
    assert report.inputs_checked == 2000
    assert report.wrong_outputs == 0, f"{describe(circuit)}: {report.examples}"
