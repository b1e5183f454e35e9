"""The evaluation engine: the event evaluator (only what changes from the all-zero baseline), its
gain tables and pivot decoder, and the array backends (NumPy, optional CuPy)."""

from superpose.circuits.engine._backend import BACKENDS, array_backend
from superpose.circuits.engine._events import (
    EvaluatorOptions,
    EventEvaluator,
    event_evaluator,
    gain_table_kind,
)
from superpose.circuits.engine._gains import GainTable, TableTimeout, expand_ranges

__all__ = [
    "array_backend",
    "BACKENDS",
    "EvaluatorOptions",
    "event_evaluator",
    "EventEvaluator",
    "expand_ranges",
    "gain_table_kind",
    "GainTable",
    "TableTimeout",
]
