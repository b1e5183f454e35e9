"""The symbolic derivations: every step is computed, checked, and carries its premises."""

from __future__ import annotations

import dataclasses

import pytest

from superpose.theory._claims import CLAIMS
from superpose.theory._derivations import Step, derivations, log2_binomial, log2_factorial
from superpose.theory._verdict import Verdict

HELPERS = {"STIRLING", "FAMILY-SIZE"}


@pytest.fixture(scope="module")
def steps():
    return derivations()


def test_every_derivation_step_is_proved(steps):
    unproved = [(s.name, s.verdict, s.detail) for s in steps if s.verdict is not Verdict.PROVED]
    assert not unproved


def test_the_steps_come_in_the_documented_order(steps):
    order = [s.claim_id for s in steps]
    expected = ["STIRLING", "FAMILY-SIZE", "LB-PARAMS", "LB-NEURONS", "CAPACITY", "TIGHTNESS",
                "EXP-GAP", "COMPRESSION", "PARAMS-ESTIMATE"]
    firsts = [c for i, c in enumerate(order) if c not in order[:i]]
    assert firsts == expected


def test_claim_ids_are_ledger_ids_or_the_two_helpers(steps):
    known = {c.id for c in CLAIMS} | HELPERS
    assert {s.claim_id for s in steps} <= known


def test_step_names_are_unique_and_premises_name_earlier_steps_or_assumptions(steps):
    names = [s.name for s in steps]
    assert len(names) == len(set(names))
    for i, step in enumerate(steps):
        for premise in step.premises:
            if premise in names:
                assert names.index(premise) < i, (step.name, premise)


def test_corollaries_rest_on_their_premises(steps):
    by_name = {s.name: s for s in steps}
    assert {"lb-params-perm", "lb-params-and2"} <= set(by_name["compression"].premises)
    assert "lb-params-perm" in by_name["lb-neurons"].premises
    assert {"capacity-boundary", "capacity-beyond"} <= set(by_name["capacity"].premises)
    assert "capacity" in by_name["exp-gap"].premises


def test_the_regimes_without_information_are_reported_as_such(steps):
    by_name = {s.name: s for s in steps}
    assert "no information" in by_name["family-size-complete-pairs"].statement
    assert "o(m' log m')" in by_name["family-size-m=2sqrt(mp)"].statement
    assert "not O(n^2)" in by_name["capacity-beyond"].statement
    assert "= oo" in by_name["capacity-beyond"].detail


def test_every_step_is_a_frozen_record_with_a_detail(steps):
    for step in steps:
        assert isinstance(step, Step)
        assert step.detail and step.statement
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.verdict = Verdict.REFUTED  # type: ignore[misc]


def test_derivations_returns_a_fresh_list_each_time(steps):
    again = derivations()
    again.clear()
    assert derivations() == steps


def test_the_log_helpers_match_exact_integers():
    import math
    for k in (1, 5, 20):
        assert abs(float(log2_factorial(k)) - math.log2(math.factorial(k))) < 1e-9
    for n, k in ((10, 3), (45, 9), (6, 6)):
        assert abs(float(log2_binomial(n, k)) - math.log2(math.comb(n, k))) < 1e-9
