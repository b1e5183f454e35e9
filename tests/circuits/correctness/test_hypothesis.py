"""The Hypothesis engine of fuzz: its margin is the documented one (0 exactly on a wrong output),
it finds planted bugs with minimal counterexamples that replay, stays silent on a correct
circuit, is reproducible for a seed, and replays a kept counterexample first."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.configuration import storage_directory

from superpose.circuits import (
    Circuit,
    Counterexample,
    HypothesisReport,
    Layer,
    ThresholdNetwork,
    hypothesis_fuzz,
    replays,
)
from superpose.circuits.correctness import decode_margin
from superpose.theory.errors import InvalidArgument
from tests.strategies import (
    built,
    describe,
    examples,
    random_circuits,
    reference_activations,
    reference_mismatches,
    reference_truth,
    sources_of,
    uniform_inputs,
)


def _planted(kind: str, output: int = 7) -> Circuit:
    """The naive and2 circuit at m' = 30 with output ``output``'s AND unit broken: threshold 1
    (a false positive on every input holding one end of its pair) or 3 (a false negative on
    both ends)."""
    circuit = built("and2", 30, "random", 0, 2, 0, "naive")
    layer = circuit.network.layers[0]
    theta = layer.theta.copy()
    theta[output] = {"false-positive": 1, "false-negative": 3}[kind]
    net = ThresholdNetwork(circuit.network.input_code, (Layer(layer.weights.copy(), theta),),
                           circuit.network.output_code)
    return dataclasses.replace(circuit, network=net)


def _reference_margin(circuit: Circuit, active: tuple[int, ...]) -> float:
    """The module docstring's margin, from the dense reference evaluator and truth."""
    net = circuit.network
    acts = reference_activations(net, [active])
    if net.layers:
        z = acts[-2][0].astype(np.float64) @ net.layers[-1].weights.toarray().T
        theta = net.layers[-1].theta
    else:
        z = np.zeros(net.input_code.width)
        for f in active:
            z[net.input_code.row(f)] += 1
        theta = np.ones(len(z))
    truth = reference_truth(circuit.problem, [active])[0]
    distances = []
    for k in range(circuit.m_prime):
        q = net.output_code.row(k)
        if truth[k]:
            distances.append(min((max(0, z[u] - theta[u] + 1) for u in q), default=np.inf))
        else:
            distances.append(sum(max(0, theta[u] - z[u]) for u in q))
    return min(distances)


@st.composite
def _circuit_and_input(draw):
    circuit = draw(random_circuits())
    return circuit, draw(uniform_inputs(circuit.m, circuit.sparsity))


# --- the margin -------------------------------------------------------------------------------

@examples(60)
@given(_circuit_and_input())
def test_the_margin_is_the_documented_distance_and_zero_exactly_on_a_wrong_output(drawn):
    circuit, active = drawn
    note(describe(circuit))
    margin = decode_margin(circuit, active)
    reference = _reference_margin(circuit, active)
    assert margin == reference or (np.isinf(reference) and margin == np.iinfo(np.int64).max)
    assert (margin == 0) == bool(reference_mismatches(circuit, [active]))


def test_the_margin_of_a_correct_and_is_one_on_its_pair_and_the_threshold_short_of_it():
    circuit = built("and2", 30, "random", 0, 2, 0, "naive")
    a, b = sources_of(circuit.problem, 7)
    assert decode_margin(circuit, (a, b)) == 1  # output 7 on: one source less turns it off
    assert decode_margin(circuit, (a,)) == 1  # output 7 off: one more source turns it on
    assert decode_margin(circuit, ()) == 2


# --- finding planted bugs ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["false-positive", "false-negative"])
def test_hypothesis_engine_finds_a_planted_bug_and_its_counterexample_replays(kind):
    circuit = _planted(kind)
    report = hypothesis_fuzz(circuit, 300, seed=1)
    assert isinstance(report, HypothesisReport) and report.method == "hypothesis"
    assert report.wrong_outputs > 0 and report.stopped == "found" and report.replayed is True
    (example,) = report.examples
    assert example.output == 7 and (example.got, example.expected) == (
        (1, 0) if kind == "false-positive" else (0, 1))
    assert replays(circuit, example)
    assert reference_mismatches(circuit, [example.active]) != []
    a, b = sources_of(circuit.problem, 7)
    # minimal: one end of the pair for the false positive, both ends for the false negative
    assert set(example.active) in ([{a}, {b}] if kind == "false-positive" else [{a, b}])
    assert report.min_margin == 0 and report.first_wrong_at is not None
    assert report.false_positives + report.false_negatives == report.wrong_outputs


def test_hypothesis_engine_finds_a_planted_false_positive():
    report = hypothesis_fuzz(_planted("false-positive", output=20), 300, seed=4)
    assert report.false_positives > 0 and report.false_negatives == 0
    assert report.examples[0] == Counterexample(report.examples[0].active, 20, 0, 1)


