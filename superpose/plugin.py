"""Everything a plugin needs to add a problem, in one import: ``from superpose.plugin import
...``.

A plugin defines a :class:`Problem` subclass (its sources and its truth), instance families
``fn(m_prime, rng) -> Problem``, :class:`Construction` records whose build functions return a
:class:`ThresholdNetwork` made of :class:`Layer` objects between :class:`SupportCode` codes
(:func:`random_support_code`, :func:`identity_code`, :func:`source_set_weights`, or
:func:`naive`), :class:`Claim` records of kind :class:`Kind`, and a :class:`VerifyPlan`, all in
one :class:`ProblemSpec` registered by an entry point in the group ``superpose.problems``
(``README.md``, "Add a problem"; ``paper_notes/problems.md``). :class:`InvalidArgument` is the
error to raise for a bad argument. A construction may declare :class:`CountFormulas` (upper
bounds on its counts, as :class:`FormulaStep` text in the claim-file grammar) and a
:class:`FailureBound`; ``naive_counts`` gives those of :func:`naive`.
"""

from __future__ import annotations

from superpose.circuits import (
    PAD,
    And2,
    And2Constants,
    Circuit,
    Construction,
    Counts,
    Layer,
    Problem,
    ProblemSpec,
    SupportCode,
    ThresholdNetwork,
    VerifyPlan,
    identity_code,
    naive,
    naive_counts,
    random_support_code,
    source_set_weights,
    three_channel_and2,
)
from superpose.circuits.constructions import AND2_FAMILIES, and2_instance
from superpose.circuits.registry import GENERIC_CHECKS, NOTIONS
from superpose.theory import Claim, InvalidArgument, Kind
from superpose.theory.constructions import CountFormulas, FailureBound, FormulaStep

__all__ = ["AND2_FAMILIES", "And2", "And2Constants", "Circuit", "Claim", "Construction",
           "CountFormulas", "Counts", "FailureBound", "FormulaStep", "GENERIC_CHECKS",
           "InvalidArgument", "Kind", "Layer", "NOTIONS", "PAD", "Problem", "ProblemSpec",
           "SupportCode", "ThresholdNetwork", "VerifyPlan", "and2_instance", "identity_code",
           "naive", "naive_counts", "random_support_code", "source_set_weights",
           "three_channel_and2"]
