"""The event evaluator: the same outputs as the plain evaluator and the dense reference."""

from __future__ import annotations

import gc
import itertools
import sys
import types
import weakref

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, note
from hypothesis import strategies as st

from circuits import (EventEvaluator, Layer, SupportCode, ThresholdNetwork, array_backend,
                      enumerate_sparse_inputs, event_evaluator, exhaustive, fuzz, identity_code,
                      random_sparse_inputs)
from tests.strategies import (as_batch, built, dense, examples, networks, random_circuits,
                              reference_activations, reference_outputs, seeds,
                              uniform_inputs)
from theory.errors import InvalidArgument


class _PortableNumpy:
    """NumPy seen as another array module: ``xp is np`` is False, so the evaluator takes the
    path it takes on CuPy (sort grouping, no np.repeat, no add.at), here checked on the CPU."""

    _HIDDEN = ("repeat", "add", "bincount")

    def __getattr__(self, name):
        if name in self._HIDDEN:
            raise AttributeError(f"the portable path must not use {name}")
        return getattr(np, name)

    @staticmethod
    def asnumpy(array):
        return np.asarray(array)


_EVALUATORS = {
    "auto": lambda net, work: EventEvaluator(net, max_work=work),
    "sort": lambda net, work: EventEvaluator(net, max_work=work, grouping="sort"),
    "portable": lambda net, work: EventEvaluator(net, xp=_PortableNumpy(), max_work=work),
}
_KINDS = st.sampled_from(sorted(_EVALUATORS))


def _all_inputs(m: int, s: int) -> np.ndarray:
    return np.vstack(list(enumerate_sparse_inputs(m, s)))


def _same(got: sp.csr_matrix, want: sp.csr_matrix, context: str = "") -> None:
    assert isinstance(got, sp.csr_matrix), type(got)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert set(np.unique(got.data).tolist()) <= {1}, "outputs must be stored ones"
    assert got.has_canonical_format, "CSR rows must be sorted without duplicates"
    diff = (got != want).tocoo()
    assert not diff.nnz, (f"{diff.nnz} outputs differ; first: input row {diff.row[0]} "
                          f"output {diff.col[0]} {context}")


@examples(150)
@given(net=networks(), s=st.integers(1, 3), kind=_KINDS, work=st.integers(1, 64))
def test_the_event_evaluator_agrees_with_the_plain_evaluator_on_random_networks(net, s, kind,
                                                                                 work):
    batch = _all_inputs(net.m, s)
    note(f"widths={net.widths} thetas={[l.theta.tolist() for l in net.layers]} "
         f"weights={[l.weights.toarray().tolist() for l in net.layers]}")
    got = _EVALUATORS[kind](net, work).evaluate(batch)
    _same(got, net.evaluate(batch))
    want = reference_outputs(net, [tuple(int(f) for f in row if f >= 0) for row in batch])
    assert np.array_equal(dense(got), want)


@examples(60)
@given(circuit=random_circuits(max_layers=3), kind=_KINDS, work=st.integers(1, 200))
def test_the_event_evaluator_agrees_on_every_input_of_random_circuits(circuit, kind, work):
    evaluator = _EVALUATORS[kind](circuit.network, work)
    for chunk in enumerate_sparse_inputs(circuit.m, circuit.sparsity, 7):
        _same(evaluator.evaluate(chunk), circuit.network.evaluate(chunk))
        inputs = [tuple(int(f) for f in row if f >= 0) for row in chunk]
        assert np.array_equal(dense(evaluator.evaluate(chunk)),
                              reference_outputs(circuit.network, inputs))


_CONSTRUCTIONS = [
    ("and2", 300, "random", None), ("and2", 120, "star", None), ("and2", 150, "random", "naive"),
    ("perm", 200, "random", None), ("perm", 60, "shift", "naive"),
    ("represent", 200, None, None), ("represent", 40, None, "naive"),
]


