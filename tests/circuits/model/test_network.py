"""Threshold networks: exact evaluation against a dense reference, the ReLU form, exact counts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.circuits import Layer, SupportCode, ThresholdNetwork, identity_code
from superpose.circuits.model import threshold_to_relus
from tests.strategies import (
    as_batch,
    dense,
    examples,
    networks,
    reference_activations,
    reference_outputs,
    uniform_inputs,
)

big_ints = st.integers(min_value=-10**12, max_value=10**12)


@examples(200)
@given(z=big_ints, theta=big_ints)
def test_threshold_to_relus_equals_the_step_for_every_integer_pair(z, theta):
    got = threshold_to_relus(np.array([z]), theta)
    assert got.tolist() == [int(z >= theta)], f"z={z} theta={theta}"


@examples(50)
@given(z=st.lists(st.integers(-50, 50), min_size=1, max_size=30), data=st.data())
def test_threshold_to_relus_works_elementwise_with_per_unit_thresholds(z, data):
    theta = data.draw(st.lists(st.integers(-50, 50), min_size=len(z), max_size=len(z)))
    got = threshold_to_relus(np.array(z), np.array(theta))
    assert got.tolist() == [int(a >= b) for a, b in zip(z, theta)]


def _all_inputs(m: int, s: int):
    return [c for j in range(min(s, m) + 1) for c in itertools.combinations(range(m), j)]


@examples(150)
@given(net=networks(), s=st.integers(1, 3))
def test_evaluate_agrees_with_a_dense_reference_on_every_sparse_input(net, s):
    inputs = _all_inputs(net.m, s)
    note(f"widths={net.widths} thetas={[l.theta.tolist() for l in net.layers]} "
         f"weights={[l.weights.toarray().tolist() for l in net.layers]}")
    got = dense(net.evaluate(as_batch(inputs, s)))
    want = reference_outputs(net, inputs)
    bad = np.argwhere(got != want)
    assert not len(bad), (f"{len(bad)} wrong outputs; first: input={inputs[bad[0][0]]} "
                          f"output={bad[0][1]} got={got[tuple(bad[0])]}")


@examples(80)
@given(net=networks(), s=st.integers(1, 3))
def test_every_forward_layer_agrees_with_the_dense_reference(net, s):
    inputs = _all_inputs(net.m, s)
    acts = net.forward(as_batch(inputs, s))
    want = reference_activations(net, inputs)
    assert len(acts) == len(want) == len(net.layers) + 1
    for l, (a, w) in enumerate(zip(acts, want)):
        a = a.toarray()
        assert set(np.unique(a).tolist()) <= {0, 1}, f"layer {l} is not 0/1"
        assert np.array_equal(a.astype(bool), w), f"layer {l} differs"


def test_units_with_nonpositive_thresholds_fire_on_the_empty_input():
    code = SupportCode(np.array([0, 1]), np.array([0]), 1)
    w = sp.csr_matrix(np.array([[0], [-1], [1]], dtype=np.int64))
    layer = Layer(w, np.array([0, -1, 1], dtype=np.int64))
    out = identity_code(3)
    net = ThresholdNetwork(code, (layer,), out)
    empty, on = net.forward(np.array([[-1], [0]]))[1].toarray()
    assert empty.tolist() == [1, 1, 0]
    assert on.tolist() == [1, 1, 1]  # -1 >= -1 and 1 >= 1


def test_an_output_with_an_empty_support_always_reads_one():
    code = identity_code(2)
    out = SupportCode(np.array([0, 0, 1]), np.array([1]), 2)
    net = ThresholdNetwork(code, (), out)
    y = net.evaluate(np.array([[-1], [0], [1]])).toarray()
    assert y.tolist() == [[1, 0], [1, 0], [1, 1]]


def test_a_network_rejects_layers_whose_shapes_do_not_chain():
    code = identity_code(3)
    bad = Layer(sp.csr_matrix((2, 4), dtype=np.int64), np.zeros(2, np.int64))
    with pytest.raises(ValueError):
        ThresholdNetwork(code, (bad,), identity_code(2))
    good = Layer(sp.csr_matrix((2, 3), dtype=np.int64), np.zeros(3, np.int64))
    with pytest.raises(ValueError):
        ThresholdNetwork(code, (good,), identity_code(2))
    fine = Layer(sp.csr_matrix((2, 3), dtype=np.int64), np.zeros(2, np.int64))
    with pytest.raises(ValueError):
        ThresholdNetwork(code, (fine,), identity_code(3))


def _independent_counts(net: ThresholdNetwork) -> dict:
    widths = [net.input_code.width] + [l.weights.shape[0] for l in net.layers]
    weights = [int(v) for l in net.layers for v in l.weights.toarray().ravel() if v != 0]
    thetas = [int(v) for l in net.layers for v in l.theta.tolist() if v != 0]
    return {
        "widths": tuple(widths),
        "neurons": sum(widths),
        "neurons_without_input": sum(widths[1:]),
        "threshold_units": sum(widths[1:]),
        "relus": widths[0] + 2 * sum(widths[1:]),
        "relus_without_input": 2 * sum(widths[1:]),
        "nonzero_weights": len(weights),
        "nonzero_thresholds": len(thetas),
        "params": len(weights) + len(thetas),
        "bits": sum(1 + abs(v).bit_length() for v in weights + thetas),
    }


@examples(150)
@given(net=networks())
def test_counts_are_exact_including_negative_weights_and_stored_zeros(net):
    counts = net.counts()
    want = _independent_counts(net)
    note(f"counts={counts} independent={want}")
    for name, value in want.items():
        assert getattr(counts, name) == value, f"{name}: {getattr(counts, name)} != {value}"
    weights = [abs(int(v)) for l in net.layers for v in l.weights.toarray().ravel()]
    assert counts.max_abs_weight >= max(weights, default=0)


def _relu_form(net: ThresholdNetwork):
    """The explicit two-ReLUs-per-unit network: (matrix, bias) per layer, dense."""
    form = []
    for l, layer in enumerate(net.layers, start=1):
        w = layer.weights.toarray().astype(np.int64)
        if l > 1:
            w = np.hstack([w, -w])  # input is [h+; h-] of the previous layer
        form.append((np.vstack([w, w]), np.concatenate([1 - layer.theta, -layer.theta])))
    return form


@examples(100)
@given(net=networks(), s=st.integers(1, 3))
def test_the_relu_form_computes_the_same_layers_and_has_relu_params_parameters(net, s):
    inputs = _all_inputs(net.m, s)
    acts = reference_activations(net, inputs)
    h = acts[0].astype(np.int64)
    for l, (w, bias) in enumerate(_relu_form(net), start=1):
        pre = h @ w.T + bias[None, :]
        relu = np.maximum(pre, 0)
        d = w.shape[0] // 2
        value = relu[:, :d] - relu[:, d:]
        assert np.array_equal(value, acts[l].astype(np.int64)), f"layer {l} differs"
        h = relu
    form = _relu_form(net)
    params = sum(int(np.count_nonzero(w)) + int(np.count_nonzero(b)) for w, b in form)
    assert net.counts().relu_params == params
    assert net.counts().relus == net.input_code.width + sum(w.shape[0] for w, _ in form)


@examples(40)
@given(net=networks(), data=st.data())
def test_evaluate_gives_one_row_per_input_and_ignores_padding_position(net, data):
    s = 3
    inputs = data.draw(st.lists(uniform_inputs(net.m, s), min_size=1, max_size=10))
    batch = as_batch(inputs, s)
    shuffled = np.array([np.concatenate([r[r >= 0][::-1], r[r < 0]]) for r in batch])
    first = net.evaluate(batch)
    assert first.shape == (len(inputs), net.m_prime)
    assert (first != net.evaluate(shuffled)).nnz == 0


@examples(60)
@given(net=networks(), s=st.integers(1, 3), block=st.integers(1, 64))
def test_a_layer_too_large_for_int64_copies_is_multiplied_in_its_stored_type_alike(
        net, s, block):
    """The stored-type product (blocks of any size, down to one term) gives exactly SciPy's
    int64 product, negative weights and thresholds <= 0 included."""
    from superpose.circuits.model import _network

    batch = as_batch(_all_inputs(net.m, s), s)
    want_pre, want_acts = net.trace(batch)
    narrow = ThresholdNetwork(net.input_code, tuple(
        Layer(sp.csr_matrix(layer.weights, dtype=np.int16), layer.theta)
        for layer in net.layers), net.output_code)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_network, "INT64_COPY_LIMIT", 0)
        patch.setattr(_network, "PRODUCT_BLOCK", block)
        got_pre, got_acts = narrow.trace(batch)
    assert all(layer.stored_weights.dtype == np.int16 for layer in narrow.layers)
    for l, (got, want) in enumerate(zip(got_pre + got_acts, want_pre + want_acts)):
        assert np.array_equal(got.toarray(), want.toarray()), f"array {l} differs"


def test_a_layer_over_read_only_arrays_with_duplicates_sums_them_into_a_copy():
    """Mapped file members are read-only: summing duplicates must never write to them."""
    indptr = np.array([0, 3, 4], dtype=np.int32)
    indices = np.array([2, 0, 2, 1], dtype=np.int32)
    data = np.array([1, 5, -3, 7], dtype=np.int8)
    for array in (indptr, indices, data):
        array.flags.writeable = False
    layer = Layer(sp.csr_matrix((data, indices, indptr), shape=(2, 3)), [1, 1])
    assert layer.weights.toarray().tolist() == [[5, 0, -2], [0, 7, 0]]
    assert indices.tolist() == [2, 0, 2, 1] and data.tolist() == [1, 5, -3, 7]
