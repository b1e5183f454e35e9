"""The model every circuit is made of: problems and their exact truth, support codes, sparse
inputs, threshold networks with their exact counts, and the circuit record."""

from superpose.circuits.model._circuit import Circuit, check_sparsity, seeded_rng
from superpose.circuits.model._codes import (
    SupportCode,
    identity_code,
    random_subsets,
    random_support_code,
)
from superpose.circuits.model._factored import FactoredLayer
from superpose.circuits.model._inputs import (
    PAD,
    active_matrix,
    count_sparse_inputs,
    enumerate_sparse_inputs,
    normalize_active,
    random_sparse_inputs,
    sparse_inputs_at,
)
from superpose.circuits.model._network import (
    Counts,
    Layer,
    ThresholdNetwork,
    stored_product,
    threshold_to_relus,
    value_stats,
)
from superpose.circuits.model._pages import release_pages, transpose_stored
from superpose.circuits.model._problems import (
    And2,
    Permutation,
    Problem,
    Represent,
    source_set_weights,
)
from superpose.circuits.model._sparse import (
    ScratchFlags,
    SupportSum,
    dense_ranks,
    expand_ranges,
    holding_type,
    pattern_from_keys,
    run_lengths,
    search_sorted_ranges,
    sorted_unique,
    support_sum,
    transpose_pattern,
    unique_inverse,
)

__all__ = [
    "active_matrix",
    "And2",
    "check_sparsity",
    "Circuit",
    "count_sparse_inputs",
    "Counts",
    "enumerate_sparse_inputs",
    "dense_ranks",
    "expand_ranges",
    "holding_type",
    "run_lengths",
    "ScratchFlags",
    "search_sorted_ranges",
    "FactoredLayer",
    "identity_code",
    "Layer",
    "normalize_active",
    "PAD",
    "pattern_from_keys",
    "Permutation",
    "Problem",
    "random_sparse_inputs",
    "random_subsets",
    "random_support_code",
    "release_pages",
    "Represent",
    "seeded_rng",
    "sorted_unique",
    "sparse_inputs_at",
    "stored_product",
    "source_set_weights",
    "support_sum",
    "SupportCode",
    "SupportSum",
    "threshold_to_relus",
    "ThresholdNetwork",
    "transpose_pattern",
    "transpose_stored",
    "unique_inverse",
    "value_stats",
]
