"""Claim files through verify: consistency names both claims, counts refute a too-small upper
bound, the paper's own lower bounds pass, and nothing in a file ever runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from superpose.checks import SweepSettings, VerifyConfig, verify
from superpose.checks.cli import main
from superpose.theory import CLAIMS, Claim, Verdict
from superpose.theory._claimfile import load_claim_file, parse_claims

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "claims"
SMALL = VerifyConfig(max_m_prime=1000, max_m_prime_s3=100, max_m_prime_represent=1000,
                     sparsities=(2,), and2_families=("disjoint", "random", "nearcut"),
                     perm_families=("random",), settings=SweepSettings(samples=200))


def _report():
    if not hasattr(_report, "cached"):
        specs = [spec for name in ("paper_lower_bound", "quadratic_params", "log_neurons",
                                   "open_question")
                 for spec in load_claim_file(EXAMPLES / f"{name}.toml")]
        _report.cached = verify(SMALL, claim_specs=tuple(specs))
    return _report.cached


def _file_result(claim_id):
    (result,) = [r for r in _report().extra_claims if r.claim.id == claim_id]
    return result


def _evidence(result, check):
    (found,) = [e for e in result.evidence if e.check == check]
    return found


def test_a_quadratic_parameter_lower_bound_for_and2_is_refuted_naming_both_claims():
    result = _file_result("AND-NEEDS-QUADRATIC")
    assert result.verdict is Verdict.REFUTED
    clash = _evidence(result, "consistency")
    assert clash.verdict is Verdict.REFUTED
    assert "AND-NEEDS-QUADRATIC" in clash.detail and "UB-AND-PARAMS" in clash.detail
    assert "-> oo" in clash.detail


def test_log_neurons_for_and2_is_refuted_by_the_proved_lower_bound_not_by_the_counts():
    result = _file_result("AND-IN-LOG-NEURONS")
    assert result.verdict is Verdict.REFUTED
    clash = _evidence(result, "consistency")
    assert clash.verdict is Verdict.REFUTED
    assert "LB-NEURONS" in clash.detail and "LB-NEURONS is proved" in clash.detail
    measured = _evidence(result, "measured")  # the counts are information beside it
    assert measured.verdict is Verdict.UNKNOWN and not measured.decisive
    assert "three-channel does not reach this bound" in measured.detail
    assert "m'=1000" in measured.detail


def test_the_open_question_between_the_proved_bounds_is_unknown_beside_our_counts():
    result = _file_result("AND-IN-MP-LOG-PARAMS")
    assert result.verdict is Verdict.UNKNOWN and "no proved bound" in result.reason
    assert _evidence(result, "consistency").verdict is Verdict.UNKNOWN
    assert "LB-PARAMS" in _evidence(result, "consistency").detail
    assert _evidence(result, "implied").verdict is Verdict.UNKNOWN
    assert "three-channel" in _evidence(result, "measured").detail


def test_the_papers_own_lower_bounds_pass_as_implied_by_the_derivations():
    for claim_id, source in (("MY-LB-PARAMS", "LB-PARAMS"), ("MY-LB-NEURONS", "LB-NEURONS")):
        result = _file_result(claim_id)
        assert result.verdict is Verdict.PROVED, result.evidence
        assert source in _evidence(result, "implied").detail


def test_the_ledger_stays_consistent_and_its_derivations_are_proved():
    by_id = {r.claim.id: r for r in _report().results}
    for claim_id in ("LB-PARAMS", "LB-NEURONS", "CAPACITY", "TIGHTNESS", "EXP-GAP",
                     "COMPRESSION", "PARAMS-ESTIMATE"):
        assert by_id[claim_id].verdict is Verdict.PROVED, by_id[claim_id].evidence
        steps = [e for e in by_id[claim_id].evidence if e.check.startswith("derive:")]
        assert steps and all(e.verdict is Verdict.PROVED for e in steps)
    for result in _report().results:
        assert all(e.verdict is not Verdict.REFUTED for e in result.evidence
                   if e.check == "consistency"), result.claim.id


def test_a_claim_without_checks_is_unknown_not_yet_checked():
    bare = Claim(id="NEW-CLAIM", statement="something", source="a researcher", kind="upper",
                 quantity="neurons", problem="and2", bound="O(1)", planned="a check to write")
    report = verify(SMALL, claims=(bare,))
    (result,) = report.results
    assert result.verdict is Verdict.UNKNOWN and result.reason.startswith("not yet checked")


def test_an_explicit_constant_makes_a_bound_on_a_construction_a_finite_inequality():
    text = ('[[claim]]\nid = "TIGHT"\nproblem = "perm"\nquantity = "neurons"\n'
            'kind = "upper"\nbound = "sqrt(mp)*log(mp)"\nconstant = 1\n')
    about_bloom = text.replace('id = "TIGHT"', 'id = "TIGHT-BLOOM"\nconstruction = "bloom"')
    specs = parse_claims(text, "t.toml") + parse_claims(about_bloom, "t.toml")
    report = verify(SMALL, claims=(), claim_specs=tuple(specs))
    problem, construction = report.extra_claims
    measured = _evidence(construction, "measured")
    assert construction.verdict is Verdict.REFUTED
    assert measured.verdict is Verdict.REFUTED and "> 1 *" in measured.detail
    assert "perm/random s=2 m'=100 (seed 0)" in measured.detail
    assert measured.replay.startswith("superpose build perm --m-prime 100 --family random")
    assert measured.replay.endswith("superpose info c.npz")
    info = _evidence(problem, "measured")  # the same counts say nothing about the problem
    assert problem.verdict is Verdict.UNKNOWN and info.verdict is Verdict.UNKNOWN
    assert "of its counts exceed 1 * (sqrt(mp)*log(mp))" in info.detail


@pytest.mark.parametrize("bound", ["__import__('os').system('touch PWNED')", "mp.__class__",
                                   "(lambda: 1)()", "exec('1')", "2^2^2^2^2^2^2"])
def test_a_claim_file_that_tries_to_run_code_exits_two_and_runs_nothing(bound, tmp_path,
                                                                       monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.toml"
    path.write_text('[[claim]]\nid = "EVIL"\nproblem = "and2"\nquantity = "params"\n'
                    f'kind = "lower"\nbound = "{bound}"\n')
    code = main(["verify", "--claims", str(path), "--max-m-prime", "100"])
    err = capsys.readouterr().err
    assert code == 2 and "EVIL" in err and err.count("\n") == 1
    assert not (tmp_path / "PWNED").exists()


def test_superpose_claims_lists_every_ledger_id_as_json(capsys):
    assert main(["claims", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [c.id for c in CLAIMS]
    assert all(r["kind"] and r["quantity"] and r["source"] for r in rows)


@pytest.mark.parametrize("text", ["log(mp - 1000)", "1/(mp - 100)", "sqrt(-mp)"])
def test_a_bound_outside_its_domain_at_a_measured_size_compares_nothing_and_says_why(text):
    from superpose.checks.sweep import measure
    from superpose.checks.verification._theory_checks import ratio_trends
    from superpose.theory import Bound, parse_bound

    ms = [measure("and2", "random", 2, 100, SweepSettings(samples=10))]
    bound = Bound("DOMAIN", ("and2",), "params", "upper", parse_bound(text), text)
    trends, why = ratio_trends(bound, ms)
    assert trends == [] and "at m'=100 (s=2)" in why and "cannot be compared" in why


def test_a_bound_that_cannot_be_made_a_function_compares_nothing_and_says_why(monkeypatch):
    # SymPy's printer failed on binomial(mp + 999999, mp) (a number of more digits than
    # Python prints); the parser now refuses that bound, and any such failure is a reason
    import sympy

    from superpose.checks.sweep import measure
    from superpose.checks.verification._theory_checks import ratio_trends
    from superpose.theory import Bound, parse_bound

    def fails(*args, **kwargs):
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    ms = [measure("and2", "random", 2, 100, SweepSettings(samples=10))]
    bound = Bound("PRINT", ("and2",), "params", "upper", parse_bound("mp"), "mp")
    monkeypatch.setattr(sympy, "lambdify", fails)
    trends, why = ratio_trends(bound, ms)
    assert trends == [] and "cannot be made a function of m' (ValueError: Exceeds" in why
