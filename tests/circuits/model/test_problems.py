"""Problems: ground truth against brute force, pair-graph structure, and argument checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.circuits import And2, Permutation, Represent, source_set_weights
from superpose.theory.errors import InvalidArgument
from tests.strategies import as_batch, examples, pair_lists, permutations, support_codes


def _inputs(m: int, s: int):
    return [c for j in range(min(s, m) + 1) for c in itertools.combinations(range(m), j)]


def _dense_and2_truth(pairs, x_rows, m):
    """y[b, k] = x[b, a_k] * x[b, b_k] on dense 0/1 input vectors."""
    x = np.zeros((len(x_rows), m), dtype=np.int64)
    for b, active in enumerate(x_rows):
        x[b, list(active)] = 1
    return x[:, pairs[:, 0]] * x[:, pairs[:, 1]]


@examples(60)
@given(instance=pair_lists(max_m=12, max_pairs=30), s=st.integers(1, 4))
def test_and2_truth_matches_the_dense_product_of_the_two_ends_on_every_sparse_input(instance, s):
    m, pairs = instance
    problem = And2(m, pairs)
    inputs = _inputs(m, s)
    note(f"m={m} pairs={pairs.tolist()} s={s}")
    got = problem.truth(as_batch(inputs, s)).toarray()
    assert np.array_equal(got, _dense_and2_truth(pairs, inputs, m))


@examples(40)
@given(perm=permutations(1, 12), s=st.integers(1, 3))
def test_permutation_truth_copies_input_perm_k_to_output_k(perm, s):
    problem = Permutation(perm)
    inputs = _inputs(len(perm), s)
    got = problem.truth(as_batch(inputs, s)).toarray()
    for b, active in enumerate(inputs):
        want = [int(perm[k] in active) for k in range(len(perm))]
        assert got[b].tolist() == want, f"perm={perm.tolist()} input={active}"


@examples(20)
@given(m=st.integers(1, 12), s=st.integers(1, 3))
def test_represent_truth_is_the_input_itself(m, s):
    problem = Represent(m)
    inputs = _inputs(m, s)
    got = problem.truth(as_batch(inputs, s)).toarray()
    for b, active in enumerate(inputs):
        assert got[b].tolist() == [int(k in active) for k in range(m)]


@examples(40)
@given(instance=pair_lists(max_m=20, max_pairs=60))
def test_and2_degrees_and_pair_graph_follow_the_pair_list(instance):
    m, pairs = instance
    problem = And2(m, pairs)
    deg = [sum(1 for a, b in pairs.tolist() if i in (a, b)) for i in range(m)]
    assert problem.degrees().tolist() == deg
    graph = problem.related_features().toarray()
    want = np.zeros((m, m), dtype=np.int64)
    for a, b in pairs.tolist():
        want[a, b] = want[b, a] = 1
    assert np.array_equal(graph, want)
    assert problem.m == m and problem.m_prime == len(pairs)


@examples(20)
@given(perm=permutations(1, 20))
def test_permutation_and_represent_have_an_empty_pair_graph(perm):
    assert Permutation(perm).related_features().nnz == 0
    assert Represent(len(perm)).related_features().nnz == 0


@examples(40)
@given(instance=pair_lists(max_m=15, max_pairs=20), data=st.data())
def test_and2_rejects_a_repeated_pair_in_either_orientation(instance, data):
    m, pairs = instance
    k = data.draw(st.integers(0, len(pairs) - 1))
    flip = data.draw(st.booleans())
    extra = pairs[k][::-1] if flip else pairs[k]
    bad = np.vstack([pairs, extra[None, :]])
    with pytest.raises(InvalidArgument) as info:
        And2(m, bad)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("m, pairs", [
    (4, [[1, 1]]),                 # a == b
    (4, [[0, 1], [2, 2]]),
    (4, [[0, 4]]),                 # out of range above
    (4, [[-1, 2]]),                # negative
    (4, np.zeros((0, 2))),         # no pairs
    (4, [0, 1]),                   # not a list of pairs
    (4, [[0, 1, 2]]),
    (1, [[0, 1]]),                 # m < 2
    (4.0, [[0, 1]]),               # m not an integer
])
def test_and2_rejects_invalid_pair_lists(m, pairs):
    with pytest.raises(InvalidArgument) as info:
        And2(m, np.asarray(pairs))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("perm", [[0, 0], [1, 2], [0, 2, 1, 4], [-1, 0], [], [[0, 1]]])
def test_permutation_rejects_anything_but_a_permutation(perm):
    with pytest.raises(InvalidArgument):
        Permutation(np.asarray(perm, dtype=np.int64))


@pytest.mark.parametrize("m", [0, -3, 2.0, True])
def test_represent_rejects_a_bad_size(m):
    with pytest.raises(InvalidArgument):
        Represent(m)


@examples(40)
@given(data=st.data(), pairs=pair_lists(max_m=10, max_pairs=12))
def test_source_set_weights_count_each_feature_of_t_q_once_per_input_unit(data, pairs):
    m, pair_array = pairs
    problem = And2(m, pair_array)
    in_code = data.draw(support_codes(m, 6))
    out_code = data.draw(support_codes(problem.m_prime, 5))
    got = source_set_weights(problem, in_code, out_code).toarray()
    want = np.zeros((out_code.width, in_code.width), dtype=np.int64)
    for q in range(out_code.width):
        t_q = {int(f) for k in range(problem.m_prime) if q in out_code.row(k)
               for f in pair_array[k]}
        for f in t_q:
            want[q, in_code.row(f)] += 1
    assert got.tolist() == want.tolist()

