"""Fuzzing and exhaustive checking: silent on correct circuits, loud (and exact) on planted bugs,
reproducible, with counterexamples that replay and shrink."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.circuits import (
    PAD,
    Circuit,
    CorrectnessReport,
    Counterexample,
    Layer,
    ThresholdNetwork,
    exhaustive,
    fuzz,
    shrink,
)
from superpose.circuits.correctness import adversarial_inputs
from superpose.circuits.model import count_sparse_inputs
from superpose.theory.errors import InvalidArgument
from tests.strategies import (
    as_batch,
    both_ends_inputs,
    built,
    describe,
    examples,
    leak_inputs,
    neighbour_inputs,
    reference_outputs,
    reference_truth,
    seeds,
    sparse_inputs,
    uniform_inputs,
)

# --- planting bugs ----------------------------------------------------------------------------

def _with_layer(circuit: Circuit, l: int, weights=None, theta=None) -> Circuit:
    """A copy of ``circuit`` whose layer l (1-based) has new weights and/or thresholds."""
    layers = list(circuit.network.layers)
    old = layers[l - 1]
    layers[l - 1] = Layer(old.weights.copy() if weights is None else weights,
                          old.theta.copy() if theta is None else theta)
    net = ThresholdNetwork(circuit.network.input_code, tuple(layers),
                           circuit.network.output_code)
    return dataclasses.replace(circuit, network=net)


def _set_theta(circuit, l, units, value):
    theta = circuit.network.layers[l - 1].theta.copy()
    theta[units] = value
    return _with_layer(circuit, l, theta=theta)


def _set_weight(circuit, l, row, col, value):
    w = circuit.network.layers[l - 1].weights.tolil()
    w[row, col] = value
    w = w.tocsr()
    w.eliminate_zeros()
    return _with_layer(circuit, l, weights=w)


def _all_inputs(m, s):
    return [c for j in range(min(s, m) + 1) for c in itertools.combinations(range(m), j)]


def _reference_wrong(circuit):
    """(wrong inputs, false positives, false negatives) over every s-sparse input."""
    inputs = _all_inputs(circuit.m, circuit.sparsity)
    got = reference_outputs(circuit.network, inputs)
    want = reference_truth(circuit.problem, inputs)
    return (int(np.any(got != want, axis=1).sum()), int(np.sum(got & ~want)),
            int(np.sum(~got & want)))


def _assert_replays(circuit, example: Counterexample) -> None:
    """The counterexample really is one: network and truth differ there, as reported."""
    assert len(example.active) <= circuit.sparsity
    row = as_batch([example.active], circuit.sparsity)
    got = int(circuit.network.evaluate(row)[0, example.output])
    want = int(circuit.problem.truth(row)[0, example.output])
    assert (got, want) == (example.got, example.expected), f"{example} replays as {(got, want)}"
    assert got != want
    ref_got = int(reference_outputs(circuit.network, [example.active])[0, example.output])
    ref_want = int(reference_truth(circuit.problem, [example.active])[0, example.output])
    assert (ref_got, ref_want) == (got, want), f"{example}: the dense reference disagrees"


# --- correct circuits -------------------------------------------------------------------------

# At m' = 200 and s = 3 each of these was certified exhaustively (1.3 million inputs) when this
# file was written, so any fuzz seed finding an error here is a real regression.
CORRECT = [("and2", "random", None), ("and2", "star", None), ("and2", "mixed", "naive"),
           ("perm", "random", None), ("represent", None, None)]


@pytest.mark.parametrize("problem, family, construction", CORRECT)
def test_exhaustive_finds_no_wrong_output_on_a_correct_circuit(problem, family, construction):
    circuit = built(problem, 60, family, 1, 2, 0, construction)
    report = exhaustive(circuit)
    assert report.method == "exhaustive" and report.complete
    assert report.inputs_checked == report.input_space == count_sparse_inputs(circuit.m, 2)
    assert (report.wrong_inputs, report.wrong_outputs, report.examples) == (0, 0, [])
    assert _reference_wrong(circuit) == (0, 0, 0)


@pytest.mark.parametrize("problem, family, construction", CORRECT)
@examples(3)
@given(seed=seeds, samples=st.integers(1, 3000))
def test_fuzz_finds_no_wrong_output_on_a_correct_circuit(problem, family, construction, seed,
                                                         samples):
    circuit = built(problem, 200, family, 1, 3, 0, construction)
    report = fuzz(circuit, samples=samples, seed=seed)
    assert report.wrong_outputs == 0, f"{describe(circuit)} fuzz seed={seed}: {report.examples}"
    assert report.inputs_checked == samples
    assert not report.complete
    assert set(report.by_strategy) == {"random", "sources", "near-miss", "neighbours"}
    assert all(v == 0 for v in report.by_strategy.values())


@examples(10)
@given(seed=seeds, samples=st.integers(1, 2000))
def test_same_seed_gives_the_same_fuzz_report(seed, samples):
    circuit = _set_theta(built("and2", 100, "random", 0, 2, 0, "naive"), 1, slice(0, 10), 1)
    first, second = fuzz(circuit, samples, seed).as_dict(), fuzz(circuit, samples, seed).as_dict()
    for timing in ("seconds", "setup_seconds", "inputs_per_second", "table_source"):
        first.pop(timing), second.pop(timing)
    assert first == second


@pytest.mark.parametrize("s", [1, 2, 3])
@examples(5)
@given(seed=seeds, n=st.integers(0, 400))
def test_adversarial_inputs_are_valid_sparse_inputs_split_between_the_strategies(s, seed, n):
    circuit = built("and2", 80, "nearcut", 0, s, 0)
    batches = adversarial_inputs(circuit, n, np.random.default_rng(seed))
    assert set(batches) == {"random", "sources", "near-miss", "neighbours"}
    assert sum(len(b) for b in batches.values()) == n
    pair_sets = [set(p) for p in circuit.problem.pairs.tolist()]
    for name, batch in batches.items():
        assert batch.shape == (len(batch), s)
        for row in batch.tolist():
            active = [f for f in row if f != PAD]
            assert row == active + [PAD] * (s - len(active)), f"{name}: {row} not normalised"
            assert active == sorted(set(active)) and all(0 <= f < circuit.m for f in active)
            if name == "sources" and s >= 2:
                assert any(p <= set(active) for p in pair_sets), f"{row} holds no whole pair"


@pytest.mark.parametrize("problem, family, s", [("and2", "nearcut", 2), ("and2", "star", 3),
                                                ("perm", "random", 3), ("represent", None, 2)])
@examples(5)
@given(data=st.data())
def test_the_suites_adversarial_strategies_draw_valid_targeted_inputs(problem, family, s, data):
    circuit = built(problem, 60, family, 0, s, 0)
    strategies = {"uniform": uniform_inputs(circuit.m, s), "both ends": both_ends_inputs(circuit),
                  "leak": leak_inputs(circuit), "neighbours": neighbour_inputs(circuit),
                  "mixture": sparse_inputs(circuit)}
    for name, strategy in strategies.items():
        active = data.draw(strategy, label=name)
        assert len(active) <= s and list(active) == sorted(set(active)), (name, active)
        assert all(0 <= f < circuit.m for f in active), (name, active)
        if name == "both ends" and problem == "and2":
            pairs = [set(p) for p in circuit.problem.pairs.tolist()]
            assert any(p <= set(active) for p in pairs), f"{active} holds no whole pair"


# --- planted bugs -----------------------------------------------------------------------------

def test_exhaustive_finds_a_lowered_threshold_in_the_naive_and_and_counts_it_exactly():
    circuit = built("and2", 30, "random", 0, 2, 0, "naive")
    buggy = _set_theta(circuit, 1, 7, 1)  # output 7 now fires on either end alone
    report = exhaustive(buggy)
    assert report.wrong_outputs > 0 and report.false_negatives == 0
    assert (report.wrong_inputs, report.false_positives, report.false_negatives) == \
        _reference_wrong(buggy)
    a, b = buggy.problem.pairs[7]
    for example in report.examples:
        assert example.output == 7 and len({a, b} & set(example.active)) == 1
        _assert_replays(buggy, example)


def test_exhaustive_finds_a_dropped_weight_as_false_negatives():
    circuit = built("and2", 30, "random", 0, 2, 0, "naive")
    a, _ = circuit.problem.pairs[3]
    buggy = _set_weight(circuit, 1, 3, a, 0)
    report = exhaustive(buggy)
    assert report.false_negatives > 0 and report.false_positives == 0
    assert (report.wrong_inputs, report.false_positives, report.false_negatives) == \
        _reference_wrong(buggy)
    for example in report.examples:
        _assert_replays(buggy, example)


def _dedicated_exact_unit(circuit):
    """A dedicated layer-1 unit that alone drives its output (weight r into layer 2)."""
    k = circuit.constants
    w2 = circuit.network.layers[1].weights.tocsc()
    for j in range(k["d_out"], circuit.network.widths[1]):
        col = w2.data[w2.indptr[j]:w2.indptr[j + 1]]
        if len(col) and col.min() >= k["r"]:
            return j
    raise AssertionError("no exact dedicated unit")


def test_lowering_one_dedicated_threshold_in_layer_1_is_found_and_replays():
    circuit = built("and2", 100, "star", 0, 2, 0)
    assert circuit.constants["n_dedicated_units"] > 0
    j = _dedicated_exact_unit(circuit)
    theta = circuit.network.layers[0].theta[j]
    buggy = _set_theta(circuit, 1, j, theta - circuit.constants["t"])  # hub alone now fires it
    report = exhaustive(buggy)
    assert report.false_positives > 0, f"{describe(buggy)}: unit {j} lowered, nothing found"
    assert (report.wrong_inputs, report.false_positives, report.false_negatives) == \
        _reference_wrong(buggy)
    for example in report.examples:
        _assert_replays(buggy, example)
    assert fuzz(buggy, 2000, seed=0).wrong_outputs > 0


def test_dropping_a_shared_copy_weight_in_layer_2_is_found_as_false_negatives():
    circuit = built("and2", 100, "random", 0, 2, 0)
    assert circuit.constants["n_heavy_pairs"] == 0
    q = int(circuit.network.output_code.row(0)[0])
    buggy = _set_weight(circuit, 2, q, q, 0)
    report = exhaustive(buggy)
    assert report.false_negatives > 0
    assert (report.wrong_inputs, report.false_positives, report.false_negatives) == \
        _reference_wrong(buggy)
    both_ends = as_batch([tuple(circuit.problem.pairs[0])], 2)
    assert int(buggy.network.evaluate(both_ends)[0, 0]) == 0, "output 0 must now miss its pair"
    for example in report.examples:
        _assert_replays(buggy, example)


@pytest.mark.parametrize("problem, family, construction", [
    ("and2", "random", None), ("and2", "star", None), ("and2", "disjoint", "naive"),
    ("perm", "random", None), ("perm", "shift", "naive")])
@examples(6)
@given(data=st.data())
def test_exhaustive_counts_any_planted_change_exactly_like_the_reference(problem, family,
                                                                         construction, data):
    circuit = built(problem, 40, family, 0, 2, 0, construction)
    l = data.draw(st.integers(1, len(circuit.network.layers)), label="layer")
    layer = circuit.network.layers[l - 1]
    if data.draw(st.booleans(), label="change a threshold"):
        unit = data.draw(st.integers(0, layer.width - 1), label="unit")
        value = data.draw(st.integers(-2, int(layer.theta[unit]) + 2), label="theta")
        buggy = _set_theta(circuit, l, unit, value)
        note(f"layer {l} unit {unit}: theta {layer.theta[unit]} -> {value}")
    else:
        row = data.draw(st.integers(0, layer.width - 1), label="row")
        col = data.draw(st.integers(0, layer.weights.shape[1] - 1), label="col")
        value = data.draw(st.integers(-3, 12), label="weight")
        buggy = _set_weight(circuit, l, row, col, value)
        note(f"layer {l} W[{row}, {col}]: {layer.weights[row, col]} -> {value}")
    note(describe(buggy))
    report = exhaustive(buggy)
    assert (report.wrong_inputs, report.false_positives, report.false_negatives) == \
        _reference_wrong(buggy)
    assert len(report.examples) == min(report.wrong_outputs, 5)
    for example in report.examples:
        _assert_replays(buggy, example)


@examples(10)
@given(seed=seeds, output=st.integers(0, 99))
def test_fuzz_finds_a_planted_single_output_bug(seed, output):
    circuit = built("and2", 100, "random", 0, 2, 0, "naive")
    buggy = _set_theta(circuit, 1, output, 1)
    report = fuzz(buggy, samples=4000, seed=seed)
    assert report.wrong_outputs > 0, f"fuzz seed={seed} missed the bug planted at {output}"
    assert report.false_negatives == 0
    for example in report.examples:
        assert example.output == output
        _assert_replays(buggy, example)


@examples(20)
@given(data=st.data())
def test_shrink_returns_a_minimal_subset_that_still_fails(data):
    circuit = built("and2", 40, "random", 0, 4, 0, "naive")
    k = data.draw(st.integers(0, 39), label="output")
    buggy = _set_theta(circuit, 1, k, 1)
    a, b = (int(x) for x in circuit.problem.pairs[k])
    end = data.draw(st.sampled_from([a, b]), label="end")
    others = [f for f in range(circuit.m) if f not in (a, b)]
    extra = data.draw(st.lists(st.sampled_from(others), unique=True, max_size=3), label="fill")
    start = Counterexample(tuple(sorted([end] + extra)), k, 0, 1)
    _assert_replays(buggy, start)
    small = shrink(buggy, start)
    note(f"{start} -> {small}")
    assert small.output == k
    assert set(small.active) <= set(start.active)
    _assert_replays(buggy, small)
    for f in small.active:  # 1-minimal: dropping any feature makes output k right again
        rest = tuple(g for g in small.active if g != f)
        row = as_batch([rest], buggy.sparsity)
        assert int(buggy.network.evaluate(row)[0, k]) == int(buggy.problem.truth(row)[0, k])
    assert small.active == (end,)


@pytest.mark.parametrize("kwargs", [dict(samples=0), dict(samples=-1), dict(samples=2.0),
                                    dict(seed=-1), dict(seed="0")])
def test_fuzz_rejects_bad_arguments(kwargs):
    with pytest.raises(InvalidArgument):
        fuzz(built("and2", 20, "random", 0, 2, 0), **kwargs)


def test_exhaustive_rejects_a_sparsity_above_m_and_honours_a_smaller_one():
    circuit = built("and2", 10, "complete", 0, 2, 0)
    with pytest.raises(InvalidArgument):
        exhaustive(circuit, sparsity=circuit.m + 1)
    report = exhaustive(circuit, sparsity=1)
    assert report.inputs_checked == 1 + circuit.m and report.sparsity == 1



def test_the_rate_of_a_report_leaves_out_the_one_time_setup():
    report = CorrectnessReport("fuzz", 2, 1000, 10 ** 6, seconds=3.0, setup_seconds=2.0)
    assert report.inputs_per_second() == 1000.0
    assert report.as_dict()["setup_seconds"] == 2.0
    assert CorrectnessReport("fuzz", 2, 0, 1).inputs_per_second() == 0.0


def test_fuzz_draws_its_inputs_in_rounds_so_any_sample_count_fits_in_memory(monkeypatch):
    from superpose.circuits.correctness import _fuzz

    right = built("and2", 300, "random", 0, 2, 1)
    last = right.network.layers[-1]  # thresholds 0: every output reads 1, wrong on most inputs
    network = ThresholdNetwork(right.network.input_code,
                               (*right.network.layers[:-1],
                                Layer(last.weights, np.zeros_like(last.theta))),
                               right.network.output_code)
    circuit = Circuit(right.problem, network, right.construction, 2, 1)
    whole = fuzz(circuit, samples=350, seed=4)
    monkeypatch.setattr(_fuzz, "DRAW_ROUND", 350)  # one round: the same inputs as before
    timeless = {"seconds": 0, "setup_seconds": 0}
    assert dataclasses.asdict(fuzz(circuit, samples=350, seed=4)) | timeless \
        == dataclasses.asdict(whole) | timeless
    monkeypatch.setattr(_fuzz, "DRAW_ROUND", 100)  # four rounds of 100, 100, 100, 50
    rounds = fuzz(circuit, samples=350, seed=4)
    assert rounds.inputs_checked == 350
    assert sum(rounds.by_strategy.values()) == rounds.wrong_inputs > 0


@pytest.mark.parametrize("threads", [2, 3])
def test_fuzz_checks_batches_in_threads_and_reports_exactly_what_one_thread_reports(threads):
    """Batches are checked by several threads at once and added to the report in order: the
    counts, the wrong inputs per strategy and the first counterexamples are those of one
    thread, on a circuit with a few wrong outputs and on one wrong almost everywhere."""
    few = _set_theta(built("and2", 300, "random", 0, 2, 0, "naive"), 1, slice(0, 5), 1)
    right = built("and2", 300, "random", 0, 2, 1)
    last = right.network.layers[-1]
    everywhere = Circuit(right.problem, ThresholdNetwork(
        right.network.input_code, (*right.network.layers[:-1],
                                   Layer(last.weights, np.zeros_like(last.theta))),
        right.network.output_code), right.construction, 2, 1)
    for circuit in (few, everywhere):
        alone = fuzz(circuit, samples=9000, seed=5, threads=1)
        together = fuzz(circuit, samples=9000, seed=5, threads=threads)
        assert alone.wrong_outputs > 0 and len(alone.examples) == 5
        timeless = {"seconds": 0, "setup_seconds": 0}
        assert dataclasses.asdict(together) | timeless == dataclasses.asdict(alone) | timeless


@pytest.mark.parametrize("threads", [2, 3])
def test_exhaustive_checks_chunks_in_threads_and_reports_exactly_what_one_thread_reports(
        threads):
    """Chunks of the enumeration are checked by several threads at once and added in order:
    the report of every input, of a shard and of a run stopped at its first wrong input is
    that of one thread."""
    few = _set_theta(built("and2", 300, "random", 0, 2, 0, "naive"), 1, slice(0, 5), 1)
    timeless = {"seconds": 0, "setup_seconds": 0}
    for options in ({}, {"shard": (1, 3)}, {"stop_at_first": True}):
        alone = exhaustive(few, threads=1, **options)
        together = exhaustive(few, threads=threads, **options)
        assert alone.wrong_outputs > 0
        assert dataclasses.asdict(together) | timeless == dataclasses.asdict(alone) | timeless
