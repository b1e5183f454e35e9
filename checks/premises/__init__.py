"""The counting premises of the lower bounds, checked on every small instance."""

from superpose.checks.premises._evidence import premise_evidence

__all__ = ["premise_evidence"]
