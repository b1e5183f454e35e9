"""The event trace the search reads: every (input, unit) pair as the dense trace has it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import superpose.checks.certification._trace as trace_module
from superpose.checks.certification._trace import EventTrace
from superpose.circuits.engine import EventEvaluator
from tests.strategies import as_batch, input_batches, random_circuits


@given(data=st.data(), circuit=random_circuits(max_layers=3), gains=st.booleans(),
       route=st.sampled_from([None, 0.0, 1.0, 1e18]), cells=st.sampled_from([1, 40, 1 << 22]))
def test_activations_and_pre_activations_match_the_dense_trace_on_every_pair(data, circuit,
                                                                             gains, route,
                                                                             cells):
    """Pre-activations by look-ups (no columns, or a look-up costing nothing), from the
    columns of W_l^T (a look-up costing more than anything) in blocks of any size (``cells``:
    one input a block, a few, all), or whichever is cheaper per input: the same integers as
    the dense trace."""
    net = circuit.network
    evaluator = EventEvaluator(net, sparsity=circuit.sparsity if gains else None)
    batch = as_batch(data.draw(input_batches(circuit, max_size=12)), circuit.sparsity)
    lookups = [evaluator.weight_lookup(l) for l in range(1, len(net.layers) + 1)]
    columns = None if route is None else (lambda l: net.layers[l - 1].stored_weights_t)
    trace = EventTrace(evaluator, lookups, batch, columns, route)
    pre, acts = net.trace(batch)
    note(f"batch {batch.tolist()}, first layer {evaluator.first_layer}, route {route}")
    for layer, dense in enumerate(acts):
        want = dense.toarray()
        rows, units = np.indices(want.shape).reshape(2, -1)
        assert np.array_equal(trace.act(layer, rows, units), want.ravel())
        if layer:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(trace_module, "_DENSE_CELLS", cells)
                got = trace.pre(layer, rows, units)
            assert np.array_equal(got, pre[layer - 1].toarray().ravel())
    assert np.array_equal(trace.inputs.toarray(), acts[0].toarray())