@pytest.mark.parametrize("problem,m_prime,family,construction", _CONSTRUCTIONS)
@examples(3)
@given(seed=seeds, kind=_KINDS)
def test_the_event_evaluator_agrees_on_random_batches_of_built_constructions(
        problem, m_prime, family, construction, seed, kind):
    circuit = built(problem, m_prime, family, 0, 2, 0, construction)
    batch = random_sparse_inputs(circuit.m, 2, 300, np.random.default_rng(seed))
    got = _EVALUATORS[kind](circuit.network, 4096).evaluate(batch)
    _same(got, circuit.network.evaluate(batch), f"seed={seed}")
    assert (got != circuit.problem.truth(batch)).nnz == 0, "the construction is wrong here"


def test_the_cached_evaluator_decides_every_input_of_a_small_and2_like_the_plain_one():
    circuit = built("and2", 40, "random", 0, 2, 0)
    batch = _all_inputs(circuit.m, 2)
    _same(event_evaluator(circuit.network).evaluate(batch), circuit.network.evaluate(batch))


@examples(60)
@given(net=networks(), s=st.integers(1, 3), kind=_KINDS, work=st.integers(1, 64))
def test_the_events_are_exactly_the_units_that_differ_from_the_empty_inputs_trace(net, s, kind,
                                                                                  work):
    batch = _all_inputs(net.m, s)
    inputs = [tuple(int(f) for f in row if f >= 0) for row in batch]
    acts = reference_activations(net, inputs)
    base = reference_activations(net, [()])
    y, y0 = reference_outputs(net, inputs), reference_outputs(net, [()])
    stats = {}
    _EVALUATORS[kind](net, work).evaluate(batch, stats)
    assert stats["features"] == sum(len(a) for a in inputs)
    sizes = np.diff(net.input_code.indptr)
    assert stats["supports"] == sum(int(sizes[list(a)].sum()) for a in inputs)
    want = [int((a != b0).sum()) for a, b0 in zip(acts, base)]
    assert stats["events"] == want
    # the fan-out of unit v of layer l-1: the nonzero weights of column v of W_l
    fanouts = [np.count_nonzero(l.weights.toarray(), axis=0) for l in net.layers]
    fanouts.append(np.diff(net.output_code.matrix_t().indptr))
    gathered = [int((fan[None, :] * (a != b0)).sum()) for fan, a, b0 in zip(fanouts, acts, base)]
    assert stats["gathered"] == gathered
    assert stats["flips"] == int((y != y0).sum())
    # int64 pointers, int32 indices, weights in the narrowest integer type (none if all ones)
    floor = 16 * stats["features"] + 4 * stats["supports"]
    for l, layer in enumerate(net.layers):
        stored = layer.weights.data[layer.weights.data != 0]
        weight = 0 if np.all(stored == 1) else 1 if np.all(np.abs(stored) <= 127) else 8
        floor += 16 * stats["events"][l] + (4 + weight) * stats["gathered"][l]
    floor += 16 * stats["events"][-1] + 4 * stats["gathered"][-1]
    assert _EVALUATORS[kind](net, work).bytes_read(stats) == floor


@examples(20)
@given(net=networks(), s=st.integers(0, 3), kind=_KINDS)
def test_a_batch_of_zero_rows_gives_an_empty_matrix_of_the_right_shape(net, s, kind):
    got = _EVALUATORS[kind](net, 16).evaluate(np.zeros((0, s), dtype=np.int64))
    assert isinstance(got, sp.csr_matrix) and got.shape == (0, net.m_prime) and got.nnz == 0


@examples(40)
@given(net=networks(), data=st.data(), kind=_KINDS)
def test_empty_inputs_in_a_batch_read_the_baseline_outputs(net, data, kind):
    s = data.draw(st.integers(1, 3))
    inputs = data.draw(st.lists(uniform_inputs(net.m, s), min_size=1, max_size=6))
    inputs.insert(data.draw(st.integers(0, len(inputs))), ())
    batch = as_batch(inputs, s)
    evaluator = _EVALUATORS[kind](net, 8)
    got = evaluator.evaluate(batch)
    _same(got, net.evaluate(batch))
    empty = np.flatnonzero((batch == -1).all(axis=1))
    for b in empty:
        assert got[b].indices.tolist() == evaluator.baseline_outputs.tolist()
    only_empty = evaluator.evaluate(np.full((3, s), -1, dtype=np.int64))
    assert [r.indices.tolist() for r in only_empty] == [evaluator.baseline_outputs.tolist()] * 3


