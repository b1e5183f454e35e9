"""3-AND (problems/_and3.py): ground truth, families, and the shared construction certified."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from superpose.checks import certify
from superpose.circuits import build, exhaustive
from superpose.circuits.registry import make_problem
from superpose.problems._and3 import And3
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument
from tests.strategies import as_batch, examples


@examples(30)
@given(data=st.data(), s=st.integers(1, 4))
def test_and3_truth_needs_all_three_features(data, s):
    m = data.draw(st.integers(3, 8))
    rows = data.draw(st.lists(st.lists(st.integers(0, m - 1), min_size=3, max_size=3,
                                       unique=True).map(sorted).map(tuple),
                              min_size=1, max_size=8, unique=True))
    problem = And3(m, np.array(rows))
    inputs = [c for j in range(min(s, m) + 1) for c in itertools.combinations(range(m), j)]
    got = problem.truth(as_batch(inputs, s)).toarray()
    assert got.tolist() == [[int(set(r) <= set(x)) for r in rows] for x in inputs]
    if s <= 2:
        assert not got.any()  # at s <= 2 every output is 0: the problem is measured at s = 3


@pytest.mark.parametrize("m, triples, why", [
    (4, [[0, 1, 1]], "distinct features"), (4, [[0, 1, 2], [2, 1, 0]], "repeats"),
    (4, [[0, 1, 4]], "[0, m=4)"), (2, [[0, 1, 2]], ">= 3"), (4, [[0, 1]], "(m', 3)"),
])
def test_and3_rejects_bad_triples_in_one_line(m, triples, why):
    with pytest.raises(InvalidArgument) as info:
        And3(m, np.array(triples))
    assert why in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("family", ["disjoint", "random"])
def test_and3_families_give_m_prime_distinct_triples_from_the_seed(family):
    a, b = make_problem("and3", 500, family, 4), make_problem("and3", 500, family, 4)
    assert a.m_prime == 500 and np.array_equal(a.triples, b.triples)
    assert len(np.unique(np.sort(a.triples, axis=1), axis=0)) == 500


@pytest.mark.parametrize("family, m_prime", [("disjoint", 100), ("random", 200)])
def test_the_shared_and3_construction_is_certified_at_sparsity_three(family, m_prime):
    circuit = build("and3", m_prime, family, 0, 3, 1)
    assert certify(circuit, timeout=60).verdict is Verdict.PROVED
    assert circuit.network.layers[0].theta.tolist() == [3 * circuit.constants["t"]] * \
        circuit.constants["d_out"]


def test_naive_and3_is_exact():
    report = exhaustive(build("and3", 12, "random", 0, 3, 0, "naive"))
    assert report.complete and report.wrong_outputs == 0
