"""The rise index: a first-layer unit it rules out cannot turn on, whatever is added."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from superpose.circuits import Layer, SupportCode
from superpose.circuits.engine import _rise
from superpose.circuits.engine._gains import FirstLayerGains
from superpose.circuits.engine._rise import rise_floors
from tests.strategies import examples, layers, support_codes


def _first_layer(data):
    """A random first layer (dense rows of mostly positive weights, so that two features
    can reach beyond one feature's top), an input code, a sparsity s >= 2 and the tables built
    for it. The thresholds sit near what some input of at most s features reaches, so that
    floors >= 1 and units that only just turn on are common."""
    m, d0, d = data.draw(st.integers(2, 7)), data.draw(st.integers(1, 8)), data.draw(
        st.integers(1, 5))
    values = data.draw(st.lists(st.integers(-2, 6), min_size=d * d0, max_size=d * d0))
    weights = sp.csr_matrix(np.array(values, np.int64).reshape(d, d0))
    code = data.draw(support_codes(m, d0, max_support=3))
    s = data.draw(st.sampled_from([2, 2, 2, 3]))
    drawn = Layer(weights, np.zeros(d, np.int64))
    reached = _z(drawn, code, data.draw(st.lists(st.integers(0, m - 1), unique=True,
                                                 min_size=2, max_size=s)))
    delta = data.draw(st.lists(st.integers(-2, 2), min_size=d, max_size=d))
    layer = Layer(weights, reached + np.array(delta, np.int64))
    table = FirstLayerGains(layer.weights, layer.theta, code.indptr, code.indices, code.width,
                            s, divisor=2, search_divisor=2)
    return m, layer, code, s, table


def _z(layer, code, features) -> np.ndarray:
    """Layer 1's pre-activations at the input of ``features`` (layer 0 an OR)."""
    on = np.zeros(code.width, np.int64)
    for f in features:
        on[code.indices[code.indptr[f]:code.indptr[f + 1]]] = 1
    return layer.weights.toarray().astype(np.int64) @ on


def _padded(features, s) -> np.ndarray:
    return np.array([list(features) + [-1] * (s - len(features))], np.int64)


@examples(300)
@given(data=st.data())
def test_a_unit_the_rise_index_rules_out_cannot_turn_on_with_the_features_left(data):
    """may_rise False at an input y (1 <= |y| <= s - 1) for a unit off there: no set of at
    most s - |y| further features turns it on (every such set tried on the dense layer)."""
    m, layer, code, s, table = _first_layer(data)
    y = data.draw(st.lists(st.integers(0, m - 1), unique=True, min_size=1, max_size=s - 1))
    d = layer.weights.shape[0]
    units = np.arange(d)
    rise = table.rise.may_rise(_padded(y, s), np.zeros(d, np.int64), units)
    theta = layer.theta.astype(np.int64)
    off = _z(layer, code, y) < theta
    rest = [f for f in range(m) if f not in y]
    for u in np.flatnonzero(off & ~rise):
        for k in range(1, s - len(y) + 1):
            for extra in itertools.combinations(rest, k):
                z = _z(layer, code, list(y) + list(extra))[u]
                assert z < theta[u], (f"unit {u} ruled out at {y} but turns on with "
                                      f"{extra}: z={z}, theta={theta[u]}")


@examples(80)
@given(data=st.data())
def test_the_rise_index_lists_every_gain_at_or_above_its_units_floor(data):
    """For a unit with a floor, the features listing it are exactly those with
    g+_u(f) >= c_u (dense gains); an open unit is listed nowhere and passes every input."""
    m, layer, code, s, table = _first_layer(data)
    rise = table.rise
    w = layer.weights.toarray().astype(np.int64)
    gains = np.maximum(w, 0) @ code.matrix().toarray().T.astype(np.int64)  # d x m
    for u, floor in enumerate(rise.floors):
        listed = {f for f in range(m)
                  if u in rise.units[rise.indptr[f]:rise.indptr[f + 1]].tolist()}
        want = {f for f in range(m) if floor >= 1 and gains[u, f] >= floor}
        assert listed == want, f"unit {u}, floor {floor}"
    if m:
        units = np.flatnonzero(rise.floors < 1)
        assert rise.may_rise(_padded([0], s), np.zeros(units.size, np.int64), units).all()


@examples(60)
@given(data=st.data())
def test_the_rise_floors_come_from_each_rows_largest_weights(data):
    """c_u = min over j = 1..s-1 of ceil((theta_u - T_{s-j}(u)) / j), T_b(u) the sum of
    the b t largest positive weights of row u, floored at 0."""
    d0, d = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 5))
    layer = data.draw(layers(d0, d, max_weight=9))
    s, longest = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    got = rise_floors(layer.weights.tocsr(), layer.theta, s, longest)
    w = np.maximum(layer.weights.toarray().astype(np.int64), 0)
    for u in range(d):
        row = np.sort(w[u])[::-1]
        floors = [-(-(int(layer.theta[u]) - int(row[:(s - j) * longest].sum())) // j)
                  for j in range(1, s)]
        assert got[u] == max(min(floors, default=0), 0), f"unit {u}"


def test_a_unit_whose_list_would_pass_the_cap_is_left_open(monkeypatch):
    """Over ``RISE_CAP`` features a unit stops collecting: its floor becomes 0 (open) and no
    feature lists it, so it is never ruled out."""
    monkeypatch.setattr(_rise, "RISE_CAP", 2)
    # unit 0: weight 3 on every input unit, theta 7, s = 2, supports of one unit:
    # T_1 = 3, floor 4 > every gain 3 -> lists nothing; unit 1: weight 5, theta 7,
    # floor 2 <= 5: every feature would list it, 5 features > cap 2 -> open
    w = sp.csr_matrix(np.array([[3] * 5, [5] * 5]))
    layer = Layer(w, np.array([7, 7]))
    code = SupportCode(np.arange(6, dtype=np.int64), np.arange(5, dtype=np.int64), 5)
    table = FirstLayerGains(layer.weights, layer.theta, code.indptr, code.indices, code.width,
                            2, divisor=2, search_divisor=2)
    assert table.rise.floors.tolist() == [4, 0]
    assert table.rise.entries == 0
    assert table.rise.may_rise(_padded([0], 2), np.zeros(2, np.int64),
                               np.array([0, 1])).tolist() == [False, True]


@examples(100)
@given(data=st.data(), small_blocks=st.booleans())
def test_may_rise_answers_every_pair_of_a_batch_as_its_definition_says(data, small_blocks):
    """For pairs (input, unit) over a batch of inputs (the empty one too), in any order:
    may_rise is True exactly when the unit is open (floor 0), the input has no feature, or a
    feature of the input lists the unit; the same whether the flag array holds the whole
    batch or one input at a time (``small_blocks``). The index is drawn directly: any floors,
    any lists."""
    m, d, s = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6)), data.draw(
        st.integers(2, 3))
    floors = np.array(data.draw(st.lists(st.integers(0, 2), min_size=d, max_size=d)), np.int64)
    lists = [sorted(data.draw(st.sets(st.integers(0, d - 1)))) for _ in range(m)]
    indptr = np.cumsum([0] + [len(x) for x in lists]).astype(np.int64)
    rise = _rise.RiseIndex(floors, indptr, np.array(sum(lists, []), np.int32))
    inputs = data.draw(st.lists(st.lists(st.integers(0, m - 1), unique=True, max_size=s - 1),
                                min_size=1, max_size=6))
    active = np.full((len(inputs), s), -1, np.int64)
    for i, y in enumerate(inputs):
        active[i, :len(y)] = sorted(y)
    n = data.draw(st.integers(0, 30))
    rows = np.array(data.draw(st.lists(st.integers(0, len(inputs) - 1), min_size=n,
                                       max_size=n)), np.int64)
    units = np.array(data.draw(st.lists(st.integers(0, d - 1), min_size=n, max_size=n)),
                     np.int64)
    want = [bool(floors[u] < 1 or not inputs[r] or any(u in lists[f] for f in inputs[r]))
            for r, u in zip(rows, units)]
    with pytest.MonkeyPatch.context() as mp:
        if small_blocks:
            mp.setattr(_rise, "_FLAG_CELLS", d)  # one input at a time
        assert rise.may_rise(active, rows, units).tolist() == want


