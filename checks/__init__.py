"""Orchestration: sweeps over constructions, checks that turn them into evidence, certification,
repair by vetoes, exact minima, the counting premises, the planted-bug self-test and ``superpose verify``. Solvers
(Z3) and the symbolic layer (theory) are driven from here."""

from checks._args import (EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_REFUTED, exit_for)
from checks._certify import METHODS, Certificate, certify
from checks._construction_checks import CHECKS, slope
from checks._minimal import MinimalResult, exact_minimum, minimal_evidence, minimal_table
from checks._premises import distinguishability, function_counts, premise_evidence
from checks._repair import MAX_VETOES, Repair, repair
from checks._shard import certificate_from_dict, certify_in_processes, merge_shards
from checks._selftest import SelftestReport, run_selftest, selftest_evidence
from checks._sweep import Measurement, SweepSettings, geometric_sizes, measure
from checks._verify import ClaimResult, VerifyConfig, VerifyReport, verify

__all__ = [
    "CHECKS", "Certificate", "ClaimResult", "EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE", "EXIT_OK",
    "EXIT_REFUTED", "MAX_VETOES", "METHODS", "Measurement", "MinimalResult", "SelftestReport",
    "SweepSettings", "VerifyConfig", "VerifyReport", "certificate_from_dict", "certify",
    "certify_in_processes", "distinguishability",
    "exact_minimum", "exit_for", "function_counts", "geometric_sizes", "measure", "merge_shards",
    "minimal_evidence", "minimal_table", "premise_evidence", "repair", "Repair", "run_selftest",
    "selftest_evidence", "slope", "verify",
]
