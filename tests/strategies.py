"""Hypothesis strategies shared by the whole suite, and the small oracles they are checked with.

Import as ``from tests.strategies import ...`` (tests/conftest.py puts the repository root on
sys.path, so this works under ``--import-mode=importlib``).

Strategies: the public ones of :mod:`superpose.strategies` (seeds, sparsities, m_primes,
pair_lists, permutations, support_codes, layers, networks, random_problems, random_circuits,
and the s-sparse inputs uniform_inputs, both_ends_inputs, leak_inputs, neighbour_inputs,
sparse_inputs, input_batches, with as_batch), re-exported here so that the tests share one
module; and the tests' own: :data:`instance_seeds`, :data:`design_sparsities`,
:data:`and2_families`, :data:`perm_families`, :data:`growth_bounds` with
:func:`growth_text` (claim-file bounds), :func:`sources_of`.

Oracles (written from the model's definitions, sharing no code with ``circuits``):
:func:`reference_activations`, :func:`reference_outputs`, :func:`reference_truth`,
:func:`reference_mismatches`; plus :func:`describe` for reports.
"""

from __future__ import annotations

import functools
import os
from fractions import Fraction

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

import superpose.circuits.io._optional
from superpose import circuits
from superpose.circuits import (
    And2,
    Permutation,
    Represent,
    SupportCode,
    ThresholdNetwork,
)
from superpose.strategies import (  # noqa: F401 - re-exported for the tests
    as_batch,
    both_ends_inputs,
    input_batches,
    layers,
    leak_inputs,
    m_primes,
    neighbour_inputs,
    networks,
    pair_lists,
    permutations,
    random_circuits,
    random_problems,
    seeds,
    sparse_inputs,
    sparsities,
    support_codes,
    uniform_inputs,
)

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "thorough"
#: How far the slow sweeps go in m' (10^5 under the thorough profile).
SLOW_M_PRIME_MAX = 10**5 if THOROUGH else 10**4
#: Largest input space the constructions tests enumerate exhaustively.
EXHAUSTIVE_LIMIT = 60_000


def examples(n: int) -> settings:
    """``n`` examples under the ci profile, ten times as many under ``thorough``."""
    return settings(max_examples=n * (10 if THOROUGH else 1))


# --- sizes, seeds, families (the public strategies come from superpose.strategies) -----------

instance_seeds = st.integers(min_value=0, max_value=2**16)
design_sparsities = st.sampled_from([2, 3])
and2_families = st.sampled_from(sorted(circuits.constructions.AND2_FAMILIES))
perm_families = st.sampled_from(sorted(circuits.constructions.PERM_FAMILIES))


def growth_text(power, logs: int) -> str:
    """m'^power log^logs m' in the claim-file grammar, e.g. ``growth_text(1, 2)`` is
    ``mp*log(mp)^2``."""
    base = {Fraction(1, 2): "sqrt(mp)", 1: "mp"}.get(power, f"mp^({power})")
    return base if logs == 0 else f"{base}*log(mp)^{logs}"


#: Growth rates (a, b), read m'^a log^b m' (:func:`growth_text`), a in {1/2, 1, 3/2, 2},
#: b in 0..3: on both sides of every bound the ledger proves about and2 and perm, and between
#: them. Pairs compare as the rates do (lexicographically).
growth_bounds = st.tuples(st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(3, 2),
                                           Fraction(2)]),
                          st.integers(min_value=0, max_value=3))


def sources_of(problem, k: int) -> tuple[int, ...]:
    """The input features output k of ``problem`` reads (from the problem's definition)."""
    if isinstance(problem, And2):
        return tuple(int(f) for f in problem.pairs[k])
    if isinstance(problem, Permutation):
        return (int(problem.perm[k]),)
    if isinstance(problem, Represent):
        return (int(k),)
    raise TypeError(f"unknown problem {problem!r}")


# --- oracles ----------------------------------------------------------------------------------

