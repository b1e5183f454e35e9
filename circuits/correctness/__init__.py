"""Correctness against the exact truth: fuzzing (vectorised, or with Hypothesis), exhaustive
enumeration, shrinking, replay, and the error rates of approximate constructions."""

from superpose.circuits.correctness._error import (
    ErrorRate,
    clopper_pearson_lower,
    clopper_pearson_upper,
    error_rates,
    kl_upper_bound,
)
from superpose.circuits.correctness._fuzz import (
    CorrectnessReport,
    Counterexample,
    adversarial_inputs,
    compare,
    evaluate_input,
    exhaustive,
    fuzz,
    gain_filter_pays,
    output_sources,
    replays,
    shrink,
)
from superpose.circuits.correctness._hypothesis import (
    HYPOTHESIS_EXAMPLES,
    HypothesisReport,
    decode_margin,
    example_database,
    hypothesis_fuzz,
)

__all__ = [
    "adversarial_inputs",
    "clopper_pearson_lower",
    "clopper_pearson_upper",
    "compare",
    "CorrectnessReport",
    "Counterexample",
    "decode_margin",
    "error_rates",
    "ErrorRate",
    "evaluate_input",
    "example_database",
    "exhaustive",
    "fuzz",
    "gain_filter_pays",
    "HYPOTHESIS_EXAMPLES",
    "hypothesis_fuzz",
    "HypothesisReport",
    "kl_upper_bound",
    "output_sources",
    "replays",
    "shrink",
]
