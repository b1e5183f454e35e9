"""Reports of a verify run: JSON, Markdown and JUnit XML, and ``verify --report FMT -o FILE``.

The report under test comes from a real, tiny verify run: two ledger-style claims (one checked
by the permutation construction's real checks, one with no check yet) and a claim file with a
bound about the and2 construction that its counts refute and a lower bound no construction can
decide, so that PROVED, REFUTED and UNKNOWN all occur.
"""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from superpose.checks import SweepSettings, VerifyConfig, verify
from superpose.checks.cli import verify as verify_cmd
from superpose.checks.report._formats import render_junit, render_markdown
from superpose.checks.report._report import claim_sizes, report_json, verify_replay
from superpose.checks.verification._verify import ClaimResult, VerifyReport, problem_claims
from superpose.theory import Claim, Evidence, Verdict, parse_claims
from tests.cli import run

TINY = VerifyConfig(max_m_prime=316, max_m_prime_s3=100, max_m_prime_represent=316,
                    sparsities=(2,), and2_families=("disjoint",), perm_families=("random",),
                    settings=SweepSettings(samples=100))
CLAIMS = (
    Claim(id="T-PERM", statement="perm | neurons and params * within the stated constants",
          source="a test", kind="upper", quantity="neurons", problem="perm",
          bound="O(sqrt(m') log m')",
          checks=("perm-neurons", "perm-params", "perm-correct"),
          bounds=(("neurons", "sqrt(mp)*log(mp)"),)),
    Claim(id="T-LATER", statement="a claim with no check yet", source="a test", kind="upper",
          quantity="neurons", problem="perm", bound="O(1)", planned="a later issue"),
)
CLAIM_FILE = """
[[claim]]
id = "AND-IN-LOG-NEURONS"
problem = "and2"
construction = "three-channel"
quantity = "neurons"
kind = "upper"
bound = "log(mp)"

[[claim]]
id = "F-LB"
problem = "perm"
quantity = "neurons"
kind = "lower"
bound = "sqrt(mp*log(mp))"
"""
VERSION_KEYS = {"superpose", "python", "numpy", "scipy", "sympy", "z3-solver", "hypothesis"}


@pytest.fixture(scope="module")
def report() -> VerifyReport:
    specs = tuple(parse_claims(CLAIM_FILE, "tiny.toml"))
    made = verify(TINY, claims=CLAIMS, claim_specs=specs, own_claims=())
    verdicts = {r.claim.id: r.verdict for r in made.results + made.extra_claims}
    assert verdicts == {"T-PERM": Verdict.PROVED, "T-LATER": Verdict.UNKNOWN,
                        "AND-IN-LOG-NEURONS": Verdict.REFUTED, "F-LB": Verdict.UNKNOWN}
    return made


def _results(report: VerifyReport) -> list[ClaimResult]:
    return report.results + report.extra_claims


# --- JSON -------------------------------------------------------------------------------------

def test_the_json_report_holds_every_field_of_every_claim(report):
    payload = json.loads(report_json(report))
    assert [c["id"] for c in payload["claims"]] == [r.claim.id for r in _results(report)]
    for claim, result in zip(payload["claims"], _results(report), strict=True):
        assert claim["verdict"] == result.verdict.value and claim["reason"] == result.reason
        assert claim["statement"] == result.claim.statement
        assert claim["source"] == result.claim.source
        assert claim["seeds"] == {"seed": 0, "instance_seed": 0, "fuzz_seed": 0}
        assert [e["check"] for e in claim["evidence"]] == [e.check for e in result.evidence]
        for e in claim["evidence"]:
            assert {"verdict", "statement", "method", "sizes", "detail", "decisive",
                    "replay"} <= e.keys()
    origins = {c["id"]: c["origin"] for c in payload["claims"]}
    assert origins["T-PERM"] == "ledger" and origins["F-LB"] == "file"


def test_the_json_sizes_of_a_claim_are_those_of_the_measurements_its_checks_used(report):
    claims = {c["id"]: c for c in json.loads(report_json(report))["claims"]}
    perm = sorted({m.m_prime for m in report.measurements if m.problem == "perm"})
    assert perm == [100, 316]
    assert claims["T-PERM"]["sizes"] == {"perm": {"m_prime": perm, "families": ["random"],
                                                  "sparsities": [2], "circuits": 2}}
    assert claims["AND-IN-LOG-NEURONS"]["sizes"]["and2"]["families"] == ["disjoint"]
    assert claims["T-LATER"]["sizes"] == {}


