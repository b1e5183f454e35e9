"""The command line and count formulas: ``build`` refuses a circuit above its formula (exit 1,
one line), ``verify --failure-constant`` names a bad constant (exit 2)."""

from __future__ import annotations

import pytest

from tests.cli import run
from tests.plugins import COUNTED_TWO_OF_FOUR, installed


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    yield from installed(tmp_path, monkeypatch)


def test_build_of_a_circuit_above_its_formula_exits_one_naming_it_and_writes_nothing(
        capsys, plugins, tmp_path):
    plugins("two-of-four", {"two4": "two4_mod:SPEC"},
            {"two4_mod": COUNTED_TWO_OF_FOUR.format(neurons="m")})
    out = tmp_path / "c.npz"
    code, stdout, stderr = run(capsys, "build", "two4", "--m-prime", "9", "-o", str(out))
    assert code == 1 and not out.exists()
    line = stderr.strip()
    assert line.startswith("superpose: REFUTED: <Circuit two4 m=36 m'=9") and "\n" not in line
    assert "neurons = 45 exceeds its count formula step 'neurons'" in line
    assert "superpose build two4 --m-prime 9 --family disjoint" in line


@pytest.mark.parametrize(("value", "message"), [
    ("and2:c_q=1", "names no constant of and2's failure bound; use one of: c_d"),
    ("or2:c_d=1", "use one of: none (it declares no bound)"),
    ("and2c_r=1", "must look like PROBLEM:NAME=NUMBER"),
    # refused before any measuring: these reached the symbolic decision after the whole sweep
    # and ended in a traceback there (Fraction('nan'), a complex comparison)
    ("and2:c_d=nan", "and2:c_d=nan must be a finite number > 0"),
    ("and2:c_d=-1", "and2:c_d=-1 must be a finite number > 0"),
    ("and2:c_d=1e400", "and2:c_d=inf must be a finite number > 0"),
])
def test_a_bad_failure_constant_is_one_line_and_exit_two(capsys, value, message):
    code, _, stderr = run(capsys, "verify", "--failure-constant", value, "-q")
    assert code == 2 and message in stderr and stderr.count("\n") == 1