@given(data=st.data())
def test_an_index_joined_from_many_blocks_lists_each_features_units_in_block_order(data):
    """from_blocks over any number of blocks (each its units' entries in feature order, the
    blocks in unit order) lists, per feature, the units of every block that has it, block by
    block, each with its own gain, and keeps every block's floors."""
    m = data.draw(st.integers(1, 6))
    blocks, want, lo = [], [[] for _ in range(m)], 0
    for _ in range(data.draw(st.integers(0, 5))):
        width = data.draw(st.integers(1, 4))
        pairs = sorted(data.draw(st.sets(st.tuples(st.integers(0, m - 1),
                                                   st.integers(lo, lo + width - 1)))))
        for f, u in pairs:
            want[f].append(u)
        f = np.array([p[0] for p in pairs], np.int32)
        u = np.array([p[1] for p in pairs], np.int32)
        blocks.append((f, u, np.ones(width, np.int64), (7 * f + u).astype(np.int16)))
        lo += width
    rise = _rise.RiseIndex.from_blocks(blocks, m)
    assert [rise.units[rise.indptr[f]:rise.indptr[f + 1]].tolist() for f in range(m)] == want
    assert rise.gains.tolist() == [7 * f + u for f in range(m) for u in want[f]]
    assert rise.floors.tolist() == [1] * lo


