"""``superpose verify``: every claim of the ledger (and of registered problems and claim files)
decided from derivations, measurements, minima, premises and the self-test.

Importing this package loads neither Z3 nor the minimal search nor the mutants: the registry
of checks (``CHECKS``) names those by module and function and imports them when verify runs
them."""

from superpose.checks.sweep import slope
from superpose.checks.verification._construction_checks import CHECKS
from superpose.checks.verification._file_checks import (
    check_claim_constructions,
    counts_information,
    file_claim,
)
from superpose.checks.verification._problem_checks import (
    error_evidence,
    generic_evidence,
    peers_evidence,
)
from superpose.checks.verification._theory_checks import (
    contradiction,
    implication,
    ledger_bounds,
)
from superpose.checks.verification._verify import (
    ClaimResult,
    VerifyConfig,
    VerifyReport,
    problem_claims,
    verify,
)

__all__ = [
    "CHECKS",
    "check_claim_constructions",
    "ClaimResult",
    "contradiction",
    "counts_information",
    "file_claim",
    "error_evidence",
    "generic_evidence",
    "implication",
    "ledger_bounds",
    "peers_evidence",
    "problem_claims",
    "slope",
    "verify",
    "VerifyConfig",
    "VerifyReport",
]
