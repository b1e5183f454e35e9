"""The planted-bug self-test: mutants of correct circuits, and whether certify and the two fuzz
engines catch them."""

from superpose.checks.selftest._bases import build_mutant
from superpose.checks.selftest._report import (
    DEFAULT_MUTANTS,
    DEFAULT_SAMPLES,
    DEFAULT_TIMEOUT,
    MAX_MUTANTS,
    KindSummary,
    MutantRow,
    SelftestReport,
    hypothesis_examples,
    parse_only,
)
from superpose.checks.selftest._run import run_selftest
from superpose.checks.selftest._selftest import selftest_evidence

__all__ = [
    "build_mutant",
    "DEFAULT_MUTANTS",
    "MAX_MUTANTS",
    "DEFAULT_SAMPLES",
    "DEFAULT_TIMEOUT",
    "hypothesis_examples",
    "KindSummary",
    "MutantRow",
    "parse_only",
    "run_selftest",
    "selftest_evidence",
    "SelftestReport",
]
