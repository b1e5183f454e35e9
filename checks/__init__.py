"""Orchestration: sweeps over constructions, checks that turn them into evidence, and
``superpose verify``. Solvers (Z3) and the symbolic layer (theory) are driven from here."""

from checks._construction_checks import CHECKS, slope
from checks._sweep import Measurement, SweepSettings, geometric_sizes, measure
from checks._verify import (EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_REFUTED,
                            ClaimResult, VerifyConfig, VerifyReport, verify)

__all__ = [
    "CHECKS", "ClaimResult", "EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE", "EXIT_OK", "EXIT_REFUTED",
    "Measurement", "SweepSettings", "VerifyConfig", "VerifyReport", "geometric_sizes",
    "measure", "slope", "verify",
]