def _rows(code: SupportCode) -> list[np.ndarray]:
    return [code.indices[code.indptr[i]:code.indptr[i + 1]] for i in range(len(code.indptr) - 1)]


def reference_activations(network: ThresholdNetwork, inputs) -> list[np.ndarray]:
    """Dense [a_0, ..., a_L] (B x d_l booleans), straight from the model's definition.

    a_0[p] = OR over active i of [p in P_i]; a_l = [W_l a_{l-1} >= theta_l]. The products run
    in float64, exact for the small integers involved (asserted).
    """
    in_rows = _rows(network.input_code)
    a = np.zeros((len(inputs), network.input_code.width), dtype=bool)
    for b, active in enumerate(inputs):
        for f in active:
            a[b, in_rows[f]] = True
    acts = [a]
    for layer in network.layers:
        w = layer.weights.toarray().astype(np.float64)
        assert np.abs(w).sum() < 2**50, "weights too large for the float64 reference"
        z = a.astype(np.float64) @ w.T
        a = z >= layer.theta.astype(np.float64)[None, :]
        acts.append(a)
    return acts


def reference_outputs(network: ThresholdNetwork, inputs) -> np.ndarray:
    """Dense y (B x m' booleans): y_k = 1 iff every unit of Q_k is 1 in a_L."""
    a_last = reference_activations(network, inputs)[-1]
    out_rows = _rows(network.output_code)
    y = np.ones((len(inputs), len(out_rows)), dtype=bool)
    for k, q in enumerate(out_rows):
        y[:, k] = a_last[:, q].all(axis=1)
    return y


def reference_truth(problem, inputs) -> np.ndarray:
    """Dense ground truth (B x m' booleans) by brute force over the problem's definition."""
    y = np.zeros((len(inputs), problem.m_prime), dtype=bool)
    for b, active in enumerate(inputs):
        present = set(int(f) for f in active)
        for k in range(problem.m_prime):
            y[b, k] = all(f in present for f in sources_of(problem, k))
    return y


def dense(mat) -> np.ndarray:
    """A package result (B x m' CSR of ones) as a dense boolean array."""
    arr = mat.toarray()
    assert set(np.unique(arr).tolist()) <= {0, 1}, "outputs must be 0/1"
    return arr.astype(bool)


def reference_mismatches(circuit, inputs) -> list[tuple[tuple[int, ...], int, int, int]]:
    """(active, output, expected, got) wherever the network differs from the reference truth."""
    if not len(inputs):
        return []
    got = dense(circuit.network.evaluate(as_batch(inputs, circuit.sparsity)))
    want = reference_truth(circuit.problem, inputs)
    bad = np.argwhere(got != want)
    return [(tuple(inputs[b]), int(k), int(want[b, k]), int(got[b, k])) for b, k in bad]


def describe(circuit) -> str:
    """Everything needed to rebuild ``circuit``: for notes and assertion messages."""
    return (f"construction={circuit.construction!r} problem={circuit.problem.name!r} "
            f"family={circuit.family!r} seed={circuit.seed} "
            f"instance_seed={circuit.instance_seed} m={circuit.m} m'={circuit.m_prime} "
            f"sparsity={circuit.sparsity} constants={circuit.constants}")


@functools.lru_cache(maxsize=256)
def built(problem: str, m_prime: int, family: str | None = None, instance_seed: int = 0,
          sparsity: int = 2, seed: int = 0, construction: str | None = None):
    """A cached :func:`circuits.build` (circuits are immutable; never modify the result)."""
    return circuits.build(problem, m_prime, family, instance_seed, sparsity, seed, construction)


def hide_module(monkeypatch, module: str) -> None:
    """Make ``circuits.io.require`` (``superpose.circuits.io._optional``) see ``module`` as not
    installed, as a machine without that extra would."""
    real = superpose.circuits.io._optional.importlib.import_module

    def without(name, *args):
        if name == module:
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr(superpose.circuits.io._optional.importlib, "import_module", without)
