"""Sweeps: geometric sizes, measurements with exact counts, replayed counterexamples."""

from __future__ import annotations

import math

import pytest

from superpose.checks import SweepSettings, geometric_sizes, measure
from superpose.circuits import build

FAST = SweepSettings(samples=200)


def test_geometric_sizes_cover_both_ends_in_increasing_order():
    sizes = geometric_sizes(100, 100_000)
    assert sizes[0] == 100 and sizes[-1] == 100_000
    assert list(sizes) == sorted(set(sizes))
    assert len(sizes) == 7


def test_geometric_sizes_are_empty_when_the_range_is_empty():
    assert geometric_sizes(1000, 100) == ()


def test_a_measurement_takes_its_counts_from_the_built_circuit():
    m = measure("and2", "random", 2, 316, FAST)
    circuit = build("and2", 316, "random", 0, 2, 0)
    assert m.counts == circuit.counts()
    assert m.ratio("neurons") == pytest.approx(
        circuit.counts().neurons / (math.sqrt(316) * math.log2(316)))
    assert m.superposition == pytest.approx(316 / circuit.counts().neurons)


def test_small_circuits_are_checked_on_every_sparse_input_and_large_ones_are_sampled():
    small = measure("and2", "complete", 2, 100, FAST)
    large = measure("and2", "disjoint", 2, 1000, FAST)
    assert small.correctness.complete and small.correctness.method == "exhaustive"
    assert large.correctness.method == "fuzz" and not large.correctness.complete
    assert large.correctness.inputs_checked == FAST.samples


def test_a_wrong_output_is_shrunk_replayed_and_given_a_replay_command():
    raw = SweepSettings(samples=200, repair=False)
    m = measure("and2", "nearcut", 2, 400, raw, constants={"c_shared": 1.0})
    assert m.correctness.wrong_outputs > 0
    assert m.counterexample is not None and m.replay_confirmed
    assert len(m.counterexample.active) <= 2
    command = m.replay_command()
    assert "--constant c_shared=1.0" in command and "--family nearcut" in command
    assert "--active " + ",".join(map(str, m.counterexample.active)) in command


def test_ratio_rejects_an_unknown_quantity():
    m = measure("perm", "random", 2, 100, FAST)
    with pytest.raises(ValueError, match="quantity='bits'"):
        m.ratio("bits")