@examples(30)
@given(net=networks(max_width=8), s=st.integers(1, 3), rows=st.integers(1, 5),
       work=st.integers(1, 40), seed=seeds)
def test_blocks_and_pieces_of_any_size_give_the_same_matrix(net, s, rows, work, seed):
    rng = np.random.default_rng(seed)
    batch = random_sparse_inputs(net.m, min(s, net.m), int(rng.integers(0, 23)), rng)
    want = net.evaluate(batch)
    for grouping in ("auto", "sort"):
        chunked = EventEvaluator(net, max_work=work, max_rows=rows, grouping=grouping)
        _same(chunked.evaluate(batch), want, f"max_rows={rows} max_work={work} {grouping}")


def test_pieces_are_whole_rows_near_the_work_budget():
    evaluator = EventEvaluator(built("and2", 100, "random", 0, 2, 0).network, max_work=10)
    rows = np.array([0, 0, 0, 1, 1, 4, 5, 5, 5, 5])
    work = np.array([4, 4, 4, 1, 1, 9, 3, 3, 3, 3])
    pieces = evaluator._pieces(rows, work)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(rows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    for lo, hi in pieces:
        assert lo == 0 or rows[lo] != rows[lo - 1], "a piece must start at a new row"
    assert evaluator._pieces(rows[:0], work[:0]) == []
    assert evaluator._pieces(rows[:2], work[:2]) == [(0, 2)]


def test_unsorted_rows_padding_anywhere_and_repeated_features_read_as_their_union():
    code = SupportCode(np.array([0, 2, 3, 3]), np.array([0, 1, 1]), 2)
    layer = Layer(sp.csr_matrix(np.array([[1, 1], [-1, 0], [0, 0]], dtype=np.int64)),
                  np.array([2, 0, 0], dtype=np.int64))
    net = ThresholdNetwork(code, (layer,), SupportCode(np.array([0, 1, 2, 2]),
                                                       np.array([0, 1]), 3))
    batch = np.array([[-1, 1, 0], [1, 1, -1], [2, -1, -1], [-1, -1, -1], [1, -1, 2]])
    got = EventEvaluator(net).evaluate(batch)
    _same(got, net.evaluate(batch))
    assert got.toarray().tolist() == [[1, 0, 1], [0, 1, 1], [0, 1, 1], [0, 1, 1], [0, 1, 1]]


def test_units_that_fire_at_baseline_and_always_true_outputs_are_exact():
    code = identity_code(2)
    # unit 0: a stored zero weight and theta 0 (always on); unit 1: -x_0 >= 0; unit 2: AND
    weights = sp.csr_matrix((np.array([0, -1, 1, 1]), np.array([0, 0, 0, 1]),
                             np.array([0, 1, 2, 4])), shape=(3, 2))
    layer = Layer(weights, np.array([0, 0, 2], dtype=np.int64))
    assert layer.weights.nnz == 4, "the explicit zero must stay stored"
    out = SupportCode(np.array([0, 0, 1, 3]), np.array([1, 0, 2]), 3)
    net = ThresholdNetwork(code, (layer,), out)
    batch = np.array([[-1, -1], [0, -1], [1, -1], [0, 1]])
    got = EventEvaluator(net).evaluate(batch)
    _same(got, net.evaluate(batch))
    assert got.toarray().tolist() == [[1, 1, 0], [1, 0, 0], [1, 1, 0], [1, 0, 1]]


@pytest.mark.parametrize("scale", [1, 100, 40_000, 3 * 2 ** 30, 2 ** 40])
@examples(10)
@given(net=networks(max_width=5, max_layers=2), s=st.integers(1, 3))
def test_weights_and_thresholds_of_any_magnitude_are_summed_exactly(net, s, scale):
    big = ThresholdNetwork(net.input_code,
                           tuple(Layer(layer.weights * scale, layer.theta * scale - 1)
                                 for layer in net.layers), net.output_code)
    batch = _all_inputs(big.m, s)
    _same(EventEvaluator(big).evaluate(batch), big.evaluate(batch), f"scale={scale}")
    _same(EventEvaluator(big, grouping="sort").evaluate(batch), big.evaluate(batch))


def test_a_network_without_layers_decodes_layer_zero():
    net = ThresholdNetwork(identity_code(3), (), SupportCode(np.array([0, 2, 2]),
                                                             np.array([0, 2]), 3))
    batch = np.array([[0, -1], [0, 2], [-1, -1]])
    _same(EventEvaluator(net).evaluate(batch), net.evaluate(batch))


@pytest.mark.parametrize("active,words", [
    (np.array([0, 1]), "2-d integer array"),
    (np.array([[0.5, 1.0]]), "2-d integer array"),
    (np.array([[0, 7]]), "active feature 7"),
    (np.array([[0, -2]]), "active feature -2"),
])
def test_bad_batches_are_refused_in_one_line_naming_the_value(active, words):
    evaluator = EventEvaluator(ThresholdNetwork(identity_code(3), (), identity_code(3)))
    with pytest.raises(InvalidArgument, match=words) as info:
        evaluator.evaluate(active)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kwargs,words", [
    ({"max_work": 0}, "max_work=0"), ({"max_rows": 1.5}, "max_rows=1.5"),
    ({"grouping": "hash"}, "grouping='hash'"),
])
def test_bad_evaluator_options_are_refused_in_one_line(kwargs, words):
    with pytest.raises(InvalidArgument, match=words):
        EventEvaluator(ThresholdNetwork(identity_code(3), (), identity_code(3)), **kwargs)
    with pytest.raises(InvalidArgument, match="ThresholdNetwork"):
        EventEvaluator("not a network")


