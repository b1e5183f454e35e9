"""Every docstring example of the package runs, once per module, imported by its
``superpose.*`` name (the name a user imports it by)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest


def package_modules() -> list[str]:
    """Every module under ``superpose``, found by walking its packages from the four layers
    down (an editable install maps them from their folders, so ``superpose.__path__`` alone
    does not list them)."""
    found = set()
    todo = ["superpose", "superpose.theory", "superpose.circuits", "superpose.checks",
            "superpose.problems"]
    while todo:
        package = importlib.import_module(todo.pop())
        found.add(package.__name__)
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if info.name == "superpose.__main__":
                continue
            if info.ispkg:
                todo.append(info.name)
            else:
                found.add(info.name)
    return sorted(found)


MODULES = package_modules()


def test_the_walk_finds_every_layer_of_the_package():
    for name in ("superpose.theory._asymptotic", "superpose.circuits.engine._events",
                 "superpose.checks.certification._search", "superpose.problems._or"):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_each_module_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
