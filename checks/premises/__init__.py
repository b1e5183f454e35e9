"""The counting premises of the lower bounds, checked on every small instance."""

from superpose.checks.premises._evidence import (
    distinguishability,
    function_counts,
    premise_evidence,
)

__all__ = ["distinguishability", "function_counts", "premise_evidence"]
