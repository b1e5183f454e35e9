"""Hypothesis strategies shared by the whole suite, and the small oracles they are checked with.

Import as ``from tests.strategies import ...`` (tests/conftest.py puts the repository root on
sys.path, so this works under ``--import-mode=importlib``).

Strategies:

* sizes and seeds: :data:`seeds`, :data:`instance_seeds`, :data:`sparsities`,
  :data:`design_sparsities`, :func:`m_primes`, :data:`and2_families`, :data:`perm_families`;
* instances: :func:`pair_lists` (small random pair lists, random orientation),
  :func:`permutations`;
* networks: :func:`support_codes`, :func:`layers`, :func:`networks` (random integer weights,
  negative ones and thresholds <= 0 included, optionally with explicitly stored zeros);
  :func:`random_problems` and :func:`random_circuits` (a random problem with a random network,
  almost always wrong somewhere);
* s-sparse inputs of a circuit (tuples of distinct active features, at most s of them):
  :func:`uniform_inputs`; the adversarial :func:`both_ends_inputs` (every source feature of an
  output, plus fill), :func:`leak_inputs` (an output's sources but one, plus features whose input
  supports share units with the missing one), :func:`neighbour_inputs` (a feature and its
  neighbours in the pair graph, ``problem.related_features()``, or the neighbours alone); and
  :func:`sparse_inputs`, the mixture of all four.

Oracles (written from the model's definitions, sharing no code with ``circuits``):
:func:`reference_activations`, :func:`reference_outputs`, :func:`reference_truth`,
:func:`reference_mismatches`; plus :func:`describe` and :func:`as_batch` for reports.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import scipy.sparse as sp
from hypothesis import settings
from hypothesis import strategies as st

import superpose.circuits.io._optional
from superpose import circuits
from superpose.circuits import (
    And2,
    Circuit,
    Layer,
    Permutation,
    Represent,
    SupportCode,
    ThresholdNetwork,
)

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "thorough"
#: How far the slow sweeps go in m' (10^5 under the thorough profile).
SLOW_M_PRIME_MAX = 10**5 if THOROUGH else 10**4
#: Largest input space the constructions tests enumerate exhaustively.
EXHAUSTIVE_LIMIT = 60_000


def examples(n: int) -> settings:
    """``n`` examples under the ci profile, ten times as many under ``thorough``."""
    return settings(max_examples=n * (10 if THOROUGH else 1))


# --- sizes, seeds, families -------------------------------------------------------------------

seeds = st.integers(min_value=0, max_value=2**32 - 1)
instance_seeds = st.integers(min_value=0, max_value=2**16)
sparsities = st.integers(min_value=1, max_value=4)
design_sparsities = st.sampled_from([2, 3])
and2_families = st.sampled_from(sorted(circuits.constructions.AND2_FAMILIES))
perm_families = st.sampled_from(sorted(circuits.constructions.PERM_FAMILIES))


def m_primes(lo: int = 1, hi: int = 300) -> st.SearchStrategy[int]:
    return st.integers(min_value=lo, max_value=hi)


@st.composite
def pair_lists(draw, max_m: int = 24, max_pairs: int = 40, min_pairs: int = 1,
               m: int | None = None, n_pairs: int | None = None):
    """``(m, pairs)``: distinct unordered pairs of distinct features, randomly oriented."""
    if m is None:
        m = draw(st.integers(min_value=2, max_value=max_m))
    total = m * (m - 1) // 2
    if n_pairs is None:
        n_pairs = draw(st.integers(min_value=min(min_pairs, total),
                                   max_value=min(max_pairs, total)))
    keys = draw(st.lists(st.integers(0, total - 1), min_size=n_pairs, max_size=n_pairs,
                         unique=True))
    a, b = np.triu_indices(m, k=1)
    flips = draw(st.lists(st.booleans(), min_size=n_pairs, max_size=n_pairs))
    pairs = [(int(b[key]), int(a[key])) if flip else (int(a[key]), int(b[key]))
             for key, flip in zip(keys, flips)]
    return m, np.array(pairs, dtype=np.int64).reshape(-1, 2)


def permutations(min_n: int = 1, max_n: int = 30) -> st.SearchStrategy[np.ndarray]:
    return st.integers(min_value=min_n, max_value=max_n).flatmap(
        lambda n: st.permutations(list(range(n)))).map(lambda p: np.array(p, dtype=np.int64))


# --- random networks --------------------------------------------------------------------------

@st.composite
def support_codes(draw, n_rows: int, width: int, max_support: int = 4) -> SupportCode:
    """Rows of any size (empty ones included), sorted, over ``range(width)``."""
    rows = [sorted(draw(st.lists(st.integers(0, width - 1), unique=True,
                                 max_size=min(width, max_support))))
            for _ in range(n_rows)]
    indptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    indices = np.array([i for r in rows for i in r], dtype=np.int64)
    return SupportCode(indptr, indices, width)


@st.composite
def layers(draw, d_in: int, d_out: int, max_weight: int = 4, explicit_zeros: bool = True) -> Layer:
    """A random integer layer; weights in [-max_weight, max_weight], thresholds in [-3, 6].

    With ``explicit_zeros`` some stored CSR entries may hold 0 (they are no parameter).
    """
    present = draw(st.lists(st.booleans(), min_size=d_in * d_out, max_size=d_in * d_out))
    values = draw(st.lists(st.integers(-max_weight, max_weight), min_size=d_in * d_out,
                           max_size=d_in * d_out))
    if not explicit_zeros:
        values = [v if v != 0 else 1 for v in values]
    dense_mask = np.array(present, dtype=bool).reshape(d_out, d_in)
    dense_vals = np.array(values, dtype=np.int64).reshape(d_out, d_in)
    indptr, indices, data = [0], [], []
    for j in range(d_out):
        cols = np.flatnonzero(dense_mask[j])
        indices.extend(cols.tolist())
        data.extend(dense_vals[j, cols].tolist())
        indptr.append(len(indices))
    weights = sp.csr_matrix((np.array(data, dtype=np.int64), np.array(indices, dtype=np.int64),
                             np.array(indptr, dtype=np.int64)), shape=(d_out, d_in))
    theta = np.array(draw(st.lists(st.integers(-3, 6), min_size=d_out, max_size=d_out)),
                     dtype=np.int64)
    return Layer(weights, theta)


@st.composite
def networks(draw, max_m: int = 7, max_width: int = 6, max_layers: int = 3,
             max_m_prime: int = 7) -> ThresholdNetwork:
    """A small random threshold network, read through random (possibly empty) supports."""
    m = draw(st.integers(1, max_m))
    n_layers = draw(st.integers(0, max_layers))
    widths = [draw(st.integers(1, max_width)) for _ in range(n_layers + 1)]
    m_prime = draw(st.integers(1, max_m_prime))
    input_code = draw(support_codes(m, widths[0]))
    layer_list = tuple(draw(layers(widths[i], widths[i + 1])) for i in range(n_layers))
    output_code = draw(support_codes(m_prime, widths[-1]))
    return ThresholdNetwork(input_code, layer_list, output_code)


@st.composite
def random_problems(draw, m: int):
    """A permutation of range(m), a pairwise AND over 1..6 random distinct pairs, or Represent."""
    kind = draw(st.sampled_from(["perm", "and2", "represent"]))
    if kind == "perm":
        return Permutation(np.array(draw(st.permutations(list(range(m)))), dtype=np.int64))
    if kind == "and2":
        _, pairs = draw(pair_lists(m=m, max_pairs=6))
        return And2(m, pairs)
    return Represent(m)


@st.composite
def random_circuits(draw, max_m: int = 7, max_layers: int = 2, max_width: int = 6,
                    min_layers: int = 0):
    """A random problem over m = 2..7 features computed by a random network (0..2 layers,
    widths 1..6, weights of any sign, thresholds in [-3, 6], explicit zeros, empty supports),
    at sparsity 1..min(3, m). Almost every such circuit is wrong somewhere; some are right."""
    m = draw(st.integers(2, max_m))
    problem = draw(random_problems(m))
    n_layers = draw(st.integers(min_layers, max_layers))
    widths = [draw(st.integers(1, max_width)) for _ in range(n_layers + 1)]
    input_code = draw(support_codes(m, widths[0]))
    layer_list = tuple(draw(layers(widths[i], widths[i + 1])) for i in range(n_layers))
    output_code = draw(support_codes(problem.m_prime, widths[-1]))
    network = ThresholdNetwork(input_code, layer_list, output_code)
    s = draw(st.integers(1, min(3, m)))
    return Circuit(problem, network, "random", s, 0, {}, "hypothesis", -1)


# --- s-sparse inputs --------------------------------------------------------------------------

def sources_of(problem, k: int) -> tuple[int, ...]:
    """The input features output k of ``problem`` reads (from the problem's definition)."""
    if isinstance(problem, And2):
        return tuple(int(f) for f in problem.pairs[k])
    if isinstance(problem, Permutation):
        return (int(problem.perm[k]),)
    if isinstance(problem, Represent):
        return (int(k),)
    raise TypeError(f"unknown problem {problem!r}")


def uniform_inputs(m: int, s: int, min_size: int = 0) -> st.SearchStrategy[tuple[int, ...]]:
    """Between ``min_size`` and s distinct features of range(m), uniformly."""
    return st.lists(st.integers(0, m - 1), unique=True, min_size=min(min_size, m, s),
                    max_size=min(s, m)).map(lambda xs: tuple(sorted(xs)))


@st.composite
def _filled(draw, base, m: int, s: int, pool=()) -> tuple[int, ...]:
    """``base`` (deduplicated, cut to s) plus features from ``pool``, then random ones."""
    active = list(dict.fromkeys(int(f) for f in base))[:s]
    room = s - len(active)
    pool = sorted(set(int(f) for f in pool) - set(active))
    if room > 0 and pool:
        extra = draw(st.lists(st.sampled_from(pool), unique=True, max_size=min(room, len(pool))))
        active += extra
        room -= len(extra)
    if room > 0:
        extra = draw(st.lists(st.integers(0, m - 1), unique=True, max_size=room))
        active += [f for f in extra if f not in active]
    return tuple(sorted(active))


def both_ends_inputs(circuit) -> st.SearchStrategy[tuple[int, ...]]:
    """All source features of one output (both ends of a pair), plus random fill."""
    problem, s, m = circuit.problem, circuit.sparsity, circuit.m
    return st.integers(0, circuit.m_prime - 1).flatmap(
        lambda k: _filled(sources_of(problem, k), m, s))


class _UnitIndex:
    """Which features' input supports hold each unit (computed lazily from the CSR arrays)."""

    def __init__(self, code: SupportCode, m: int):
        self.code = code
        rows = np.repeat(np.arange(m), np.diff(code.indptr))
        self.by_unit = sp.csr_matrix((np.ones(len(rows), np.int64), (code.indices, rows)),
                                     shape=(code.width, m))

    def overlapping(self, f: int) -> np.ndarray:
        units = self.code.indices[self.code.indptr[f]:self.code.indptr[f + 1]]
        hits = [self.by_unit.indices[self.by_unit.indptr[u]:self.by_unit.indptr[u + 1]]
                for u in units]
        if not hits:
            return np.zeros(0, np.int64)
        feats = np.unique(np.concatenate(hits))
        return feats[feats != f]


@functools.lru_cache(maxsize=64)
def _unit_index(circuit) -> _UnitIndex:
    return _UnitIndex(circuit.network.input_code, circuit.m)


def leak_inputs(circuit) -> st.SearchStrategy[tuple[int, ...]]:
    """One output's sources but one ("one end"), plus features whose input supports share units
    with the missing source ("the other end"): the leak a threshold has to resist."""
    problem, s, m = circuit.problem, circuit.sparsity, circuit.m
    index = _unit_index(circuit)

    @st.composite
    def draw_one(draw):
        k = draw(st.integers(0, circuit.m_prime - 1))
        src = sources_of(problem, k)
        missing = draw(st.sampled_from(src))
        kept = [f for f in src if f != missing]
        return draw(_filled(kept, m, s, index.overlapping(missing)))

    return draw_one()


def neighbour_inputs(circuit) -> st.SearchStrategy[tuple[int, ...]]:
    """A feature with some of its neighbours in the pair graph, or its neighbours alone."""
    problem, s, m = circuit.problem, circuit.sparsity, circuit.m
    graph = problem.related_features().tocsr()

    @st.composite
    def draw_one(draw):
        centre = draw(st.integers(0, m - 1))
        neighbours = graph.indices[graph.indptr[centre]:graph.indptr[centre + 1]]
        keep = draw(st.booleans())
        return draw(_filled([centre] if keep else [], m, s, neighbours))

    return draw_one()


def sparse_inputs(circuit) -> st.SearchStrategy[tuple[int, ...]]:
    """Uniform and adversarial s-sparse inputs of ``circuit`` (sorted tuples of features)."""
    return st.one_of(uniform_inputs(circuit.m, circuit.sparsity), both_ends_inputs(circuit),
                     leak_inputs(circuit), neighbour_inputs(circuit))


def input_batches(circuit, max_size: int = 64) -> st.SearchStrategy[list[tuple[int, ...]]]:
    return st.lists(sparse_inputs(circuit), min_size=1, max_size=max_size)


def as_batch(inputs, s: int) -> np.ndarray:
    """Padded (B, s) index rows, as the package takes them."""
    out = np.full((len(inputs), s), -1, dtype=np.int64)
    for b, active in enumerate(inputs):
        out[b, :len(active)] = sorted(active)
    return out


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
