"""Every circuit built is checked against its construction's declared count formulas."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superpose.circuits import broken_plugins, build, problem_spec
from superpose.circuits.registry import find_construction, formula_checks
from superpose.theory.errors import CountAboveFormula
from tests.plugins import COUNTED_TWO_OF_FOUR, installed
from tests.strategies import and2_families, seeds


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    yield from installed(tmp_path, monkeypatch)


def test_a_formula_one_unit_per_output_short_stops_the_build_naming_the_circuit(plugins):
    plugins("two-of-four", {"two4": "two4_mod:SPEC"},
            {"two4_mod": COUNTED_TWO_OF_FOUR.format(neurons="m")})
    with pytest.raises(CountAboveFormula) as err:
        build("two4", 7, seed=3)
    message = str(err.value)
    assert "<Circuit two4 m=28 m'=7" in message and "neurons = 35 exceeds" in message
    assert "superpose build two4 --m-prime 7 --family disjoint" in message and "--seed 3" in message
    assert build("two4", 7, seed=3, check_formulas=False).counts().neurons == 35


def test_a_malformed_formula_breaks_the_plugin_in_one_line_naming_it_and_the_token(plugins):
    plugins("two-of-four", {"two4": "two4_mod:SPEC"},
            {"two4_mod": COUNTED_TWO_OF_FOUR.format(neurons="m + open(1)")})
    (broken,) = broken_plugins()
    message = broken.message()
    assert "two-of-four" in message and "two4/naive counts step 'neurons'" in message
    assert "call of 'open'" in message and "\n" not in message


@settings(max_examples=25, deadline=None)
@given(and2_families, st.integers(2, 400), st.sampled_from([2, 3]), seeds,
       st.fixed_dictionaries({}, optional={"c_r": st.sampled_from([0.3, 1.0, 2.5]),
                                           "r_min": st.integers(1, 12),
                                           "c_d": st.sampled_from([1.0, 3.0]),
                                           "heavy_factor": st.sampled_from([0.25, 1.0, 4.0]),
                                           "t_min": st.integers(1, 12)}))
def test_every_three_channel_circuit_is_within_its_count_formula(family, m_prime, s, seed,
                                                                 constants):
    circuit = build("and2", m_prime, family, sparsity=s, seed=seed, constants=constants,
                    check_formulas=False)
    checks = formula_checks(circuit, find_construction("and2"))
    assert checks and all(c.holds for c in checks), [c for c in checks if not c.holds]


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["perm", "represent", "or2", "and3", "uand"]), st.integers(3, 300),
       st.sampled_from([2, 3]), seeds)
def test_every_other_construction_is_within_its_count_formula(problem, m_prime, s, seed):
    for construction in problem_spec(problem).constructions:
        circuit = build(problem, m_prime, sparsity=s, seed=seed,
                        construction=construction.name, check_formulas=False)
        checks = formula_checks(circuit, construction)
        assert checks and all(c.holds for c in checks), (construction.name, checks)
