"""Seeded constructions (three-channel AND, bloom permutation and representation, the naive
baselines), the instance families they are built on, and the vetoes that repair a draw."""

from superpose.circuits.constructions._and2 import And2Constants, three_channel_and2
from superpose.circuits.constructions._and2_failure import AND2_FAILURE
from superpose.circuits.constructions._families import (
    AND2_FAMILIES,
    PERM_FAMILIES,
    and2_instance,
    perm_instance,
)
from superpose.circuits.constructions._formulas import (
    AND2_COUNTS,
    PERM_COUNTS,
    REPRESENT_COUNTS,
    REPRESENT_FAILURE,
    naive_counts,
)
from superpose.circuits.constructions._naive import naive
from superpose.circuits.constructions._perm import PermConstants, bloom_permutation
from superpose.circuits.constructions._perm_failure import PERM_FAILURE
from superpose.circuits.constructions._repair import Veto, append_detector, veto, veto_candidates
from superpose.circuits.constructions._represent import RepresentConstants, bloom_represent

__all__ = [
    "AND2_COUNTS",
    "AND2_FAILURE",
    "AND2_FAMILIES",
    "and2_instance",
    "And2Constants",
    "append_detector",
    "bloom_permutation",
    "bloom_represent",
    "naive",
    "naive_counts",
    "PERM_COUNTS",
    "PERM_FAILURE",
    "PERM_FAMILIES",
    "perm_instance",
    "PermConstants",
    "REPRESENT_COUNTS",
    "REPRESENT_FAILURE",
    "RepresentConstants",
    "three_channel_and2",
    "Veto",
    "veto",
    "veto_candidates",
]
