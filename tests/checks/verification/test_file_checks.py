"""Claim-file claims are decided by what they are about: a bound about the problem by the
suite's proved bounds alone, with a construction's counts beside it as information; an upper
bound about a construction by that construction's count formula and exact counts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from superpose.checks import SweepSettings, VerifyConfig, measure
from superpose.checks.verification import check_claim_constructions, file_claim, ledger_bounds
from superpose.checks.verification._file_checks import OPEN, file_results
from superpose.circuits import problem_spec
from superpose.theory import (
    CLAIMS,
    InvalidArgument,
    Verdict,
    combine,
    load_claim_file,
    parse_claims,
)
from tests.strategies import examples, growth_bounds, growth_text

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "claims"
#: Counts only (no certification, few fuzzing inputs): and2 at s = 2 up to m' = 1000 ...
SMALL = VerifyConfig(max_m_prime=1000, sparsities=(2,), and2_families=("disjoint", "random"),
                     settings=SweepSettings(samples=20, certify_max_m_prime=0))
#: ... and up to m' = 10^4, where three-channel's log factors show (nearcut, the slowest family
#: to build, left out).
LARGE = replace(SMALL, max_m_prime=10_000,
                and2_families=("disjoint", "complete", "random", "star", "mixed"))
#: The bounds the default ``superpose verify`` proves, which alone may decide a file claim
#: about the problem (tests/checks/verification/test_verify.py checks that they are proved).
PROVED = {"LB-PARAMS", "LB-NEURONS", "COMPRESSION", "UB-AND-NEURONS", "UB-AND-PARAMS"}
_MEASURED: dict = {}


class _Sweep:
    """What the file checks read of a verify run: its config and each construction's real
    counts over the config's sizes (measured once per session), or those counts times
    ``growth(m')``, or nothing at all (``blind``)."""

    def __init__(self, config: VerifyConfig, growth=None, blind: bool = False):
        self.config, self.growth, self.blind = config, growth, blind

    def measurements(self, problem, construction=None):
        if construction == problem_spec(problem).default_construction.name:
            construction = None
        key = (self.config, problem, construction)
        if key not in _MEASURED:
            _MEASURED[key] = [measure(problem, family, s, m_prime, self.config.settings,
                                      construction)
                              for s in self.config.sparsities_for(problem)
                              for family in self.config.families(problem)
                              for m_prime in self.config.sizes(problem, s)]
        if self.blind:
            return []
        if self.growth is None:
            return _MEASURED[key]
        return [_grown(m, self.growth(m.m_prime)) for m in _MEASURED[key]]

    def progress(self, message):
        pass


def _grown(m, factor: int):
    c = m.counts
    return replace(m, counts=replace(c, neurons=c.neurons * factor, params=c.params * factor,
                                     bits=c.bits * factor))


def _decide(run, bound: str, kind: str = "upper", construction: str | None = None,
            proved=frozenset(PROVED), extra: str = ""):
    """The verdict, the reason and the evidence by check of one file claim about and2's
    parameters, with the ledger's bounds marked proved as ``proved`` says."""
    text = (f'[[claim]]\nid = "C"\nproblem = "and2"\nquantity = "params"\nkind = "{kind}"\n'
            f'bound = "{bound}"\n' + (f'construction = "{construction}"\n' if construction
                                      else "") + extra)
    (spec,) = parse_claims(text, "t.toml")
    return _decide_spec(run, spec, proved)


def _decide_spec(run, spec, proved=frozenset(PROVED)):
    ((claim, evidence, open_reason),) = file_results([file_claim(spec)],
                                                     ledger_bounds(CLAIMS, set(proved)), run)
    verdict, reason = combine(evidence)
    return verdict, open_reason if verdict is Verdict.UNKNOWN else reason, {
        e.check: e for e in evidence}


def _expected(kind: str, rate: tuple) -> Verdict:
    """The verdict the proved bounds alone give m'^a log^b m' parameters for and2:
    LB-PARAMS is (1, 1) and UB-AND-PARAMS (1, 2), compared as (a, b) pairs."""
    if kind == "upper":
        return (Verdict.REFUTED if rate < (1, 1) else Verdict.PROVED if rate >= (1, 2)
                else Verdict.UNKNOWN)
    return (Verdict.REFUTED if rate > (1, 2) else Verdict.PROVED if rate <= (1, 1)
            else Verdict.UNKNOWN)


@examples(12)
@given(rate=growth_bounds, kind=st.sampled_from(["upper", "lower"]),
       power=st.sampled_from([2, 3]))
def test_an_upper_bound_without_a_construction_is_never_refuted_by_counts(rate, kind, power):
    bound = growth_text(*rate)
    real = _decide(_Sweep(SMALL), bound, kind)
    grown = _decide(_Sweep(SMALL, growth=lambda m_prime: m_prime ** power), bound, kind)
    blind = _decide(_Sweep(SMALL, blind=True), bound, kind)
    # the counts, even m'^2 or m'^3 times larger (rising against every bound on every family), or
    # none at all, change nothing: the proved bounds alone decide
    assert real[0] is grown[0] is blind[0] is _expected(kind, rate), (bound, kind, real[1])
    for verdict, reason, checks in (real, grown):
        info = checks["measured"]
        assert info.verdict is Verdict.UNKNOWN and not info.decisive
        assert "information only" in info.detail and "three-channel" in info.detail
        assert (verdict is Verdict.REFUTED) == (checks["consistency"].verdict is Verdict.REFUTED)
        if verdict is Verdict.UNKNOWN:
            assert reason == OPEN
    if kind == "upper":
        assert "does not reach this bound on 2 of 2 families" in grown[2]["measured"].detail


def test_a_bound_contradicting_only_an_unproved_bound_is_not_refuted():
    verdict, _, checks = _decide(_Sweep(SMALL, blind=True), "mp", proved=frozenset())
    assert verdict is Verdict.UNKNOWN
    assert "contradicts a bound nobody proved" in checks["consistency"].detail
    assert "LB-PARAMS" in checks["consistency"].detail
    verdict, _, checks = _decide(_Sweep(SMALL, blind=True), "mp")
    assert verdict is Verdict.REFUTED and "LB-PARAMS is proved" in checks["consistency"].detail


@pytest.mark.parametrize(("kind", "bound", "constant"), [
    ("upper", "mp*log(mp)^2", "1e-6"),  # UB-AND-PARAMS is O(this), with its own constant
    ("lower", "mp*log(mp)", "1e6"),  # LB-PARAMS is Omega(this), with its own constant
])
def test_a_constant_on_a_claim_about_the_problem_is_never_implied_by_an_asymptotic_bound(
        kind, bound, constant):
    plain = _decide(_Sweep(SMALL, blind=True), bound, kind)
    assert plain[0] is Verdict.PROVED and "implied" in plain[2]  # without the constant
    verdict, reason, checks = _decide(_Sweep(SMALL, blind=True), bound, kind,
                                      extra=f"constant = {constant}\n")
    assert verdict is Verdict.UNKNOWN and reason == OPEN
    assert checks["implied"].verdict is not Verdict.PROVED


def test_the_open_question_is_unknown_and_the_same_bound_about_three_channel_is_refuted():
    run = _Sweep(LARGE)
    (question,) = load_claim_file(EXAMPLES / "open_question.toml")
    (about_ours,) = load_claim_file(EXAMPLES / "three_channel_params.toml")
    assert (question.bound, question.kind) == (about_ours.bound, about_ours.kind)
    verdict, reason, checks = _decide_spec(run, question)
    assert verdict is Verdict.UNKNOWN and reason == OPEN
    info = checks["measured"]
    assert "three-channel does not reach this bound on" in info.detail
    assert "m'=10000" in info.detail and not info.decisive
    verdict, _, checks = _decide_spec(run, about_ours)
    assert verdict is Verdict.REFUTED
    assert checks["and2-count-formula/params"].verdict is Verdict.UNKNOWN
    assert checks["and2-count-formula/params"].data["grows_faster"]
    counted = checks["measured"]
    assert counted.verdict is Verdict.REFUTED and "grows faster than mp*log(mp)" in counted.detail
    assert counted.detail.startswith("and2/")
    assert "m'=10000 (seed 0) has params = " in counted.detail
    assert counted.replay.startswith("superpose build and2 --m-prime 10000")
    assert counted.replay.endswith("superpose info c.npz")


def test_a_formula_that_grows_faster_alone_does_not_refute_a_claim_about_its_construction():
    # up to m' = 1000 three-channel's floors (r >= 10) hide its log factors: its ratio to
    # m' log m' falls, so the formula outgrowing the bound is not enough to refute
    verdict, _, checks = _decide(_Sweep(SMALL), "mp*log(mp)", construction="three-channel")
    assert verdict is Verdict.UNKNOWN
    assert checks["and2-count-formula/params"].data["grows_faster"]
    assert checks["measured"].verdict is not Verdict.REFUTED


def test_a_claim_about_a_construction_is_proved_by_its_formula_and_refuted_by_a_constant():
    verdict, _, checks = _decide(_Sweep(SMALL), "mp*log(mp)^2", construction="three-channel")
    assert verdict is Verdict.PROVED
    assert checks["and2-count-formula/params"].verdict is Verdict.PROVED
    assert checks["and2-count-formula/circuits"].verdict is Verdict.PROVED
    assert "consistency" not in checks and "implied" not in checks  # the problem's bounds
    assert not checks["measured"].decisive
    verdict, _, checks = _decide(_Sweep(SMALL), "mp", construction="naive",
                                 extra="constant = 2\n")  # naive uses 3 m' parameters
    assert verdict is Verdict.REFUTED
    assert "and2/disjoint s=2 m'=100 (seed 0)" in checks["measured"].detail
    assert "--construction naive" in checks["measured"].replay


@pytest.mark.parametrize(("problem", "construction", "named"), [
    ("and2", "three-chanel", "is not a construction of and2; use one of: three-channel, naive"),
    ("and2, perm", "bloom", "names one construction for 2 problems"),
    ("xor9", "bloom", "'xor9' is not one; use one of: and2, perm, represent"),
])
def test_a_construction_that_is_not_registered_is_one_line_naming_the_known_ones(
        problem, construction, named):
    (spec,) = parse_claims(f'[[claim]]\nid = "C"\nproblem = "{problem}"\nquantity = "params"\n'
                           f'kind = "upper"\nbound = "mp"\nconstruction = "{construction}"\n',
                           "mine.toml")
    with pytest.raises(InvalidArgument) as info:
        check_claim_constructions([spec])
    message = str(info.value)
    assert named in message and "\n" not in message
    assert message.startswith("claim file mine.toml: claim 'C': key 'construction'")
