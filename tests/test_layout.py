"""The layout rules of paper_notes/architecture.md, checked on the source tree: every package
folder is installed under its ``superpose.*`` name, and no module imports another package's
private module."""

from __future__ import annotations

import ast
import importlib
import tomllib
import types
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = {"superpose": "superpose", "theory": "superpose.theory",
           "circuits": "superpose.circuits", "checks": "superpose.checks",
           "problems": "superpose.problems"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = FOLDERS[rel.parts[0]].split(".") + list(rel.parts[1:])
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (REPO / folder).rglob("*.py"))


def _private_owner(module: str) -> str | None:
    """The package whose private module ``module`` is (``a.b._c.d`` -> ``a.b``), or None."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def foreign_private_imports(source: str, package: str) -> list[str]:
    """The modules that ``from M import ...`` / ``import M`` lines of ``source`` (a module of
    ``package``) import where M is a private module of another superpose package."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            owner = _private_owner(module)
            if owner is not None and owner != package and owner.startswith("superpose"):
                found.append(f"line {node.lineno}: {module}")
    return found


def _package(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def test_no_module_imports_another_packages_private_module():
    found = [f"{path.relative_to(REPO)} {line}" for path in _sources()
             for line in foreign_private_imports(path.read_text(), _package(path))]
    assert found == []


def test_the_rule_catches_an_import_of_a_sibling_sub_packages_private_module():
    source = ("from superpose.circuits.engine._events import EventEvaluator\n"
              "from superpose.checks.certification._search import search\n"
              "import superpose.theory._symbols\n"
              "from superpose.circuits.engine import EventEvaluator\n")
    assert foreign_private_imports(source, "superpose.checks.certification") == [
        "line 1: superpose.circuits.engine._events", "line 3: superpose.theory._symbols"]


def test_every_package_folder_is_installed_under_its_superpose_name():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {_module_name(p) for folder in FOLDERS for p in (REPO / folder).rglob("__init__.py")}
    assert set(config["packages"]) == folders
    assert config["package-dir"] == {name: folder for folder, name in FOLDERS.items()}


@pytest.mark.parametrize("name", ["theory", "circuits", "checks", "problems"])
def test_no_top_level_package_but_superpose_is_installed(name):
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all(package.split(".")[0] == "superpose" for package in config["packages"])
    assert name not in config["packages"]


def test_no_sub_package_is_hidden_behind_a_name_its_parent_exports():
    """``superpose.circuits.correctness`` must be that package, not a function of the same
    name re-exported by ``superpose.circuits`` (which would break ``circuits.correctness.X``)."""
    hidden = []
    for path in sorted(p for folder in FOLDERS for p in (REPO / folder).rglob("__init__.py")):
        name = _module_name(path)
        parent, _, child = name.rpartition(".")
        if not parent or name == "superpose.problems":  # problems: a callable package, below
            continue
        importlib.import_module(name)
        value = getattr(importlib.import_module(parent), child)
        if not isinstance(value, types.ModuleType) or value.__name__ != name:
            hidden.append(f"{parent}.{child} is {value!r}")
    assert hidden == []


def test_the_problems_package_is_the_package_and_called_lists_the_registered_specs():
    import superpose

    assert superpose.problems is importlib.import_module("superpose.problems")
    assert [spec.name for spec in superpose.problems()][:3] == ["and2", "perm", "represent"]
