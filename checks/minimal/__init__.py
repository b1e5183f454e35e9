"""Exact minimum sizes of tiny instances, decided by Z3 against counting lower bounds."""

from superpose.checks.minimal._instances import DEFAULT_TABLE, HEAVY_TABLE, Instance
from superpose.checks.minimal._minimum import (
    MAX_WEIGHT_LIMIT,
    MinimalResult,
    exact_minimum,
    family_minimum,
    minimal_evidence,
    minimal_table,
)

__all__ = [
    "DEFAULT_TABLE",
    "exact_minimum",
    "family_minimum",
    "HEAVY_TABLE",
    "Instance",
    "MAX_WEIGHT_LIMIT",
    "minimal_evidence",
    "minimal_table",
    "MinimalResult",
]
