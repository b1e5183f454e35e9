"""3-AND: y_k = x_a AND x_b AND x_c over m' distinct triples of distinct features.

Families: ``disjoint`` (triples (3k, 3k+1, 3k+2), m = 3 m'; every degree 1) and ``random``
(m' uniform distinct triples over m = max(m', smallest m with C(m, 3) >= m'); degrees about 3).
At sparsity s <= 2 every output is 0, so the problem is measured at s = 3.

Constructions:

* ``shared`` (default): the shared channel of the three-channel pairwise-AND construction, for
  triples. t = max(t_min, ceil(log2 m)), r = max(r_min, ceil(c_r log2 m')),
  d0 = ceil(c_d max(sqrt(m'), s) t), d_out = max(r, ceil(c_shared s sqrt(m') r)). P_f is a
  random t-subset of layer 0 (stream 0), Q_k a random r-subset of layer 1 (width d_out, stream
  1). Unit q reads T_q, the features of the triples k with q in Q_k (each once): weight
  |{f in T_q : u in P_f}| from input unit u and theta = 3t, so q fires iff three features of T_q
  are present (or two and partial supports adding t). Output k reads AND of Q_k directly from
  layer 1. No false negatives (a true triple puts 3t on every unit of Q_k). There is no
  dedicated channel: a feature in many triples (degree above about sqrt(m')) would put itself
  in most T_q; the families keep degrees small. Target: certified.
* ``naive``: unit k reads its three features with weight 1, theta = 3.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from superpose.circuits import (
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
from superpose.theory import Claim, InvalidArgument
from superpose.theory.constructions import CountFormulas, FormulaStep

__all__ = ["COUNTS", "And3", "And3Constants", "shared_and3", "SPEC"]


@dataclass(frozen=True, eq=False)
class And3(Problem):
    """3-AND over a list of distinct triples of distinct features."""

    m: int
    triples: np.ndarray
    name: str = field(default="and3", init=False)
    naive_theta = 3
    source_field = "triples"

    def __post_init__(self) -> None:
        triples = np.asarray(self.triples, dtype=np.int64)
        if isinstance(self.m, bool) or not isinstance(self.m, (int, np.integer)) or self.m < 3:
            raise InvalidArgument(f"m={self.m!r} must be an integer >= 3; a triple needs three "
                                  "features")
        if triples.ndim != 2 or triples.shape[1] != 3 or len(triples) < 1:
            raise InvalidArgument(f"triples of shape {triples.shape} must be (m', 3), m' >= 1")
        if triples.min() < 0 or triples.max() >= self.m:
            raise InvalidArgument(f"triple features must lie in [0, m={self.m})")
        ordered = np.sort(triples, axis=1)
        if np.any(ordered[:, 1:] == ordered[:, :-1]):
            raise InvalidArgument("every triple must hold three distinct features")
        if len(np.unique(ordered, axis=0)) != len(ordered):
            raise InvalidArgument("triples must be distinct; the list repeats a triple")
        object.__setattr__(self, "m", int(self.m))
        object.__setattr__(self, "triples", triples)


def _disjoint(m_prime: int, rng: np.random.Generator) -> And3:
    return And3(3 * m_prime, np.arange(3 * m_prime, dtype=np.int64).reshape(m_prime, 3))


def _random(m_prime: int, rng: np.random.Generator) -> And3:
    m = 3
    while math.comb(m, 3) < m_prime:
        m += 1
    m = max(m, m_prime)
    triples = np.zeros((0, 3), dtype=np.int64)
    while len(triples) < m_prime:
        draw = np.sort(rng.integers(0, m, size=(2 * (m_prime - len(triples)) + 16, 3)), axis=1)
        draw = draw[(draw[:, 1] != draw[:, 0]) & (draw[:, 2] != draw[:, 1])]
        merged = np.concatenate([triples, draw])
        _, first = np.unique(merged, axis=0, return_index=True)
        triples = merged[np.sort(first)][:m_prime]
    return And3(m, triples)


@dataclass(frozen=True)
class And3Constants:
    """Constants of the shared 3-AND construction; None means c_r = s / 2, r_min = 5 s."""

    c_d: float = 3.0
    t_min: int = 10
    c_r: float | None = None
    r_min: int | None = None
    c_shared: float = 2.0


def shared_and3(problem: And3, sparsity: int, rngs, constants: And3Constants):
    """The one-layer 3-AND network and its resolved sizes (see the module docstring)."""
    s = sparsity
    c_r = s / 2 if constants.c_r is None else constants.c_r
    r_min = 5 * s if constants.r_min is None else int(constants.r_min)
    if min(constants.c_d, c_r, constants.c_shared) <= 0 or min(constants.t_min, r_min) < 1:
        raise InvalidArgument("c_d, c_r and c_shared must be > 0, t_min and r_min >= 1")
    m, m_prime = problem.m, problem.m_prime
    root = math.sqrt(m_prime)
    log_mp = math.log2(m_prime) if m_prime > 1 else 0.0
    t = max(constants.t_min, math.ceil(math.log2(m)))
    r = max(r_min, math.ceil(c_r * log_mp))
    d0 = math.ceil(constants.c_d * max(root, s) * t)
    d_out = max(r, math.ceil(constants.c_shared * s * root * r))
    in_code = random_support_code(m, d0, t, rngs[0])
    out_code = random_support_code(m_prime, d_out, r, rngs[1])
    layer = Layer(source_set_weights(problem, in_code, out_code),
                  np.full(d_out, 3 * t, dtype=np.int64))
    resolved = {**asdict(constants), "c_r": c_r, "r_min": r_min, "t": t, "r": r, "d0": d0,
                "d_out": d_out}
    return ThresholdNetwork(in_code, (layer,), out_code), resolved


#: Upper bounds on every shared 3-AND circuit's counts, for every triple list.
COUNTS = CountFormulas(
    constants=("c_d", "t_min", "c_r", "r_min", "c_shared"),
    steps=(
        FormulaStep("t", "max(t_min, ceil(log(m)))", "input support size, as built"),
        FormulaStep("r", "max(r_min, ceil(c_r*log(mp)))", "output support size, as built"),
        FormulaStep("d0", "ceil(c_d*max(sqrt(mp), s)*t)", "input code width, as built",
                    bounds="width[0]"),
        FormulaStep("d_out", "max(r, ceil(c_shared*s*sqrt(mp)*r))", "output code width",
                    bounds="width[1]"),
        FormulaStep("neurons", "d0 + d_out", "the input layer and the output layer"),
        FormulaStep("weights1", "3*r*t*mp",
                    "unit q reads T_q, three features per triple whose Q_k holds q, each spread "
                    "over its t input units", ("|Q_k| = r, |P_f| = t",), bounds="weights[1]"),
        FormulaStep("params", "weights1 + d_out", "weights plus one threshold 3t per unit"),
        FormulaStep("bits", "weights1*(2 + log(3*mp)) + d_out*(2 + log(3*t))",
                    "a nonzero v costs 1 + bit_length(v) <= 2 + log2 v",
                    ("a weight counts features of T_q: <= 3m'",)),
    ),
)


def _stated(s: int):
    """Stated for the defaults at s >= 3 (none below: every output is 0 there): the and2
    targets (20, 6) (s/2)^2 times 1.5 (a unit reads T_q of three features per triple)."""
    return (30.0 * (s / 2) ** 2, 9.0 * (s / 2) ** 2) if s >= 3 else None


_SOURCE = "this suite (superpose's problems package), not the paper: 3-AND in the model"
_ASSUME = ("fixed input and output codes (reconstruction)", "constant sparsity s >= 3",
           "bounded feature degree (families disjoint, random)", "certified correctness")

SPEC = ProblemSpec(
    name="and3",
    summary="3-AND: y_k = x_a AND x_b AND x_c over m' distinct triples (measured at s = 3)",
    problem_type=And3,
    families={"disjoint": _disjoint, "random": _random},
    constructions=(
        Construction("shared", "and3", shared_and3, And3Constants, "certified", _stated,
                     counts=COUNTS),
        Construction("naive", "and3", naive, None, "certified", counts=naive_counts(3, 3)),
    ),
    claims=(
        Claim(id="AND3-NEURONS",
              statement="m' 3-ANDs (features of bounded degree) can be computed with "
              "O(sqrt(m') log m') neurons (one shared channel, theta = 3t)", source=_SOURCE,
              kind="upper", quantity="neurons", problem="and3", bound="O(sqrt(m') log m')",
              assumptions=_ASSUME,
              checks=("and3-count-formula", "and3-failure-bound", "and3-correct",
                      "and3-neurons", "measured"),
              bounds=(("neurons", "sqrt(mp)*log(mp)"),), construction="shared"),
        Claim(id="AND3-PARAMS", statement="... with O(m' log^2 m') parameters", source=_SOURCE,
              kind="upper", quantity="params", problem="and3", bound="O(m' log^2 m')",
              assumptions=_ASSUME,
              checks=("and3-count-formula", "and3-failure-bound", "and3-correct",
                      "and3-params", "measured"),
              bounds=(("params", "mp*log(mp)^2"),), construction="shared"),
    ),
    plan=VerifyPlan(sizes=(100, 316), sparsities=(3,)),
)
