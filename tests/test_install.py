"""The one import name, ``superpose``, as an installed package sees it (issue 13).

theory/, circuits/, checks/ and problems/ are installed as superpose.theory and so on; nothing
named theory, circuits, checks or problems is installed at top level. So the registry's own
``circuits`` package (an event framework on PyPI) installs and imports next to superpose, a
user's folders named like ours do not change what the ``superpose`` command does, and none of
those names imports from this project.

The first tests install superpose non-editable into a fresh virtual environment (see
tests/install_helpers.py): a wheel built from a copy of this checkout, with the running
environment's dependencies made visible rather than downloaded again. Building the wheel needs
setuptools>=68: taken from the running environment when it has it, from PyPI otherwise. The
registry's circuits comes from PyPI; when the index cannot be reached a stand-in distribution
named ``circuits`` is built here instead, with a warning, and the clash is still checked.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path

import pytest

from tests.install_helpers import (
    OLD_TOP_LEVEL,
    OUR_CIRCUITS_NAMES,
    REPO_ROOT,
    FreshVenv,
    clean_env,
    console_script,
    current_scripts_dir,
    describe,
    is_inside,
    make_fresh_venv,
    run,
)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> FreshVenv:
    fresh = make_fresh_venv(tmp_path_factory.mktemp("fresh-install"))
    if not fresh.circuits_from_pypi:
        warnings.warn(pytest.PytestWarning(
            f"tests/test_install.py checks the clash with {fresh.circuits_note}"))
    return fresh


# --- a fresh, non-editable install -----------------------------------------------------------

_WHERE = """
import importlib, importlib.metadata as md, json, sys
mods = {n: importlib.import_module(n).__file__ for n in
        ("superpose", "superpose.theory", "superpose.circuits", "superpose.checks",
         "superpose.problems", "superpose.checks.cli")}
dists = [str(d._path) for d in md.distributions() if d.metadata["Name"] == "superpose"]
eps = {ep.name: [ep.value, str(ep.dist._path)]
       for ep in md.entry_points(group="superpose.problems")}
script = [str(ep.dist._path) for ep in md.entry_points(group="console_scripts", name="superpose")]
files = [str(f) for f in md.distribution("superpose").files]
print(json.dumps({"modules": mods, "dists": dists, "entry_points": eps, "script": script,
                  "files": files, "dist": str(md.distribution("superpose")._path)}))
"""


def test_a_fresh_non_editable_install_imports_superpose_and_its_metadata_from_its_own_site_packages(
        venv):
    where = venv.probe(_WHERE)
    for name, file in where["modules"].items():
        assert is_inside(file, venv.site_packages), (name, file, venv.site_packages)
        assert not is_inside(file, REPO_ROOT), (name, file)
    # The running environment's editable superpose is visible on sys.path (its dist-info), but
    # the fresh install's own distribution comes first and is the one that is used.
    assert is_inside(where["dists"][0], venv.site_packages), where["dists"]
    assert is_inside(where["dist"], venv.site_packages), where["dist"]
    assert {"or2", "and3", "uand"} <= set(where["entry_points"]), where["entry_points"]
    for name in ("or2", "and3", "uand"):
        value, dist = where["entry_points"][name]
        assert value.startswith("superpose.problems:") and is_inside(dist, venv.site_packages)
    assert where["script"] and is_inside(where["script"][0], venv.site_packages)
    # What the wheel installed: everything under superpose/ (and its dist-info), nothing at top
    # level named like the old folders.
    tops = {Path(f).parts[0] for f in where["files"]}
    assert "superpose" in tops
    assert not tops & set(OLD_TOP_LEVEL), sorted(tops)
    assert all(t == "superpose" or t.endswith(".dist-info") or t in ("..", "bin", "Scripts")
               for t in tops), sorted(tops)


@pytest.mark.parametrize("order", ["circuits first", "superpose.circuits first"])
def test_superpose_circuits_and_the_registrys_circuits_package_each_import_their_own_code(
        venv, order):
    first, second = (("circuits", "superpose.circuits") if order == "circuits first"
                     else ("superpose.circuits", "circuits"))
    got = venv.probe(f"""
