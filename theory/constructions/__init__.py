"""The constructive half, proved: declared count formulas and failure bounds, decided.

A construction declares (:class:`CountFormulas`, :class:`FailureBound`, as text in the
claim-file grammar) upper bounds on its counts for every instance and on the probability that
its raw draw is wrong; this sub-package parses them, evaluates them exactly at a circuit's own
sizes and constants, and decides their asymptotics by limits (``class_decision``,
``failure_decision``). Pure SymPy: counts come in as plain integers.
"""

import importlib

# loaded on first use (PEP 562): the declarations (_declare) are pure data, and a construction
# declares its formulas at import, so deciding and evaluating them (SymPy) waits until asked
_HOMES = {
    "superpose.theory.constructions._decide": ("ClassDecision", "FailureDecision",
                                               "class_decision", "exponent_terms",
                                               "failure_decision", "smooth_upper"),
    "superpose.theory.constructions._declare": ("COUNT_QUANTITIES", "CountFormulas",
                                                "FailureBound", "FormulaStep", "Formulas"),
    "superpose.theory.constructions._evaluate": ("StepCheck", "check_counts", "value_at"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "COUNT_QUANTITIES", "ClassDecision", "CountFormulas", "FailureBound", "FailureDecision",
    "FormulaStep", "Formulas", "StepCheck", "check_counts", "class_decision",
    "exponent_terms", "failure_decision", "smooth_upper", "value_at",
]


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
