"""Weights at the edge of the exact range (issue 17, item 2): a file keeps every unit's
sum |weights| + |theta| within 2^53 (paper_notes/format.md), and within it every evaluator and
every certification method agree with exact integer arithmetic; beyond it the file is refused."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.checks import certify
from superpose.circuits import Circuit, Layer, ThresholdNetwork, load_circuit, save_circuit
from superpose.circuits.engine import EventEvaluator
from superpose.circuits.io import circuit_arrays
from superpose.theory.errors import CircuitFormatError
from tests.strategies import examples, random_circuits

LIMIT = 2 ** 53


def _scaled(circuit: Circuit, nudge: int) -> Circuit:
    """Every weight and threshold times the largest K that keeps each unit's sum of
    |weights| + |theta| within 2^53, thresholds then moved by ``nudge`` (so that sums land
    exactly on, just above or just below them at that scale)."""
    layers = []
    for layer in circuit.network.layers:
        w = layer.weights
        sums = np.abs(w).sum(axis=1).A1 + np.abs(layer.theta) + abs(nudge)
        k = max(1, (LIMIT - abs(nudge)) // max(1, int(sums.max())))
        data = w.data.astype(object) * k
        theta = [int(t) * k + nudge for t in layer.theta]
        layers.append(Layer(sp.csr_matrix((np.asarray(data, dtype=np.int64), w.indices,
                                           w.indptr), shape=w.shape),
                            np.asarray(theta, dtype=np.int64)))
    network = ThresholdNetwork(circuit.network.input_code, tuple(layers),
                               circuit.network.output_code)
    return Circuit(circuit.problem, network, circuit.construction, circuit.sparsity,
                   circuit.seed, {}, circuit.family, circuit.instance_seed)


def _exact_outputs(circuit: Circuit, active: tuple[int, ...]) -> set[int]:
    """y for one input in Python integers (no overflow, no rounding)."""
    net = circuit.network
    code = net.input_code
    a = {int(p) for f in active for p in code.indices[code.indptr[f]:code.indptr[f + 1]]}
    for layer in net.layers:
        w = layer.weights
        a = {u for u in range(w.shape[0])
             if sum(int(c) for v, c in zip(w.indices[w.indptr[u]:w.indptr[u + 1]],
                                           w.data[w.indptr[u]:w.indptr[u + 1]]) if v in a)
             >= int(layer.theta[u])}
    out = net.output_code
    return {k for k in range(net.m_prime)
            if all(int(q) in a for q in out.indices[out.indptr[k]:out.indptr[k + 1]])}


@examples(40)
@given(circuit=random_circuits(max_m=5, min_layers=1), nudge=st.sampled_from([-1, 0, 1]))
def test_at_the_edge_of_the_exact_range_every_evaluator_and_method_agree(
        tmp_path_factory, circuit, nudge):
    big = load_circuit(save_circuit(_scaled(circuit, nudge),
                                    tmp_path_factory.mktemp("edge") / "c.npz"))
    note(str([layer.weights.toarray().tolist() for layer in big.network.layers]))
    s = big.sparsity
    inputs = [c for j in range(s + 1) for c in itertools.combinations(range(big.m), j)]
    batch = np.array([list(c) + [-1] * (s - len(c)) for c in inputs], dtype=np.int64)
    plain = big.network.evaluate(batch).tolil().rows
    event = EventEvaluator(big.network, s).evaluate(batch).tolil().rows
    for b, active in enumerate(inputs):
        want = _exact_outputs(big, active)
        assert set(plain[b]) == want and set(event[b]) == want, active
    verdicts = {method: certify(big, method=method).verdict
                for method in ("exhaustive", "search", "z3")}
    assert len(set(verdicts.values())) == 1, verdicts


@pytest.mark.parametrize("value", [2 ** 53 + 1, 2 ** 62, -(2 ** 63)])
def test_a_unit_beyond_the_exact_range_is_refused_naming_the_layer(tmp_path, value):
    fields = circuit_arrays(_tiny())
    fields["layer1_data"] = fields["layer1_data"].copy()
    fields["layer1_data"][0] = value
    np.savez(tmp_path / "c.npz", **fields)
    with pytest.raises(CircuitFormatError, match="a unit of layer1 has .* above 2\\^53"):
        load_circuit(tmp_path / "c.npz")


def _tiny() -> Circuit:
    from tests.strategies import built

    return built("and2", 20, "random", 0, 2, 1)