@examples(100)
@given(data=st.data())
def test_single_sums_are_the_pre_activation_of_a_one_feature_input_where_known(data):
    """single_sums(f, u) is known exactly when f lists u and u's row has no negative weight,
    and then equals z_u at the input {f} (layer 0 an OR over P_f); every pair is asked."""
    m, layer, code, s, table = _first_layer(data)
    rise = table.rise
    d = layer.weights.shape[0]
    features, units = np.repeat(np.arange(m), d), np.tile(np.arange(d), m)
    known, z = rise.single_sums(features, units)
    nonnegative = (layer.weights.toarray() >= 0).all(axis=1)
    for f, u, k, value in zip(features, units, known, z):
        listed = u in rise.units[rise.indptr[f]:rise.indptr[f + 1]]
        assert k == (listed and nonnegative[u])
        if k:
            assert value == _z(layer, code, [f])[u]


@examples(100)
@given(data=st.data())
def test_a_units_listed_features_at_or_above_its_floor_are_all_its_gains_that_high(data):
    """listed_at_least(u, h) for h >= c_u >= 1 is every feature with g+_u(f) >= h (dense
    gains), with that gain, each once: the rise index read by unit answers such a query
    as the unit's full row would."""
    m, layer, code, s, table = _first_layer(data)
    rise = table.rise
    w = layer.weights.toarray().astype(np.int64)
    gains = np.maximum(w, 0) @ code.matrix().toarray().T.astype(np.int64)  # d x m
    units = np.flatnonzero(rise.floors >= 1)
    extra = data.draw(st.lists(st.integers(0, 4), min_size=units.size, max_size=units.size))
    h = rise.floors[units] + np.array(extra, np.int64)
    query, features, got = rise.listed_at_least(units, h)
    found = sorted(zip(query.tolist(), features.tolist(), got.tolist()))
    want = sorted((i, f, int(gains[u, f])) for i, u in enumerate(units) for f in range(m)
                  if gains[u, f] >= h[i])
    assert found == want
