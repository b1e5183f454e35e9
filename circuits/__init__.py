"""Explicit threshold networks for computation in superposition, evaluated with NumPy/SciPy.

Problems (pairwise AND, permutation, representation), their instance families, seeded
constructions, exact resource counts, the ``superpose-circuit`` file format, and fuzzing against
the exact ground truth. No Z3 here: ``checks`` orchestrates solvers.
"""

from circuits._and2 import And2Constants, three_channel_and2
from circuits._backend import BACKENDS, array_backend
from circuits._build import (CONSTRUCTIONS, FAMILIES, Construction, build, construct,
                             find_construction, make_problem)
from circuits._circuit import Circuit, check_sparsity, seeded_rng
from circuits._codes import SupportCode, identity_code, random_subsets, random_support_code
from circuits._events import EventEvaluator, event_evaluator
from circuits._error import ErrorRate, clopper_pearson_upper, error_rates, kl_upper_bound
from circuits._export import (EXPORT_FORMATS, MAX_DENSE_WEIGHTS, ONNX_OPSET, ExportPlan,
                              dense_weights, evaluate_dense, export_inputs, export_plan,
                              run_export, save_export)
from circuits._families import AND2_FAMILIES, PERM_FAMILIES, and2_instance, perm_instance
from circuits._format import FORMAT, VERSION, circuit_arrays, load_circuit, save_circuit
from circuits._fuzz import (Counterexample, CorrectnessReport, adversarial_inputs, compare,
                            evaluate_input, exhaustive, fuzz, gain_filter_pays, output_sources,
                            replays, shrink)
from circuits._inputs import (PAD, active_matrix, count_sparse_inputs, enumerate_sparse_inputs,
                              normalize_active, random_sparse_inputs)
from circuits._naive import naive
from circuits._optional import require
from circuits._network import Counts, Layer, ThresholdNetwork, threshold_to_relus
from circuits._perm import PermConstants, bloom_permutation
from circuits._problems import And2, Permutation, Problem, Represent, source_set_weights
from circuits._registry import (ENTRY_POINT_GROUP, PROBLEM_NAMES, BrokenPlugin, broken_plugins,
                                problem_names, problem_spec, problem_specs, reload_problems)
from circuits._repair import Veto, append_detector, veto, veto_candidates
from circuits._represent import RepresentConstants, bloom_represent
from circuits._spec import GENERIC_CHECKS, NOTIONS, ProblemSpec, VerifyPlan

__all__ = [
    "AND2_FAMILIES", "And2", "And2Constants", "BACKENDS", "CONSTRUCTIONS", "Circuit",
    "Construction", "CorrectnessReport", "Counterexample", "Counts", "EXPORT_FORMATS",
    "EventEvaluator", "ExportPlan", "MAX_DENSE_WEIGHTS", "ONNX_OPSET",
    "FAMILIES", "FORMAT", "Layer",
    "PAD", "PERM_FAMILIES", "PROBLEM_NAMES", "PermConstants", "Permutation", "Problem",
    "Represent", "RepresentConstants", "SupportCode", "ThresholdNetwork", "VERSION", "Veto",
    "active_matrix", "adversarial_inputs", "and2_instance", "append_detector", "array_backend",
    "bloom_permutation",
    "bloom_represent", "build", "check_sparsity", "circuit_arrays", "compare", "construct",
    "count_sparse_inputs", "dense_weights", "enumerate_sparse_inputs", "evaluate_dense",
    "evaluate_input", "event_evaluator", "exhaustive", "export_inputs", "export_plan",
    "find_construction", "fuzz", "gain_filter_pays",
    "identity_code",
    "load_circuit", "make_problem", "naive", "normalize_active", "output_sources",
    "perm_instance", "random_sparse_inputs", "random_subsets", "random_support_code", "replays", "require",
    "run_export", "save_circuit", "save_export", "seeded_rng", "shrink", "source_set_weights",
    "three_channel_and2",
    "threshold_to_relus", "veto",
    "veto_candidates",
    # the problem registry and plugin API (paper_notes/problems.md)
    "BrokenPlugin", "ENTRY_POINT_GROUP", "GENERIC_CHECKS", "NOTIONS", "ProblemSpec",
    "VerifyPlan", "broken_plugins", "problem_names", "problem_spec", "problem_specs",
    "reload_problems",
    # error rates of approximate ("epsilon") constructions
    "ErrorRate", "clopper_pearson_upper", "error_rates", "kl_upper_bound",
]
