"""Pairwise OR (problems/_or.py): ground truth, the bloom construction certified on the bounded-
degree families, fixed codes, and the known failure on the stress families."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from superpose.checks import certify
from superpose.circuits import build, construct, load_circuit, save_circuit
from superpose.circuits.registry import make_problem
from superpose.problems._or import Or2
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument
from tests.strategies import as_batch, examples, pair_lists


@examples(40)
@given(instance=pair_lists(max_m=10, max_pairs=20), s=st.integers(1, 3))
def test_or_truth_is_one_exactly_when_either_end_is_active(instance, s):
    m, pairs = instance
    problem = Or2(m, pairs)
    inputs = [c for j in range(min(s, m) + 1) for c in itertools.combinations(range(m), j)]
    got = problem.truth(as_batch(inputs, s)).toarray()
    want = [[int(a in x or b in x) for a, b in pairs.tolist()] for x in inputs]
    assert got.tolist() == want


def test_or_rejects_a_repeated_pair_like_and2():
    with pytest.raises(InvalidArgument, match="distinct"):
        Or2(4, np.array([[0, 1], [1, 0]]))


@pytest.mark.parametrize("family, m_prime, s", [("disjoint", 150, 2), ("random", 300, 2),
                                                ("random", 100, 3)])
def test_bloom_or_is_certified_on_the_bounded_degree_families(family, m_prime, s):
    circuit = build("or2", m_prime, family, 0, s, 0)
    cert = certify(circuit, timeout=60)
    assert cert.verdict is Verdict.PROVED, cert
    d = circuit.constants["d"]
    assert circuit.network.widths == (d, d) and circuit.counts().neurons == 2 * d


def test_bloom_or_codes_are_drawn_before_the_instance():
    a = construct(make_problem("or2", 200, "random", 1), 2, 5)
    b = construct(make_problem("or2", 200, "random", 2), 2, 5)
    assert a.network.input_code.same_as(b.network.input_code)
    assert a.network.output_code.same_as(b.network.output_code)
    assert (a.network.layers[0].weights != b.network.layers[0].weights).nnz > 0


def test_bloom_or_fails_where_a_feature_has_degree_about_sqrt_m_prime():
    """The documented limitation: a feature of degree D turns on D t output units."""
    cert = certify(build("or2", 316, "nearcut", 0, 2, 0), timeout=60)
    assert cert.verdict is Verdict.REFUTED and len(cert.counterexample.active) <= 2


def test_an_or_circuit_round_trips_through_the_file_format(tmp_path):
    circuit = build("or2", 40, "random", 3, 2, 1, "naive")
    back = load_circuit(save_circuit(circuit, tmp_path / "or.npz"))
    assert back.problem.name == "or2" and np.array_equal(back.problem.pairs, circuit.problem.pairs)
    assert back.counts() == circuit.counts() and back.counts().params == 2 * 40 + 40
