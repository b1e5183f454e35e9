"""Export: the float32 ReLU plan, and the ONNX and torch files built from it, compute exactly the
circuit's decoded outputs, on sparse and dense 0/1 inputs alike."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, note
from hypothesis import strategies as st

from superpose import circuits
from superpose.circuits import Layer, ThresholdNetwork, identity_code
from superpose.circuits.io import (
    EXPORT_FORMATS,
    MAX_DENSE_WEIGHTS,
    dense_weights,
    evaluate_dense,
    export_inputs,
    export_plan,
    run_export,
    save_export,
)
from superpose.circuits.io._export import EXACT_LIMIT
from superpose.theory.errors import InvalidArgument, MissingExtra
from tests.strategies import (
    as_batch,
    dense,
    describe,
    examples,
    hide_module,
    input_batches,
    layers,
    random_circuits,
    reference_outputs,
    support_codes,
)

CONSTRUCTIONS = [("and2", "random"), ("perm", "random"), ("represent", None)]


def _x(inputs, m: int) -> np.ndarray:
    """Dense float32 0/1 rows (B x m) of lists of active features."""
    x = np.zeros((len(inputs), m), dtype=np.float32)
    for b, active in enumerate(inputs):
        x[b, list(active)] = 1
    return x


def _rows(x: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(i) for i in np.flatnonzero(row)) for row in x]


def _first_mismatch(got: np.ndarray, want: np.ndarray, x: np.ndarray) -> str:
    bad = np.argwhere(got != want)
    if not len(bad):
        return ""
    b, k = bad[0]
    return (f"{len(bad)} wrong outputs; first: active={np.flatnonzero(x[b]).tolist()} output {k}"
            f" reads {got[b, k]}, evaluator {want[b, k]}")


def _dense_rows(m: int, max_rows: int = 12):
    return st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=1,
                    max_size=max_rows).map(lambda rows: np.array(rows, dtype=np.float32))


# --- the NumPy plan ---------------------------------------------------------------------------

@examples(40)
@given(circuit=random_circuits(max_layers=3), data=st.data())
def test_the_plan_agrees_with_the_evaluator_on_random_sparse_inputs(circuit, data):
    inputs = data.draw(input_batches(circuit, max_size=32))
    note(describe(circuit))
    x = _x(inputs, circuit.m)
    got = export_plan(circuit.network).forward(x)
    want = dense(circuit.network.evaluate(as_batch(inputs, circuit.sparsity)))
    assert got.dtype == np.float32 and set(np.unique(got).tolist()) <= {0.0, 1.0}
    assert not _first_mismatch(got, want.astype(np.float32), x), _first_mismatch(got, want, x)


@examples(40)
@given(circuit=random_circuits(max_layers=3), data=st.data())
def test_the_plan_agrees_with_the_dense_reference_on_dense_rows(circuit, data):
    x = data.draw(_dense_rows(circuit.m))
    got = export_plan(circuit.network).forward(x)
    want = reference_outputs(circuit.network, _rows(x)).astype(np.float32)
    assert not _first_mismatch(got, want, x), _first_mismatch(got, want, x)
    assert np.array_equal(evaluate_dense(circuit.network, x), want)


@examples(30)
@given(data=st.data())
def test_the_plan_is_exact_with_large_weights_of_both_signs(data):
    m, widths = data.draw(st.integers(1, 6)), data.draw(st.lists(st.integers(1, 5), min_size=2,
                                                                  max_size=3))
    code = data.draw(support_codes(m, widths[0]))
    net_layers = tuple(data.draw(layers(a, b, max_weight=10**6))
                       for a, b in itertools.pairwise(widths))
    net = ThresholdNetwork(code, net_layers, data.draw(support_codes(3, widths[-1])))
    x = data.draw(_dense_rows(m))
    want = reference_outputs(net, _rows(x)).astype(np.float32)
    assert np.array_equal(export_plan(net).forward(x), want)


@pytest.mark.parametrize("problem,family", CONSTRUCTIONS)
def test_the_plan_agrees_with_the_evaluator_on_real_constructions(problem, family):
    circuit = circuits.build(problem, 200, family, sparsity=2, seed=1)
    plan = export_plan(circuit.network)
    rng = np.random.default_rng(5)
    active = circuits.model.random_sparse_inputs(circuit.m, 2, 400, rng)
    x = _x([[int(i) for i in row if i >= 0] for row in active], circuit.m)
    want = circuit.network.evaluate(active).toarray().astype(np.float32)
    assert not _first_mismatch(plan.forward(x), want, x), describe(circuit)
    assert want.sum() > 0, "the sampled inputs should turn some outputs on"
    dense_x = export_inputs(circuit.m, 2, 100, seed=3)
    assert np.array_equal(plan.forward(dense_x), evaluate_dense(circuit.network, dense_x))


def test_the_plan_has_one_stage_per_layer_plus_input_code_and_decoding():
    circuit = circuits.build("and2", 200, "random", sparsity=2, seed=1)
    plan = export_plan(circuit.network)
    assert [s.name for s in plan.stages] == (["input code"] + [
        f"layer {l}" for l in range(1, len(circuit.network.layers) + 1)] + ["decode"])
    assert plan.weights == dense_weights(circuit.network)
    dims = [circuit.m, *circuit.counts().widths, circuit.m_prime]
    assert [s.matrix.shape for s in plan.stages] == list(itertools.pairwise(dims))
    for s in plan.stages:
        assert np.array_equal(s.matrix, np.round(s.matrix)) and s.matrix.dtype == np.float32
    assert 0 < plan.bound < EXACT_LIMIT


def _one_layer(weights, theta, m: int = 1) -> ThresholdNetwork:
    """m features on m units (identity code), one layer, every output reading one unit."""
    w = sp.csr_matrix(np.array(weights, dtype=np.int64))
    width = w.shape[0]
    return ThresholdNetwork(identity_code(m), (Layer(w, np.array(theta)),), identity_code(width))


def test_thresholds_beyond_a_units_reach_are_clipped_without_changing_the_function():
    net = _one_layer([[3, -2], [3, -2], [1, 1]], [10**15, -10**15, 0], m=2)
    plan = export_plan(net)
    x = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)
    assert plan.forward(x).tolist() == [[0, 1, 1], [0, 1, 1], [0, 1, 1], [0, 1, 1]]
    assert plan.bound < 16


def test_pre_activations_up_to_2_to_the_24_minus_1_are_accepted_and_exact():
    w = 2**23 - 1
    plan = export_plan(_one_layer([[w]], [w]))
    assert plan.bound == EXACT_LIMIT - 1
    assert plan.forward(np.array([[0], [1]], dtype=np.float32)).tolist() == [[0], [1]]


@pytest.mark.parametrize("weights,theta,where", [
    ([[2**24]], [1], "layer 1: "),
    ([[2**23 - 1]], [2**23], "layer 1, unit 0: "),
    ([[2**23, 2**23]], [1], "layer 1, unit 0: "),
])
def test_a_circuit_whose_values_could_reach_2_to_the_24_is_refused_in_one_line(weights, theta,
                                                                              where):
    with pytest.raises(InvalidArgument) as err:
        export_plan(_one_layer(weights, theta, m=len(weights[0])))
    message = str(err.value)
    assert message.startswith(where) and "2^24" in message and "\n" not in message


def test_a_model_over_the_dense_size_limit_is_refused_before_it_is_built():
    big = 1 << 14  # m d_0 = 2^28 > 2^27
    net = ThresholdNetwork(identity_code(big), (), identity_code(big))
    assert dense_weights(net) == 2 * big * big > MAX_DENSE_WEIGHTS
    with pytest.raises(InvalidArgument) as err:
        export_plan(net)
    message = str(err.value)
    assert "536,870,912 weights" in message and "2^27" in message and "--m-prime" in message
    assert "\n" not in message


def test_the_check_inputs_are_seeded_and_hold_the_zero_row_sparse_rows_and_dense_rows():
    x = export_inputs(200, 3, 100, seed=4)
    assert x.shape == (101, 200) and x.dtype == np.float32
    assert np.array_equal(x, export_inputs(200, 3, 100, seed=4))
    assert not np.array_equal(x, export_inputs(200, 3, 100, seed=5))
    ones = x.sum(axis=1)
    assert ones[0] == 0 and np.all((ones[1:51] >= 1) & (ones[1:51] <= 3))
    assert ones[51:].max() > 100, "dense rows should go far beyond the sparsity"


def test_evaluate_dense_reads_rows_with_any_number_of_ones():
    circuit = circuits.build("perm", 100, "random", sparsity=2, seed=2)
    x = export_inputs(circuit.m, 2, 40, seed=0)
    want = reference_outputs(circuit.network, _rows(x)).astype(np.float32)
    assert np.array_equal(evaluate_dense(circuit.network, x), want)


def test_a_wrong_input_shape_is_refused_in_one_line():
    plan = export_plan(_one_layer([[1]], [1]))
    with pytest.raises(InvalidArgument, match=r"must be \(B, m=1\)"):
        plan.forward(np.zeros((2, 3), dtype=np.float32))


# --- the files, run with onnxruntime and torch ------------------------------------------------

def _agree_through_file(tmp_path, circuit, fmt: str, *xs: np.ndarray, name: str = "model"):
    """Export once, then run the file with its runtime on each batch of rows."""
    path = tmp_path / f"{name}.{'onnx' if fmt == 'onnx' else 'pt2'}"
    save_export(circuit, path, fmt)
    for x in xs:
        got = run_export(path, fmt, x)
        want = evaluate_dense(circuit.network, x)
        assert got.shape == (len(x), circuit.m_prime) and got.dtype == np.float32
        assert not _first_mismatch(got, want, x), describe(circuit) + _first_mismatch(got, want,
                                                                                       x)


@pytest.mark.parametrize("problem,family", CONSTRUCTIONS)
def test_the_onnx_export_agrees_with_the_evaluator_on_random_inputs(tmp_path, problem, family):
    pytest.importorskip("onnxruntime")
    circuit = circuits.build(problem, 200, family, sparsity=2, seed=1)
    x = export_inputs(circuit.m, 2, 300, seed=11)
    _agree_through_file(tmp_path, circuit, "onnx", x, x[:1], x[:0])


@examples(20)
@given(circuit=random_circuits(max_layers=3), data=st.data())
def test_the_onnx_export_agrees_on_random_circuits(tmp_path_factory, circuit, data):
    pytest.importorskip("onnxruntime")
    x = np.vstack([_x(data.draw(input_batches(circuit, max_size=16)), circuit.m),
                   data.draw(_dense_rows(circuit.m))])
    _agree_through_file(tmp_path_factory.mktemp("onnx"), circuit, "onnx", x)


def test_the_onnx_model_is_valid_with_a_dynamic_batch_and_basic_operators(tmp_path):
    onnx = pytest.importorskip("onnx")
    circuit = circuits.build("and2", 200, "random", sparsity=2, seed=1)
    path = tmp_path / "and2.onnx"
    save_export(circuit, path, "onnx")
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert {n.op_type for n in model.graph.node} == {"MatMul", "Add", "Relu", "Sub"}
    assert [o.version for o in model.opset_import] == [circuits.io.ONNX_OPSET]
    (inp,), (out,) = model.graph.input, model.graph.output
    assert [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim] == ["batch", 200]
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == ["batch", 200]
    props = {p.key: p.value for p in model.metadata_props}
    assert props["superpose_problem"] == "and2" and props["superpose_seed"] == "1"


def test_the_torch_export_agrees_with_the_evaluator_on_random_inputs(tmp_path):
    pytest.importorskip("torch")
    circuit = circuits.build("and2", 200, "random", sparsity=2, seed=1)
    x = export_inputs(circuit.m, 2, 300, seed=12)
    _agree_through_file(tmp_path, circuit, "torch", x, x[:1], x[:0])


@examples(4)
@given(circuit=random_circuits(max_layers=3), data=st.data())
def test_the_torch_export_agrees_on_random_circuits(tmp_path_factory, circuit, data):
    pytest.importorskip("torch")
    x = np.vstack([np.zeros((1, circuit.m), np.float32), data.draw(_dense_rows(circuit.m))])
    _agree_through_file(tmp_path_factory.mktemp("torch"), circuit, "torch", x)


@pytest.mark.parametrize("fmt,module", [("onnx", "onnx"), ("torch", "torch")])
def test_a_missing_extra_names_the_pip_line(tmp_path, monkeypatch, fmt, module):
    hide_module(monkeypatch, module)
    with pytest.raises(MissingExtra, match="pip install") as err:
        save_export(circuits.build("represent", 20, None, sparsity=2, seed=0),
                    tmp_path / "m", fmt)
    assert module in str(err.value) and not (tmp_path / "m").exists()


def test_the_formats_are_onnx_and_torch():
    assert EXPORT_FORMATS == ("onnx", "torch")
    with pytest.raises(InvalidArgument, match="format='tf'"):
        save_export(circuits.build("represent", 20, None, sparsity=2, seed=0), "x", "tf")
