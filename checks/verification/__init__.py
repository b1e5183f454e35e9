"""``superpose verify``: every claim of the ledger (and of registered problems and claim files)
decided from derivations, measurements, minima, premises and the self-test."""

from superpose.checks.verification._construction_checks import slope
from superpose.checks.verification._verify import (
                                                   ClaimResult,
                                                   VerifyConfig,
                                                   VerifyReport,
                                                   problem_claims,
                                                   verify,
)

__all__ = ["ClaimResult", "problem_claims", "slope", "verify", "VerifyConfig", "VerifyReport"]
