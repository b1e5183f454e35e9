"""The problem registry and plugin API: ProblemSpec records, built-ins and entry-point plugins,
and ``build``/``construct`` by name."""

from superpose.circuits.registry._build import build, construct, find_construction, make_problem
from superpose.circuits.registry._formulas import formula_checks, formula_values, replay_line
from superpose.circuits.registry._registry import (
    CONSTRUCTIONS,
    ENTRY_POINT_GROUP,
    FAMILIES,
    PROBLEM_NAMES,
    BrokenPlugin,
    broken_plugins,
    problem_names,
    problem_spec,
    problem_specs,
    reload_problems,
)
from superpose.circuits.registry._spec import (
    GENERIC_CHECKS,
    NOTIONS,
    Construction,
    ProblemSpec,
    VerifyPlan,
)

__all__ = [
    "broken_plugins",
    "BrokenPlugin",
    "build",
    "construct",
    "Construction",
    "CONSTRUCTIONS",
    "ENTRY_POINT_GROUP",
    "FAMILIES",
    "find_construction",
    "formula_checks",
    "formula_values",
    "GENERIC_CHECKS",
    "make_problem",
    "NOTIONS",
    "PROBLEM_NAMES",
    "problem_names",
    "problem_spec",
    "problem_specs",
    "ProblemSpec",
    "reload_problems",
    "replay_line",
    "VerifyPlan",
]