import importlib, importlib.metadata as md, json
importlib.import_module({first!r}); importlib.import_module({second!r})
import circuits, superpose.circuits as ours
print(json.dumps({{
    "theirs": circuits.__file__, "ours": ours.__file__,
    "theirs_has": [n for n in {OUR_CIRCUITS_NAMES!r} if hasattr(circuits, n)],
    "ours_has": [n for n in {OUR_CIRCUITS_NAMES!r} if hasattr(ours, n)],
    "component": hasattr(circuits, "Component"),
    "stand_in": getattr(circuits, "STAND_IN", False),
    "version": md.version("circuits"),
    "dist": str(md.distribution("circuits")._path),
}}))
""")
    note = f"circuits here is {venv.circuits_note}"
    assert is_inside(got["theirs"], venv.site_packages), (got, note)
    assert not is_inside(got["theirs"], REPO_ROOT), (got, note)
    assert got["theirs_has"] == [], (got, note)
    assert got["component"], (got, note)  # the event framework's Component
    assert got["version"].startswith("3.2."), (got, note)
    assert is_inside(got["dist"], venv.site_packages), (got, note)
    assert got["stand_in"] == (not venv.circuits_from_pypi), (got, note)
    assert is_inside(got["ours"], venv.site_packages), got
    assert Path(got["ours"]).parent.name == "circuits"
    assert Path(got["ours"]).parent.parent.name == "superpose", got
    assert got["ours_has"] == list(OUR_CIRCUITS_NAMES), got


def _problem_rows(proc) -> list[dict]:
    assert proc.returncode == 0, describe(proc)
    rows = json.loads(proc.stdout)
    assert isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows), rows
    return rows


def _assert_none_broken(rows: list[dict]) -> None:
    assert all(r.get("status") == "ok" for r in rows), [
        (r.get("name"), r.get("status"), r.get("reason")) for r in rows if r.get("status") != "ok"]


@pytest.fixture(scope="module")
def current_problems(tmp_path_factory) -> list[dict]:
    """``superpose problems --json`` of the running environment, from an empty folder."""
    return _problem_rows(run([console_script(current_scripts_dir(), "superpose"), "problems",
                              "--json"], cwd=tmp_path_factory.mktemp("nowhere"), timeout=120))


def test_the_fresh_installs_console_script_lists_every_problem_and_none_is_broken(
        venv, current_problems):
    rows = _problem_rows(venv.script("superpose", "problems", "--json"))
    _assert_none_broken(rows)
    names = {r["name"] for r in rows}
    ours = {r["name"] for r in current_problems
            if r["provider"] == "built-in" or r["provider"].startswith("superpose ")}
    assert ours >= {"and2", "perm", "represent", "or2", "and3", "uand"}, ours
    assert ours <= names, (ours, names)
    for row in rows:
        if row["name"] in ("or2", "and3", "uand"):
            assert row["provider"].startswith("superpose "), row
    assert _problem_rows(venv.run("-m", "superpose", "problems", "--json")) == rows


@pytest.mark.parametrize("name", OLD_TOP_LEVEL)
def test_the_fresh_install_has_no_top_level_theory_circuits_checks_or_problems(venv, name):
    proc = venv.run("-c", f"import importlib.util; print(importlib.util.find_spec({name!r}))"
                    f"; import {name}; print({name}.__file__)")
    if name == "circuits":  # the registry's, installed next to superpose
        assert proc.returncode == 0, describe(proc)
        assert is_inside(proc.stdout.split()[-1], venv.site_packages), describe(proc)
        return
    assert proc.returncode == 1, describe(proc)
    assert proc.stdout.strip() == "None", describe(proc)
    assert f"ModuleNotFoundError: No module named '{name}'" in proc.stderr, describe(proc)


# --- a user's folders named like ours ---------------------------------------------------------

LOG = "imported.log"


@pytest.fixture(scope="module")
def user_folder(tmp_path_factory) -> Path:
    """A folder holding the user's own packages theory/, circuits/, checks/ and problems/.

    Importing any of them appends its name to imported.log next to the folder; theory, circuits
    and checks then raise, and problems defines OR2, AND3 and UAND as plain strings (an entry
    point resolved against it would be a broken plugin)."""
    base = tmp_path_factory.mktemp("user")
    folder = base / "project"
    for name in OLD_TOP_LEVEL:
        (folder / name).mkdir(parents=True)
        body = (f"from pathlib import Path\n"
                f"with open(Path(__file__).resolve().parents[2] / {LOG!r}, 'a') as log:\n"
                f"    log.write({name!r} + '\\n')\n")
        if name == "problems":
            body += 'OR2 = AND3 = UAND = "user"\n'
        else:
            body += f'raise ImportError("the user\'s own {name} package was imported")\n'
        (folder / name / "__init__.py").write_text(body)
    return folder


@pytest.fixture(scope="module")
def empty_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("empty")


VERIFY = ["verify", "--problem", "or2", "--max-m-prime", "316", "-q"]
COMMANDS = {
    "superpose problems --json": ("script", ["problems", "--json"]),
    "superpose verify --problem or2": ("script", VERIFY),
    "python -m superpose problems --json": ("module", ["problems", "--json"]),
    "python -m superpose verify --problem or2": ("module", VERIFY),
}
_VERDICT = re.compile(r"^([A-Z][A-Z0-9-]+)\s+(PROVED|REFUTED|UNKNOWN)\b")
_TALLY = re.compile(r"^\d+ proved, \d+ refuted, \d+ unknown")


def _command(which: str) -> list:
    kind, args = COMMANDS[which]
    if kind == "script":
        return [console_script(current_scripts_dir(), "superpose"), *args]
    return [sys.executable, "-m", "superpose", *args]


def _verdicts(out: str) -> list[str]:
    lines = [line.split()[0] + " " + line.split()[1] for line in out.splitlines()
             if _VERDICT.match(line)]
    lines += [_TALLY.match(line).group(0) for line in out.splitlines() if _TALLY.match(line)]
    return lines


_baselines: dict[str, object] = {}


def _baseline(which: str, empty_folder: Path):
    if which not in _baselines:
        _baselines[which] = run(_command(which), cwd=empty_folder, timeout=300)
    return _baselines[which]


@pytest.mark.parametrize("pythonpath", [False, True], ids=["cwd", "cwd+PYTHONPATH"])
@pytest.mark.parametrize("which", list(COMMANDS))
def test_the_superpose_command_is_unaffected_by_a_users_theory_circuits_checks_and_problems(
        which, pythonpath, user_folder, empty_folder):
    log = user_folder.parent / LOG
    log.unlink(missing_ok=True)
    env = clean_env(PYTHONPATH=str(user_folder)) if pythonpath else clean_env()
    proc = run(_command(which), cwd=user_folder, env=env, timeout=300)
    base = _baseline(which, empty_folder)
    assert not log.exists(), f"imported the user's {log.read_text().split()}\n" + describe(proc)
    assert proc.returncode == base.returncode, describe(proc) + "\n\nfrom an empty folder:\n" \
        + describe(base)
    if "problems" in which:
        rows = _problem_rows(proc)
        _assert_none_broken(rows)
        assert rows == json.loads(base.stdout)
        assert {"or2", "and3", "uand", "and2"} <= {r["name"] for r in rows}
    else:
        assert base.returncode == 0, describe(base)
        got = _verdicts(proc.stdout)
        assert got == _verdicts(base.stdout), describe(proc) + "\n\n" + describe(base)
        assert {v.split()[0] for v in got} >= {"OR-NEURONS", "OR-PARAMS"}, describe(proc)
        assert any(_TALLY.match(v) for v in got), describe(proc)


# --- the running environment ------------------------------------------------------------------

@pytest.mark.parametrize("name", OLD_TOP_LEVEL)
def test_no_top_level_theory_circuits_checks_or_problems_comes_from_this_project_once_installed(
        tmp_path, name):
    code = (f"import {name}; print({name}.__file__); "
            f"print(sorted(n for n in {OUR_CIRCUITS_NAMES!r} if hasattr({name}, n)))")
    proc = run([sys.executable, "-c", code], cwd=tmp_path, timeout=120)
    if proc.returncode == 0 and name == "circuits":  # someone else's circuits: not ours
        file, has = proc.stdout.splitlines()[-2:]
        assert not is_inside(file, REPO_ROOT), describe(proc)
        assert has == "[]", describe(proc)
        return
    assert proc.returncode == 1, describe(proc)
    assert f"ModuleNotFoundError: No module named '{name}'" in proc.stderr, describe(proc)
