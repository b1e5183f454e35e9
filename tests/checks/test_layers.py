"""The layering of superpose.checks: importing the verify and report packages stays light (no
Z3, no minimal search, no mutants) and every lazy name of superpose.checks comes from a public
sub-package."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from superpose import checks
from superpose.checks.verification import CHECKS
from superpose.checks.verification._construction_checks import DeferredCheck

_HEAVY = ("z3", "superpose.checks.selftest", "superpose.checks.minimal",
          "superpose.checks.premises")


def _loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_report_and_verification_loads_neither_z3_nor_the_heavy_checks():
    loaded = _loaded_after("import superpose.checks.report, superpose.checks.verification")
    for name in _HEAVY:
        assert not any(m == name or m.startswith(name + ".") for m in loaded), name
    assert "superpose.checks.verification._construction_checks" in loaded


def test_the_plot_code_reads_its_fits_from_the_sweep_and_not_from_verification():
    from superpose.checks.report import _plot

    tree = ast.parse(Path(inspect.getsourcefile(_plot)).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "superpose.checks.sweep" in imported
    assert not any(m.startswith("superpose.checks.verification") for m in imported)
    assert _plot.slope is checks.slope


def test_the_deferred_checks_name_public_functions_that_exist():
    deferred = {name: c for name, c in CHECKS.items() if isinstance(c, DeferredCheck)}
    assert sorted(deferred) == ["minimal-sizes", "premises", "selftest"]
    for check in deferred.values():
        assert check.module.count(".") == 2 and "._" not in check.module
        assert callable(check.target())


def test_a_deferred_check_passes_the_run_config_by_attribute_path(monkeypatch):
    import types

    seen = {}
    fake = types.ModuleType("superpose_fake_check")
    fake.evidence = lambda **kwargs: seen.update(kwargs) or ["ok"]
    monkeypatch.setitem(sys.modules, "superpose_fake_check", fake)
    config = types.SimpleNamespace(solver_timeout=3.0,
                                   settings=types.SimpleNamespace(seed=7))
    check = DeferredCheck("superpose_fake_check", "evidence",
                          (("timeout", "solver_timeout"), ("seed", "settings.seed")))
    assert check(types.SimpleNamespace(config=config)) == ["ok"]
    assert seen == {"timeout": 3.0, "seed": 7}


@pytest.mark.parametrize("name", checks.__all__)
def test_every_lazy_name_of_checks_comes_from_a_public_module(name):
    module = next(home for home, names in checks._EXPORTS.items() if name in names)
    assert "._" not in module, f"{name} is read from the private module {module}"
    assert getattr(checks, name) is getattr(__import__(module, fromlist=[name]), name)
