"""<problem>-count-formula and <problem>-failure-bound: the constructive half, decided."""

from __future__ import annotations

import pytest

from superpose.checks.verification import VerifyConfig, verify
from superpose.checks.verification._formula_checks import failure_bound_evidence
from superpose.theory import Verdict, parse_claims
from tests.plugins import COUNTED_TWO_OF_FOUR, WRONG_FAILURE_BOUND, installed


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    yield from installed(tmp_path, monkeypatch)


class _Run:
    """The part of a verify run the failure-bound check reads: config, no sweep."""

    def __init__(self, config: VerifyConfig):
        self.config = config

    def measurements(self, problem, construction=None):
        return []

    def progress(self, message):
        pass


def test_a_plugin_whose_formula_undercounts_by_one_unit_per_output_is_refuted_by_name(plugins):
    plugins("two-of-four", {"two4": "two4_mod:SPEC"},
            {"two4_mod": COUNTED_TWO_OF_FOUR.format(neurons="m")})
    report = verify(VerifyConfig(problems=("two4",)))
    (result,) = report.extra_claims
    assert result.verdict is Verdict.REFUTED
    (circuits,) = [e for e in result.evidence if e.check == "two4-count-formula/circuits"]
    assert circuits.verdict is Verdict.REFUTED
    assert "two4/disjoint s=2 m'=10" in circuits.detail and "neurons = 50 > step" in circuits.detail
    assert circuits.replay.startswith("superpose build two4 --m-prime 10")
    assert report.exit_code() == 1


def test_a_plugin_with_a_true_formula_is_proved_and_its_class_is_decided(plugins):
    plugins("two-of-four", {"two4": "two4_mod:SPEC"},
            {"two4_mod": COUNTED_TWO_OF_FOUR.format(neurons="m + mp")})
    report = verify(VerifyConfig(problems=("two4",)))
    (result,) = report.extra_claims
    checks = {e.check: e for e in result.evidence}
    assert result.verdict is Verdict.PROVED
    assert checks["two4-count-formula/neurons"].verdict is Verdict.PROVED
    assert "m = mp" in checks["two4-count-formula/neurons"].statement
    assert checks["two4-count-formula/circuits"].verdict is Verdict.PROVED


def test_and2_below_its_threshold_says_f_does_not_vanish_and_shows_the_raw_failures():
    config = VerifyConfig(sparsities=(2,), failure_seeds=20, failure_m_prime=30,
                          failure_constants=(("and2", "c_r", 0.5),))
    asymptotic, measured, *steps = failure_bound_evidence("and2-failure-bound", "and2",
                                                          _Run(config))
    assert asymptotic.verdict is Verdict.PROVED  # finite thresholds exist
    assert "F does not tend to 0" in asymptotic.detail
    assert "c_r* = 3.399 (used: 0.5, below)" in asymptotic.detail
    assert "c_r=0.5" in asymptotic.statement
    assert measured.check == "and2-failure-bound/measured" and not measured.decisive
    assert "of 20 seeds wrong" in measured.detail and "and2/nearcut s=2" in measured.detail
    assert any(e.check == "step:failure.F" for e in steps)


def test_represent_at_its_defaults_has_f_vanishing_and_a_raw_rate_below_f():
    config = VerifyConfig(sparsities=(2,), failure_seeds=30, failure_m_prime=60)
    asymptotic, measured, *_ = failure_bound_evidence("represent-failure-bound", "represent",
                                                      _Run(config))
    assert asymptotic.verdict is Verdict.PROVED and "so F -> 0" in asymptotic.detail
    assert measured.verdict is Verdict.PROVED and "F = 0.00" in measured.detail


def test_a_failure_bound_its_raw_draws_break_is_refuted_with_a_replay(plugins):
    plugins("perm-two", {"perm2": "perm2_mod:SPEC"}, {"perm2_mod": WRONG_FAILURE_BOUND})
    config = VerifyConfig(problems=("perm2",), failure_seeds=20, failure_m_prime=30)
    (result,) = verify(config).extra_claims
    checks = {e.check: e for e in result.evidence}
    assert checks["perm2-failure-bound/asymptotic"].verdict is Verdict.PROVED  # F -> 0 as declared
    measured = checks["perm2-failure-bound/measured"]
    assert measured.verdict is Verdict.REFUTED and result.verdict is Verdict.REFUTED
    assert "measured rate above F, so the derivation is wrong" in measured.detail
    assert measured.replay.startswith("superpose build perm2 --m-prime 30 --family random")


def test_a_claim_files_upper_bound_about_a_construction_is_decided_by_its_count_formula():
    specs = parse_claims('''
[[claim]]
id = "MY-BLOOM-PARAMS"
problem = "or2"
construction = "bloom"
quantity = "params"
kind = "upper"
bound = "mp*log(mp)^2"

[[claim]]
id = "MY-BLOOM-LINEAR"
problem = "or2"
construction = "bloom"
quantity = "params"
kind = "upper"
bound = "mp"
''', "test")
    report = verify(VerifyConfig(problems=("or2",)), claim_specs=tuple(specs))
    results = {r.claim.id: r for r in report.extra_claims}
    true = {e.check: e for e in results["MY-BLOOM-PARAMS"].evidence}
    assert results["MY-BLOOM-PARAMS"].verdict is Verdict.PROVED
    assert true["or2-count-formula/params"].verdict is Verdict.PROVED
    assert true["or2-count-formula/circuits"].verdict is Verdict.PROVED
    assert "bloom:" in true["or2-count-formula/params"].statement
    assert not true["measured"].decisive
    linear = {e.check: e for e in results["MY-BLOOM-LINEAR"].evidence}
    assert linear["or2-count-formula/params"].verdict is Verdict.UNKNOWN
    assert "grows faster" in linear["or2-count-formula/params"].detail
    assert linear["or2-count-formula/params"].data["grows_faster"]
    assert results["MY-BLOOM-LINEAR"].verdict is not Verdict.PROVED