def test_hypothesis_engine_reports_nothing_on_a_correct_circuit():
    circuit = built("and2", 100, "random", 0, 2, 0)  # certified by the self-test's bases
    report = hypothesis_fuzz(circuit, 120, seed=0)
    assert report.wrong_outputs == 0 and report.examples == [] and report.stopped == "examples"
    assert report.min_margin >= 1 and report.closest is not None
    assert 0 < report.inputs_checked <= report.examples_run <= 120
    data = report.as_dict()
    assert data["method"] == "hypothesis" and data["examples"] == 120 and data["seed"] == 0


@pytest.mark.parametrize("kind", ["false-positive", "false-negative"])
def test_the_same_seed_gives_the_same_report(kind):
    circuit = _planted(kind)

    def without_times(report):
        return {k: v for k, v in report.as_dict().items() if "seconds" not in k
                and k != "inputs_per_second"}

    a, b = hypothesis_fuzz(circuit, 200, seed=3), hypothesis_fuzz(circuit, 200, seed=3)
    assert without_times(a) == without_times(b)


def test_a_time_budget_stops_the_run_and_says_so():
    circuit = built("and2", 100, "random", 0, 2, 0)
    report = hypothesis_fuzz(circuit, 10 ** 6, seed=0, seconds=0.3)
    assert report.stopped == "seconds" and report.wrong_outputs == 0
    assert report.seconds < 5 and report.examples_run < 10 ** 6


# --- the example database ---------------------------------------------------------------------

def test_the_database_replays_a_found_counterexample_first_on_the_next_run(tmp_path):
    circuit, folder = _planted("false-negative"), tmp_path / "db"
    first = hypothesis_fuzz(circuit, 300, seed=2, database=folder)
    assert first.stopped == "found" and first.database == str(folder)
    second = hypothesis_fuzz(circuit, 300, seed=2, database=folder)
    assert second.first_wrong_at == 1 and second.examples_run == 1
    assert second.by_strategy == {"database": 1}
    assert second.examples == first.examples and second.replayed is True


def test_a_run_that_finds_nothing_clears_the_database(tmp_path):
    folder = tmp_path / "db"
    hypothesis_fuzz(_planted("false-negative"), 300, seed=2, database=folder)
    correct = built("and2", 30, "random", 0, 2, 0, "naive")
    replayed = hypothesis_fuzz(correct, 20, seed=2, database=folder)
    assert replayed.by_strategy == {} and replayed.examples_run == 21  # 1 replayed, 20 drawn
    again = hypothesis_fuzz(correct, 20, seed=2, database=folder)
    assert again.examples_run == 20


def test_a_damaged_database_entry_is_dropped_not_replayed(tmp_path):
    from hypothesis.database import DirectoryBasedExampleDatabase

    from superpose.circuits.correctness._hypothesis import DATABASE_KEY

    db = DirectoryBasedExampleDatabase(str(tmp_path))
    for value in (b"not json", json.dumps({"active": [10 ** 6]}).encode()):
        db.save(DATABASE_KEY, value)
    report = hypothesis_fuzz(built("and2", 30, "random", 0, 2, 0, "naive"), 10, seed=0,
                             database=tmp_path)
    assert report.examples_run == 10 and list(db.fetch(DATABASE_KEY)) == []


def test_hypothesis_writes_nothing_into_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    home = storage_directory(intent_to_write=False).home_directory
    hypothesis_fuzz(_planted("false-positive"), 50, seed=0)
    assert list(tmp_path.iterdir()) == []
    assert storage_directory(intent_to_write=False).home_directory == home


@pytest.mark.parametrize("kwargs, named", [
    (dict(examples=0), "examples=0"), (dict(seed=-1), "seed=-1"),
    (dict(seconds=0), "seconds=0"), (dict(examples=2.5), "examples=2.5"),
])
def test_hypothesis_fuzz_rejects_bad_arguments_naming_the_value(kwargs, named):
    with pytest.raises(InvalidArgument, match=named):
        hypothesis_fuzz(built("and2", 10, "random", 0, 2, 0), **kwargs)


def test_a_database_that_cannot_be_created_is_an_invalid_argument(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InvalidArgument, match="cannot be created"):
        hypothesis_fuzz(built("and2", 10, "random", 0, 2, 0), 5, database=blocker / "db")


def test_a_search_space_smaller_than_the_budget_ends_exhausted_having_seen_every_input():
    circuit = built("and2", 2, "complete", 0, 2, 0)  # m = 3: 7 inputs with at most 2 features
    report = hypothesis_fuzz(circuit, 300, seed=0)
    assert report.stopped == "exhausted" and report.examples_run < 300
    assert report.inputs_checked == report.input_space == 7 and report.wrong_outputs == 0


@pytest.mark.parametrize("active", [(0, 1, 2), (1, 1), (3,)])
def test_the_margin_of_a_non_input_is_an_invalid_argument_naming_it(active):
    with pytest.raises(InvalidArgument, match=r"active=\["):
        decode_margin(built("and2", 2, "complete", 0, 2, 0), active)
