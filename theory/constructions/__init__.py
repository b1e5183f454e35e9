"""The constructive half, proved: declared count formulas and failure bounds, decided.

A construction declares (:class:`CountFormulas`, :class:`FailureBound`, as text in the
claim-file grammar) upper bounds on its counts for every instance and on the probability that
its raw draw is wrong; this sub-package parses them, evaluates them exactly at a circuit's own
sizes and constants, and decides their asymptotics by limits (``class_decision``,
``failure_decision``). Pure SymPy: counts come in as plain integers.
"""

from superpose.theory import lazy_exports

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

__all__ = [
    "COUNT_QUANTITIES", "ClassDecision", "CountFormulas", "FailureBound", "FailureDecision",
    "FormulaStep", "Formulas", "StepCheck", "check_counts", "class_decision",
    "exponent_terms", "failure_decision", "smooth_upper", "value_at",
]

__getattr__, __dir__ = lazy_exports(globals(), _HOMES)
