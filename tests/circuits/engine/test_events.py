"""The event evaluator: the same outputs as the plain evaluator and the dense reference."""

from __future__ import annotations

import dataclasses
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

from superpose import circuits
from superpose.circuits import Layer, SupportCode, ThresholdNetwork, exhaustive, fuzz, identity_code
from superpose.circuits.constructions import AND2_FAMILIES
from superpose.circuits.correctness import gain_filter_pays
from superpose.circuits.engine import (
    EvaluatorOptions,
    EventEvaluator,
    array_backend,
    event_evaluator,
)
from superpose.circuits.engine._decode import PivotDecoder
from superpose.circuits.engine._events import (
    DENSE_BLOCK_ROWS,
    LOOKUP_COST,
    MIN_INT32_ROWS,
    WeightLookup,
    _spot_check,
)
from superpose.circuits.engine._gains import FirstLayerGains, TableTimeout, solo_levels
from superpose.circuits.model import enumerate_sparse_inputs, random_sparse_inputs
from superpose.theory.errors import InvalidArgument
from tests.strategies import (
    as_batch,
    built,
    dense,
    examples,
    networks,
    random_circuits,
    reference_activations,
    reference_outputs,
    seeds,
    uniform_inputs,
)


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


def _events(net, sparsity=None, xp=np, **options) -> EventEvaluator:
    """An event evaluator of ``net`` with the :class:`EvaluatorOptions` ``options``."""
    return EventEvaluator(net, sparsity, EvaluatorOptions(**options), xp=xp)


