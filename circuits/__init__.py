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
from circuits._families import AND2_FAMILIES, PERM_FAMILIES, and2_instance, perm_instance
from circuits._format import FORMAT, VERSION, circuit_arrays, load_circuit, save_circuit
from circuits._fuzz import (Counterexample, CorrectnessReport, adversarial_inputs, compare,
                            evaluate_input, exhaustive, fuzz, output_sources, replays, shrink)
from circuits._inputs import (PAD, active_matrix, count_sparse_inputs, enumerate_sparse_inputs,
                              normalize_active, random_sparse_inputs)
from circuits._naive import naive
from circuits._optional import require
from circuits._network import Counts, Layer, ThresholdNetwork, threshold_to_relus
from circuits._perm import PermConstants, bloom_permutation
from circuits._problems import PROBLEM_NAMES, And2, Permutation, Problem, Represent
from circuits._repair import Veto, append_detector, veto, veto_candidates
from circuits._represent import RepresentConstants, bloom_represent

__all__ = [
    "AND2_FAMILIES", "And2", "And2Constants", "BACKENDS", "CONSTRUCTIONS", "Circuit",
    "Construction", "CorrectnessReport", "Counterexample", "Counts", "EventEvaluator",
    "FAMILIES", "FORMAT", "Layer",
    "PAD", "PERM_FAMILIES", "PROBLEM_NAMES", "PermConstants", "Permutation", "Problem",
    "Represent", "RepresentConstants", "SupportCode", "ThresholdNetwork", "VERSION", "Veto",
    "active_matrix", "adversarial_inputs", "and2_instance", "append_detector", "array_backend",
    "bloom_permutation",
    "bloom_represent", "build", "check_sparsity", "circuit_arrays", "compare", "construct",
    "count_sparse_inputs", "enumerate_sparse_inputs", "evaluate_input", "event_evaluator",
    "exhaustive",
    "find_construction", "fuzz",
    "identity_code",
    "load_circuit", "make_problem", "naive", "normalize_active", "output_sources",
    "perm_instance", "random_sparse_inputs", "random_subsets", "random_support_code", "replays", "require",
    "save_circuit", "seeded_rng", "shrink", "three_channel_and2", "threshold_to_relus", "veto",
    "veto_candidates",
]
