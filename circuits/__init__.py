"""Explicit threshold networks for computation in superposition, evaluated with NumPy/SciPy.

Problems (pairwise AND, permutation, representation), their instance families, seeded
constructions, exact resource counts, the ``superpose-circuit`` file format, and fuzzing against
the exact ground truth. No Z3 here: ``checks`` orchestrates solvers.
"""

from superpose.circuits.constructions import (
                                      And2Constants,
                                      PermConstants,
                                      RepresentConstants,
                                      bloom_permutation,
                                      bloom_represent,
                                      naive,
                                      three_channel_and2,
)
from superpose.circuits.correctness import (
                                      CorrectnessReport,
                                      Counterexample,
                                      ErrorRate,
                                      error_rates,
                                      evaluate_input,
                                      exhaustive,
                                      fuzz,
                                      replays,
                                      shrink,
)
from superpose.circuits.io import FORMAT, VERSION, load_circuit, save_circuit
from superpose.circuits.model import (
                                      PAD,
                                      And2,
                                      Circuit,
                                      Counts,
                                      Layer,
                                      Permutation,
                                      Problem,
                                      Represent,
                                      SupportCode,
                                      ThresholdNetwork,
                                      identity_code,
                                      random_support_code,
                                      source_set_weights,
)
from superpose.circuits.registry import (
                                      CONSTRUCTIONS,
                                      FAMILIES,
                                      PROBLEM_NAMES,
                                      Construction,
                                      ProblemSpec,
                                      VerifyPlan,
                                      broken_plugins,
                                      build,
                                      construct,
                                      problem_names,
                                      problem_spec,
                                      problem_specs,
)

__all__ = ["And2", "And2Constants", "bloom_permutation", "bloom_represent", "broken_plugins",
    "build", "Circuit", "construct", "Construction", "CONSTRUCTIONS", "CorrectnessReport",
    "Counterexample", "Counts", "error_rates", "ErrorRate", "evaluate_input", "exhaustive",
    "FAMILIES", "FORMAT", "fuzz", "identity_code", "Layer", "load_circuit", "naive", "PAD",
    "PermConstants", "Permutation", "Problem", "problem_names", "PROBLEM_NAMES", "problem_spec",
    "problem_specs", "ProblemSpec", "random_support_code", "replays", "Represent",
    "RepresentConstants", "save_circuit", "shrink", "source_set_weights", "SupportCode",
    "three_channel_and2", "ThresholdNetwork", "VerifyPlan", "VERSION"]