def test_the_evaluator_is_cached_per_network_object_and_released_with_it():
    net = ThresholdNetwork(identity_code(3), (), identity_code(3))
    twin = ThresholdNetwork(identity_code(3), (), identity_code(3))
    assert event_evaluator(net) is event_evaluator(net)
    assert event_evaluator(twin) is not event_evaluator(net)
    released = weakref.ref(event_evaluator(net))
    del net
    gc.collect()
    assert released() is None, "the cache must not keep a network's evaluator alive"


def test_exhaustive_and_fuzz_evaluate_through_the_cached_event_evaluator(monkeypatch):
    circuit = built("and2", 30, "random", 0, 2, 0)
    seen = []
    real = exhaustive.__globals__["event_evaluator"]

    def spy(network):
        seen.append(network)
        return real(network)

    # the module exhaustive really runs in (pytest may import circuits/_fuzz.py twice)
    monkeypatch.setitem(exhaustive.__globals__, "event_evaluator", spy)
    report = exhaustive(circuit)
    assert report.complete and report.wrong_outputs == 0
    assert seen and all(net is circuit.network for net in seen)
    assert fuzz.__globals__["event_evaluator"] is spy
    fuzz(circuit, samples=50, seed=1)
    assert len(seen) > 1


def test_the_numpy_backend_is_always_there_and_auto_falls_back_to_it(monkeypatch):
    assert array_backend("numpy") is np
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy now raises ImportError
    assert array_backend("auto") is np
    assert array_backend() is np
    with pytest.raises(InvalidArgument, match="backend='cupy' is unavailable") as info:
        array_backend("cupy")
    assert "\n" not in str(info.value)
    with pytest.raises(InvalidArgument, match="backend='torch' is not known"):
        array_backend("torch")


def test_a_cupy_without_a_device_is_refused_explicitly_and_skipped_by_auto(monkeypatch):
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 0))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert array_backend("auto") is np
    with pytest.raises(InvalidArgument, match="getDeviceCount"):
        array_backend("cupy")


def test_the_cupy_backend_agrees_with_the_plain_evaluator_on_a_gpu():
    cupy = pytest.importorskip("cupy")
    try:
        xp = array_backend("cupy")
    except InvalidArgument as exc:
        pytest.skip(f"no CUDA device: {exc}")
    assert xp is cupy
    circuit = built("and2", 300, "random", 0, 2, 0)
    batch = random_sparse_inputs(circuit.m, 2, 500, np.random.default_rng(0))
    _same(EventEvaluator(circuit.network, xp=xp).evaluate(batch),
          circuit.network.evaluate(batch))
