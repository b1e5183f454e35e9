"""Construction checks: stated constants, slopes, and correctness evidence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from superpose.checks import SweepSettings, measure, slope
from superpose.checks.verification._construction_checks import correctness_checks, size_check
from superpose.theory import Verdict

FAST = SweepSettings(samples=200)


def test_slope_is_zero_for_a_flat_ratio_and_one_for_a_linear_one():
    assert slope([(100, 3.0), (1000, 3.0), (10_000, 3.0)]) == pytest.approx(0.0)
    assert slope([(100, 1.0), (1000, 10.0), (10_000, 100.0)]) == pytest.approx(1.0)


def test_default_and2_counts_are_proved_within_their_stated_constants():
    ms = [measure("and2", fam, 2, mp, FAST) for fam in ("disjoint", "nearcut")
          for mp in (100, 316, 1000)]
    evidence = size_check("and2-neurons", ms, "neurons", 0.1)
    assert evidence.verdict is Verdict.PROVED, evidence.detail
    assert all(m.ratio("neurons") <= 20 for m in ms)


def test_a_construction_above_its_stated_constant_is_refuted_with_the_size_named():
    ms = [measure("and2", "disjoint", 2, mp, FAST, constants={"c_shared": 8.0})
          for mp in (100, 1000)]
    evidence = size_check("and2-neurons", ms, "neurons", 0.1)
    assert evidence.verdict is Verdict.REFUTED
    assert "disjoint s=2 m'=100" in evidence.detail and "> 20" in evidence.detail


def test_a_ratio_within_its_constant_but_rising_is_unknown_not_proved():
    ms = [measure("and2", "complete", 2, mp, FAST) for mp in (1000, 10_000)]
    evidence = size_check("and2-params", ms, "params", 0.1)
    assert evidence.verdict is Verdict.UNKNOWN
    assert "still rising" in evidence.detail


def test_a_sparsity_without_a_stated_constant_is_unknown():
    ms = [measure("and2", "disjoint", 1, mp, FAST) for mp in (100, 1000)]
    evidence = size_check("and2-neurons", ms, "neurons", 0.1)
    assert evidence.verdict is Verdict.UNKNOWN
    assert "no stated constant" in evidence.detail


def test_correct_small_circuits_are_certified_and_sampled_ones_stay_unknown():
    ms = [measure("perm", "random", 2, 100, FAST), measure("perm", "random", 2, 1000, FAST)]
    certified, fuzzed = correctness_checks("perm-correct", ms)
    assert certified.verdict is Verdict.PROVED and certified.decisive
    assert fuzzed.verdict is Verdict.UNKNOWN and not fuzzed.decisive
    assert "cannot prove absence" in fuzzed.detail


def test_a_wrong_circuit_refutes_correctness_with_a_replayed_counterexample():
    raw = replace(FAST, repair=False)
    bad = measure("and2", "nearcut", 2, 400, raw, constants={"c_shared": 1.0})
    (certified,) = correctness_checks("and2-correct", [bad])
    assert certified.verdict is Verdict.REFUTED
    assert "(replayed)" in certified.detail and certified.replay


def test_a_repaired_circuit_is_proved_and_the_evidence_counts_its_vetoes():
    fixed = measure("and2", "nearcut", 2, 400, FAST, constants={"c_shared": 1.0})
    (certified,) = correctness_checks("and2-correct", [fixed])
    assert fixed.vetoes > 0 and certified.verdict is Verdict.PROVED
    assert f"repaired by {fixed.vetoes} veto(es)" in certified.detail
    assert certified.data["circuits"][0]["vetoes"] == fixed.vetoes


def test_no_enumerable_or_certifiable_size_leaves_certification_unknown_rather_than_passed():
    fuzz_only = replace(FAST, certify_max_m_prime=0)
    ms = [measure("and2", "disjoint", 2, 1000, fuzz_only)]
    certified, _ = correctness_checks("and2-correct", ms)
    assert certified.verdict is Verdict.UNKNOWN
    assert "no circuit was small enough" in certified.detail


def test_a_certified_circuit_beyond_enumeration_is_decisive_evidence():
    ms = [measure("and2", "disjoint", 2, 1000, FAST)]
    assert ms[0].correctness.method == "fuzz" and ms[0].certificate is not None
    certified, fuzzed = correctness_checks("and2-correct", ms)
    assert certified.verdict is Verdict.PROVED and certified.decisive
    assert "search" in certified.method
    assert fuzzed.verdict is Verdict.UNKNOWN and not fuzzed.decisive


def test_a_certify_timeout_is_unknown_evidence_not_a_pass():
    hasty = replace(FAST, certify_timeout=1e-6)
    ms = [measure("and2", "disjoint", 2, 1000, hasty)]
    certified, _ = correctness_checks("and2-correct", ms)
    assert certified.verdict is Verdict.UNKNOWN
    assert "timed out" in certified.detail


def test_an_empty_sweep_is_unknown_never_proved():
    evidence = size_check("and2-neurons", [], "neurons", 0.1)
    assert evidence.verdict is Verdict.UNKNOWN and "nothing was measured" in evidence.detail
