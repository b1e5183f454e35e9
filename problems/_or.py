"""Pairwise OR: y_k = x_a OR x_b over m' distinct pairs (the and2 families' pair lists).

Constructions:

* ``bloom`` (default): the permutation construction with two sources per output. With
  t = max(t_min, ceil(log2 m')) and d = ceil(c_d sqrt(2 s max(m', s)) t): input feature f has a
  random t-subset P_f of layer 0 (width d, stream 0), output k a random t-subset Q_k of layer 1
  (width d, stream 1). Output unit q reads T_q = {a_k, b_k : q in Q_k} (each feature once):
  weight |{f in T_q : u in P_f}| from input unit u, theta = t. If a_k or b_k is active, every
  unit of Q_k sees a whole support (t) and fires, so there are no false negatives; a false
  positive needs every unit of Q_k to see a whole support of another feature of its T_q, or
  partial supports adding up to t. Each unit carries about twice the load of a permutation unit,
  hence the factor 2 under the root. Certified correctness is the target for families of
  bounded feature degree (``disjoint``, ``random``). An active feature of degree D turns on the
  D t units of its outputs' codes, all of them, whatever the construction (y_k = 1 for every k
  that holds it), so a fixed output code of width d needs d >> D t: at degree about sqrt(m')
  (the stress families ``nearcut`` and ``complete``) the defaults give replayed false
  positives (nearcut m' = 316, seed 0: 8 of 821 inputs), unlike AND, where an output fires
  only when both its features are active.
* ``naive``: unit k reads a_k and b_k with weight 1, theta = 1.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from superpose.circuits import (
    And2,
    Construction,
    Layer,
    Problem,
    ProblemSpec,
    ThresholdNetwork,
    VerifyPlan,
    naive,
    naive_counts,
    random_support_code,
    source_set_weights,
)
from superpose.circuits.constructions import AND2_FAMILIES
from superpose.theory import Claim, InvalidArgument
from superpose.theory.constructions import CountFormulas, FormulaStep

__all__ = ["COUNTS", "Or2", "OrConstants", "bloom_or", "SPEC"]

#: The and2 families' pair lists: two of bounded degree, then two stress families of degree
#: about sqrt(m') where the bloom construction is known to fail (see the module docstring).
FAMILIES = ("disjoint", "random", "nearcut", "complete")


@dataclass(frozen=True, eq=False)
class Or2(Problem):
    """Pairwise OR over distinct pairs of distinct features (validated as ``And2`` pairs)."""

    m: int
    pairs: np.ndarray
    name: str = field(default="or2", init=False)
    naive_theta = 1
    source_field = "pairs"

    def __post_init__(self) -> None:
        object.__setattr__(self, "pairs", And2(self.m, self.pairs).pairs)


@dataclass(frozen=True)
class OrConstants:
    """Constants of the bloom OR construction; ``t_min=None`` means 5 s (as the permutation).

    c_d = 2.5, not the permutation's 2: measured here (certify, seeds 0-9, disjoint and random,
    m' = 50..316, s = 2), c_d = 2 left 3 of 100 circuits with a replayed false positive (e.g.
    disjoint m' = 150, seed 0); c_d = 2.5 none of 96 (m' = 100..316) at s = 2 and none of 48
    at s = 3 (m' = 60..150), but one of 16 at m' = 20 and 40 (disjoint m' = 20, seed 1)."""

    c_d: float = 2.5
    t_min: int | None = None


def bloom_or(problem: Or2, sparsity: int, rngs, constants: OrConstants):
    """The one-layer OR network and its resolved sizes (see the module docstring)."""
    t_min = 5 * sparsity if constants.t_min is None else int(constants.t_min)
    if not constants.c_d > 0 or t_min < 1:
        raise InvalidArgument(f"c_d={constants.c_d!r} must be > 0 and t_min={t_min!r} >= 1")
    m, m_prime = problem.m, problem.m_prime
    t = max(t_min, math.ceil(math.log2(m_prime)) if m_prime > 1 else 0)
    d = max(t, math.ceil(constants.c_d * math.sqrt(2 * sparsity * max(m_prime, sparsity)) * t))
    in_code = random_support_code(m, d, t, rngs[0])
    out_code = random_support_code(m_prime, d, t, rngs[1])
    w = source_set_weights(problem, in_code, out_code)
    network = ThresholdNetwork(in_code, (Layer(w, np.full(d, t, dtype=np.int64)),), out_code)
    return network, {**asdict(constants), "t_min": t_min, "t": t, "d": d}


#: Upper bounds on every bloom OR circuit's counts, for every pair list (paper_notes/theory.md).
COUNTS = CountFormulas(
    constants=("c_d", "t_min"),
    steps=(
        FormulaStep("t", "max(t_min, ceil(log(mp)))", "support size, as built"),
        FormulaStep("d", "max(t, ceil(c_d*sqrt(2*s*max(mp, s))*t))", "width of both codes",
                    bounds="width[0]"),
        FormulaStep("neurons", "2*d", "the input layer and the output layer"),
        FormulaStep("weights1", "2*mp*t^2",
                    "unit q reads T_q, two features per output whose Q_k holds q; each feature "
                    "spreads over its t input units", ("|Q_k| = t, |P_f| = t",),
                    bounds="weights[1]"),
        FormulaStep("params", "weights1 + d", "weights plus one threshold t per output unit"),
        FormulaStep("bits", "weights1*(2 + log(2*mp)) + d*(2 + log(t))",
                    "a nonzero v costs 1 + bit_length(v) <= 2 + log2 v",
                    ("a weight counts features of T_q: <= 2m'",)),
    ),
)


def _family(name: str):
    draw = AND2_FAMILIES[name]
    return lambda m_prime, rng: Or2(*draw(m_prime, rng))


def _stated(s: int):
    """Stated for the defaults at m' >= 100: neurons / (sqrt(m') log2 m') <= 20 (s/2)^1.5 and
    params / (m' log2^2 m') <= 6 (s/2)^2 (neurons 2 d with d ~ 2.5 sqrt(2 s m') t; params about
    2 m' t^2). Slack about 1.3x at m' = 100, where the ratios are largest (measured 15.1 and 4.3
    at s = 2, 27.7 and 9.9 at s = 3); they fall as m' grows."""
    return (20.0 * (s / 2) ** 1.5, 6.0 * (s / 2) ** 2)


_SOURCE = "this suite (superpose's problems package), not the paper: pairwise OR in the model"
_ASSUME = ("fixed input and output codes (reconstruction)", "constant sparsity s",
           "bounded feature degree (families disjoint, random)", "certified correctness")

SPEC = ProblemSpec(
    name="or2",
    summary="pairwise OR: y_k = x_a OR x_b over m' distinct pairs",
    problem_type=Or2,
    families={name: _family(name) for name in FAMILIES},
    constructions=(
        Construction("bloom", "or2", bloom_or, OrConstants, "certified", _stated,
                     counts=COUNTS),
        Construction("naive", "or2", naive, None, "certified", counts=naive_counts(2, 1)),
    ),
    claims=(
        Claim(id="OR-NEURONS",
              statement="m' pairwise ORs can be computed with O(sqrt(m') log m') neurons "
              "(bloom OR: the permutation construction with two sources per output)",
              source=_SOURCE, kind="upper", quantity="neurons", problem="or2",
              bound="O(sqrt(m') log m')", assumptions=_ASSUME,
              checks=("or2-count-formula", "or2-failure-bound", "or2-correct",
                      "or2-neurons", "measured"),
              bounds=(("neurons", "sqrt(mp)*log(mp)"),), construction="bloom"),
        Claim(id="OR-PARAMS", statement="... with O(m' log^2 m') parameters", source=_SOURCE,
              kind="upper", quantity="params", problem="or2", bound="O(m' log^2 m')",
              assumptions=_ASSUME,
              checks=("or2-count-formula", "or2-failure-bound", "or2-correct",
                      "or2-params", "measured"),
              bounds=(("params", "mp*log(mp)^2"),), construction="bloom"),
    ),
    plan=VerifyPlan(sizes=(100, 316, 1000), sparsities=(2,), families=("disjoint", "random")),
)
