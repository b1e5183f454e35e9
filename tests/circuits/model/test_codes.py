"""Support codes: shape, sortedness, determinism, and uniformity of the random subsets."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.circuits import SupportCode, identity_code, random_support_code
from superpose.circuits.model import random_subsets
from superpose.theory.errors import InvalidArgument
from tests.strategies import examples, seeds


@st.composite
def code_shapes(draw):
    width = draw(st.integers(1, 300))
    t = draw(st.integers(1, min(width, 40)))
    n_rows = draw(st.integers(0, 200))
    return n_rows, width, t


@examples(60)
@given(shape=code_shapes(), seed=seeds)
def test_every_random_support_row_is_sorted_distinct_of_size_t_and_within_the_width(shape, seed):
    n_rows, width, t = shape
    note(f"n_rows={n_rows} width={width} t={t} seed={seed}")
    code = random_support_code(n_rows, width, t, np.random.default_rng(seed))
    assert code.n_rows == n_rows
    assert code.width == width
    assert code.indptr[0] == 0 and len(code.indptr) == n_rows + 1
    assert np.all(code.sizes() == t)
    for i in range(n_rows):
        row = code.row(i)
        assert len(row) == t, f"row {i} has {len(row)} units, not t={t}"
        assert np.all(np.diff(row) > 0), f"row {i}={row.tolist()} is not sorted and distinct"
        assert row.min() >= 0 and row.max() < width, f"row {i}={row.tolist()} leaves the width"


@examples(30)
@given(shape=code_shapes(), seed=seeds)
def test_the_same_rng_seed_gives_the_same_code(shape, seed):
    n_rows, width, t = shape
    first = random_support_code(n_rows, width, t, np.random.default_rng(seed))
    second = random_support_code(n_rows, width, t, np.random.default_rng(seed))
    assert first.same_as(second)
    assert second.same_as(first)


def test_different_seeds_give_different_codes():
    first = random_support_code(50, 100, 10, np.random.default_rng(1))
    second = random_support_code(50, 100, 10, np.random.default_rng(2))
    assert not first.same_as(second)


@examples(30)
@given(n_rows=st.integers(1, 40), width=st.integers(2, 50), seed=seeds, data=st.data())
def test_same_as_notices_a_changed_unit_or_width(n_rows, width, seed, data):
    t = data.draw(st.integers(1, width - 1))
    code = random_support_code(n_rows, width, t, np.random.default_rng(seed))
    i = data.draw(st.integers(0, len(code.indices) - 1))
    changed = code.indices.copy()
    changed[i] = next(u for u in range(width) if u != changed[i])
    assert not code.same_as(SupportCode(code.indptr, changed, width))
    assert not code.same_as(SupportCode(code.indptr, code.indices, width + 1))
    assert code.same_as(SupportCode(code.indptr.copy(), code.indices.copy(), width))


@examples(30)
@given(shape=code_shapes(), seed=seeds)
def test_the_incidence_matrix_has_a_one_exactly_at_each_support_unit(shape, seed):
    n_rows, width, t = shape
    code = random_support_code(n_rows, width, t, np.random.default_rng(seed))
    mat = code.matrix().toarray()
    assert mat.shape == (n_rows, width)
    expected = np.zeros((n_rows, width), dtype=np.int64)
    for i in range(n_rows):
        expected[i, code.indices[i * t:(i + 1) * t]] = 1
    assert np.array_equal(mat, expected)


@pytest.mark.parametrize("n, t", [(4, 2), (5, 3), (6, 1), (6, 6)])
def test_random_subsets_are_uniform_over_all_t_subsets(n, t):
    rows = 6000 * math.comb(n, t)
    chosen = random_subsets(rows, n, t, np.random.default_rng(12345))
    assert chosen.shape == (rows, t)
    assert np.all(np.sort(chosen, axis=1)[:, 1:] != np.sort(chosen, axis=1)[:, :-1])
    counts = {}
    for row in map(tuple, np.sort(chosen, axis=1).tolist()):
        counts[row] = counts.get(row, 0) + 1
    subsets = list(itertools.combinations(range(n), t))
    assert set(counts) == set(subsets)
    expected = rows / len(subsets)
    chi2 = sum((counts[c] - expected) ** 2 / expected for c in subsets)
    dof = max(len(subsets) - 1, 1)
    # a chi-square this far above its degrees of freedom has probability < 1e-9
    assert chi2 < dof + 12 * math.sqrt(2 * dof) + 30, f"chi2={chi2:.1f} with {dof} dof"


@examples(20)
@given(n_rows=st.integers(0, 500))
def test_identity_code_gives_row_i_the_single_unit_i(n_rows):
    code = identity_code(n_rows)
    assert code.n_rows == n_rows
    assert code.width == max(n_rows, 1)
    for i in range(n_rows):
        assert code.row(i).tolist() == [i]
    assert np.array_equal(code.matrix().toarray(), np.eye(n_rows, max(n_rows, 1), dtype=np.int64))


@pytest.mark.parametrize("n_rows, width, t", [
    (5, 10, 11),      # support larger than the layer
    (5, 10, 0),       # empty support
    (5, 0, 1),        # empty layer
    (-1, 10, 2),      # negative row count
    (5, 10.0, 2),     # non-integer width
    (5, 10, True),    # bool is not an integer here
    ("5", 10, 2),
])
def test_random_support_code_rejects_bad_sizes_with_invalid_argument(n_rows, width, t):
    with pytest.raises(InvalidArgument) as info:
        random_support_code(n_rows, width, t, np.random.default_rng(0))
    assert "\n" not in str(info.value)
