"""The dense first layer: rows of every feature's full gains, summed per input, give the same
events and outputs as the gain table and the plain evaluator, and go through W_1^T for inputs
whose features' supports overlap."""

from __future__ import annotations

import numpy as np
import pytest

from superpose.circuits.engine import EvaluatorOptions, EventEvaluator
from superpose.circuits.model import enumerate_sparse_inputs
from superpose.theory.errors import InvalidArgument
from tests.strategies import built


def _all_inputs(m: int, s: int) -> np.ndarray:
    return np.vstack(list(enumerate_sparse_inputs(m, s)))


def _same(a, b) -> None:
    assert a.shape == b.shape and (a != b).nnz == 0


@pytest.mark.parametrize("problem, family, m_prime",
                         [("and2", "nearcut", 300), ("perm", "random", 60)])
def test_a_busy_first_layer_gets_dense_rows_that_agree_on_every_input(problem, family,
                                                                      m_prime):
    circuit = built(problem, m_prime, family, 0, 2, 0)
    dense = EventEvaluator(circuit.network, 2)
    table = EventEvaluator(circuit.network, 2, EvaluatorOptions(first_layer="gains"))
    assert dense.first_layer == "dense" and table.first_layer == "gains"
    batch = _all_inputs(circuit.m, 2)
    stats = {}
    got = dense.evaluate(batch, stats)
    _same(got, circuit.network.evaluate(batch))
    _same(got, table.evaluate(batch))
    assert stats["dense_entries"] > 0 and stats["gain_entries"] == 0
    for mine, theirs in zip(dense.trace_events(batch), table.trace_events(batch), strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert np.array_equal(a, b)


def test_inputs_whose_supports_overlap_go_through_the_columns_and_stay_exact():
    circuit = built("and2", 300, "nearcut", 0, 2, 0)
    code = circuit.network.input_code
    supports = [set(code.indices[code.indptr[f]:code.indptr[f + 1]].tolist())
                for f in range(circuit.m)]
    overlapping = [(f, g) for f in range(circuit.m) for g in range(f + 1, circuit.m)
                   if supports[f] & supports[g]]
    assert overlapping, "the family must have features whose supports overlap"
    batch = np.array(overlapping + [(0, 0), (1, -1), (-1, -1)], dtype=np.int64)
    stats = {}
    evaluator = EventEvaluator(circuit.network, 2, EvaluatorOptions(first_layer="dense"))
    _same(evaluator.evaluate(batch, stats), circuit.network.evaluate(batch))
    assert stats["fallback_columns"] > 0


def test_the_dense_first_layer_is_refused_where_it_cannot_run():
    circuit = built("and2", 300, "nearcut", 0, 2, 0)
    with pytest.raises(InvalidArgument, match="needs sparsity"):
        EventEvaluator(circuit.network, None, EvaluatorOptions(first_layer="dense"))
    with pytest.raises(InvalidArgument, match="first_layer="):
        EvaluatorOptions(first_layer="dens")
