"""Units out of reach: a last-layer unit the search rules out cannot be turned on."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, note
from hypothesis import strategies as st

import superpose.checks.certification._search as search_module
from superpose import circuits
from superpose.checks.certification._search import search
from superpose.circuits import Layer, ThresholdNetwork
from tests.strategies import (
    and2_families,
    built,
    describe,
    examples,
    random_circuits,
    reference_activations,
)


def _padded(inputs, s) -> np.ndarray:
    active = np.full((len(inputs), s), circuits.PAD, np.int64)
    for i, y in enumerate(inputs):
        active[i, :len(y)] = sorted(y)
    return active


def _stuck(circuit, inputs):
    """(rows, units, stuck): every last-layer unit off at each input, each its own node,
    and whether ``out_of_reach`` rules it out, decided at every input (no node minimum and
    every input asking for a whole layer)."""
    s = circuit.sparsity
    index = search_module.ConeIndex(circuit, s)
    active = _padded(inputs, s)
    trace = search_module.EventTrace(index.evaluator, index.lookups, active, index.columns)
    depth = index.depth
    width = circuit.network.layers[-1].weights.shape[0]
    rows = np.repeat(np.arange(len(inputs)), width)
    units = np.tile(np.arange(width), len(inputs))
    z = trace.pre(depth, rows, units)
    off = z < trace.theta_last[units]
    rows, units, z = rows[off], units[off], z[off]
    b = s - (active[rows] != circuits.PAD).sum(axis=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_REACH_NODES", 1)
        mp.setattr(search_module, "_WHOLE_LAYER", 0)
        stuck = index.out_of_reach(depth, rows, units, b, z, trace, np.arange(rows.size))
    return rows, units, b, stuck


def _never_on(circuit, y, unit, b) -> bool:
    """No set of at most ``b`` features outside ``y`` turns last-layer ``unit`` on."""
    rest = [f for f in range(circuit.m) if f not in y]
    inputs = [tuple(sorted(y + list(extra))) for k in range(1, b + 1)
              for extra in itertools.combinations(rest, k)]
    return not inputs or not reference_activations(circuit.network, inputs)[-1][:, unit].any()


@examples(60)
@given(circuit=random_circuits(max_layers=3, min_layers=2), data=st.data())
def test_a_last_layer_unit_ruled_out_of_reach_stays_off_whatever_is_added(circuit, data):
    """out_of_reach at random inputs of random networks (weights of any sign): every unit
    it rules out stays off under every completion of at most b features (all tried)."""
    note(describe(circuit))
    m, s = circuit.m, circuit.sparsity
    inputs = data.draw(st.lists(st.lists(st.integers(0, m - 1), unique=True, max_size=s - 1),
                                min_size=1, max_size=3))
    rows, units, b, stuck = _stuck(circuit, inputs)
    for r, u, budget in zip(rows[stuck], units[stuck], b[stuck]):
        assert _never_on(circuit, list(inputs[r]), int(u), int(budget)), (inputs[r], u)


def test_at_a_star_hub_output_units_are_out_of_reach_and_each_stays_off():
    """and2 star at s = 2: at a hub's input only units fed by the hub's own outputs can
    still turn on (with a partner), so the others are ruled out (about a quarter of the off
    units at m' = 120); each of them stays off whatever single feature is added."""
    circuit = built("and2", 120, "star", 0, 2, 2)
    sources = np.asarray(circuits.correctness.output_sources(circuit))
    hub = int(np.argmax(np.bincount(sources.ravel(), minlength=circuit.m)))
    rows, units, b, stuck = _stuck(circuit, [[hub]])
    assert stuck.sum() > stuck.size // 8
    rest = [(hub, f) for f in range(circuit.m) if f != hub]
    on = reference_activations(circuit.network, rest)[-1][:, units[stuck]]
    assert not on.any()


def _search_reaching(circuit, nodes):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_REACH_NODES", nodes)
        return search(circuit, circuit.sparsity, math.inf)


@examples(30)
@given(circuit=random_circuits())
def test_ruling_units_out_of_reach_only_prunes_nodes_without_a_wrong_completion(circuit):
    """The search with units ruled out wherever it can (every input) and nowhere: the
    same counterexample (or none) and deferred outputs, and no level grows."""
    note(describe(circuit))
    everywhere, nowhere = _search_reaching(circuit, 1), _search_reaching(circuit, math.inf)
    assert everywhere.counterexample == nowhere.counterexample
    assert everywhere.deferred.tolist() == nowhere.deferred.tolist()
    assert len(everywhere.levels) <= len(nowhere.levels)
    assert all(a <= b for a, b in zip(everywhere.levels, nowhere.levels))


@examples(60)
@given(circuit=random_circuits(max_layers=3, min_layers=2), data=st.data())
def test_a_units_cap_is_its_helpful_weights_from_the_moving_units_either_way(circuit, data):
    """_cap sums max(W[u, v], 0) over rising v and max(-W[u, v], 0) over falling v, read
    from W's columns or multiplied over all of W (weights of any sign): both equal the
    dense sum."""
    note(describe(circuit))
    index = search_module.ConeIndex(circuit, circuit.sparsity)
    layer = data.draw(st.integers(2, len(circuit.network.layers)))
    w = circuit.network.layers[layer - 1].weights.toarray().astype(np.int64)
    below = w.shape[1]
    kind = np.array(data.draw(st.lists(st.sampled_from([0, 1, -1]), min_size=below,
                                       max_size=below)), np.int64)
    rising, falling = kind > 0, kind < 0
    want = (np.maximum(w, 0) @ rising + np.maximum(-w, 0) @ falling).tolist()
    for share in (0, math.inf):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(search_module, "_CAP_COLUMNS", share)
            assert index._cap(layer, rising, falling).tolist() == want


def test_a_units_cap_stays_exact_where_float_sums_would_round():
    """Layer 2 of a small and2 circuit scaled by 2^52 + 1 (a network built in memory: no
    file's 2^53 limit), every layer-1 unit rising: _cap read from the columns equals the
    exact integer sums, where float64 sums of such weights would round."""
    circuit = built("and2", 30, "random", 0, 2, 0)
    first, second = circuit.network.layers
    scale = 2 ** 52 + 1
    big = Layer(sp.csr_matrix(second.weights.astype(np.int64) * scale), second.theta * scale)
    network = ThresholdNetwork(circuit.network.input_code, (first, big),
                               circuit.network.output_code)
    index = search_module.ConeIndex(dataclasses.replace(circuit, network=network), 2)
    rising = np.ones(first.weights.shape[0], bool)
    want = [sum(max(int(x), 0) for x in row) for row in big.weights.toarray()]
    assert max(want) > 2 ** 53
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_CAP_COLUMNS", math.inf)
        assert index._cap(2, rising, ~rising).tolist() == want


def _chunk_children(circuit, y, by_output):
    """_expand of the chunk of every node (k, y) (each output k, its truth at y) with the
    reach rule applied at any input and any fan-in, by outputs (:func:`_one_input`) or only
    pair by pair: (counterexample, children as sorted (output, features..., truth) rows)."""
    s = circuit.sparsity
    index = search_module.ConeIndex(circuit, s)
    out = np.arange(circuit.m_prime)
    inp = np.repeat(_padded([y], s), out.size, axis=0)
    expected = search_module._root_truth(circuit, out, inp)
    sources = np.asarray(circuits.correctness.output_sources(circuit), dtype=np.int64)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_REACH_NODES", 1)
        mp.setattr(search_module, "_WHOLE_LAYER", 0)
        if not by_output:
            mp.setattr(search_module, "_one_input",
                       lambda index, out, *rest: (None, np.ones(len(out), bool), None))
        found, kids = search_module._expand(index, circuit, out, inp, expected, sources, s,
                                            search_module.SearchOutcome())
    if found is not None:
        return found, None
    rows = np.column_stack([kids[0], kids[1], kids[2]])
    return None, sorted(map(tuple, rows.tolist()))


@examples(40)
@given(circuit=random_circuits(max_layers=3, min_layers=1), data=st.data())
def test_a_chunk_of_one_input_evaluated_by_outputs_gives_what_pairs_give(circuit, data):
    """A chunk of every node at one input, evaluated and ruled out through whole-layer
    vectors and products over the output code (:func:`_one_input`) or by (node, unit)
    pairs alone: the same counterexample, or the same children."""
    note(describe(circuit))
    y = data.draw(st.lists(st.integers(0, circuit.m - 1), unique=True,
                           max_size=circuit.sparsity))
    assert _chunk_children(circuit, y, True) == _chunk_children(circuit, y, False)


@examples(30)
@given(family=and2_families, s=st.sampled_from([2, 3]), data=st.data())
def test_a_chunk_of_one_input_of_a_correct_circuit_has_the_same_children_either_way(
        family, s, data):
    """The same on and2 constructions (no counterexample to stop at), at inputs of up to
    s - 1 features, the most used feature (a star's hub) among them: the children by
    outputs are those by pairs."""
    circuit = built("and2", 60, family, 0, s, 1)
    sources = np.asarray(circuits.correctness.output_sources(circuit))
    hub = int(np.argmax(np.bincount(sources.ravel(), minlength=circuit.m)))
    y = data.draw(st.lists(st.integers(0, circuit.m - 1), unique=True, max_size=s - 2)
                  .map(lambda rest: sorted({hub, *rest})))
    found, kids = _chunk_children(circuit, y, True)
    assert found is None
    assert kids == _chunk_children(circuit, y, False)[1]
