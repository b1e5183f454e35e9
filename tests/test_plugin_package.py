"""A package outside this repository (examples/plugin/) registers a problem by entry point and
is verified with no change here: installed in-process as pip would (a dist-info with the entry
point next to a copy of the package), listed, built, certified, and its claim given a verdict."""

from __future__ import annotations

import json

import pytest

from superpose.checks import SweepSettings, VerifyConfig, verify
from superpose.circuits import problem_spec
from superpose.theory import Verdict
from tests.cli import run
from tests.plugins import REPO_ROOT, installed


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    yield from installed(tmp_path, monkeypatch)


PLUGIN = REPO_ROOT / "examples" / "plugin"


def _install(plugins):
    assert "maj3" in (PLUGIN / "pyproject.toml").read_text()
    plugins("superpose-majority", {"maj3": "superpose_majority:SPEC"},
            {"superpose_majority": PLUGIN / "superpose_majority"})


def test_the_example_plugin_is_listed_built_certified_and_verified(plugins, capsys, tmp_path):
    _install(plugins)
    code, out, _ = run(capsys, "problems", "--json")
    (row,) = [r for r in json.loads(out) if r["name"] == "maj3"]
    assert code == 0 and row["status"] == "ok" and row["provider"] == "superpose-majority 0.1.0"
    assert row["claims"] == ["MAJ3-NEURONS"]
    path = tmp_path / "maj.npz"
    code, out, _ = run(capsys, "build", "maj3", "--m-prime", "30", "--sparsity", "3", "-o",
                       str(path))
    assert code == 0 and "maj3 (naive, disjoint) m=90 m'=30" in out
    code, out, _ = run(capsys, "certify", str(path))
    assert code == 0 and out.startswith("PROVED")
    code, out, _ = run(capsys, "eval", str(path), "--active", "3,4")
    assert code == 0 and "expected [1]" in out
    report = verify(VerifyConfig(problems=("maj3",), settings=SweepSettings(samples=200)))
    (result,) = report.extra_claims
    assert result.claim.id == "MAJ3-NEURONS" and result.verdict is Verdict.PROVED
    assert {e.check for e in result.evidence} >= {"maj3-correct/certified", "measured"}
    assert problem_spec("maj3").plan.sparsities == (2, 3)


def test_verify_refuses_to_run_while_a_plugin_is_broken(plugins, capsys, tmp_path):
    plugins("broken-dist", {"nope": "missing_module_xyz:SPEC"})
    code, _, err = run(capsys, "verify")
    assert code == 2 and err.count("\n") == 1
    assert "'nope'" in err and "broken-dist" in err and "fix or uninstall" in err
    code, _, _ = run(capsys, "build", "and2", "--m-prime", "10", "-o", str(tmp_path / "c.npz"))
    assert code == 0  # the other problems still work