_EVALUATORS = {
    "auto": lambda net, work: _events(net, max_work=work),
    "sort": lambda net, work: _events(net, max_work=work, grouping="sort"),
    "portable": lambda net, work: _events(net, xp=_PortableNumpy(), max_work=work),
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


def _decode_reads(net, a_last, a0_last) -> int:
    """The index entries the pivot decoder reads (circuits/engine/_decode.py), input by input: the
    pivot entry and the second pivot of each candidate (an output off at baseline whose pivot
    turned on), Q_k of each candidate whose second pivot is absent or turned on too, and for
    each unit that turned off, the outputs on at baseline that hold it."""
    code = net.output_code
    first, second = PivotDecoder(np, code.indptr, code.indices, code.width, a0_last,
                                 None).pivots
    rows = [code.row(k) for k in range(code.n_rows)]
    on0 = [bool(np.all(a0_last[r])) for r in rows]
    reads = 0
    for a in a_last:
        changed = a != a0_last
        for k, r in enumerate(rows):
            if on0[k]:
                reads += int(changed[r].sum())
            elif changed[first[k]]:
                reads += 2
                if second[k] < 0 or changed[second[k]]:
                    reads += len(r)
    return reads


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
    gathered = [int((fan[None, :] * (a != b0)).sum()) for fan, a, b0 in zip(fanouts, acts, base)]
    gathered.append(_decode_reads(net, acts[-1], base[-1][0]))
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
        chunked = _events(net, max_work=work, max_rows=rows, grouping=grouping)
        _same(chunked.evaluate(batch), want, f"max_rows={rows} max_work={work} {grouping}")


def test_pieces_are_whole_rows_near_the_work_budget():
    evaluator = _events(built("and2", 100, "random", 0, 2, 0).network, max_work=10)
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
def test_weights_and_thresholds_of_any_magnitude_are_summed_exactly_with_or_without_the_filter(
        net, s, scale):
    big = ThresholdNetwork(net.input_code,
                           tuple(Layer(layer.weights * scale, layer.theta * scale - 1)
                                 for layer in net.layers), net.output_code)
    batch = _all_inputs(big.m, s)
    _same(EventEvaluator(big).evaluate(batch), big.evaluate(batch), f"scale={scale}")
    _same(_events(big, grouping="sort").evaluate(batch), big.evaluate(batch))
    _same(EventEvaluator(big, sparsity=s).evaluate(batch), big.evaluate(batch),
          f"gain filter, scale={scale}")


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
        _events(ThresholdNetwork(identity_code(3), (), identity_code(3)), **kwargs)
    with pytest.raises(InvalidArgument, match="ThresholdNetwork"):
        EventEvaluator("not a network")


def test_evaluator_options_are_a_frozen_record_checked_when_made_and_kept():
    with pytest.raises(InvalidArgument, match="lookup_cost=-1") as info:
        EvaluatorOptions(lookup_cost=-1)
    assert "\n" not in str(info.value)
    options = EvaluatorOptions(max_work=np.int64(7), grouping="sort")
    assert type(options.max_work) is int and options == EvaluatorOptions(7, grouping="sort")
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.max_work = 8
    net = ThresholdNetwork(identity_code(3), (), identity_code(3))
    evaluator = EventEvaluator(net, 2, options)
    assert evaluator.options is options and evaluator.max_work == 7
    assert EventEvaluator(net).options == EvaluatorOptions()


def test_the_evaluator_is_cached_per_network_object_and_released_with_it():
    net = ThresholdNetwork(identity_code(3), (), identity_code(3))
    twin = ThresholdNetwork(identity_code(3), (), identity_code(3))
    assert event_evaluator(net) is event_evaluator(net)
    assert event_evaluator(twin) is not event_evaluator(net)
    assert event_evaluator(net, 2) is event_evaluator(net, 2)
    assert event_evaluator(net, 2) is not event_evaluator(net, 3)
    assert event_evaluator(net, 2) is not event_evaluator(net)
    released = weakref.ref(event_evaluator(net))
    del net
    gc.collect()
    assert released() is None, "the cache must not keep a network's evaluator alive"


def test_exhaustive_and_fuzz_evaluate_through_the_cached_event_evaluator(monkeypatch):
    """Runs for which the gain table does not pay use the plain event path; the others the
    gain-filtered one for the circuit's sparsity."""
    circuit = built("and2", 30, "random", 0, 2, 0)
    seen = []
    real = exhaustive.__globals__["event_evaluator"]

    def spy(network, sparsity=None, cache=None):
        seen.append((network, sparsity))
        return real(network, sparsity, cache=cache)

    # the module exhaustive really runs in (pytest may import circuits/correctness/_fuzz.py twice)
    monkeypatch.setitem(exhaustive.__globals__, "event_evaluator", spy)
    monkeypatch.setitem(exhaustive.__globals__, "gain_filter_pays", lambda *args: False)
    report = exhaustive(circuit)
    assert report.complete and report.wrong_outputs == 0
    assert seen and all(net is circuit.network and s is None for net, s in seen)
    assert fuzz.__globals__["event_evaluator"] is spy
    seen.clear()
    monkeypatch.setitem(fuzz.__globals__, "gain_filter_pays", lambda *args: True)
    assert fuzz(circuit, samples=50, seed=1).wrong_outputs == 0
    assert seen and all(s == circuit.sparsity for _, s in seen)


def test_a_gain_table_past_its_deadline_raises_and_caches_nothing():
    # a network object of its own: ``built`` is shared, so its evaluator may be cached already
    net = dataclasses.replace(built("and2", 300, "random", 0, 2, 0).network)
    with pytest.raises(TableTimeout):
        EventEvaluator(net, sparsity=2, deadline=0.0)
    with pytest.raises(TableTimeout):
        event_evaluator(net, 2, deadline=0.0)
    evaluator = event_evaluator(net, 2)  # built now, without a deadline, and kept
    assert evaluator.first_layer == "gains" and event_evaluator(net, 2) is evaluator


def test_the_gain_table_is_built_for_long_runs_and_not_for_short_ones_or_no_layers():
    # and2 at m' = 2000: the table's d_1 (nnz(P) + m) against s |P| fan-out W_1^T per input
    network = built("and2", 2000, "random", 0, 2, 0).network
    assert gain_filter_pays(network, 2, 10 ** 6)
    assert not gain_filter_pays(network, 2, 1)
    assert not gain_filter_pays(ThresholdNetwork(identity_code(3), (), identity_code(3)), 2,
                                10 ** 9)


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


# --- the gain-filtered first layer ------------------------------------------------------------

# "auto" may read W_1^T in blocks where that is cheaper; the others always use the look-ups
# ("always": from a dense copy of W_1, "sparse": by binary search; "sort" and "portable" too)
# or always W_1^T after the filter ("fallback": every block with a candidate)
_GAIN_EVALUATORS = {
    "auto": lambda net, s, work: _events(net, sparsity=s, max_work=work),
    "always": lambda net, s, work: _events(net, sparsity=s, max_work=work, lookup_cost=0,
                                           first_layer="gains"),
    "sparse": lambda net, s, work: _events(net, sparsity=s, max_work=work, lookup_cost=0,
                                           max_dense_lookup=0, first_layer="gains"),
    "fallback": lambda net, s, work: _events(net, sparsity=s, max_work=work,
                                             lookup_cost=10 ** 9, first_layer="gains"),
    "sort": lambda net, s, work: _events(net, sparsity=s, max_work=work, grouping="sort",
                                         lookup_cost=0, max_dense_lookup=0,
                                         first_layer="gains"),
    "portable": lambda net, s, work: _events(net, xp=_PortableNumpy(), sparsity=s,
                                             max_work=work, lookup_cost=0,
                                             max_dense_lookup=0),
    "dense": lambda net, s, work: _events(net, sparsity=s, max_work=work, first_layer="dense"),
    # the certifier's: its rise index caps the bounds of features that do not list a unit
    "rise": lambda net, s, work: _events(net, sparsity=s, max_work=work, lookup_cost=0,
                                         first_layer="gains", search_divisor=2),
}
_GAIN_KINDS = st.sampled_from(sorted(_GAIN_EVALUATORS))
_LAYERED = networks().filter(lambda net: len(net.layers) > 0)


def _changed_units(net, batch) -> set[tuple[int, int]]:
    """(row, unit) of layer 1 whose state differs from the empty input's, by the plain trace."""
    acts = net.forward(batch)[1].toarray().astype(bool)
    base = net.forward(np.full((1, batch.shape[1]), -1, dtype=np.int64))[1].toarray()
    rows, units = np.nonzero(acts != base.astype(bool))
    return set(zip(rows.tolist(), units.tolist()))


@examples(150)
@given(net=networks(), s=st.integers(1, 3), extra=st.integers(0, 2), kind=_GAIN_KINDS,
       work=st.integers(1, 64))
def test_the_gain_filtered_evaluator_agrees_with_the_plain_evaluator_on_random_networks(
        net, s, extra, kind, work):
    # inputs of up to s features, read by an evaluator told s + extra (fewer than its s)
    batch = _all_inputs(net.m, s)
    note(f"widths={net.widths} thetas={[l.theta.tolist() for l in net.layers]} "
         f"weights={[l.weights.toarray().tolist() for l in net.layers]}")
    evaluator = _GAIN_EVALUATORS[kind](net, s + extra, work)
    expected = {"auto": {"gains", "dense"}, "dense": {"dense"}}.get(kind, {"gains"})
    assert evaluator.first_layer in (expected if net.layers else {"events"})
    got = evaluator.evaluate(batch)
    _same(got, net.evaluate(batch))
    want = reference_outputs(net, [tuple(int(f) for f in row if f >= 0) for row in batch])
    assert np.array_equal(dense(got), want)


@examples(60)
@given(circuit=random_circuits(max_layers=3), kind=_GAIN_KINDS, work=st.integers(1, 200))
def test_the_gain_filtered_evaluator_agrees_on_every_input_of_random_circuits(circuit, kind,
                                                                             work):
    evaluator = _GAIN_EVALUATORS[kind](circuit.network, circuit.sparsity, work)
    for chunk in enumerate_sparse_inputs(circuit.m, circuit.sparsity, 7):
        got = evaluator.evaluate(chunk)
        _same(got, circuit.network.evaluate(chunk))
        inputs = [tuple(int(f) for f in row if f >= 0) for row in chunk]
        assert np.array_equal(dense(got), reference_outputs(circuit.network, inputs))


_GAIN_CONSTRUCTIONS = (
    [("and2", 200, family, None) for family in sorted(AND2_FAMILIES)]
    + [("and2", 150, "random", "naive"), ("perm", 200, "random", None),
       ("perm", 60, "shift", "naive"), ("represent", 200, None, None),
       ("represent", 40, None, "naive")])


@pytest.mark.parametrize("family", ["star", "mixed"])
def test_the_rise_capped_evaluator_agrees_on_the_inputs_of_a_star_hubs_outputs(family):
    """and2 at m' = 2000: every input of two features that meets a hub's outputs (where the
    rise cap and the unstored features it finds, read back for the exact sums, matter
    most), plus random pairs, through the certifier's evaluator and the plain one."""
    circuit = built("and2", 2000, family, 0, 2, 0)
    sources = np.asarray(circuits.correctness.output_sources(circuit))
    hub = int(np.argmax(np.bincount(sources.ravel(), minlength=circuit.m)))
    batch = np.array([[hub, f] for f in range(circuit.m) if f != hub], np.int64)
    batch = np.concatenate([batch, random_sparse_inputs(circuit.m, 2, 2000,
                                                        np.random.default_rng(0))])
    evaluator = _GAIN_EVALUATORS["rise"](circuit.network, 2, 4096)
    _same(evaluator.evaluate(batch), circuit.network.evaluate(batch))


@pytest.mark.parametrize("problem,m_prime,family,construction", _GAIN_CONSTRUCTIONS)
@examples(3)
@given(seed=seeds, kind=_GAIN_KINDS)
def test_the_gain_filtered_evaluator_agrees_on_random_batches_of_built_constructions(
        problem, m_prime, family, construction, seed, kind):
    circuit = built(problem, m_prime, family, 0, 2, 0, construction)
    rng = np.random.default_rng(seed)
    batch = random_sparse_inputs(circuit.m, 2, 300, rng)
    evaluator = _GAIN_EVALUATORS[kind](circuit.network, 2, 4096)
    got = evaluator.evaluate(batch)
    _same(got, circuit.network.evaluate(batch), f"seed={seed}")
    assert (got != circuit.problem.truth(batch)).nnz == 0, "the construction is wrong here"
    if circuit.network.layers:  # (represent reads its outputs off layer 0: no layer 1)
        rows, units = evaluator.candidates(batch)
        assert _changed_units(circuit.network, batch) <= set(zip(rows.tolist(),
                                                                 units.tolist()))


@examples(100)
@given(net=_LAYERED, s=st.integers(1, 3), extra=st.integers(0, 1),
       kind=_GAIN_KINDS)
def test_the_gain_bounds_are_sound_no_unit_outside_the_candidates_changes_state(net, s, extra,
                                                                                kind):
    batch = _all_inputs(net.m, s)
    evaluator = _GAIN_EVALUATORS[kind](net, s + extra, 64)
    rows, units = evaluator.candidates(batch)
    candidates = set(zip(rows.tolist(), units.tolist()))
    assert len(candidates) == len(rows), "a candidate must be listed once"
    assert list(zip(rows.tolist(), units.tolist())) == sorted(candidates)
    changed = _changed_units(net, batch)
    assert changed <= candidates, f"changed outside the candidates: {changed - candidates}"


@examples(100)
@given(net=_LAYERED, s=st.integers(1, 3), extra=st.integers(0, 1), divisor=st.integers(1, 3),
       portable=st.booleans())
def test_the_candidates_are_exactly_the_pairs_whose_bound_reaches_the_need(net, s, extra,
                                                                          divisor, portable):
    """Per input of j distinct features and unit u, with k of them storing u at a level <= j:
    U_u = (their gains) + (j - k) h_u; the candidates are exactly the pairs with k >= 1 and
    U_u >= N_u, by the table's own arrays (whether an entry is one of a shared unit or listed
    alone)."""
    batch = _all_inputs(net.m, s)
    evaluator = _events(net, sparsity=s + extra, xp=_PortableNumpy() if portable else np,
                        max_work=64, first_layer="gains", table_divisor=divisor)
    table = evaluator._table
    stored = [{} for _ in range(net.m)]  # per feature: level j -> {unit: gain} of level <= j
    for f in range(net.m):
        lo = int(table.ptr[f])
        for j in range(1, s + extra + 1):
            end = int(table.level_ends[f, j - 1])
            stored[f][j] = dict(zip(np.asarray(table.units[lo:end]).tolist(),
                                    np.asarray(table.gains[lo:end]).tolist()))
    want = []
    for b, row in enumerate(batch):
        features = sorted({int(f) for f in row if f >= 0})
        j = len(features)
        for u in sorted({u for f in features for u in stored[f][j]}):
            gains = [stored[f][j][u] for f in features if u in stored[f][j]]
            bound = sum(gains) + (j - len(gains)) * int(table.leak[u])
            if bound >= int(table.need[u]):
                want.append((b, u))
    rows, units = evaluator.candidates(batch)
    assert list(zip(rows.tolist(), units.tolist())) == want


def _dense_first_layer_gains(net) -> np.ndarray:
    """G (m x d_1): per feature and unit, the sum over its support of W+ (units with
    theta > 0) or W- (theta <= 0), each support unit once; straight from the definition."""
    layer = net.layers[0]
    w = layer.weights.toarray()
    mag = np.where((layer.theta > 0)[:, None], np.maximum(w, 0), np.maximum(-w, 0))
    code = net.input_code
    return np.array([[int(mag[u, np.unique(code.row(f))].sum()) for u in range(w.shape[0])]
                     for f in range(net.m)], dtype=np.int64).reshape(net.m, w.shape[0])


@examples(80)
@given(net=_LAYERED, s=st.integers(1, 4), divisor=st.integers(1, 3),
       max_bytes=st.sampled_from([1, 64, 1 << 20]))
def test_the_gain_table_stores_exactly_the_gains_above_the_cutoff_up_to_level_s(
        net, s, divisor, max_bytes):
    layer, code = net.layers[0], net.input_code
    table = FirstLayerGains(layer.weights, layer.theta, code.indptr, code.indices, code.width,
                            s, max_bytes, divisor)
    gains = _dense_first_layer_gains(net)
    theta = layer.theta
    need = np.where(theta > 0, theta, 1 - theta)
    cutoff = -(-need // (s * divisor))
    assert np.array_equal(table.need, need) and np.array_equal(table.cutoff, cutoff)
    above = gains >= cutoff[None, :]
    assert np.array_equal(table.leak, np.where(above, 0, gains).max(axis=0, initial=0))
    assert np.array_equal(table.top, gains.max(axis=0, initial=0))
    top = np.maximum(table.top, 1)
    level = np.where(gains >= need, 1, 1 + -(-(need - gains) // top))
    stored = {(f, u): (int(gains[f, u]), int(level[f, u]))
              for f, u in zip(*np.nonzero(above & (level <= s)))}
    got = {}
    for f in range(net.m):
        lo, hi = table.indptr[f], table.indptr[f + 1]
        for j in range(1, s + 1):
            end = table.level_ends[f, j - 1]
            for u, g in zip(table.units[lo:end], table.gains[lo:end]):
                got.setdefault((f, int(u)), (int(g), j))
        assert table.level_ends[f, s - 1] == hi
    assert got == stored
    assert table.dropped == int((above & (level > s)).sum())


@examples(80)
@given(net=_LAYERED, s=st.integers(1, 4), divisor=st.integers(1, 3))
def test_the_solo_lists_name_exactly_the_entries_a_candidate_alone_by_level(net, s, divisor):
    """Feature f lists, in order of sigma then position, the entries (f, u) whose gain with
    sigma - 1 leaks reaches the need, G + (sigma - 1) h_u >= N_u, for the least such
    sigma <= s, each within the entries an input of sigma features reads."""
    layer, code = net.layers[0], net.input_code
    table = FirstLayerGains(layer.weights, layer.theta, code.indptr, code.indices, code.width,
                            s, 1 << 20, divisor)
    for f in range(net.m):
        want = []
        for at in range(int(table.indptr[f]), int(table.indptr[f + 1])):
            u, g = int(table.units[at]), int(table.gains[at])
            sigma = next((j for j in range(1, s + 1)
                          if g + (j - 1) * int(table.leak[u]) >= int(table.need[u])), None)
            if sigma is not None:
                assert at < table.level_ends[f, sigma - 1], "a solo entry must be read"
                want.append((sigma, at))
        lo = int(table.solo_indptr[f])
        got = []
        for j in range(1, s + 1):
            end = int(table.solo_ends[f, j - 1])
            got += [(j, int(at)) for at in table.solo[lo:end]]
            lo = end
        assert got == sorted(want)
        assert table.solo_ends[f, s - 1] == table.solo_indptr[f + 1]


def test_an_entry_of_a_unit_without_leak_is_alone_only_if_it_reaches_the_need_itself():
    """h_u = 0 (every gain of u is stored): a single entry's bound is its own gain, so an
    entry short of N_u is never listed alone, however small its deficit; two of them
    together still make a candidate."""
    code = SupportCode(np.array([0, 1, 2]), np.array([0, 1]), 2)
    layer = Layer(sp.csr_matrix(np.array([[2, 2]], dtype=np.int64)), np.array([3]))
    net = ThresholdNetwork(code, (layer,), identity_code(1))
    table = FirstLayerGains(layer.weights, layer.theta, code.indptr, code.indices, code.width,
                            2, 1 << 20, 2)
    assert table.leak.tolist() == [0] and table.units.size == 2 and table.solo.size == 0
    assert solo_levels(table, np.arange(2)).tolist() == [3, 3]  # (s + 1: never)
    _spot_check(table, WeightLookup(np, layer.weights), code)  # (the lists pass their check)
    evaluator = _events(net, sparsity=2, first_layer="gains", table_divisor=2)
    rows, units = evaluator.candidates(np.array([[0, 1], [0, -1], [1, -1]]))
    assert list(zip(rows.tolist(), units.tolist())) == [(0, 0)]


@examples(60)
@given(net=_LAYERED, s=st.integers(2, 3), data=st.data())
def test_units_without_weights_store_nothing_and_leave_the_other_units_as_they_were(
        net, s, data):
    """Rows of layer 1 zeroed (whole blocks of one unit each, whose products are skipped):
    those units store no gain in any table or rise list and have leak and top 0, as gains of
    0 require; every other unit's entries, leak, top and floors are those of the layer as
    drawn."""
    layer, code = net.layers[0], net.input_code
    d = layer.weights.shape[0]
    blank = np.array(sorted(data.draw(st.sets(st.integers(0, d - 1)))), np.int64)
    kept = np.setdiff1d(np.arange(d), blank)
    w = layer.weights.tolil()
    w[blank] = 0
    tables = [FirstLayerGains(weights, layer.theta, code.indptr, code.indices, code.width, s,
                              1, search_divisor=2)
              for weights in (layer.weights, sp.csr_matrix(w.tocsr()))]

    def entries(table):
        units = table.units.astype(np.int64)
        return units, np.repeat(np.arange(len(code.indptr) - 1), np.diff(table.indptr)), \
            table.rise

    drawn, zeroed = (entries(table) for table in tables)
    assert not np.isin(zeroed[0], blank).any() and not np.isin(zeroed[2].units, blank).any()
    assert not tables[1].leak[blank].any() and not tables[1].top[blank].any()
    mine = np.isin(drawn[0], kept)
    assert sorted(zip(drawn[1][mine].tolist(), drawn[0][mine].tolist())) == sorted(
        zip(zeroed[1].tolist(), zeroed[0].tolist()))
    assert np.array_equal(tables[0].leak[kept], tables[1].leak[kept])
    assert np.array_equal(tables[0].top[kept], tables[1].top[kept])
    assert np.array_equal(drawn[2].floors[kept], zeroed[2].floors[kept])
    for signed in (tables[1].positive, tables[1].negative):
        if signed is not None:
            assert not np.diff(signed.indptr)[blank].any()


@examples(40)
@given(net=_LAYERED, s=st.integers(1, 3))
def test_the_gain_filter_counts_its_work_and_the_events_stay_the_true_ones(net, s):
    batch = _all_inputs(net.m, s)
    inputs = [tuple(int(f) for f in row if f >= 0) for row in batch]
    acts = reference_activations(net, inputs)
    base = reference_activations(net, [()])
    stats = {}
    evaluator = _events(net, sparsity=s, lookup_cost=0, first_layer="gains")
    evaluator.evaluate(batch, stats)
    assert stats["events"] == [int((a != b0).sum()) for a, b0 in zip(acts, base)]
    assert stats["gathered"][0] == 0 and stats["fallback_columns"] == 0, \
        "layer 1 must not read W_1^T columns"
    assert stats["candidates"] == len(evaluator.candidates(batch)[0])
    assert stats["events"][1] <= stats["candidates"] <= stats["gain_entries"]
    floor = 16 * stats["features"] + 4 * stats["supports"]
    assert evaluator.bytes_read(stats) >= floor + 16 * stats["features"]
    # reading W_1^T in every block with a candidate that needs look-ups (one not summed from
    # its stored gains) counts exactly the unfiltered columns
    fallback, unfiltered = {}, {}
    _events(net, sparsity=s, lookup_cost=10 ** 9, first_layer="gains").evaluate(batch,
                                                                                fallback)
    _events(net, sparsity=s, first_layer="events").evaluate(batch, unfiltered)
    assert fallback["events"] == unfiltered["events"]
    if stats["lookups"]:
        assert fallback["gathered"] == unfiltered["gathered"]
        assert fallback["fallback_columns"] == stats["events"][0] and fallback["lookups"] == 0


def test_an_and2_circuit_is_gain_filtered_with_few_candidates_and_its_build_is_timed():
    circuit = built("and2", 300, "random", 0, 2, 0)
    evaluator = EventEvaluator(circuit.network, sparsity=2)
    assert evaluator.first_layer == "gains" and evaluator.table_seconds > 0
    batch = random_sparse_inputs(circuit.m, 2, 500, np.random.default_rng(1))
    stats = {}
    _same(evaluator.evaluate(batch, stats), circuit.network.evaluate(batch))
    events = _events(circuit.network, sparsity=2, first_layer="events")
    plain_stats = {}
    events.evaluate(batch, plain_stats)
    assert stats["events"] == plain_stats["events"]
    assert stats["candidates"] < plain_stats["gathered"][0] / 50, "the filter must prune"


def test_a_network_without_layers_uses_events_even_when_a_sparsity_is_known():
    net = ThresholdNetwork(identity_code(3), (), SupportCode(np.array([0, 2, 2]),
                                                             np.array([0, 2]), 3))
    evaluator = _events(net, sparsity=2, first_layer="gains")
    assert evaluator.first_layer == "events"
    batch = np.array([[0, -1], [0, 2], [-1, -1]])
    _same(evaluator.evaluate(batch), net.evaluate(batch))


def test_empty_supports_explicit_zeros_and_units_on_at_baseline_stay_exact_with_gains():
    # feature 2 has an empty support; unit 0 holds an explicit zero and theta 0 (always on);
    # unit 1 is on at baseline and turns off on feature 0 (-1 >= 0 fails); unit 2 needs both
    code = SupportCode(np.array([0, 1, 2, 2]), np.array([0, 1]), 2)
    weights = sp.csr_matrix((np.array([0, -1, 1, 1]), np.array([0, 0, 0, 1]),
                             np.array([0, 1, 2, 4])), shape=(3, 2))
    layer = Layer(weights, np.array([0, 0, 2], dtype=np.int64))
    net = ThresholdNetwork(code, (layer,), SupportCode(np.array([0, 0, 1, 3]),
                                                       np.array([1, 0, 2]), 3))
    batch = _all_inputs(3, 3)
    evaluator = EventEvaluator(net, sparsity=3)
    _same(evaluator.evaluate(batch), net.evaluate(batch))
    rows, units = evaluator.candidates(np.array([[0, -1, -1], [2, -1, -1], [0, 1, -1]]))
    assert list(zip(rows.tolist(), units.tolist())) == [(0, 1), (2, 1), (2, 2)]


@pytest.mark.parametrize("batch,words", [
    (np.array([[0, 1, 2]]), "row 0 of active has 3 distinct features but sparsity=2"),
    (np.array([[0, 0, 1], [0, 1, 2]]), "row 1 of active has 3 distinct features"),
])
def test_inputs_with_more_than_s_features_are_refused_in_one_line(batch, words):
    net = ThresholdNetwork(identity_code(3), (Layer(sp.identity(3, dtype=np.int64, format="csr"),
                                                    np.ones(3, dtype=np.int64)),),
                           identity_code(3))
    for first_layer in ("gains", "events"):
        evaluator = _events(net, sparsity=2, first_layer=first_layer)
        with pytest.raises(InvalidArgument, match=words) as info:
            evaluator.evaluate(batch)
        assert "\n" not in str(info.value)
    # a repeated feature counts once, and padding not at all
    _same(EventEvaluator(net, sparsity=2).evaluate(np.array([[1, 1, 0], [-1, 2, -1]])),
          net.evaluate(np.array([[1, 1, 0], [-1, 2, -1]])))


@pytest.mark.parametrize("kwargs,words", [
    ({"sparsity": 0}, "sparsity=0"), ({"sparsity": 1.5}, "sparsity=1.5"),
    ({"first_layer": "filter"}, "first_layer='filter'"),
    ({"first_layer": "gains"}, "first_layer='gains' needs sparsity"),
    ({"sparsity": 2, "max_table_bytes": 0}, "max_table_bytes=0"),
])
def test_bad_first_layer_options_are_refused_in_one_line(kwargs, words):
    net = ThresholdNetwork(identity_code(3), (Layer(sp.identity(3, dtype=np.int64, format="csr"),
                                                    np.ones(3, dtype=np.int64)),),
                           identity_code(3))
    with pytest.raises(InvalidArgument, match=words) as info:
        _events(net, **kwargs)
    assert "\n" not in str(info.value)
    events = EventEvaluator(net)
    with pytest.raises(InvalidArgument, match="candidates need the gain-filtered first layer"):
        events.candidates(np.array([[0]]))


@examples(30)
@given(net=_LAYERED, s=st.integers(1, 3), limit=st.integers(1, 40))
def test_weight_lookups_split_into_blocks_of_units_give_the_same_sums(net, s, limit):
    # keys (u - u_lo) d_0 + p must stay below 2^31; a tiny limit forces many blocks of units
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(EventEvaluator.__init__.__globals__, "_KEY_LIMIT", limit)
        patch.setitem(EventEvaluator.__init__.__globals__, "LAZY_RATIO", 2 ** 62)  # build now
        patch.setitem(EventEvaluator.__init__.__globals__, "BITMAP_OVER_KEYS", 0)  # keys
        evaluator = _events(net, sparsity=s, max_work=8, max_dense_lookup=0)
        evaluator._lookup(np.zeros(1, np.int64), np.zeros(1, np.int64))
    d1, d0 = net.widths[1], net.widths[0]
    assert len(evaluator._lookup.blocks) == -(-d1 // max(1, limit // d0))
    batch = _all_inputs(net.m, s)
    _same(evaluator.evaluate(batch), net.evaluate(batch), f"limit={limit}")


@examples(40)
@given(seed=seeds, d=st.integers(1, 30), d0=st.integers(1, 30),
       density=st.floats(0.0, 1.0), scale=st.sampled_from([1, 100, 40_000, 2 ** 40]))
def test_weight_lookups_read_the_same_weights_dense_by_bitmap_or_by_binary_search(
        seed, d, d0, density, scale):
    rng = np.random.default_rng(seed)
    dense = (rng.integers(-3, 4, (d, d0)) * (rng.random((d, d0)) < density)) * scale
    dense[0, 0] = scale  # at least one stored weight
    w = sp.csr_matrix(dense.astype(np.int64))
    units, p = rng.integers(0, d, 200), rng.integers(0, d0, 200)
    with pytest.MonkeyPatch.context() as patch:  # a dense copy however few weights are stored
        patch.setitem(WeightLookup.__init__.__globals__, "DENSE_OVER_SPARSE", 10 ** 9)
        by_copy = WeightLookup(np, w)
        patch.setitem(WeightLookup.__init__.__globals__, "BITMAP_OVER_KEYS", 10 ** 9)
        by_bitmap = WeightLookup(np, w, max_dense_bytes=0)
        patch.setitem(WeightLookup.__init__.__globals__, "BITMAP_OVER_KEYS", 0)
        by_search = WeightLookup(np, w, max_dense_bytes=0)
    assert by_copy.dense is not None and by_search.dense is None
    assert by_bitmap.bitmap is not None and by_search.keys is not None
    for lookup in (by_copy, by_bitmap, by_search):
        assert lookup(units, p).tolist() == dense[units, p].tolist()


@examples(40)
@given(seed=seeds, d=st.integers(1, 30), d0=st.integers(1, 30),
       density=st.floats(0.0, 1.0), scale=st.sampled_from([1, 100, 2 ** 40]),
       batches=st.lists(st.integers(0, 60), min_size=1, max_size=6))
def test_a_lazy_weight_lookup_bisects_rows_until_its_budget_then_reads_its_copy_alike(
        seed, d, d0, density, scale, batches):
    rng = np.random.default_rng(seed)
    dense = (rng.integers(-3, 4, (d, d0)) * (rng.random((d, d0)) < density)) * scale
    w = sp.csr_matrix(dense.astype(np.int64))
    lookup = WeightLookup(np, w, lazy=True, lazy_ratio=4)  # a budget of d d_0 / 4 pairs
    asked = 0
    for size in batches:
        units, p = rng.integers(0, d, size), rng.integers(0, d0, size)
        assert lookup(units, p).tolist() == dense[units, p].tolist()
        asked += size
        built = any(x is not None for x in (lookup.dense, lookup.bitmap, lookup.keys))
        assert built == (asked > d * d0 // 4)


def test_a_weight_lookup_keeps_a_mostly_empty_layer_sparse():
    # an identity layer: a dense copy would be d times its d stored weights
    lookup = WeightLookup(np, sp.identity(1000, dtype=np.int64, format="csr"))
    assert lookup.dense is None and lookup(np.array([5, 5]), np.array([5, 6])).tolist() == [1, 0]


def test_gains_too_large_to_pack_beside_the_keys_are_sorted_unpacked():
    # a gain of 2^60 leaves no room for the (row, unit) key in 63 bits: the argsort path
    code = SupportCode(np.array([0, 1, 2, 3]), np.array([0, 1, 2]), 3)
    weights = sp.csr_matrix(np.array([[2 ** 60, 2 ** 60, 0], [0, 2 ** 60, -(2 ** 60)],
                                      [1, 1, 1]], dtype=np.int64))
    layer = Layer(weights, np.array([2 ** 61, 1, 2], dtype=np.int64))
    net = ThresholdNetwork(code, (layer,), identity_code(3))
    evaluator = EventEvaluator(net, sparsity=2)
    assert evaluator._table.gain_bits > 60
    batch = _all_inputs(3, 2)
    _same(evaluator.evaluate(batch), net.evaluate(batch))
    assert evaluator.evaluate(np.array([[0, 1]])).toarray().tolist() == [[1, 1, 1]]


@examples(10)
@given(seed=seeds)
def test_keys_that_would_leave_int32_blocks_of_few_inputs_are_sorted_in_int64_blocks(seed):
    # gains near 2^20 on 12 units: int32 keys would allow 2^31 / (12 * 2^21) = 85 inputs a
    # block; the evaluator takes whole int64 blocks instead, and stays exact
    rng = np.random.default_rng(seed)
    m, d0, d = 40, 30, 12
    indices = rng.integers(0, d0, 2 * m)
    indices[:2] = [0, 1]  # feature 0 gains at least 2^20 on unit 0: 21 bits
    code = SupportCode(np.arange(0, 2 * m + 1, 2), indices, d0)
    dense = rng.integers(2 ** 18, 2 ** 19, (d, d0)) * (rng.random((d, d0)) < 0.3)
    dense[0, :2] = 2 ** 19
    layer = Layer(sp.csr_matrix(dense.astype(np.int64)),
                  np.maximum(dense.sum(axis=1) // 6, 1).astype(np.int64))
    net = ThresholdNetwork(code, (layer,), identity_code(d))
    evaluator = _events(net, sparsity=2, first_layer="gains")
    stride = evaluator._table.width << evaluator._table.gain_bits
    assert (2 ** 31 - 1) // stride < MIN_INT32_ROWS <= evaluator.block_rows
    batch = _all_inputs(m, 2)
    assert len(batch) > (2 ** 31 - 1) // stride
    _same(evaluator.evaluate(batch), net.evaluate(batch))


def test_the_dense_first_layer_keeps_blocks_of_at_most_its_own_rows_and_stays_exact():
    circuit = built("and2", 60, "random", 0, 2, 0)
    evaluator = _events(circuit.network, sparsity=2, first_layer="dense")
    assert evaluator.block_rows == min(DENSE_BLOCK_ROWS, evaluator.max_rows)
    batch = _all_inputs(circuit.m, 2)
    _same(evaluator.evaluate(batch), circuit.network.evaluate(batch))


def test_blocks_whose_lookups_would_cost_more_read_w1t_instead_and_agree():
    # a permutation circuit fires a layer-1 unit for every active feature: many candidates
    circuit = built("perm", 60, "random", 0, 2, 0)
    batch = _all_inputs(circuit.m, 2)
    want = circuit.network.evaluate(batch)
    results = {}
    for cost in (0, LOOKUP_COST):
        stats = {}
        evaluator = _events(circuit.network, sparsity=2, lookup_cost=cost, first_layer="gains")
        _same(evaluator.evaluate(batch, stats), want, f"lookup_cost={cost}")
        results[cost] = stats
    looked, mixed = results[0], results[LOOKUP_COST]
    assert looked["fallback_columns"] == 0 and mixed["fallback_columns"] > 0
    assert LOOKUP_COST * looked["lookups"] > mixed["gathered"][0], "the switch must pay"
    assert mixed["events"] == looked["events"]


@examples(30)
@given(net=_LAYERED, s=st.integers(1, 3), shift=st.sampled_from([2 ** 15, 2 ** 31, 2 ** 40]))
def test_thresholds_far_beyond_every_gain_stay_exact_with_narrow_gain_types(net, s, shift):
    # small weights give int16 gains; cutoffs ceil(N / 2s) of huge needs must not wrap around
    far = ThresholdNetwork(net.input_code,
                           tuple(Layer(layer.weights, np.where(layer.theta > 0,
                                                               layer.theta + shift,
                                                               layer.theta - shift))
                                 for layer in net.layers), net.output_code)
    batch = _all_inputs(far.m, s)
    evaluator = _events(far, sparsity=s, lookup_cost=0)
    assert evaluator._table.gains.dtype == np.int16
    _same(evaluator.evaluate(batch), far.evaluate(batch), f"shift={shift}")
    assert evaluator.candidates(batch)[0].size == 0


@pytest.mark.parametrize("sparsity, lookup_cost", [(None, LOOKUP_COST), (2, 0), (2, 10 ** 6)])
def test_one_evaluator_shared_by_threads_gives_each_batch_what_it_gives_alone(sparsity,
                                                                              lookup_cost):
    """Each thread has its own scratch (the dense accumulator, the decoder's flags) and what
    is built on first use (the weight look-up's copy, W_1^T) is built once under a lock, so
    batches evaluated at once by several threads get the outputs they get one at a time:
    without a table, with a table whose look-ups build their copy within the run
    (lookup_cost 0), and with one that reads W_1^T instead on every block."""
    from concurrent.futures import ThreadPoolExecutor

    circuit = built("and2", 300, "random", 0, 2, 0)
    rng = np.random.default_rng(3)
    batches = [random_sparse_inputs(circuit.m, 2, 700, rng) for _ in range(12)]
    alone = [EventEvaluator(circuit.network, sparsity).evaluate(b).toarray() for b in batches]
    shared = EventEvaluator(circuit.network, sparsity, EvaluatorOptions(lookup_cost=lookup_cost))
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda b: shared.evaluate(b).toarray(), batches * 3))
    for i, got in enumerate(together):
        assert np.array_equal(got, alone[i % len(batches)])
    if sparsity and not lookup_cost:
        assert shared.weight_lookup(1)._pending is None  # its copy was built on the way
