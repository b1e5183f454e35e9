"""Vetoes: a veto (A, q) switches output unit q off exactly on the inputs whose supports cover
U_A (every input when U_A is empty), changes nothing else, keeps the fixed codes, and is recorded
in the circuit's constants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.circuits import load_circuit, save_circuit
from superpose.circuits.constructions import Veto, veto, veto_candidates
from superpose.circuits.model import enumerate_sparse_inputs
from superpose.theory.errors import InvalidArgument
from tests.strategies import (
    built,
    examples,
    random_circuits,
    reference_activations,
    reference_outputs,
)


@examples(150)
@given(circuit=random_circuits(min_layers=2, max_layers=3), data=st.data())
def test_a_veto_switches_off_exactly_the_outputs_reading_its_unit_when_its_supports_are_on(
        circuit, data):
    net = circuit.network
    size = data.draw(st.integers(0, circuit.m), label="size")
    active = tuple(sorted(data.draw(st.permutations(range(circuit.m)), label="order")[:size]))
    unit = data.draw(st.integers(0, net.widths[-1] - 1), label="unit")
    vetoed = veto(circuit, Veto(active, 0, unit))
    inputs = [tuple(int(f) for f in row if f >= 0)
              for chunk in enumerate_sparse_inputs(circuit.m, circuit.sparsity) for row in chunk]
    before = reference_outputs(net, inputs)
    after = reference_outputs(vetoed.network, inputs)
    covered = np.unique(np.concatenate([net.input_code.row(a) for a in active]
                                       + [np.zeros(0, np.int64)]))
    fires = reference_activations(net, inputs)[0][:, covered].all(axis=1)
    readers = np.array([unit in net.output_code.row(k) for k in range(circuit.m_prime)])
    expected = before & ~(fires[:, None] & readers[None, :])
    note(f"active={active} unit={unit}")
    assert np.array_equal(after, expected)


def test_a_veto_adds_one_unit_per_hidden_layer_and_keeps_the_fixed_codes():
    circuit = built("and2", 100, "random", 0, 2, 0)
    vetoed = veto(circuit, Veto((3, 5), 7, int(circuit.network.output_code.row(7)[0])))
    before, after = circuit.counts(), vetoed.counts()
    assert after.widths == (before.widths[0], before.widths[1] + 1, before.widths[2])
    assert vetoed.network.input_code.same_as(circuit.network.input_code)
    assert vetoed.network.output_code.same_as(circuit.network.output_code)
    support = len(np.unique(np.concatenate([circuit.network.input_code.row(a) for a in (3, 5)])))
    assert after.params == before.params + support + 1 + 1  # weights, its threshold, the -W


def test_vetoes_are_recorded_in_the_constants_and_survive_a_file_round_trip(tmp_path):
    circuit = built("and2", 100, "random", 0, 2, 0)
    unit = int(circuit.network.output_code.row(7)[0])
    vetoed = veto(veto(circuit, Veto((3, 5), 7, unit)), Veto((1, 2), 8, unit))
    path = save_circuit(vetoed, tmp_path / "v.npz")
    loaded = load_circuit(path)
    assert loaded.constants["vetoes"] == [{"active": [3, 5], "output": 7, "unit": unit},
                                          {"active": [1, 2], "output": 8, "unit": unit}]
    assert loaded.counts() == vetoed.counts()
    assert "vetoes" not in circuit.constants


def test_veto_candidates_are_the_output_support_with_the_least_read_unit_first():
    circuit = built("and2", 100, "random", 0, 2, 0)
    code = circuit.network.output_code
    candidates = veto_candidates(circuit, 4)
    readers = np.bincount(code.indices, minlength=code.width)
    assert sorted(candidates) == sorted(code.row(4).tolist())
    assert [readers[q] for q in candidates] == sorted(readers[q] for q in candidates)


def test_a_one_layer_network_cannot_take_a_veto():
    circuit = built("perm", 30, "random", 0, 2, 0)
    with pytest.raises(InvalidArgument, match="needs a hidden layer"):
        veto(circuit, Veto((0, 1), 0, 0))


@pytest.mark.parametrize("bad, match", [
    (Veto((10_000,), 0, 0), r"in \[0, m="),
    (Veto((1,), 0, -1), "last layer's width"),
])
def test_a_bad_veto_is_rejected_with_a_one_line_reason(bad, match):
    circuit = built("and2", 100, "random", 0, 2, 0)
    with pytest.raises(InvalidArgument, match=match):
        veto(circuit, bad)
