"""A circuit: a problem instance, the network that computes it, and how it was made."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model._inputs import normalize_active
from superpose.circuits.model._network import Counts, ThresholdNetwork
from superpose.circuits.model._problems import Problem
from superpose.circuits.validate import check_fits, check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["Circuit", "check_sparsity", "seeded_rng"]


def check_sparsity(sparsity: object, m: int) -> int:
    """The sparsity s as an int, or InvalidArgument unless 1 <= s <= m."""
    s = check_int("sparsity", sparsity, minimum=1, fix="at least one feature must be active")
    if s > m:
        raise InvalidArgument(f"sparsity={s!r} must be <= m={m!r}; no more than m input "
                              "features can be active")
    return s


def seeded_rng(seed: int, stream: int) -> np.random.Generator:
    """An independent generator per (seed, stream): 0 input code, 1 output code, 2 weights.

    Code streams never see the instance, so the same seed gives the same codes for every
    instance with the same m and m' (the fixed-code rule).
    """
    return np.random.default_rng([check_int("seed", seed, minimum=0), stream])


@dataclass(frozen=True, eq=False)
class Circuit:
    """A problem instance with the threshold network that claims to compute it."""

    problem: Problem
    network: ThresholdNetwork
    construction: str
    sparsity: int
    seed: int
    constants: dict = field(default_factory=dict)
    family: str = ""
    instance_seed: int = -1

    def __repr__(self) -> str:
        """One short line: the problem, m, m', s, the exact neurons and params, the seed and how
        the circuit was made (never the arrays)."""
        counts = self.counts()
        made = ", ".join(x for x in (self.construction, self.family) if x)
        return (f"<Circuit {self.problem.name} m={self.m} m'={self.m_prime} s={self.sparsity} "
                f"neurons={counts.neurons} params={counts.params} seed={self.seed}"
                + (f" ({made})" if made else "") + ">")

    def __post_init__(self) -> None:
        if (self.network.m, self.network.m_prime) != (self.problem.m, self.problem.m_prime):
            raise ValueError(f"network computes m={self.network.m} -> m'={self.network.m_prime} "
                             f"but the problem is m={self.problem.m} -> m'={self.problem.m_prime}")
        check_sparsity(self.sparsity, self.problem.m)

    @property
    def m(self) -> int:
        return self.problem.m

    @property
    def m_prime(self) -> int:
        return self.problem.m_prime

    def counts(self) -> Counts:
        return self.network.counts()

    def materialized(self) -> "Circuit":
        """The same circuit with its factored layer multiplied out (itself when it has none):
        what the certifier, repair and export read. Refused before any work, naming the
        figures, when W_1's int64 CSR (16 bytes a weight, for as many weights as the factors
        have products) cannot fit the memory available."""
        if not self.network.implicit:
            return self
        terms = sum(layer.product_terms() for layer in self.network.layers if layer.factored)
        check_fits(f"materialising the implicit circuit's first layer (up to {terms} weights)",
                   16 * terms, "fuzz, eval and info read it as it is; certify, repair and "
                   "export need a machine that holds its weights")
        return replace(self, network=self.network.materialized())

    def normalize(self, active) -> np.ndarray:
        return normalize_active(active, self.m, self.sparsity)

    def evaluate(self, active) -> sp.csr_matrix:
        """Decoded outputs (B x m' CSR of ones) for a batch of s-sparse inputs."""
        return self.network.evaluate(self.normalize(active))

    def truth(self, active) -> sp.csr_matrix:
        return self.problem.truth(self.normalize(active))
