"""Orchestration: sweeps over constructions, checks that turn them into evidence, certification,
repair by vetoes, exact minima, the counting premises, the planted-bug self-test and
``superpose verify``. Solvers (Z3) and the symbolic layer (theory) are driven from here.

The names below are imported on first use (PEP 562), so that importing one module of the
package, the pytest plugin say, does not load SymPy, Z3 and every check.
"""

from __future__ import annotations

from superpose.theory import lazy_exports

_EXPORTS = {
    "superpose.checks.exit_codes": ("EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE", "EXIT_OK",
                                    "EXIT_REFUTED", "exit_for"),
    "superpose.checks.certification": ("METHODS", "Certificate", "certify", "MAX_VETOES",
                                       "Repair", "repair", "certificate_from_dict",
                                       "certify_in_processes", "merge_shards", "audited_merge",
                                       "MergeAudit"),
    "superpose.checks.minimal": ("MinimalResult", "exact_minimum", "minimal_evidence",
                                 "minimal_table"),
    "superpose.checks.premises": ("distinguishability", "function_counts", "premise_evidence"),
    "superpose.checks.selftest": ("SelftestReport", "run_selftest", "selftest_evidence"),
    "superpose.checks.sweep": ("Measurement", "SweepSettings", "geometric_sizes", "measure",
                               "slope"),
    "superpose.checks.verification": ("CHECKS", "ClaimResult", "VerifyConfig", "VerifyReport",
                                      "problem_claims", "verify", "error_evidence",
                                      "generic_evidence", "peers_evidence"),
}
__all__ = [
    "CHECKS", "Certificate", "ClaimResult", "EXIT_BAD_INPUT", "EXIT_INCONCLUSIVE", "EXIT_OK",
    "EXIT_REFUTED", "MAX_VETOES", "METHODS", "Measurement", "MergeAudit", "MinimalResult",
    "SelftestReport", "audited_merge",
    "SweepSettings", "VerifyConfig", "VerifyReport", "certificate_from_dict", "certify",
    "certify_in_processes", "distinguishability",
    "exact_minimum", "exit_for", "function_counts", "geometric_sizes", "measure", "merge_shards",
    "minimal_evidence", "minimal_table", "premise_evidence", "repair", "Repair", "run_selftest",
    "selftest_evidence", "slope", "verify",
    # a registered problem's own claims and their generic checks (paper_notes/problems.md)
    "error_evidence", "generic_evidence", "peers_evidence", "problem_claims",
]

__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
