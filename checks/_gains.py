"""The certifier's gain tables (how much one input feature can move a layer-1 unit).

They live in :mod:`circuits._gains` (pure NumPy/SciPy, shared with the event evaluator, and
circuits/ never imports checks/); this module re-exports them for the search, and its module
docstring has the bounds and their proof.
"""

from __future__ import annotations

from circuits._gains import GainTable, TableTimeout, expand_ranges

__all__ = ["GainTable", "TableTimeout", "expand_ranges"]
