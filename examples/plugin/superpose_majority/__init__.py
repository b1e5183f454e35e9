"""Majority of three, y_k = [x_a + x_b + x_c >= 2]: a superpose problem added by a plugin."""

from dataclasses import dataclass, field

import numpy as np

from superpose.plugin import (
    Claim,
    Construction,
    CountFormulas,
    Problem,
    ProblemSpec,
    VerifyPlan,
    naive,
)


@dataclass(frozen=True, eq=False)
class Majority3(Problem):
    m: int
    triples: np.ndarray  # row k: the three features output k reads
    name: str = field(default="maj3", init=False)
    naive_theta = 2  # y_k = [sum of its sources >= 2]: gives truth() and the naive unit
    source_field = "triples"  # gives sources(), m' and how a circuit file stores the instance


def disjoint(m_prime, rng):
    return Majority3(3 * m_prime, np.arange(3 * m_prime).reshape(m_prime, 3))


# Upper bounds on every circuit's counts, as (name, text, why) steps in the claim-file grammar;
# verify checks every circuit against them and decides their class (MAJ3-NEURONS). A
# deterministic construction needs no failure bound.
COUNTS = CountFormulas(constants=(), steps=(
    ("neurons", "m + mp", "one unit per input feature and one per output"),
    ("params", "4*mp", "three weights and a threshold per output"),
    ("bits", "9*mp", "weights 1 cost 2 bits each, the threshold 2 costs 3"),
))

SPEC = ProblemSpec(
    name="maj3", summary="majority of three: y_k = [x_a + x_b + x_c >= 2]",
    problem_type=Majority3, families={"disjoint": disjoint},
    constructions=(Construction("naive", "maj3", naive, None, "certified", counts=COUNTS),),
    claims=(Claim(id="MAJ3-NEURONS",
                  statement="majority of three in O(m') neurons (one unit per output)",
                  source="superpose-majority, an example plugin", kind="upper",
                  quantity="neurons", problem="maj3", bound="O(m')",
                  checks=("maj3-count-formula", "maj3-correct", "measured"),
                  bounds=(("neurons", "mp"),), construction="naive"),),
    plan=VerifyPlan(sizes=(100, 316), sparsities=(2, 3)),
)
