"""Error rates of approximate constructions (the *epsilon* notion of paper_notes/model.md).

The distribution is the uniform one over inputs with exactly s active features (every output
that touches an active feature is at risk there, the most interference). For each readout (the
model's decode, AND of Q_k, named ``"and"``, and any other a construction names) we count

* the bit error rate: wrong output bits / (inputs * m'), the fraction of the m' outputs wrong
  on an average input;
* the input error rate: the fraction of inputs with at least one wrong output (the w.h.p.
  notion's delta).

When C(m, s) is at most ``exhaustive_limit`` every such input is evaluated and the rates are
exact. Otherwise ``samples`` inputs are drawn independently (``random_sparse_inputs`` with
``exact=True``, seeded) and each rate gets a one-sided upper confidence bound at level
``confidence``: Clopper-Pearson for the input rate (Bernoulli trials), and for the bit rate the
Chernoff-Hoeffding bound for the mean of independent [0, 1] variables (the per-input fraction of
wrong bits): the largest mu with n kl(mean, mu) <= ln(1 / (1 - confidence)), kl the Bernoulli
relative entropy (Hoeffding 1963, Theorem 1). Both are computed, never assumed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp

from superpose.circuits.correctness._fuzz import Counterexample
from superpose.circuits.model import Circuit, random_sparse_inputs
from superpose.circuits.validate import check_int

__all__ = ["ErrorRate", "clopper_pearson_lower", "clopper_pearson_upper", "error_rates",
           "kl_upper_bound"]

_CHUNK = 2048


@dataclass(frozen=True)
class ErrorRate:
    """One readout's error on inputs with exactly ``sparsity`` active features."""

    readout: str
    sparsity: int
    m_prime: int
    inputs: int
    input_space: int
    exact: bool
    wrong_bits: int
    wrong_inputs: int
    confidence: float
    bit_upper: float  # the exact bit rate, or its upper confidence bound
    input_upper: float
    example: Counterexample | None = None
    seed: int | None = None

    @property
    def bit_rate(self) -> float:
        return self.wrong_bits / (self.inputs * self.m_prime) if self.inputs else 0.0

    @property
    def input_rate(self) -> float:
        return self.wrong_inputs / self.inputs if self.inputs else 0.0

    def as_dict(self) -> dict:
        ex = self.example
        return {"readout": self.readout, "sparsity": self.sparsity, "inputs": self.inputs,
                "input_space": self.input_space, "exact": self.exact,
                "wrong_bits": self.wrong_bits, "wrong_inputs": self.wrong_inputs,
                "bit_rate": self.bit_rate, "bit_upper": self.bit_upper,
                "input_rate": self.input_rate, "input_upper": self.input_upper,
                "confidence": self.confidence, "seed": self.seed,
                "example": ex.as_dict() if ex is not None else None}


def kl_upper_bound(mean: float, n: int, confidence: float) -> float:
    """The largest mu in [mean, 1] with n kl(mean, mu) <= ln(1 / (1 - confidence)).

    >>> round(kl_upper_bound(0.0, 100, 0.99), 4)  # 1 - 0.01 ** (1 / 100)
    0.045
    """
    budget = math.log(1.0 / (1.0 - confidence)) / n
    lo, hi = mean, 1.0
    if _kl(mean, hi) <= budget:
        return 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _kl(mean, mid) <= budget else (lo, mid)
    return hi


def _kl(p: float, q: float) -> float:
    """Bernoulli relative entropy kl(p, q), p in [0, 1], q in (0, 1]."""
    if q >= 1.0:
        return math.inf if p < 1.0 else 0.0
    out = 0.0
    if p > 0:
        out += p * math.log(p / q)
    if p < 1:
        out += (1 - p) * math.log((1 - p) / (1 - q))
    return out


def clopper_pearson_upper(k: int, n: int, confidence: float) -> float:
    """One-sided Clopper-Pearson upper bound of a binomial rate, k successes in n trials.

    >>> round(clopper_pearson_upper(0, 100, 0.99), 4)
    0.045
    """
    if k >= n:
        return 1.0
    from scipy.stats import beta

    return float(beta.ppf(confidence, k + 1, n - k))


def clopper_pearson_lower(k: int, n: int, confidence: float) -> float:
    """One-sided Clopper-Pearson lower bound of a binomial rate, k successes in n trials.

    >>> clopper_pearson_lower(0, 100, 0.99), round(clopper_pearson_lower(100, 100, 0.99), 4)
    (0.0, 0.955)
    """
    if k <= 0:
        return 0.0
    from scipy.stats import beta

    return float(beta.ppf(1 - confidence, k, n - k + 1))


def error_rates(circuit: Circuit, readouts: tuple[tuple[str, Callable], ...] = (),
                samples: int = 2000, seed: int = 0, exhaustive_limit: int = 50_000,
                confidence: float = 0.99) -> list[ErrorRate]:
    """The error of the model's decode (``"and"``) and of each ``(name, fn)`` readout, with
    ``fn(circuit, active) -> B x m' CSR of ones``, on inputs with exactly s active features."""
    samples = check_int("samples", samples, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    s, m, m_prime = circuit.sparsity, circuit.m, circuit.m_prime
    space = math.comb(m, s)
    exact = space <= exhaustive_limit
    decoders = (("and", lambda c, active: c.network.evaluate(active)),) + tuple(readouts)
    tallies = {name: [0, 0, None] for name, _ in decoders}  # wrong bits, inputs, example
    inputs = 0
    for batch in (_all_inputs(m, s) if exact else
                  _sampled(m, s, samples, np.random.default_rng(seed))):
        inputs += len(batch)
        want = circuit.problem.truth(batch)
        for name, fn in decoders:
            diff = (sp.csr_matrix(fn(circuit, batch)) - want).tocsr()
            diff.eliminate_zeros()
            wrong = np.diff(diff.indptr)
            tally = tallies[name]
            tally[0] += int(wrong.sum())
            tally[1] += int(np.count_nonzero(wrong))
            if tally[2] is None and diff.nnz:
                b = int(np.flatnonzero(wrong)[0])
                k = int(diff.indices[diff.indptr[b]])
                got = int(diff[b, k] > 0)
                tally[2] = Counterexample(tuple(int(i) for i in batch[b]), k, 1 - got, got)
    out = []
    for name, _ in decoders:
        bits, wrong_inputs, example = tallies[name]
        if exact:
            bit_upper, input_upper = bits / (inputs * m_prime), wrong_inputs / inputs
        else:
            bit_upper = kl_upper_bound(bits / (inputs * m_prime), inputs, confidence)
            input_upper = clopper_pearson_upper(wrong_inputs, inputs, confidence)
        out.append(ErrorRate(name, s, m_prime, inputs, space, exact, bits, wrong_inputs,
                             confidence, bit_upper, input_upper, example,
                             None if exact else seed))
    return out


def _all_inputs(m: int, s: int):
    combos = itertools.combinations(range(m), s)
    while True:
        block = np.array(list(itertools.islice(combos, _CHUNK)), dtype=np.int64)
        if not len(block):
            return
        yield block.reshape(len(block), s)


def _sampled(m: int, s: int, n: int, rng: np.random.Generator):
    batch = random_sparse_inputs(m, s, n, rng, exact=True)
    for lo in range(0, n, _CHUNK):
        yield batch[lo:lo + _CHUNK]
