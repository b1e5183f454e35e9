"""``superpose.strategies``: the public Hypothesis strategies, usable from a user's own tests."""

from __future__ import annotations

from hypothesis import given, settings

import superpose
from superpose import strategies
from superpose.circuits import PAD, evaluate_input
from tests.strategies import reference_mismatches

pytest_plugins = ["pytester"]

USER_TEST = '''
from hypothesis import given, settings

import superpose
from superpose.circuits import evaluate_input

circuit = superpose.build("and2", 200, family="random", sparsity=2, seed=1)


@settings(max_examples=50)
@given(superpose.strategies.sparse_inputs(circuit))
def test_every_output_is_decoded_right(active):
    fired, expected = evaluate_input(circuit, active)
    assert fired == expected
'''


def test_a_users_test_file_using_the_strategies_runs_under_plain_pytest(pytester):
    pytester.makepyfile(test_mine=USER_TEST)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


CIRCUIT = superpose.build("or2", 40, family="random", sparsity=3, seed=2)


@settings(max_examples=100, deadline=None)
@given(strategies.sparse_inputs(CIRCUIT))
def test_sparse_inputs_are_sorted_distinct_in_range_and_at_most_s(active):
    assert list(active) == sorted(set(active)) and len(active) <= CIRCUIT.sparsity
    assert all(0 <= f < CIRCUIT.m for f in active)


@settings(max_examples=50, deadline=None)
@given(strategies.both_ends_inputs(CIRCUIT))
def test_both_ends_inputs_hold_every_source_of_some_output(active):
    sources = CIRCUIT.problem.sources()
    assert any(set(int(f) for f in row if f != PAD) <= set(active) for row in sources)


@settings(max_examples=15, deadline=None)
@given(strategies.circuits("and2", m_prime=strategies.m_primes(2, 30)))
def test_drawn_circuits_are_registered_constructions_that_evaluate_like_the_oracle(circuit):
    assert circuit.problem.name == "and2" and circuit.construction == "three-channel"
    inputs = [tuple(range(min(circuit.sparsity, circuit.m)))]
    assert [m[0] for m in reference_mismatches(circuit, inputs)] == [
        a for a in inputs if evaluate_input(circuit, a)[0] != evaluate_input(circuit, a)[1]]


@settings(max_examples=20, deadline=None)
@given(strategies.instances("uand", m_prime=strategies.m_primes(1, 40)))
def test_instances_come_from_the_problems_own_families(problem):
    assert problem.name == "uand" and problem.m_prime == problem.m * (problem.m - 1) // 2
