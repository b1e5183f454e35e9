"""Hypothesis strategies for property tests of circuits in superposition.

For your own tests (plain pytest and Hypothesis, nothing else)::

    from hypothesis import given

    import superpose
    from superpose import strategies
    from superpose.circuits import evaluate_input

    circuit = superpose.build("and2", 200, family="random", sparsity=2, seed=1)

    @given(strategies.sparse_inputs(circuit))
    def test_every_output_is_decoded_right(active):
        fired, expected = evaluate_input(circuit, active)  # the plain evaluator, the truth
        assert fired == expected

What is offered:

* sizes and seeds: :data:`seeds`, :data:`sparsities`, :func:`m_primes`;
* instances: :func:`pair_lists` (distinct pairs, random orientation), :func:`permutations`,
  :func:`instances` (an instance of any registered problem, from its families);
* circuits: :func:`circuits` (a registered construction built on a drawn instance and seed),
  and, for testing evaluators and checkers themselves, :func:`support_codes`, :func:`layers`,
  :func:`networks` and :func:`random_circuits` (a random problem with a random network, almost
  always wrong somewhere);
* s-sparse inputs of a circuit, as sorted tuples of active features: :func:`uniform_inputs`;
  the adversarial :func:`both_ends_inputs` (every source of one output), :func:`leak_inputs` (an
  output's sources but one, plus features whose supports share units with the missing one),
  :func:`neighbour_inputs` (a feature and its neighbours in the problem's feature graph); and
  :func:`sparse_inputs`, the mixture of all four; :func:`input_batches` and :func:`as_batch` for
  a batch as the evaluators take it (padded with -1).

>>> from hypothesis import find
>>> import superpose
>>> c = superpose.build("and2", 10, family="disjoint", sparsity=2, seed=0)
>>> find(both_ends_inputs(c), lambda a: len(a) == 2)
(0, 1)
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st

from superpose.circuits import (
    PAD,
    And2,
    Circuit,
    Layer,
    Permutation,
    Represent,
    SupportCode,
    ThresholdNetwork,
    build,
    problem_spec,
)
from superpose.circuits.registry import make_problem

__all__ = [
    "as_batch", "both_ends_inputs", "circuits", "input_batches", "instances", "layers",
    "leak_inputs", "m_primes", "neighbour_inputs", "networks", "pair_lists", "permutations",
    "random_circuits", "random_problems", "seeds", "sparse_inputs", "sparsities",
    "support_codes", "uniform_inputs",
]

#: Seeds of the codes and weights (any 32-bit value).
seeds = st.integers(min_value=0, max_value=2**32 - 1)
#: Sparsities 1..4.
sparsities = st.integers(min_value=1, max_value=4)


def m_primes(lo: int = 1, hi: int = 300) -> st.SearchStrategy[int]:
    """Output counts m' in [lo, hi]."""
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
             for key, flip in zip(keys, flips, strict=True)]
    return m, np.array(pairs, dtype=np.int64).reshape(-1, 2)


def permutations(min_n: int = 1, max_n: int = 30) -> st.SearchStrategy[np.ndarray]:
    """Permutations of range(n), n in [min_n, max_n], as int64 arrays."""
    return st.integers(min_value=min_n, max_value=max_n).flatmap(
        lambda n: st.permutations(list(range(n)))).map(lambda p: np.array(p, dtype=np.int64))


def instances(problem: str, m_prime: st.SearchStrategy[int] | None = None,
              families: tuple[str, ...] | None = None):
    """Instances of a registered problem (built-in or plugin): a family of its spec (all by
    default), m' from ``m_prime`` (default 1..60) and an instance seed."""
    spec = problem_spec(problem)
    names = tuple(spec.families) if families is None else tuple(families)
    sizes = m_primes(1, 60) if m_prime is None else m_prime
    return st.builds(lambda family, n, seed: make_problem(problem, n, family, seed),
                     st.sampled_from(names), sizes, st.integers(0, 2**16))


def circuits(problem: str, m_prime: st.SearchStrategy[int] | None = None,
             sparsity: st.SearchStrategy[int] | None = None, construction: str | None = None,
             families: tuple[str, ...] | None = None):
    """Circuits of a registered problem: its construction (default: the first) built at a
    drawn family, m' (default 2..60), sparsity (default 2..3, at most m) and seed."""
    spec = problem_spec(problem)
    names = tuple(spec.families) if families is None else tuple(families)
    sizes = m_primes(2, 60) if m_prime is None else m_prime
    s_values = st.sampled_from([2, 3]) if sparsity is None else sparsity

    @st.composite
    def draw_one(draw):
        family = draw(st.sampled_from(names))
        n = draw(sizes)
        instance_seed = draw(st.integers(0, 2**16))
        probe = make_problem(problem, n, family, instance_seed)
        s = min(draw(s_values), probe.m)
        return build(problem, n, family, instance_seed, s, draw(seeds), construction)

    return draw_one()


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


def _sources(problem, k: int) -> tuple[int, ...]:
    """The input features output k reads (``Problem.sources``, padding dropped)."""
    row = np.asarray(problem.sources()[k])
    return tuple(int(f) for f in row if f != PAD)


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
        lambda k: _filled(_sources(problem, k), m, s))


class _UnitIndex:
    """Which features' input supports hold each unit: the code's narrow transpose (built once
    per code, shared with the fuzzer and the plain evaluator)."""

    def __init__(self, code: SupportCode, m: int):
        self.code = code
        self.by_unit = code.transposed()

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
        src = _sources(problem, k) or (0,)
        missing = draw(st.sampled_from(src))
        kept = [f for f in src if f != missing]
        return draw(_filled(kept, m, s, index.overlapping(missing)))

    return draw_one()


def neighbour_inputs(circuit) -> st.SearchStrategy[tuple[int, ...]]:
    """A feature with some of its neighbours in the feature graph, or its neighbours alone."""
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
    """Lists of 1..``max_size`` inputs of :func:`sparse_inputs`."""
    return st.lists(sparse_inputs(circuit), min_size=1, max_size=max_size)


def as_batch(inputs, s: int) -> np.ndarray:
    """Padded (B, s) index rows (-1 for no feature), as the evaluators take them.

    >>> as_batch([(3,), (1, 4)], 2).tolist()
    [[3, -1], [1, 4]]
    """
    out = np.full((len(inputs), s), -1, dtype=np.int64)
    for b, active in enumerate(inputs):
        out[b, :len(active)] = sorted(active)
    return out
