"""U-AND: all C(m, 2) pairwise ANDs of m features (Hänni et al., arXiv:2408.05451, reconstructed).

The problem is pairwise AND over every pair of m features, in lexicographic order (m' = C(m, 2),
one instance per m: family ``all``). It is an ``And2``, so the and2 constructions apply to it
unchanged: ``three-channel`` on uand is three-channel and2 on the ``complete`` family at
m' = C(m, 2), the suite's peer construction.

``hanni-uand`` (default), our reconstruction of the "universal AND" of Hänni, Mendel, Vaintrob
and Chan (only the abstract-level description is used; see paper_notes/problems.md): inputs are
basis-aligned (identity input code, d_0 = m); a layer of d random "pair-detector" units, unit n
connected with weight 1 to each feature independently with probability p and firing at
theta = 2 (ReLU(sum - 1) > 0: two connected features active); output (i, j) reads the units
connected to both, Gamma_ij. The connection matrix is drawn from stream 1 (the output-code
stream: it fixes both W_1 and the output code) from (m, s, constants) alone, so the codes never
see the instance (there is one per m anyway). Parameters:

* p = c_p / max(s - 1, 1): with i active, each unit of Gamma_ij sees about (s - 1) p = c_p other
  active features (the interference of the linear readout), independently of m;
* d = ceil(c_r log2(m') / p^2): so |Gamma_ij| is about p^2 d = c_r log2 m', enough for the
  average over Gamma_ij to concentrate and for no Gamma_ij to be empty (an empty Q_k would
  read 1 always). The width is polylogarithmic in m' for constant s: the "d ~ polylog" regime
  of basis-aligned inputs, here with an explicit c_r (defaults c_p = 1/4, c_r = 4).

Two readouts of the same network are measured: the model's decode, y_ij = AND of
Gamma_ij (the circuit file's semantics), and the paper's approximately linear readout,
y_ij = [mean over n in Gamma_ij of ReLU(z_n - 1) >= 1/2] with z_n the unit's pre-activation.
The construction is approximate ("epsilon"): its claim bounds the fraction of wrong output bits,
never exact correctness.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp

from superpose.circuits import (
    AND2_COUNTS,
    And2,
    And2Constants,
    Construction,
    Layer,
    ProblemSpec,
    SupportCode,
    ThresholdNetwork,
    VerifyPlan,
    identity_code,
    naive,
    naive_counts,
    three_channel_and2,
)
from superpose.circuits.validate import check_m_prime_fits
from superpose.theory import Claim, InvalidArgument
from superpose.theory.constructions import CountFormulas, FormulaStep

__all__ = ["COUNTS", "AllPairs", "UAndConstants", "hanni_uand", "linear_readout", "SPEC"]


@dataclass(frozen=True, eq=False)
class AllPairs(And2):
    """Pairwise AND over every pair of m features, in lexicographic order (m' = C(m, 2))."""

    name: str = field(default="uand", init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        a, b = np.triu_indices(self.m, k=1)
        if not np.array_equal(self.pairs, np.stack([a, b], axis=1)):
            raise InvalidArgument(f"uand pairs must be every pair of m={self.m} features in "
                                  "lexicographic order; use AllPairs.of(m)")

    @classmethod
    def of(cls, m: int) -> "AllPairs":
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 2:
            raise InvalidArgument(f"m={m!r} must be an integer >= 2")
        # its m' = C(m, 2) pairs are built here: refuse an m whose pairs cannot fit (a 4.6 KB
        # file saying m = 30000 asked for 450 million)
        check_m_prime_fits(math.comb(int(m), 2), f"m'=C(m, 2) of m={int(m)}",
                           "use a smaller m")
        a, b = np.triu_indices(int(m), k=1)
        return cls(int(m), np.stack([a, b], axis=1).astype(np.int64))

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {}  # the pairs follow from m

    @classmethod
    def from_arrays(cls, m: int, arrays) -> "AllPairs":
        return cls.of(m)


def _all(m_prime: int, rng: np.random.Generator) -> AllPairs:
    """Every pair of the smallest m with C(m, 2) >= m': m' is rounded up to C(m, 2) (the
    circuit's m' says which; sweeps and verify use the exact values 120, 276, 496, ...)."""
    m = max(2, math.isqrt(2 * m_prime))
    while math.comb(m, 2) < m_prime:
        m += 1
    return AllPairs.of(m)


@dataclass(frozen=True)
class UAndConstants:
    """Constants of hanni-uand: p = c_p / max(s - 1, 1), d = ceil(c_r log2 m' / p^2)."""

    c_p: float = 0.25
    c_r: float = 4.0


def hanni_uand(problem: And2, sparsity: int, rngs, constants: UAndConstants):
    """The random pair-detector network and its resolved sizes (see the module docstring)."""
    if not (0 < constants.c_p and constants.c_r > 0):
        raise InvalidArgument(f"c_p={constants.c_p!r} and c_r={constants.c_r!r} must be > 0")
    m, m_prime = problem.m, problem.m_prime
    p = min(1.0, constants.c_p / max(sparsity - 1, 1))
    log_mp = math.log2(m_prime) if m_prime > 1 else 1.0
    d = max(1, math.ceil(constants.c_r * log_mp / p ** 2))
    connect = sp.csr_matrix((rngs[1].random((d, m)) < p).astype(np.int64))
    layer = Layer(connect, np.full(d, 2, dtype=np.int64))
    gamma = _gamma(connect, problem.pairs)
    network = ThresholdNetwork(identity_code(m), (layer,), gamma)
    sizes = np.diff(gamma.indptr)
    return network, {**asdict(constants), "p": p, "d": d,
                     "min_gamma": int(sizes.min()), "empty_gamma": int((sizes == 0).sum())}


def _gamma(connect: sp.csr_matrix, pairs: np.ndarray) -> SupportCode:
    """Output code: Q_k = Gamma_{a_k b_k}, the units connected to both features of pair k."""
    cols = connect.T.tocsr()  # m x d: the units of each feature
    both = cols[pairs[:, 0]].multiply(cols[pairs[:, 1]]).tocsr()
    both.eliminate_zeros()
    both.sort_indices()
    return SupportCode(both.indptr.astype(np.int64), both.indices.astype(np.int64),
                       connect.shape[0])


def linear_readout(circuit, active: np.ndarray) -> sp.csr_matrix:
    """Hänni's approximately linear readout: y_k = [mean_{n in Q_k} ReLU(z_n - 1) >= 1/2], with
    z_n the pre-activation of unit n of the last layer (an empty Q_k reads 0)."""
    pre, _ = circuit.network.trace(active)
    z = pre[-1].tocsr().astype(np.float64)
    z.data = np.maximum(z.data - 1.0, 0.0)
    q = circuit.network.output_code
    total = (z @ q.matrix_t()).tocsr()
    sizes = q.sizes().astype(np.float64)
    total.data = (2.0 * total.data >= sizes[total.indices]) & (sizes[total.indices] > 0)
    total.data = total.data.astype(np.int64)
    total.eliminate_zeros()
    return total


#: Upper bounds on every hanni-uand circuit's counts; asymptotics with m' = C(m, 2).
COUNTS = CountFormulas(
    constants=("c_p", "c_r"),
    steps=(
        FormulaStep("p", "min(1, c_p/max(s - 1, 1))", "connection probability, as built"),
        FormulaStep("d", "max(1, ceil(c_r*max(log(mp), 1)/p^2))", "detector units, as built",
                    bounds="width[1]"),
        FormulaStep("neurons", "m + d", "the identity input layer and the detector layer"),
        FormulaStep("params", "d*m + d", "at most every connection, plus a threshold per unit"),
        FormulaStep("bits", "2*d*m + 3*d", "weights 1 (2 bits), thresholds 2 (3 bits)"),
    ),
    regime="(1 + sqrt(1 + 8*mp))/2",
)

_SOURCE = ("Hänni, Mendel, Vaintrob, Chan, arXiv:2408.05451 (U-AND), as reconstructed by this "
           "suite; the error bound is this suite's, measured")
_ASSUME = ("basis-aligned inputs (identity input code)", "constant sparsity s",
           "inputs with exactly s active features, uniform", "epsilon correctness, not certified")
EPSILON = 0.01

SPEC = ProblemSpec(
    name="uand",
    summary="U-AND: all C(m,2) pairwise ANDs of m features, Hänni et al.'s pair detectors "
            "(m' is rounded up to C(m, 2))",
    problem_type=AllPairs,
    families={"all": _all},
    constructions=(
        Construction("hanni-uand", "uand", hanni_uand, UAndConstants, "epsilon",
                     epsilon=EPSILON, readouts=(("linear", linear_readout),), counts=COUNTS),
        Construction("three-channel", "uand", three_channel_and2, And2Constants, "certified",
                     counts=AND2_COUNTS),
        Construction("naive", "uand", naive, None, "certified", counts=naive_counts(2, 2)),
    ),
    claims=(
        Claim(id="UAND-ERROR",
              statement=f"hanni-uand decodes at most a fraction {EPSILON:g} of the m' "
              "output bits wrong, with both readouts (AND of Gamma_ij; mean >= 1/2), on random "
              "inputs with s active features", source=_SOURCE, kind="upper", quantity="error",
              problem="uand", bound=f"error <= {EPSILON:g}", assumptions=_ASSUME,
              checks=("uand-error", "uand-peers"), construction="hanni-uand"),
        Claim(id="UAND-NEURONS",
              statement="hanni-uand uses O(sqrt(m')) neurons (the m input units; the "
              "detector layer is O(log m'))", source=_SOURCE, kind="upper", quantity="neurons",
              problem="uand", bound="O(sqrt(m'))", assumptions=_ASSUME,
              checks=("uand-count-formula", "measured", "uand-peers"),
              bounds=(("neurons", "sqrt(mp)"),), construction="hanni-uand"),
    ),
    plan=VerifyPlan(sizes=(120, 276, 496), sparsities=(2, 3), peers=("three-channel",)),
)
