"""Sparse building blocks shared by the engine and the search: each against a plain loop."""

from __future__ import annotations

import bisect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import superpose.circuits.model._sparse as sparse_module
from superpose.circuits.model import dense_ranks, search_sorted_ranges, unique_inverse


@given(data=st.data(), grouped=st.booleans(), table=st.booleans())
def test_search_sorted_ranges_finds_each_probe_where_bisect_would(data, grouped, table):
    """Ranges of one array, each sorted (empty ones too): found iff the probe is in its range,
    and where found, the position is bisect_left within the range; the same when the ranges
    are named (``groups``), so that ranges asked often are read whole (up to 60 probes over
    6 short ranges: most are), looked up in a table of keys or by searchsorted."""
    lists = data.draw(st.lists(st.lists(st.integers(0, 30), unique=True).map(sorted),
                               min_size=1, max_size=6))
    values = np.array(sum(lists, []), np.int64)
    bounds = np.cumsum([0] + [len(x) for x in lists])
    which = data.draw(st.lists(st.integers(0, len(lists) - 1), max_size=60))
    probes = np.array(data.draw(st.lists(st.integers(-1, 31), min_size=len(which),
                                         max_size=len(which))), np.int64)
    which = np.array(which, np.int64)
    with pytest.MonkeyPatch.context() as mp:  # ranges named even for a single probe
        mp.setattr(sparse_module, "GROUPED_RANKS", len(lists))
        mp.setattr(sparse_module, "READ_TABLE", 10 ** 9 if table else 0)
        found, at = search_sorted_ranges(values, bounds[which], bounds[which + 1], probes,
                                         groups=(which, len(lists)) if grouped else None)
    for i, (r, probe) in enumerate(zip(which, probes)):
        lo, hi = bounds[r], bounds[r + 1]
        place = bisect.bisect_left(values.tolist(), probe, lo, hi)
        assert found[i] == (probe in lists[r])
        assert not found[i] or at[i] == place
        assert 0 <= at[i] < max(values.size, 1)


@given(values=st.lists(st.integers(0, 20)), extra=st.integers(0, 5))
def test_dense_ranks_number_the_distinct_values_in_order_and_nothing_else(values, extra):
    n = max(values, default=0) + 1 + extra
    distinct, rank = dense_ranks(np.array(values, np.int64), n)
    assert distinct.tolist() == sorted(set(values))
    assert rank.tolist() == [sorted(set(values)).index(v) if v in values else -1
                             for v in range(n)]


@given(keys=st.lists(st.integers(0, 50), max_size=40), dense=st.booleans())
def test_unique_inverse_is_numpys_unique_with_its_inverse_either_way(keys, dense):
    """By dense ranks (a key space within the limit) or by NumPy's sort (the limit set
    below the space): the distinct keys ascending and, per key, its place among them."""
    keys = np.array(keys, np.int64)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sparse_module, "DENSE_KEYS", 51 if dense else 50)
        distinct, inverse = unique_inverse(keys, 51)
    want, want_inverse = np.unique(keys, return_inverse=True)
    assert distinct.tolist() == want.tolist()
    assert inverse.tolist() == want_inverse.ravel().tolist()