def test_the_json_report_holds_versions_config_seconds_summary_and_exit_code(report):
    payload = json.loads(report_json(report, strict=True))
    assert VERSION_KEYS <= payload["versions"].keys()
    assert payload["config"]["max_m_prime_s3"] == 100
    assert payload["config"]["settings"]["samples"] == 100
    assert payload["config"]["perm_families"] == ["random"]
    assert payload["seconds"] == round(report.seconds, 3)
    assert payload["summary"] == {"PROVED": 1, "REFUTED": 1, "UNKNOWN": 2}
    assert payload["exit_code"] == report.exit_code(strict=True) == 1
    assert payload["replay"].startswith("superpose verify --max-m-prime 316")


def test_a_registered_problems_claim_is_reported_as_such_and_grouped_with_the_ledger(report):
    own = ClaimResult(problem_claims()[0], Verdict.UNKNOWN, "not yet checked", ())
    mixed = replace(report, extra_claims=[own, *report.extra_claims])
    payload = json.loads(report_json(mixed))
    assert [c["origin"] for c in payload["claims"]] == ["ledger", "ledger", "problem", "file",
                                                        "file"]
    suites = ET.fromstring(render_junit(mixed)).findall("testsuite")
    assert [[c.get("name") for c in s.iter("testcase")] for s in suites] == [
        ["T-PERM", "T-LATER", own.claim.id], ["AND-IN-LOG-NEURONS", "F-LB"]]


# --- JUnit ------------------------------------------------------------------------------------

def test_the_junit_report_has_one_testcase_per_claim_with_failure_and_skipped(report):
    root = ET.fromstring(render_junit(report))
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [r.claim.id for r in _results(report)]
    assert [c.get("classname") for c in cases] == ["superpose.claims"] * 2 + [
        "superpose.claims.file"] * 2
    for case, result in zip(cases, _results(report), strict=True):
        failure, skipped = case.find("failure"), case.find("skipped")
        if result.verdict is Verdict.REFUTED:
            assert skipped is None and failure.get("message") == result.reason
            assert "measured" in failure.text
            assert "about construction three-channel of and2" in case.find("system-out").text
        elif result.verdict is Verdict.UNKNOWN:
            assert failure is None and result.reason in skipped.get("message")
        else:
            assert failure is None and skipped is None
        assert result.claim.statement in case.find("system-out").text


def test_the_junit_suite_counts_agree_with_the_testcases(report):
    root = ET.fromstring(render_junit(report))
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "1", "2")
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("skipped")) == sum(c.find("skipped") is not None for c in cases)
        assert suite.get("errors") == "0"
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["seed"] == "0" and props["version:superpose"]
    assert props["replay"].startswith("superpose verify")


# --- Markdown ---------------------------------------------------------------------------------

def test_the_markdown_report_has_the_summary_table_evidence_measurements_and_replay(report):
    text = render_markdown(report, replay="superpose verify --claims tiny.toml")
    assert "**4 claims: 1 PROVED, 1 REFUTED, 2 UNKNOWN** (exit code 1" in text
    assert "| Claim | Verdict | Statement | Reason |" in text
    for result in _results(report):
        assert f"| `{result.claim.id}` |" in text and f"#### {result.claim.id}:" in text
    assert "### Measurements" in text and "| problem | family |" in text
    assert "superpose verify --claims tiny.toml" in text and "Seeds: seed 0" in text
    assert "| z3-solver |" in text
    assert "(source: tiny.toml; about construction three-channel of and2)." in text
    assert "(source: tiny.toml; about the problem perm)." in text


def test_markdown_table_rows_keep_their_columns_when_text_holds_pipes_and_stars(report):
    text = render_markdown(report)
    row = next(line for line in text.splitlines() if line.startswith("| `T-PERM`"))
    unescaped = len(row.replace("\\|", "")) - len(row.replace("\\|", "").replace("|", ""))
    assert unescaped == 5
    assert "perm \\| neurons and params \\* within" in row


def test_markdown_escapes_html_tags_and_links_in_claim_text():
    claim = replace(CLAIMS[1], statement="x <img src=a> [t](u) keeps <= and [premises]")
    result = ClaimResult(claim, Verdict.UNKNOWN, "not yet checked", ())
    text = render_markdown(VerifyReport([result], [], TINY, 0.0))
    assert "x \\<img src=a> [t\\](u) keeps <= and [premises]" in text


def test_verify_output_without_report_writes_the_text_table(cli_with, capsys, tmp_path):
    path = tmp_path / "verify.txt"
    code, out, _ = run(capsys, "verify", "-o", str(path))
    assert code == 1 and out == "" and path.read_text().startswith("CLAIM ")


# --- replay -----------------------------------------------------------------------------------

