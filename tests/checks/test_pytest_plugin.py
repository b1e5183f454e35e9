"""The pytest plugin: ``pytest --superpose`` collects each claim as an item named by its id.

Inner pytest runs go through ``pytester`` in an empty directory. The plugin runs the real
:func:`checks.verify`; to keep these runs to seconds, the fast tests shrink either the work or
the ledger, and say which:

* the full-ledger run stands in canned PROVED evidence for the four fixed-cost checks that no
  size option shortens (the symbolic derivations, about 35 s; the planted-bug self-test, 20 s;
  the exact minima with Z3, 7 s; the counting premises, 3 s); the sweeps, the construction
  checks, the consistency checks and the verdicts are real;
* the verdict tests swap in a two-claim ledger checked by real construction checks (and no
  registered problem's claims).

The ``slow`` test runs everything for real in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import superpose.checks.verification
import superpose.checks.verification._verify
from superpose import theory
from superpose.checks.pytest_plugin import _KEY, _by_key, _Session
from superpose.checks.verification._construction_checks import CHECKS
from superpose.checks.verification._verify import (
    ClaimResult,
    VerifyConfig,
    VerifyReport,
    problem_claims,
)
from superpose.theory import CLAIMS, Claim, Evidence, Verdict

pytest_plugins = ["pytester"]

QUICK = ("--superpose-max-m-prime", "100", "--superpose-sparsity", "2", "-p",
         "no:cacheprovider")
OUTCOME = {"PROVED": "passed", "REFUTED": "failed", "UNKNOWN": "skipped"}
CLAIM_FILE = """
[[claim]]
id = "AND-IN-LOG-NEURONS"
problem = "and2"
construction = "three-channel"
quantity = "neurons"
kind = "upper"
bound = "log(mp)"
"""


def _canned(name: str) -> list[Evidence]:
    return [Evidence(name, Verdict.PROVED, "stand-in for a slow check (test only)", "canned",
                     "none", "not run in this test")]


@pytest.fixture
def fixed_costs_canned(monkeypatch):
    """Canned evidence for the fixed-cost checks; everything else in verify stays real."""
    monkeypatch.setattr(superpose.checks.verification._verify, "derivation_evidence",
                        lambda claim_id: _canned(f"derive:{claim_id}"))
    for name in ("selftest", "minimal-sizes", "premises"):
        monkeypatch.setitem(CHECKS, name, lambda run, name=name: _canned(name))


@pytest.fixture
def small_ledger(monkeypatch):
    """A two-claim ledger: one checked by the real perm construction checks, one unchecked."""
    ledger = (
        Claim(id="T-PERM", statement="perm neurons and params within the stated constants",
              source="a test", kind="upper", quantity="neurons", problem="perm",
              bound="O(sqrt(m') log m')",
              checks=("perm-neurons", "perm-params", "perm-correct"),
              bounds=(("neurons", "sqrt(mp)*log(mp)"),)),
        Claim(id="T-LATER", statement="a claim with no check yet", source="a test",
              kind="upper", quantity="neurons", problem="perm", bound="O(1)",
              planned="a later issue"),
    )
    monkeypatch.setattr(theory, "CLAIMS", ledger)
    for module in (superpose.checks.verification, superpose.checks.verification._verify):
        monkeypatch.setattr(module, "problem_claims", lambda: ())
    return ledger


def _outcomes(result) -> dict[str, str]:
    """Node id -> outcome of the call phase (or of setup, where it failed or skipped)."""
    out = {}
    for rep in result.reprec.getreports("pytest_runtest_logreport"):
        if rep.when == "call" or rep.outcome != "passed":
            out[rep.nodeid] = rep.outcome
    return out


def _session_report(result):
    return result.reprec.getcall("pytest_sessionfinish").session.config.stash[_KEY].report


def test_every_claim_is_one_item_named_by_its_id_and_junit_names_them(
        pytester, fixed_costs_canned):
    every = CLAIMS + problem_claims()
    result = pytester.runpytest_inprocess("--superpose", *QUICK, "-v", "--junitxml=out.xml")
    report = _session_report(result)
    outcomes = _outcomes(result)
    assert list(outcomes) == [f"superpose.claims::{c.id}" for c in every]
    for claim_result in report.results + report.extra_claims:
        node = f"superpose.claims::{claim_result.claim.id}"
        assert outcomes[node] == OUTCOME[claim_result.verdict.value]
        assert sum(line.startswith(node + " ") for line in result.outlines) == 1
    assert {"passed", "skipped"} <= set(outcomes.values())  # m' = 100 alone: slopes UNKNOWN
    cases = ET.parse(pytester.path / "out.xml").getroot().iter("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("superpose.claims", c.id) for c in every]
    assert any(line.startswith(f"superpose: {len(CLAIMS)} ledger claims, "
                               f"{len(problem_claims())} of registered problems; m' up to 100")
               for line in result.outlines)
    assert any(" proved, " in line and "rerun: pytest --superpose" in line
               for line in result.outlines)


def test_refuted_fails_with_evidence_and_replay_and_unknown_skips_with_the_reason(
        pytester, small_ledger):
    (pytester.path / "mine.toml").write_text(CLAIM_FILE)
    result = pytester.runpytest_inprocess("--superpose-claims", "mine.toml", *QUICK, "-rs",
                                          "--superpose-max-m-prime", "316")
    outcomes = _outcomes(result)
    assert outcomes == {"superpose.claims::T-PERM": "passed",
                        "superpose.claims::T-LATER": "skipped",
                        "superpose.claims.file::AND-IN-LOG-NEURONS": "failed"}
    text = result.stdout.str()
    # about three-channel: its count formula grows faster than the bound and its counts refute
    assert "measured REFUTED (refute-only)" in text and "grows faster than log(mp)" in text
    assert "and2-count-formula/neurons UNKNOWN (decisive)" in text
    assert "seeds: seed 0, instance seed 0, fuzz seed 0" in text
    assert ("rerun: pytest --superpose --superpose-claims mine.toml --superpose-max-m-prime "
            "316 --superpose-sparsity 2 --superpose-seed 0 -k AND-IN-LOG-NEURONS") in text
    assert "or: superpose verify --max-m-prime 316" in text
    assert "UNKNOWN: not yet checked (planned: a later issue)" in text
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_strict_fails_an_unknown_claim_instead_of_skipping_it(pytester, small_ledger):
    result = pytester.runpytest_inprocess("--superpose", "--superpose-strict", *QUICK,
                                          "--superpose-max-m-prime", "316")
    assert _outcomes(result) == {"superpose.claims::T-PERM": "passed",
                                 "superpose.claims::T-LATER": "failed"}
    assert "T-LATER UNKNOWN: a claim with no check yet" in result.stdout.str()


def test_without_superpose_nothing_is_collected_and_verify_never_runs(pytester, monkeypatch):
    monkeypatch.setattr(superpose.checks.verification, "verify", _must_not_run)
    pytester.makepyfile(test_plain="def test_plain():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert list(_outcomes(result)) == ["test_plain.py::test_plain"]
    assert "superpose.claims" not in result.stdout.str()
    assert not any(line.startswith("superpose") for line in result.outlines)


def _must_not_run(*args, **kwargs):
    raise AssertionError("verify ran without --superpose")


def test_a_crash_in_verify_is_an_error_of_every_claim_never_a_pass(pytester, monkeypatch,
                                                                   small_ledger):
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("boom")
    monkeypatch.setattr(superpose.checks.verification, "verify", broken)
    result = pytester.runpytest_inprocess("--superpose", *QUICK)
    result.assert_outcomes(errors=len(small_ledger))
    assert len(calls) == 1 and "RuntimeError: boom" in result.stdout.str()


@pytest.mark.parametrize("argv, words", [
    (("--superpose-max-m-prime", "50"), "--superpose-max-m-prime=50 must be >= 100"),
    (("--superpose-claims", "missing.toml"), "claim file missing.toml: no such file"),
])
def test_bad_options_are_a_usage_error_naming_the_value(pytester, argv, words):
    result = pytester.runpytest_inprocess("--superpose", *argv)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert words in result.stderr.str()


def test_a_claim_file_naming_an_unknown_construction_is_a_usage_error(pytester):
    (pytester.path / "mine.toml").write_text(CLAIM_FILE.replace("three-channel", "four"))
    result = pytester.runpytest_inprocess("--superpose-claims", "mine.toml", *QUICK)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert ("key 'construction' = 'four' is not a construction of and2; use one of: "
            "three-channel, naive") in result.stderr.str()


def test_importing_the_plugin_loads_no_solver_symbolic_or_array_library():
    code = ("import sys, superpose.checks.pytest_plugin; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'sympy', 'z3'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_report_with_other_claims_than_collected_is_an_error_not_a_verdict(small_ledger):
    state = _Session(VerifyConfig(), small_ledger, (), (), False, "pytest --superpose")
    swapped = [ClaimResult(c, Verdict.PROVED, "r", ()) for c in small_ledger[::-1]]
    with pytest.raises(RuntimeError, match="other claims than the plugin collected"):
        _by_key(state, VerifyReport(swapped, [], state.config, 0.0))


def _pytest_here(tmp_path, *argv, timeout):
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv],
                          cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_the_installed_entry_point_collects_the_claims_in_an_empty_directory(tmp_path):
    done = _pytest_here(tmp_path, "--superpose", "--collect-only", "-q", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("superpose.claims::")] == [
        f"superpose.claims::{c.id}" for c in CLAIMS + problem_claims()]


@pytest.mark.slow
def test_a_real_run_in_an_empty_directory_names_every_claim_in_junit(tmp_path):
    done = _pytest_here(tmp_path, "--superpose", "--superpose-max-m-prime", "316",
                        "--superpose-sparsity", "2", "--junitxml=out.xml", "-v", timeout=1200)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    every = CLAIMS + problem_claims()
    for claim in every:
        assert sum(line.startswith(f"superpose.claims::{claim.id} ")
                   for line in done.stdout.splitlines()) == 1
    cases = ET.parse(tmp_path / "out.xml").getroot().iter("testcase")
    assert [c.get("name") for c in cases] == [c.id for c in every]
