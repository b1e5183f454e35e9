"""verify: every claim of the ledger gets a verdict, and the exit codes follow the rules."""

from __future__ import annotations

import json
from dataclasses import replace

from superpose.checks import SweepSettings, VerifyConfig, verify
from superpose.checks.report._report import render_text, report_json
from superpose.checks.verification._verify import (
    ClaimResult,
    VerifyReport,
    _bounds_the_problem,
    problem_claims,
)
from superpose.theory import CLAIMS, Claim, Evidence, Verdict, combine

SMALL = VerifyConfig(max_m_prime=316, max_m_prime_s3=100, max_m_prime_represent=1000,
                     sparsities=(2,), and2_families=("disjoint", "nearcut"),
                     perm_families=("random",), settings=SweepSettings(samples=200))


def _small_report():
    if not hasattr(_small_report, "cached"):
        _small_report.cached = verify(SMALL)
    return _small_report.cached


def test_every_ledger_claim_gets_exactly_one_result_in_ledger_order():
    report = _small_report()
    assert [r.claim.id for r in report.results] == [c.id for c in CLAIMS]


def test_checked_upper_bounds_are_not_refuted_at_small_sizes():
    by_id = {r.claim.id: r for r in _small_report().results}
    for claim_id in ("UB-AND-NEURONS", "UB-PERM", "REPRESENT"):
        assert by_id[claim_id].verdict is Verdict.PROVED, by_id[claim_id].evidence


def test_the_text_report_names_every_claim_and_its_verdict():
    text = render_text(_small_report(), verbose=True)
    for result in _small_report().results:
        assert result.claim.id in text
    assert "derive:stirling PROVED" in text and "sampling cannot prove absence" in text


def test_the_json_report_holds_claims_measurements_seeds_and_versions():
    payload = json.loads(report_json(_small_report()))
    ids = [c["id"] for c in payload["claims"]]
    assert ids[:len(CLAIMS)] == [c.id for c in CLAIMS]  # the ledger first, in order
    assert set(ids[len(CLAIMS):]) == {c.id for c in problem_claims()}  # then the problems' own
    assert payload["measurements"] and payload["settings"]["seed"] == 0
    assert "z3-solver" in payload["versions"] and "numpy" in payload["versions"]


def _report_with(*verdicts: tuple[Verdict, bool]) -> VerifyReport:
    evidence = tuple(Evidence(f"c{i}", v, "s", "m", "", "", decisive=d)
                     for i, (v, d) in enumerate(verdicts))
    result = ClaimResult(CLAIMS[0], *combine(evidence), evidence)
    return VerifyReport([result], [], SMALL, 0.0)


def test_exit_code_is_one_when_anything_is_refuted():
    assert _report_with((Verdict.PROVED, True), (Verdict.REFUTED, False)).exit_code() == 1


def test_exit_code_is_three_when_a_decisive_check_that_ran_was_inconclusive():
    assert _report_with((Verdict.UNKNOWN, True)).exit_code() == 3


def test_a_silent_fuzzer_alone_does_not_make_the_run_inconclusive_unless_strict():
    report = _report_with((Verdict.PROVED, True), (Verdict.UNKNOWN, False))
    assert report.exit_code() == 0
    unchecked = VerifyReport([ClaimResult(CLAIMS[0], Verdict.UNKNOWN, "not yet checked", ())],
                             [], SMALL, 0.0)
    assert unchecked.exit_code() == 0 and unchecked.exit_code(strict=True) == 3


def test_the_default_text_folds_symbolic_steps_and_verbose_shows_each_with_premises():
    short = render_text(_small_report(), verbose=False)
    full = render_text(_small_report(), verbose=True)
    assert "symbolic steps PROVED" in short and "derive:stirling PROVED" not in short
    assert "derive:stirling PROVED" in full and "premises:" in full
    assert len(short.splitlines()) < len(full.splitlines())


def test_a_report_shows_in_jupyter_as_its_markdown_table():
    from superpose.checks.report import render_markdown

    report = _report_with((Verdict.PROVED, True), (Verdict.REFUTED, False))
    shown = report._repr_markdown_()
    assert shown == render_markdown(report)
    assert "| Claim | Verdict | Statement | Reason |" in shown
    assert f"| `{CLAIMS[0].id}` | **REFUTED** |" in shown


def test_the_bounds_that_decide_claim_files_about_and2_are_proved_by_a_small_run():
    # tests/checks/verification/test_file_checks.py takes these as proved
    by_id = {r.claim.id: r for r in _small_report().results}
    for claim_id in ("LB-PARAMS", "LB-NEURONS", "COMPRESSION", "UB-AND-NEURONS",
                     "UB-AND-PARAMS"):
        assert by_id[claim_id].verdict is Verdict.PROVED, by_id[claim_id].evidence


def test_the_report_says_which_construction_each_upper_bound_verdict_is_about():
    text = render_text(_small_report())
    (line,) = [line for line in text.splitlines() if line.startswith("UB-AND-PARAMS ")]
    assert line.endswith("[abstract; about construction three-channel of and2]")
    (line,) = [line for line in text.splitlines() if line.startswith("LB-PARAMS ")]
    assert line.endswith("; about the problem and2, perm]")
    claims = {c["id"]: c for c in json.loads(report_json(_small_report()))["claims"]}
    assert claims["UB-PERM"]["construction"] == "bloom"
    assert claims["LB-PARAMS"]["construction"] is None
    assert claims["OR-PARAMS"]["about"] == "construction bloom of or2"


def test_only_a_claim_that_proves_its_construction_correct_or_counts_nothing_bounds_the_problem():
    by_id = {c.id: c for c in CLAIMS}
    assert _bounds_the_problem(by_id["LB-PARAMS"])  # a derivation
    assert _bounds_the_problem(by_id["UB-AND-PARAMS"])  # its construction certified
    counted = Claim(id="PLUGIN-PARAMS", statement="s", source="a plugin", kind="upper",
                    quantity="params", problem="or2", bound="m'",
                    checks=("or2-count-formula", "measured"))  # no construction named
    assert not _bounds_the_problem(counted)
    assert _bounds_the_problem(replace(counted, checks=counted.checks + ("or2-correct",)))