def _captured_config(monkeypatch, capsys, argv: list[str]) -> VerifyConfig:
    seen = []

    def fake_verify(config, progress, claim_specs, measure_all=None):
        seen.append(config)
        return VerifyReport([], [], config, 0.0)
    monkeypatch.setattr(verify_cmd, "verify", fake_verify)
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    return seen[0]


def test_the_replay_command_rebuilds_the_same_configuration(monkeypatch, capsys):
    settings = SweepSettings(seed=7, instance_seed=3, samples=300, fuzz_seed=5,
                             exhaustive_limit=999, certify_max_m_prime=200,
                             certify_timeout=5.5, repair=False)
    config = replace(VerifyConfig(), max_m_prime=3162, sparsities=(2,), settings=settings,
                     problems=("perm", "uand"))
    command = verify_replay(config)
    assert "not exact" not in command
    assert _captured_config(monkeypatch, capsys, shlex.split(command)[1:]) == config


def test_a_configuration_the_command_line_cannot_express_is_marked_not_exact():
    command = verify_replay(TINY)
    assert "# not exact:" in command and "and2_families" in command


# --- the command line -------------------------------------------------------------------------

@pytest.fixture
def cli_with(monkeypatch, report):
    """``superpose verify`` whose verify returns the tiny report (the plumbing is under test)."""
    calls = []

    def fake_verify(config, progress, claim_specs, measure_all=None):
        calls.append(config)
        return report
    monkeypatch.setattr(verify_cmd, "verify", fake_verify)
    return calls


@pytest.mark.parametrize("fmt", ["json", "md", "junit"])
def test_verify_report_writes_the_file_and_keeps_the_text_table_and_exit_code(
        cli_with, capsys, tmp_path, report, fmt):
    path = tmp_path / f"report.{fmt}"
    code, out, err = run(capsys, "verify", "--report", fmt, "-o", str(path))
    assert code == report.exit_code() == 1
    assert out.startswith("CLAIM ") and f"wrote the {fmt} report to {path}" in err
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(text)["exit_code"] == 1
    elif fmt == "junit":
        assert len(ET.fromstring(text).findall("./testsuite/testcase")) == 4
    else:
        assert "| Claim | Verdict | Statement | Reason |" in text


def test_verify_report_without_output_prints_the_report(cli_with, capsys):
    code, out, _ = run(capsys, "verify", "--report", "md", "--sparsity", "2")
    assert code == 1 and out.startswith("## superpose verify")
    assert "--sparsity 2" in out


def test_verify_without_report_prints_the_text_table_as_before(cli_with, capsys):
    code, out, _ = run(capsys, "verify")
    assert code == 1 and out.startswith("CLAIM ") and "AND-IN-LOG-NEURONS REFUTED" in out


def test_verify_json_reports_the_exit_code_of_strict(monkeypatch, capsys, report):
    unchecked = replace(report, results=report.results[1:], extra_claims=[])
    monkeypatch.setattr(verify_cmd, "verify",
                        lambda config, progress, claim_specs, measure_all=None: unchecked)
    for argv, expected in ((["--json"], 0), (["--json", "--strict"], 3)):
        code, out, _ = run(capsys, "verify", *argv)
        assert code == expected and json.loads(out)["exit_code"] == expected


@pytest.mark.parametrize("make_path, words", [
    (lambda tmp: tmp / "missing" / "r.md", "does not exist"),
    (lambda tmp: tmp, "is a directory"),
])
def test_an_unwritable_report_path_is_one_line_exit_2_before_verify_runs(
        cli_with, capsys, tmp_path, make_path, words):
    code, out, err = run(capsys, "verify", "--report", "md", "-o", str(make_path(tmp_path)))
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert cli_with == [] and out == ""


def test_a_report_that_fails_to_write_after_the_run_is_one_line_exit_2(
        cli_with, capsys, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("os.replace", refuse)  # the report is written, its rename refused
    code, _, err = run(capsys, "verify", "--report", "junit", "-o", str(tmp_path / "r.xml"))
    assert code == 2 and "Permission denied" in err and "r.xml" in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # its temporary file is gone too


def test_json_and_another_report_format_exclude_each_other(cli_with, capsys):
    code, _, err = run(capsys, "verify", "--json", "--report", "md")
    assert code == 2 and "--report json" in err and cli_with == []


def test_an_unknown_report_format_is_a_usage_error(capsys):
    code, _, err = run(capsys, "verify", "--report", "html")
    assert code == 2 and "html" in err


def test_claim_sizes_of_a_symbolic_claim_are_empty():
    evidence = (Evidence("derive:x", Verdict.PROVED, "s", "symbolic", "asymptotic", "d"),)
    result = ClaimResult(CLAIMS[1], Verdict.PROVED, "r", evidence)
    assert claim_sizes(result, []) == {}
