"""s-sparse inputs: counting, enumeration, random draws and normalisation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.circuits import PAD
from superpose.circuits.model import (
    active_matrix,
    count_sparse_inputs,
    enumerate_sparse_inputs,
    normalize_active,
    random_sparse_inputs,
    sparse_inputs_at,
)
from superpose.theory.errors import InvalidArgument
from tests.strategies import examples, seeds


@examples(60)
@given(m=st.integers(1, 14), s=st.integers(1, 6))
def test_count_sparse_inputs_matches_a_brute_force_count_over_all_inputs(m, s):
    brute = sum(1 for x in itertools.product((0, 1), repeat=m) if sum(x) <= s)
    assert count_sparse_inputs(m, s) == brute


@examples(60)
@given(m=st.integers(1, 16), s=st.integers(1, 5), chunk=st.integers(1, 50))
def test_enumeration_yields_exactly_count_sparse_inputs_distinct_normalised_rows(m, s, chunk):
    blocks = list(enumerate_sparse_inputs(m, s, chunk=chunk))
    assert all(b.shape[1] == s and b.dtype == np.int64 for b in blocks)
    rows = np.vstack(blocks)
    assert len(rows) == count_sparse_inputs(m, s)
    seen = set()
    for row in rows.tolist():
        active = [f for f in row if f != PAD]
        assert row == active + [PAD] * (s - len(active)), f"row {row} is not padded at the end"
        assert active == sorted(set(active)), f"row {row} is not sorted and distinct"
        assert all(0 <= f < m for f in active)
        seen.add(tuple(active))
    assert len(seen) == len(rows), "a row repeats"
    every = {c for j in range(min(s, m) + 1) for c in itertools.combinations(range(m), j)}
    assert seen == every


def test_enumeration_starts_with_the_empty_input():
    first = next(iter(enumerate_sparse_inputs(5, 2)))
    assert first.tolist() == [[PAD, PAD]]


@examples(60)
@given(m=st.integers(1, 60), s=st.integers(1, 5), n=st.integers(0, 300), seed=seeds,
       exact=st.booleans())
def test_random_sparse_inputs_are_distinct_in_range_and_at_most_s(m, s, n, seed, exact):
    rows = random_sparse_inputs(m, s, n, np.random.default_rng(seed), exact=exact)
    note(f"m={m} s={s} n={n} seed={seed} exact={exact}")
    assert rows.shape == (n, s)
    for row in rows.tolist():
        active = [f for f in row if f != PAD]
        assert row == active + [PAD] * (s - len(active))
        assert len(set(active)) == len(active), f"row {row} repeats a feature"
        assert all(0 <= f < m for f in active), f"row {row} leaves [0, {m})"
        assert 1 <= len(active) <= min(s, m)
        if exact:
            assert len(active) == min(s, m)


@examples(20)
@given(m=st.integers(1, 60), s=st.integers(1, 5), n=st.integers(0, 100), seed=seeds)
def test_random_sparse_inputs_are_reproducible_from_the_seed(m, s, n, seed):
    first = random_sparse_inputs(m, s, n, np.random.default_rng(seed))
    second = random_sparse_inputs(m, s, n, np.random.default_rng(seed))
    assert np.array_equal(first, second)


def test_random_sparse_inputs_cover_every_size_from_one_to_s():
    rows = random_sparse_inputs(1000, 4, 4000, np.random.default_rng(7))
    sizes = np.count_nonzero(rows != PAD, axis=1)
    assert set(sizes.tolist()) == {1, 2, 3, 4}


@examples(60)
@given(m=st.integers(1, 30), s=st.integers(1, 5), data=st.data())
def test_normalize_active_sorts_each_row_and_pads_it_to_s(m, s, data):
    k = data.draw(st.integers(0, min(s, m)))
    active = data.draw(st.lists(st.integers(0, m - 1), unique=True, min_size=k, max_size=k))
    width = data.draw(st.integers(len(active), s))
    raw = data.draw(st.permutations(active + [PAD] * (width - len(active))))
    out = normalize_active(raw, m, s)
    assert out.shape == (1, s)
    assert out[0].tolist() == sorted(active) + [PAD] * (s - len(active))


@pytest.mark.parametrize("active, m, s", [
    ([[1, 1]], 5, 2),            # a repeated feature
    ([[0, 2, 2]], 5, 3),
    ([[5]], 5, 2),               # out of range above
    ([[-2]], 5, 2),              # below the padding value
    ([[0, 1, 2]], 5, 2),         # more than s features
    ([[[0]]], 5, 2),             # three dimensions
])
def test_normalize_active_rejects_duplicates_out_of_range_and_bad_shapes(active, m, s):
    with pytest.raises(ValueError):
        normalize_active(active, m, s)


def test_padding_repeated_is_not_a_duplicate():
    assert normalize_active([[PAD, 3, PAD]], 5, 3).tolist() == [[3, PAD, PAD]]


@examples(40)
@given(m=st.integers(1, 30), s=st.integers(1, 4), seed=seeds)
def test_active_matrix_marks_exactly_the_active_features(m, s, seed):
    rows = random_sparse_inputs(m, s, 20, np.random.default_rng(seed))
    x = active_matrix(rows, m).toarray()
    assert x.shape == (20, m)
    for b, row in enumerate(rows.tolist()):
        assert set(np.flatnonzero(x[b]).tolist()) == {f for f in row if f != PAD}
    assert set(np.unique(x).tolist()) <= {0, 1}


@pytest.mark.parametrize("m, s", [(0, 1), (3, 0), (2.5, 1)])
def test_enumeration_rejects_bad_sizes(m, s):
    with pytest.raises(InvalidArgument):
        next(iter(enumerate_sparse_inputs(m, s)))



@examples(60)
@given(m=st.integers(1, 12), s=st.integers(1, 4), data=st.data())
def test_the_input_at_a_position_is_the_one_enumeration_gives_there(m, s, data):
    every = np.vstack(list(enumerate_sparse_inputs(m, s)))
    positions = data.draw(st.lists(st.integers(0, len(every) - 1), max_size=20))
    got = sparse_inputs_at(m, s, positions)
    assert np.array_equal(got, every[positions].reshape(-1, s)), positions


def test_a_position_outside_the_input_space_is_a_one_line_error():
    with pytest.raises(InvalidArgument, match=r"position=11 must lie in \[0, 11\)"):
        sparse_inputs_at(4, 2, [11])
