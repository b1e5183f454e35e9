"""Event-driven evaluation: an input as the change it makes to the trace of the empty input.

Notation (the model of paper_notes/model.md, section 4): input code P (P_i over layer 0),
layers W_l (d_l x d_{l-1}, integer, any sign) with integer thresholds theta_l (any sign),
output code Q (Q_k over layer L, possibly empty). On an input with active set A:

    a_0[p] = OR_{i in A} [p in P_i],   z_l = W_l a_{l-1},   a_l = [z_l >= theta_l],
    y_k = AND_{q in Q_k} a_L[q]   (an empty Q_k reads 1).

**Baseline.** Once per network, the trace of the empty input (A = {}):

    a0_0 = 0,   z0_l = W_l a0_{l-1},   a0_l = [z0_l >= theta_l],
    c0_k = sum_{q in Q_k} a0_L[q],     y0_k = [c0_k = |Q_k|].

**Events.** For an input, the events of layer l are the units whose activation differs from
baseline, E_l = {u : a_l[u] != a0_l[u]}, each with its sign delta_u = a_l[u] - a0_l[u] in
{+1, -1}. Layer 0: E_0 = union_{i in A} P_i, all with delta = +1 (a0_0 = 0). By linearity,

    z_l[u] = z0_l[u] + sum_{v in E_{l-1}} W_l[u, v] delta_v,

so z_l[u] = z0_l[u] unless u is reached from an event through a stored nonzero weight (a
column v of W_l is row v of W_l^T, kept in CSR), and a unit whose sum is 0 keeps its baseline
activation. Only reached units with a nonzero sum are re-evaluated; those with
[z_l[u] >= theta_l[u]] != a0_l[u] form E_l. Decoding: a_L[q] = a0_L[q] xor [q in E_L], and
only outputs k with Q_k meeting E_L can differ from y0_k; circuits/engine/_decode.py
(:class:`PivotDecoder`) finds those that do without summing E_L into every output that holds
an event: an output off at baseline is tried only from its pivot, one unit of Q_k off at
baseline that must be an event for y_k to turn on.

**Grouping.** The contributions (input b, unit u, W[u, v] delta_v) of a piece of inputs
b0..b1 are summed per key (b - b0) d_l + u, exactly in int64, in one of two ways:

* sorted (any backend): sort the keys, difference a cumulative sum at the group boundaries,
  keep the nonzero sums and compare only those units;
* dense (NumPy, only when the piece's key range (b1 - b0 + 1) d_l is at most 8 times its
  number of contributions): ``add.at`` into a zeroed buffer, then compare every unit of the
  range at once (a unit not reached has sum 0, so it keeps its baseline state and makes no
  event) and zero the range again.

Either way one input costs O(|A| t + the fan-out of its events in each layer + the decode's
work, circuits/engine/_decode.py), times log of that for sorting, never O(m), O(m') or
O(d_l): the dense range is bounded by 8 times the work it replaces. Only the baseline (once
per network) and the outputs that read 1 at baseline (B |y0| ones, part of the answer) cost
more. Sums are exact while they fit in int64 (the plain evaluator has the same range).

**Gain-filtered first layer** (``first_layer="gains"``, the default when the evaluator is told
the sparsity s). The step to layer 1 above reads every W_1^T column of every active input unit,
although almost none of those small contributions can reach a threshold. With s known, a table
built once per evaluator (:class:`superpose.circuits.engine._gains.FirstLayerGains`, whose
docstring has the math and the proofs) bounds, per input b and unit u of layer 1, how far the
active features F_b (|F_b| <= s) can move z_u away from its baseline 0: u changes state only if
the bound U_u reaches its need N_u (theta_u if off at baseline, 1 - theta_u if on), and only
units that some active feature stores can. For each *candidate* (b, u) the exact

    z_1[u] = sum_{p in A_b} W_1[u, p],   A_b = union_{i in F_b} P_i = E_0 of input b (a set),

is summed from at most s t weights looked up in W_1's own row-major order (keys
(u - u_lo) d_0 + p, int32, binary search), except where no look-up is needed: if u is off at
baseline, its row of W_1 has no negative weight (so the stored gain is G_u(f) = g_u(f) =
sum_{p in P_f} W_1[u, p]), every active feature of b has a stored entry for u, and the
supports of b's features do not overlap (|A_b| = sum_f |P_f|), then A_b is their disjoint
union and z_1[u] = sum_{f in F_b} G_u(f), the sum the bound already formed. E_1 = the
candidates with
[z_1[u] >= theta_1[u]] != a0_1[u]. From there the stages are the ones above. One input costs
O(|A| t + its features' table entries of level <= |F_b| + (candidates) s t log nnz(W_1)) for
layer 1, instead of the fan-out of A in W_1^T; the table costs O(d_1 (nnz(P) + m)) time once
(``table_seconds``) and replaces W_1^T in memory. A look-up (a binary search) costs several
times a W_1^T entry read in sequence, so where the candidates are many (circuits whose layer-1
units fire on most inputs, such as a permutation's), a block whose look-ups would exceed
1 / ``lookup_cost`` of its active units' W_1^T entries reads those columns as above instead
(W_1^T is then built, once): both give the same E_1. Rows with more than s distinct features
are refused; rows with fewer are exact too (the bound sums over the features present).

**Dense first layer** (``first_layer="dense"``, or "auto" where it pays). Where each feature
stores a large share of layer 1 in the table (a first layer whose units each feel many
features) and m d_1 is small, layer 1 is instead z_1 = sum_{f in F_b} G[f] over dense rows
G[f] = W_1 1[P_f] of full gains, exact for inputs whose features' supports are disjoint; the
others go through W_1^T as above (circuits/engine/_dense_first.py has the math).

Work is cut into pieces of whole inputs with about ``max_work`` contributions each, and the
batch into blocks of ``max_rows`` inputs, so intermediate arrays stay small. The baseline is
computed when the evaluator is built: networks are immutable, and one changed in place
afterwards is not seen consistently (build a new network instead).

The array code is written against a module ``xp`` (NumPy by default) with functions NumPy and
CuPy share (cumsum, argsort, flatnonzero, searchsorted, concatenate, fancy indexing), so
``EventEvaluator(network, xp=cupy)`` runs on a GPU; the result is always a SciPy CSR on the
host. :func:`circuits.engine.array_backend` picks the module.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
import types
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from superpose.circuits.engine._bitmap import RankBitmap, bitmap_bytes, bitmap_supported
from superpose.circuits.engine._decode import PivotDecoder
from superpose.circuits.engine._dense_first import (
    DENSE_FIRST_ENTRIES,
    DenseFirstLayer,
    dense_first_pays,
)
from superpose.circuits.engine._gains import (
    MAX_TABLE_BYTES,
    FirstLayerGains,
    _row_abs_max,
    expand_ranges,
    negative_rows,
    solo_levels,
    table_workers,
)
from superpose.circuits.model import PAD, ThresholdNetwork, search_sorted_ranges
from superpose.circuits.validate import check_choice, check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["EvaluatorOptions", "EventEvaluator", "WeightLookup", "event_evaluator",
           "gain_table_kind"]

MAX_WORK = 1 << 18
MAX_ROWS = 1 << 14
#: a block keeps its packed sort keys in int32 only if that allows this many inputs a block
MIN_INT32_ROWS = 4096
#: inputs a block holds at most with the dense first layer
DENSE_BLOCK_ROWS = 2048
GROUPINGS = ("auto", "sort")
FIRST_LAYERS = ("auto", "gains", "dense", "events")
TABLE_DIVISOR = 2
LOOKUP_COST = 8
_DENSE_FACTOR = 8


class _Fanout:
    """A CSR adjacency on the backend: source v reaches ``idx[ptr[v]:ptr[v+1]]`` with weights
    ``val[...]`` (``val`` is None when every weight is 1). Indices are int32 when the width
    allows and weights the narrowest signed integer type that holds them, so gathers move
    fewer bytes; sums are always taken in int64."""

    def __init__(self, xp, indptr: np.ndarray, indices: np.ndarray, values, width: int):
        self.ptr = xp.asarray(np.asarray(indptr, dtype=np.int64))
        narrow = width < 2 ** 31 and np.asarray(indices).dtype != np.int32
        self.idx = xp.asarray(np.asarray(indices, dtype=np.int32) if narrow else indices)
        ones = values is None or bool(np.all(values == 1))
        self.val = None if ones else xp.asarray(_narrowest(np.asarray(values)))
        self.width = int(width)


def _columns(xp, layer) -> _Fanout:
    """W_l^T of ``layer`` (its stored nonzero weights) as a :class:`_Fanout` on ``xp``."""
    wt = layer.stored_weights_t
    if np.count_nonzero(wt.data) != wt.nnz:
        wt = wt.copy()
        wt.eliminate_zeros()
    return _Fanout(xp, wt.indptr, wt.indices, wt.data, layer.width)


def _narrowest(values: np.ndarray) -> np.ndarray:
    """Integer ``values`` in the narrowest of int8, int16, int32, int64 that holds them
    exactly (``values`` itself when it already has that type)."""
    low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype, copy=False)
    raise InvalidArgument(f"weights up to {high} do not fit int64")


#: a weight look-up reads a dense copy of W up to this size (and DENSE_OVER_SPARSE times the
#: sparse keys and weights); above it, a rank bitmap of W's pattern where that takes at most
#: BITMAP_OVER_KEYS times the sparse keys' bytes, else it binary-searches the sparse keys
MAX_DENSE_BYTES = 1 << 29
DENSE_OVER_SPARSE = 4
BITMAP_OVER_KEYS = 4
#: a lazy look-up builds its copy once the pairs looked up reach d d_0 / LAZY_RATIO; the
#: evaluator of a certification (search_divisor set), which looks up tens of millions of
#: pairs at m' = 10^5, builds it sooner (a bisection costs several times a read of the copy)
LAZY_RATIO = 64
SEARCH_LAZY_RATIO = 1024
_KEY_LIMIT = 2 ** 31 - 1
_KEY_CHUNK = 1 << 22


class WeightLookup:
    """W[u, p] for many (u, p) pairs at once: read from a dense copy of W when that is small,
    else by binary search in W's own row-major order.

    *Dense*: when d x d_0 weights of the narrowest type that holds them take at most
    ``max_dense_bytes`` and at most ``DENSE_OVER_SPARSE`` times the bytes of the sparse keys
    and weights, W is copied into a dense d x d_0 array once and a pair costs one read (a
    binary search costs a dozen or more, most of them cache misses).

    *Bitmap* (NumPy >= 2 only): else, when the words of :class:`_bitmap.RankBitmap` (2 bits a
    cell of W) take at most ``BITMAP_OVER_KEYS`` times the bytes of the sparse keys, a pair
    costs one read of its word and one of its weight.

    *Sparse*: else, the stored nonzero weights of units [u_lo, u_hi) get the keys
    (u - u_lo) d_0 + p, which increase along the CSR arrays (sorted indices); each block of
    units is as large as keeps its keys below 2^31, so the keys are int32 (4 bytes per
    weight; one block unless d_1 d_0 >= 2^31). A pair whose key is not stored has weight 0.
    ``bytes_per_lookup`` is what one pair reads at least (the value; plus its key if sparse).

    *Lazy* (``lazy=True``): neither copy is made up front. Pairs are found by bisecting each
    one's own row of W's CSR (sorted column indices), O(log of the row's length) reads and no
    set-up, until the pairs looked up so far reach ``d d_0 / lazy_ratio`` (default
    ``LAZY_RATIO``); then the dense copy, the bitmap or the keys are built as above and used
    from there on. A run with few look-ups (a fuzz of 100,000 inputs makes under a million)
    never pays for the copy (a second at m' = 10^5); a long one (a certification) pays it
    once, after at most about its cost in bisections.
    """

    def __init__(self, xp, weights: sp.csr_matrix, max_dense_bytes: int = MAX_DENSE_BYTES,
                 lazy: bool = False, lazy_ratio: int | None = None):
        w = weights
        if not w.has_sorted_indices:
            w = w.sorted_indices()
        if np.count_nonzero(w.data) != w.nnz:  # (counted in place: no mask of nnz bools)
            w = w.copy()
            w.eliminate_zeros()
        d, d0 = w.shape
        self.xp, self.d0 = xp, int(d0)
        self.dense = self.keys = self.vals = self.bitmap = None
        self._lock = threading.Lock()
        self._pending = (w, max_dense_bytes) if lazy else None
        if lazy:
            self._rows = (xp.asarray(w.indptr.astype(np.int64)), xp.asarray(w.indices),
                          xp.asarray(w.data))
            self._budget = d * d0 // (LAZY_RATIO if lazy_ratio is None else lazy_ratio)
            # a bisection reads about log2 of the longest row's entries
            self.bytes_per_lookup = 8 * int(np.diff(w.indptr).max(initial=0)).bit_length()
            return
        self._build(w, max_dense_bytes)

    def _build(self, w: sp.csr_matrix, max_dense_bytes: int) -> None:
        """The dense copy, the bitmap or the keys; ``_pending`` is cleared last, so a thread
        that finds it None finds them built."""
        xp = self.xp
        d, d0 = w.shape
        narrow = _narrowest(w.data)
        dense_bytes = d * d0 * narrow.itemsize
        self.dense = None
        if dense_bytes <= min(max_dense_bytes,
                              DENSE_OVER_SPARSE * w.nnz * (4 + narrow.itemsize)):
            self.dense = xp.asarray(_dense_rows(w, narrow.dtype))
            self.keys = self.vals = None
            self.bytes_per_lookup = narrow.itemsize
            self._pending = self._rows = None
            return
        if bitmap_supported(xp, w.nnz) and \
                bitmap_bytes(w.shape) <= BITMAP_OVER_KEYS * 4 * w.nnz:
            self.bitmap = RankBitmap(w, narrow)
            self.bytes_per_lookup = 8 + narrow.itemsize
            self._pending = self._rows = None
            return
        self.bytes_per_lookup = 4 + narrow.itemsize
        ptr = w.indptr.astype(np.int64)
        per = max(1, _KEY_LIMIT // max(1, d0))
        keys = np.empty(w.nnz, dtype=np.int32)
        self.blocks = []
        for u_lo in range(0, d, per):
            u_hi = min(u_lo + per, d)
            e_lo, e_hi = int(ptr[u_lo]), int(ptr[u_hi])
            for a in range(e_lo, e_hi, _KEY_CHUNK):
                b = min(a + _KEY_CHUNK, e_hi)
                rows = np.searchsorted(ptr, np.arange(a, b), side="right") - 1
                keys[a:b] = (rows - u_lo) * d0 + w.indices[a:b]
            self.blocks.append((u_lo, u_hi, e_lo, e_hi))
        self.keys = xp.asarray(keys)
        self.vals = xp.asarray(narrow)
        self._pending = self._rows = None

    def __call__(self, units, p):
        """The int64 weights W[units[i], p[i]] (threads may call it at once)."""
        xp = self.xp
        if self._pending is not None:
            with self._lock:
                rows = None
                if self._pending is not None:
                    self._budget -= int(units.size)
                    if self._budget >= 0:
                        rows = self._rows
                    else:
                        self._build(*self._pending)
            if rows is not None:
                return self._bisect(rows, units, p)
        if self.dense is not None:
            return self.dense[units, p].astype(xp.int64)
        if self.bitmap is not None:
            return self.bitmap(units, p)
        out = xp.zeros(units.size, dtype=xp.int64)
        for u_lo, u_hi, e_lo, e_hi in self.blocks:
            if e_hi == e_lo:
                continue
            if len(self.blocks) == 1:
                sel, u, q = None, units, p
            else:
                sel = xp.flatnonzero((units >= u_lo) & (units < u_hi))
                u, q = units[sel], p[sel]
            key = ((u - u_lo) * self.d0 + q).astype(xp.int32)
            keys = self.keys[e_lo:e_hi]
            found = xp.minimum(xp.searchsorted(keys, key), e_hi - e_lo - 1)
            weight = xp.where(keys[found] == key, self.vals[e_lo + found].astype(xp.int64), 0)
            if sel is None:
                out = weight
            else:
                out[sel] = weight
        return out

    def _bisect(self, rows, units, p):
        """W[units[i], p[i]] by a bisection of row units[i]'s sorted column indices (``rows``:
        W's CSR arrays), all pairs in step (:func:`circuits.model.search_sorted_ranges`)."""
        xp = self.xp
        ptr, indices, data = rows
        if not units.size or not indices.size:
            return xp.zeros(units.size, dtype=xp.int64)
        found, at = search_sorted_ranges(indices, ptr[units], ptr[units + 1], p, xp,
                                         (units, ptr.size - 1))
        return xp.where(found, data[at].astype(xp.int64), 0)


def _dense_rows(w: sp.csr_matrix, dtype) -> np.ndarray:
    """W (CSR, every weight fits ``dtype``) as a dense array of ``dtype``: one pass of SciPy's
    CSR-to-dense over the weights narrowed first, so no wider copy is ever made."""
    narrow = sp.csr_matrix((w.data.astype(dtype), w.indices, w.indptr), shape=w.shape)
    return narrow.toarray()


@dataclass(frozen=True)
class EvaluatorOptions:
    """How an :class:`EventEvaluator` cuts and routes its work; none of it changes a result.

    ``max_work``: the contributions handled at once (>= 1); ``max_rows``: the inputs per block
    (>= 1); ``grouping``: "auto" (dense accumulator where it pays, NumPy only) or "sort".
    ``first_layer``: how layer 1 is reached: "gains" (the gain-filtered first layer of the
    module docstring; needs the evaluator's ``sparsity``; its table, with cutoffs
    ceil(N_u / (s ``table_divisor``)), is built with blocks of at most ``max_table_bytes``),
    "dense" (dense rows of every feature's full gains, summed per input: circuits/engine/
    _dense_first.py; needs the sparsity and NumPy; the table is built too, for
    :meth:`candidates`), "events" (every W_1^T column of every active input unit), or "auto":
    "dense" where that pays (:func:`dense_first_pays`), else "gains", when a sparsity is given
    and the network has a layer, else "events". With "gains", a block of
    inputs whose candidates need more than 1 / ``lookup_cost`` as many weight look-ups as its
    active input units have W_1^T entries reads those columns instead (W_1^T is then built,
    once; both are exact; ``lookup_cost=0`` never does). ``max_dense_lookup``: the most bytes
    a dense copy of a layer's weights may take for :class:`WeightLookup` (0: always binary
    search). A bad value is refused here, in one line naming it.

    >>> EvaluatorOptions(grouping="sort").max_work == MAX_WORK
    True
    """

    max_work: int = MAX_WORK
    max_rows: int = MAX_ROWS
    grouping: str = "auto"
    first_layer: str = "auto"
    max_table_bytes: int = MAX_TABLE_BYTES
    table_divisor: int = TABLE_DIVISOR
    lookup_cost: int = LOOKUP_COST
    max_dense_lookup: int = MAX_DENSE_BYTES
    search_divisor: int = 0

    def __post_init__(self):
        checked = {"max_work": check_int("max_work", self.max_work, minimum=1),
                   "max_rows": check_int("max_rows", self.max_rows, minimum=1),
                   "grouping": check_choice("grouping", self.grouping, GROUPINGS),
                   "first_layer": check_choice("first_layer", self.first_layer, FIRST_LAYERS),
                   "max_table_bytes": check_int("max_table_bytes", self.max_table_bytes,
                                                minimum=1),
                   "table_divisor": check_int("table_divisor", self.table_divisor, minimum=1),
                   "lookup_cost": check_int("lookup_cost", self.lookup_cost, minimum=0),
                   "max_dense_lookup": check_int("max_dense_lookup", self.max_dense_lookup,
                                                 minimum=0),
                   "search_divisor": check_int("search_divisor", self.search_divisor,
                                               minimum=0)}
        for name, value in checked.items():
            object.__setattr__(self, name, value)


class EventEvaluator:
    """Evaluates a :class:`ThresholdNetwork` on batches by events from the empty input's trace.

    ``evaluate(active)`` returns the same B x m' CSR of ones as ``network.evaluate(active)``
    (module docstring: the math and the cost). ``sparsity`` (s) is the most active features an
    input may have: rows with more distinct features are refused. ``options``
    (:class:`EvaluatorOptions`) cuts the work and picks how layer 1 is reached;
    ``first_layer`` then holds the one in use ("gains", "dense" or "events"; the gain table is
    built here, in ``table_seconds``, for "dense" too). ``xp`` is the array module (numpy or
    cupy). ``deadline`` (a ``time.perf_counter()`` value): the gain table stops there with
    :class:`superpose.circuits.engine.TableTimeout` (the evaluator is then not built).
    ``cache`` (a :class:`superpose.circuits.cache.DerivedCache` of the network's file): the
    gain table, its fan-out counts and summable flags are read from it when an entry passes
    its checks, else built and stored there; ``table_source`` says which ("cache", "built",
    or "none" without a gain table).

    Threads may share one evaluator: ``evaluate`` keeps its scratch arrays (the dense
    accumulator, the decoder's flags) per thread, and what it builds on first use (the
    look-up's copy of W_1, W_1^T) is built once, under a lock.
    """

    def __init__(self, network: ThresholdNetwork, sparsity: int | None = None,
                 options: EvaluatorOptions = EvaluatorOptions(), *, xp=np,
                 deadline: float = math.inf, cache=None):
        if not isinstance(network, ThresholdNetwork):
            raise InvalidArgument(f"network={type(network).__name__} must be a ThresholdNetwork; "
                                  "pass circuit.network")
        network.check_fits_evaluation()
        self.xp = xp
        self.options = options
        self.max_work, self.max_rows = options.max_work, options.max_rows
        self.sparsity = None if sparsity is None else check_int("sparsity", sparsity, minimum=1)
        if self.sparsity is not None and self.sparsity >= _WIDE_SPARSITY:
            _check_bounds_fit(network, self.sparsity)
        if options.first_layer in ("gains", "dense") and self.sparsity is None:
            raise InvalidArgument(f"first_layer={options.first_layer!r} needs sparsity=s (the "
                                  "most active features of an input); pass it, or use "
                                  "first_layer='events'")
        if options.first_layer == "dense" and xp is not np:
            raise InvalidArgument("first_layer='dense' runs on NumPy only; use 'gains' on "
                                  "another array module")
        gains = (options.first_layer != "events" and self.sparsity is not None
                 and bool(network.layers))
        self.first_layer = "gains" if gains else "events"
        self._dense = options.grouping == "auto" and xp is np
        # each thread's own dense accumulator, and a lock for what is built on first use, so
        # that threads may evaluate batches at once
        self._scratch, self._lock = threading.local(), threading.Lock()
        self.m, self.m_prime = network.m, network.m_prime
        self.input_width = int(network.input_code.width)
        self._table = self._lookup = self._host_lookup = self._first_fan = None
        self._dense_first = None
        # the weights, not the network: the cache is keyed weakly by the network object
        self._weights, self._lookups = [layer.stored_weights for layer in network.layers], {}
        self.table_seconds = 0.0
        self.gain_tables = None
        self.rise_index = None
        self._cache = cache
        self.table_source = "none"
        self._build_baseline(network, deadline)

    def _build_baseline(self, network: ThresholdNetwork, deadline: float) -> None:
        """The trace of the empty input, layer by layer (a0_0 = 0, z0_l = W_l a0_{l-1},
        a0_l = [z0_l >= theta_l]), each layer's W_l^T fan-out (W_1's gain table instead with
        the gain-filtered first layer) and the pivot decoder of the output code."""
        xp, code = self.xp, network.input_code
        self._input = _Fanout(xp, code.indptr, code.indices, None, code.width)
        traces, a0 = [], np.zeros(code.width, dtype=np.int64)
        for layer in network.layers:
            # W a0 is 0 while nothing is on (always at layer 1): no pass over W_1
            z0 = layer.stored_weights @ a0 if a0.any() else np.zeros(layer.width, np.int64)
            a0 = (z0 >= layer.theta).astype(np.int64)
            traces.append((z0, a0))
        out = network.output_code

        def decoder():
            return PivotDecoder(xp, out.indptr, out.indices, out.width, a0.astype(bool),
                                self._repeater)

        # (NumPy) the decoder is built by a thread of its own while the layers are set up
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(decoder) if xp is np else None
            self._layers = []
            for l, (layer, (z0, a0_l)) in enumerate(zip(network.layers, traces)):
                if self.first_layer == "gains" and l == 0:
                    fan = None  # layer 1 is reached through the gain table, never W_1^T
                    self._build_table(layer, code, deadline)
                else:
                    fan = _columns(xp, layer)
                self._layers.append((fan, xp.asarray(z0), xp.asarray(layer.theta),
                                     xp.asarray(a0_l.astype(bool))))
            self._decoder = decoder() if pending is None else pending.result()
        self.baseline_outputs = self._decoder.baseline_outputs

    def _build_table(self, layer, code, deadline: float) -> None:
        """The gain table of layer 1 and the weight lookup of its exact sums, on the backend;
        ``table_seconds`` is the time both took (paid once per evaluator)."""
        start = time.perf_counter()
        xp = self.xp
        w = layer.stored_weights
        table, fanout, summable, packed = self._cached_table(layer, code)
        if table is None:
            table = FirstLayerGains(w, layer.theta, code.indptr, code.indices,
                                    code.width, self.sparsity, self.options.max_table_bytes,
                                    self.options.table_divisor, deadline,
                                    self.options.search_divisor or None)
            fanout = _column_counts(w)
            # a unit off at baseline whose row has no negative weight: its stored gains are
            # the full g_u(f), so on supports that do not overlap z_u is their sum (no
            # look-ups)
            summable = table.off & ~negative_rows(w)
            packed = _packed_entries(table, layer.width)
            self._store_table(table, fanout, summable, packed)
        if self.options.search_divisor:
            self.gain_tables = (table.positive, table.negative)
            self.rise_index = table.rise
        self.table_entries = table.entries
        self._table = types.SimpleNamespace(
            ptr=xp.asarray(table.indptr), level_ends=xp.asarray(table.level_ends),
            units=xp.asarray(table.units),
            gain_bits=table.gain_bits,
            gains=xp.asarray(table.gains), leak=xp.asarray(table.leak),
            need=xp.asarray(table.need), theta=xp.asarray(layer.theta),
            solo_ptr=xp.asarray(table.solo_indptr), solo=xp.asarray(table.solo),
            solo_ends=xp.asarray(table.solo_ends),
            on0=xp.asarray(~table.off), width=layer.width, entry_bytes=(
                table.units.itemsize + table.gains.itemsize))
        self._table.packed = None if packed is None else xp.asarray(packed)
        self._lookup = self._host_lookup if xp is np and self._host_lookup is not None \
            else WeightLookup(xp, w, self.options.max_dense_lookup, lazy=True,
                              lazy_ratio=self._lazy_ratio)
        self._table.fanout = xp.asarray(fanout)
        self._table.summable = xp.asarray(summable)
        self._table.support_len = xp.asarray(np.diff(code.indptr).astype(np.int64))
        self._layer1 = layer
        self._dense_first = self._dense_first_layer(layer, code, table)
        if self._dense_first is not None:
            self.first_layer = "dense"
        self.table_seconds = time.perf_counter() - start

    def _dense_first_layer(self, layer, code, table) -> DenseFirstLayer | None:
        """Layer 1's dense rows of full gains (circuits/engine/_dense_first.py) when
        ``first_layer`` is "dense", or "auto" and they pay (:func:`dense_first_pays`), on
        NumPy and outside the certifier's search; else None (the gain table is used)."""
        wanted = self.options.first_layer
        if self.xp is not np or self.options.search_divisor or wanted not in ("auto", "dense"):
            return None
        if wanted == "auto" and not dense_first_pays(code.n_rows, layer.width, table.entries):
            return None
        if wanted == "dense" and code.n_rows * layer.width > DENSE_FIRST_ENTRIES:
            raise InvalidArgument(f"first_layer='dense' needs m * d_1 = "
                                  f"{code.n_rows * layer.width} <= {DENSE_FIRST_ENTRIES}; use "
                                  "'gains' or 'auto'")
        try:
            return DenseFirstLayer(layer, ~table.off, code)
        except ValueError as exc:
            if wanted == "dense":
                raise InvalidArgument(f"first_layer='dense' cannot hold its sums ({exc}); use "
                                      "'gains' or 'auto'") from None
            return None

    def _cache_kind(self) -> str:
        return gain_table_kind(self.options.table_divisor)

    def _cached_table(self, layer, code):
        """(table, fanout, summable, packed) from the per-file cache, or Nones: a cache is
        given, the certifier's tables are not wanted (they are not cached), and the entry is
        there, passes its checksum (:class:`superpose.circuits.cache.DerivedCache`) and fits
        this layer (:meth:`_fit_cached`, checked while the checksum is computed)."""
        if self._cache is None or self.options.search_divisor:
            return None, None, None, None
        found = self._cache.get(self._cache_kind(), self.sparsity,
                                fit=lambda arrays: self._fit_cached(arrays, layer, code))
        if found is None:
            return None, None, None, None
        *parts, self._host_lookup = found
        self.table_source = "cache"
        return tuple(parts)

    def _fit_cached(self, arrays, layer, code):
        """(table, fanout, summable, packed, lookup) from a cache entry's ``arrays``, checked
        against layer 1 and the input code (:meth:`FirstLayerGains.from_arrays`, then
        :func:`_spot_check`, whose weights ``lookup`` reads); InvalidArgument when they do
        not fit."""
        w = layer.stored_weights
        d, d0 = w.shape
        table = FirstLayerGains.from_arrays(arrays, layer.theta, code.n_rows, self.sparsity,
                                            self.options.table_divisor)
        fanout, summable = arrays.get("fanout"), arrays.get("summable")
        if fanout is None or fanout.shape != (d0,) or fanout.dtype.kind not in "iu" \
                or summable is None or summable.shape != (d,) or summable.dtype != bool \
                or not np.array_equal(summable, table.off & ~negative_rows(w)):
            raise InvalidArgument("its fan-out counts or summable flags do not fit")
        packed, kind = arrays.get("packed"), _packed_type(table, layer.width)
        if (packed is None) != (kind is None) or packed is not None and (
                packed.dtype != kind or packed.shape != table.units.shape):
            raise InvalidArgument("its packed entries are not of the table's shape or type")
        lookup = WeightLookup(np, w, self.options.max_dense_lookup, lazy=True,
                              lazy_ratio=self._lazy_ratio)
        _spot_check(table, lookup, code, packed)
        return table, fanout, summable, packed, lookup

    def _store_table(self, table, fanout, summable, packed) -> None:
        self.table_source = "built"
        if self._cache is not None and not self.options.search_divisor:
            extra = {} if packed is None else {"packed": packed}
            self._cache.put_later(self._cache_kind(), self.sparsity,
                                  table.to_arrays() | {"fanout": fanout, "summable": summable}
                                  | extra)

    # --- public -----------------------------------------------------------------------------

    def evaluate(self, active, stats: dict | None = None) -> sp.csr_matrix:
        """Decoded outputs y (B x m' SciPy CSR of ones) for a (B, s) batch padded with -1.

        With a dict ``stats``, also adds up the work done (for cost models): ``features`` (active
        features, sum |A|), ``supports`` (input-code entries read, sum_{i in A} |P_i|), ``events``
        (per layer l = 0..L, sum |E_l|), ``gathered`` (per stage l = 1..L and the decode, the CSR
        entries read for the events of the stage before: W_l^T columns, then the index entries the
        decoder read; 0 for layer 1 with the gain filter) and ``flips`` (outputs that differ from
        y0). With the gain filter also ``gain_entries`` (table entries read), ``candidates``
        ((input, unit) pairs of layer 1 whose bound allows a change) and ``lookups`` (weights
        W_1[u, p] looked up for their exact sums), and ``fallback_columns`` (active input units
        whose W_1^T columns were read instead, in blocks where that was cheaper; their entries are
        in ``gathered[0]``).
        """
        active = self._checked(active)
        batch = active.shape[0]
        if stats is not None:
            stages = len(self._layers) + 1
            for key, value in (("features", 0), ("supports", 0), ("events", [0] * stages),
                               ("gathered", [0] * stages), ("flips", 0)):
                stats.setdefault(key, value)
            if self._table is not None:
                for key in ("gain_entries", "candidates", "lookups", "fallback_columns",
                            "dense_entries"):
                    stats.setdefault(key, 0)
        rows, cols = [], []
        step = self._block_rows()
        for lo in range(0, batch, step):
            r, c = self._block(active[lo:lo + step], stats)
            rows.append(_host(self.xp, r) + lo)
            cols.append(_host(self.xp, c))
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        indptr = np.zeros(batch + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=batch), out=indptr[1:])
        return sp.csr_matrix((np.ones(len(cols), dtype=np.int64), cols, indptr),
                             shape=(batch, self.m_prime))

    def candidates(self, active) -> tuple[np.ndarray, np.ndarray]:
        """(rows, units): the layer-1 candidates of the gain filter for a batch, sorted; every
        unit of layer 1 that differs from its baseline state on an input is among them (the
        others are left at baseline without exact work). Needs first_layer == "gains"."""
        if self._table is None:
            raise InvalidArgument("candidates need the gain-filtered first layer; build the "
                                  "evaluator with sparsity=s and first_layer='gains'")
        active = self._checked(active)
        xp = self.xp
        b, j = np.nonzero(active != PAD)
        bounds = self._gain_bounds(xp.asarray(b), xp.asarray(active[b, j]), active.shape[0],
                                   None)
        return _host(xp, bounds.rows), _host(xp, bounds.units)

    def trace_events(self, active, layers: int | None = None
                     ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The events of every layer for a batch: [E_0, ..., E_L], each (rows, units, deltas)
        as host arrays sorted by (row, unit), with a_l[row, u] = a0_l[u] + delta for the listed
        pairs and a_l[row, u] = a0_l[u] for every other (module docstring). E_0 holds the
        active input units (deltas all +1). ``baseline(l)`` gives (z0_l, a0_l). ``layers``:
        stop after E_layers (default L), so the layers above it cost nothing."""
        active = self._checked(active)
        top = len(self._layers) if layers is None else int(layers)
        if not 0 <= top <= len(self._layers):
            raise InvalidArgument(f"layers={layers!r} must lie in [0, {len(self._layers)}]")
        parts = [([], [], []) for _ in range(top + 1)]
        step = self._block_rows()
        for lo in range(0, active.shape[0], step):
            for part, (rows, units, deltas) in zip(
                    parts, self._layer_events(active[lo:lo + step], None, top)):
                rows = _host(self.xp, rows)
                part[0].append(rows + lo)
                part[1].append(_host(self.xp, units))
                part[2].append(np.ones(rows.size, np.int64) if deltas is None
                               else _host(self.xp, deltas))
        empty = np.zeros(0, np.int64)
        return [tuple(np.concatenate(p).astype(np.int64) if p else empty for p in part)
                for part in parts]

    def weight_lookup(self, layer: int) -> "WeightLookup":
        """W_l[u, v] for pairs, l = 1..L (:class:`WeightLookup`, built once per layer; layer 1
        shares the gain filter's own)."""
        if not 1 <= layer <= len(self._layers):
            raise InvalidArgument(f"layer={layer!r} must lie in [1, {len(self._layers)}]")
        if layer == 1 and self._lookup is not None:
            return self._lookup
        with self._lock:
            found = self._lookups.get(layer)
            if found is None:
                found = self._lookups[layer] = WeightLookup(
                    self.xp, self._weights[layer - 1], self.options.max_dense_lookup,
                    lazy=True, lazy_ratio=self._lazy_ratio)
        return found

    @property
    def _lazy_ratio(self) -> int:
        return SEARCH_LAZY_RATIO if self.options.search_divisor else LAZY_RATIO

    def thresholds(self, layer: int) -> np.ndarray:
        """theta_l of layer l = 1..L (a host int64 array)."""
        if not 1 <= layer <= len(self._layers):
            raise InvalidArgument(f"layer={layer!r} must lie in [1, {len(self._layers)}]")
        return _host(self.xp, self._layers[layer - 1][2]).astype(np.int64, copy=False)

    def baseline(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """(z0_l, a0_l) of the empty input for layer l = 1..L (host arrays, int64 and bool)."""
        if not 1 <= layer <= len(self._layers):
            raise InvalidArgument(f"layer={layer!r} must lie in [1, {len(self._layers)}]")
        _, z0, _, a0 = self._layers[layer - 1]
        return _host(self.xp, z0), _host(self.xp, a0)

    def bytes_read(self, stats: dict) -> int:
        """The circuit bytes an evaluation that filled ``stats`` had to read, at least:

        sum over active features i of (2 pointers + |P_i| indices) of the input code, plus, for
        each stage (layers 1..L, then the decode), sum over the events v of the layer before of
        (2 pointers + fan-out(v) (index + weight)) of W_l^T, and for the decode 2 pointers per
        event of layer L and one index per entry it read (``PivotDecoder``: pivot-table entries,
        second pivots, the rows of Q of the candidates that keep them, and the rows of Q^T
        among outputs on at baseline). With the gain filter, layer 1 reads instead, per active
        feature, 2 pointers and its stored entries (unit index + gain) of the table, per
        lookup one key and one weight of W_1, and in blocks that read W_1^T instead
        (``fallback_columns``) those columns as above. Bytes are those of the arrays the
        evaluator reads (pointers int64, indices int32 unless a width needs int64, weights in
        the narrowest integer type that holds them). Intermediate arrays, thresholds, leak caps
        and baselines are not counted, and a lookup's binary search reads more than one key, so
        this is a floor on the memory traffic of the evaluation.
        """
        fans = [self._input] + [layer[0] for layer in self._layers]
        total = stats["features"] * 2 * fans[0].ptr.itemsize
        total += stats["supports"] * fans[0].idx.itemsize
        decoder = self._decoder
        total += (stats["events"][-1] * 2 * decoder.pointer_bytes
                  + stats["gathered"][-1] * decoder.index_bytes)
        for fan, events, gathered in zip(fans[1:], stats["events"], stats["gathered"]):
            if fan is None:  # layer 1 through the gain table
                table, lookup = self._table, self._lookup
                total += stats["features"] * 2 * table.ptr.itemsize
                total += stats["gain_entries"] * table.entry_bytes
                total += stats["lookups"] * lookup.bytes_per_lookup
                total += stats["dense_entries"] * 4  # int32 entries of dense rows of gains
                fan, events = self._first_fan, stats["fallback_columns"]
                if fan is None:
                    continue
            entry = fan.idx.itemsize + (0 if fan.val is None else fan.val.itemsize)
            total += events * 2 * fan.ptr.itemsize + gathered * entry
        return int(total)

    # --- one block of inputs ----------------------------------------------------------------

    def _checked(self, active) -> np.ndarray:
        arr = np.asarray(active)
        if arr.ndim != 2 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
            raise InvalidArgument(f"active of shape {arr.shape} and dtype {arr.dtype} must be a "
                                  "2-d integer array (B, s); pad rows with -1")
        arr = arr.astype(np.int64, copy=False)
        if arr.size and (arr.min() < PAD or arr.max() >= self.m):
            bad = arr[(arr < PAD) | (arr >= self.m)][0]
            raise InvalidArgument(f"active feature {int(bad)} must lie in [0, m={self.m}) or "
                                  f"be {PAD} padding; drop it")
        s = self.sparsity
        if s is not None and arr.shape[1] > s and arr.shape[0]:
            ordered = np.sort(arr, axis=1)
            new = np.ones(ordered.shape, dtype=bool)
            new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
            count = ((ordered != PAD) & new).sum(axis=1)
            over = np.flatnonzero(count > s)
            if over.size:
                b = int(over[0])
                raise InvalidArgument(f"row {b} of active has {int(count[b])} distinct features "
                                      f"but sparsity={s}; pass at most {s} per row or build "
                                      "the evaluator with a larger sparsity")
        return arr

    def _block(self, active: np.ndarray, stats: dict | None):
        """(rows, columns) of the ones of y for one block, sorted by row then column."""
        rows, units, deltas = self._layer_events(active, stats, last_only=True)[-1]
        if stats is not None:
            stats["events"][-1] += int(units.size)
        return self._decoder.decode(rows, units, deltas, active.shape[0], stats)

    def _layer_events(self, active: np.ndarray, stats: dict | None,
                      top: int | None = None, last_only: bool = False) -> list:
        """[E_0, E_1, ..., E_top] (top = L by default) of one block, each as (rows, units,
        deltas) sorted by (row, unit); E_0's deltas are None (all +1). ``last_only``: only
        E_top will be read, so E_0 may be left None where the gain filter needs it only for
        the inputs with a candidate (:meth:`_gain_events`)."""
        xp = self.xp
        b, j = np.nonzero(active != PAD)
        feature_rows = xp.asarray(b)
        features = xp.asarray(active[b, j])
        lazy = last_only and stats is None and self._table is not None \
            and self._dense_first is None and (top is None or top >= 1)
        events = [None if lazy else self._input_events(feature_rows, features)]
        if stats is not None:
            ptr = self._input.ptr
            stats["features"] += int(features.size)
            stats["supports"] += int((ptr[features + 1] - ptr[features]).sum())
        for stage, (fan, base, limit, ref) in enumerate(self._layers[:top]):
            if stage == 0 and self._table is not None:
                if stats is not None:
                    stats["events"][0] += int(events[0][1].size)
                events.append(self._gain_events(feature_rows, features, events[0],
                                                active.shape[0], stats))
                continue
            rows, units, deltas = events[-1]
            if stats is not None:
                stats["events"][stage] += int(units.size)
                stats["gathered"][stage] += int((fan.ptr[units + 1] - fan.ptr[units]).sum())
            events.append(self._step(rows, units, deltas, fan, base, limit, ref))
        return events

    def _gain_bounds(self, feature_rows, features, batch: int, stats: dict | None):
        """The gain filter of layer 1 (module docstring) for active ``features`` of inputs
        ``feature_rows`` (sorted): the candidates, the (input, unit) pairs whose bound U_u
        reaches the need N_u, sorted by (row, unit), as ``rows`` and ``units``; with
        ``sums`` (their stored gains summed), ``complete`` (every active feature of the input
        had a stored entry for the unit) and ``support_total`` (per input, sum of |P_f| over
        its distinct active features).

        The entries read are sorted by (row, unit) only to find the units that two or more of
        an input's features store; U_u is formed for those. A unit that one feature alone
        stores is a candidate exactly when the entry is in that feature's solo list up to the
        input's number of features (circuits/engine/_gains.py, *Alone*)."""
        xp, table = self.xp, self._table
        empty = xp.zeros(0, dtype=xp.int64)

        def result(rows, units, sums, complete, support_total):
            return types.SimpleNamespace(rows=rows, units=units, sums=sums, complete=complete,
                                         support_total=support_total, features=features,
                                         first=first, counts=counts)

        if not feature_rows.size:
            first = counts = xp.zeros(batch, dtype=xp.int64)
            return result(empty, empty, empty, xp.zeros(0, dtype=bool),
                          xp.zeros(batch, dtype=xp.int64))
        feature_rows, features, first, counts, support_total = self._active_sets(
            feature_rows, features, batch)
        # a feature of an input with j features reads its entries of level <= j
        reads = counts[feature_rows]
        starts = table.ptr[features]
        lens = table.level_ends[features, reads - 1] - starts
        rep, pos = self._ranges(starts, lens)
        if stats is not None:
            stats["gain_entries"] += int(pos.size)
        if not pos.size:
            return result(empty, empty, empty, xp.zeros(0, dtype=bool), support_total)
        keys, gain_at = self._sorted_by_key(feature_rows, rep, pos, batch)
        shared_keys, sums, sizes = self._shared(keys, gain_at)
        alone_keys, alone_sums = self._alone(feature_rows, features, reads)
        if shared_keys.size and alone_keys.size:  # (an entry of a shared unit is not alone)
            at = xp.minimum(xp.searchsorted(shared_keys, alone_keys), shared_keys.size - 1)
            single = xp.flatnonzero(shared_keys[at] != alone_keys)
            alone_keys, alone_sums = alone_keys[single], alone_sums[single]
        keys = xp.concatenate([shared_keys, alone_keys])
        order = xp.argsort(keys, kind="stable")  # (a sorted run, then a few more)
        sums = xp.concatenate([sums, alone_sums])[order]
        sizes = xp.concatenate([sizes, xp.ones(alone_keys.size, dtype=xp.int64)])[order]
        rows, units = xp.divmod(keys[order], table.width)
        missing = counts[rows] - sizes
        bound = sums + missing * table.leak[units]
        keep = xp.flatnonzero(bound >= table.need[units])
        if stats is not None:
            stats["candidates"] += int(keep.size)
        return result(rows[keep], units[keep], sums[keep], missing[keep] == 0, support_total)

    def _shared(self, keys, gain_at):
        """The groups of two or more equal ``keys`` (sorted): their keys, the sums of their
        gains (``gain_at(i)``: the gains of sorted entries i) and their sizes, as int64."""
        xp = self.xp
        same = xp.flatnonzero(keys[1:] == keys[:-1])  # entries i and i + 1 share a key
        if not same.size:
            empty = xp.zeros(0, dtype=xp.int64)
            return empty, empty, empty
        head = xp.ones(same.size, dtype=bool)
        head[1:] = same[1:] != same[:-1] + 1
        heads = same[head]
        sizes = xp.diff(xp.concatenate([xp.flatnonzero(head),
                                        xp.asarray([same.size], dtype=heads.dtype)])) + 1
        sums = gain_at(heads).astype(xp.int64)
        for j in range(1, int(sizes.max())):
            more = xp.flatnonzero(sizes > j)
            sums[more] += gain_at(heads[more] + j)
        return keys[heads].astype(xp.int64), sums, sizes.astype(xp.int64)

    def _alone(self, feature_rows, features, reads):
        """The keys row * d_1 + unit and gains of the listed solo entries of level <= the
        input's number of features ``reads``, for each active feature of each input (int64,
        not sorted)."""
        xp, table = self.xp, self._table
        lo = table.solo_ptr[features]
        lens = table.solo_ends[features, reads - 1] - lo
        rep, at = self._ranges(lo, lens)
        if not at.size:
            empty = xp.zeros(0, dtype=xp.int64)
            return empty, empty
        at = table.solo[at]
        keys = rep(feature_rows * table.width) + table.units[at].astype(xp.int64)
        return keys, table.gains[at].astype(xp.int64)

    def _active_sets(self, feature_rows, features, batch: int):
        """Each input's distinct active features: (rows, features) sorted by (row, feature),
        and per input of the batch its first position among them, their number and
        sum_f |P_f| over them (integers)."""
        xp, m = self.xp, self.m
        keys = self._distinct(feature_rows * m + features, batch * m)  # a set per input
        feature_rows, features = keys // m, keys % m
        span = xp.arange(batch, dtype=xp.int64)
        first = xp.searchsorted(feature_rows, span, side="left")
        after = xp.searchsorted(feature_rows, span, side="right")
        lengths = xp.concatenate([xp.zeros(1, dtype=xp.int64),
                                  xp.cumsum(self._table.support_len[features])])
        return feature_rows, features, first, after - first, lengths[after] - lengths[first]

    def _sorted_by_key(self, feature_rows, rep, pos, batch: int):
        """The keys row * d_1 + unit of table entries ``pos``, read for the features of inputs
        ``feature_rows`` (``rep`` repeats a value per feature over its entries), sorted, and
        ``gain_at(i)``, the gains of sorted entries i (integer arrays of any width). One sort
        of row * (d_1 2^b) + the entry's packed unit * 2^b + gain (b bits hold every gain;
        ``packed`` is stored so), in int32 when that fits (``_block_rows`` keeps blocks that
        small), else int64; an argsort of the keys alone when even int64 cannot hold the
        packing. A feature's entries are sorted by level, then unit, so an input's keys are a
        few sorted runs: a stable sort (timsort) merges them about three times faster than a
        quicksort."""
        xp, table = self.xp, self._table
        bits, width = table.gain_bits, table.width
        if table.packed is None:
            keys = rep(feature_rows * width) + table.units[pos]
            order = xp.argsort(keys, kind="stable")
            return keys[order], lambda i: table.gains[pos[order[i]]]
        stride = width << bits
        kind = xp.int32 if batch * stride < 2 ** 31 else xp.int64
        packed = rep((feature_rows * stride).astype(kind))
        packed += table.packed[pos]  # (int32 whenever kind is: stride < 2^31 then)
        packed = xp.sort(packed, kind="stable")
        return packed >> bits, lambda i: packed[i] & ((1 << bits) - 1)

    @property
    def block_rows(self) -> int:
        """Inputs the evaluator handles at once (a batch is cut into blocks of this many):
        batches of a multiple of it leave no short block."""
        return self._block_rows()

    def _block_rows(self) -> int:
        """Inputs per block: ``max_rows``, and with the gain filter at most as many as keep
        its packed sort keys in int32 when that still leaves ``MIN_INT32_ROWS`` inputs a
        block, else in int64. A block's work outside its array passes (a few hundred NumPy
        calls, under the GIL) outweighs what int32 keys save in the sort unless blocks are
        large: the and2 circuit at m' = 10^5 (int32 blocks of 1,560 inputs) fuzzes 100,000
        inputs on two threads in about 0.36 s with int64 blocks of 4,096, 0.42 to 0.5 s with
        its int32 ones; blocks of one or two inputs (wide layers, large gains) cost far
        more. The dense first layer (no sort: dense rows of d_1 sums per input) keeps blocks
        of at most ``DENSE_BLOCK_ROWS``: nearcut's enumeration at m' = 10^5 took 61 s
        instead of 48 in blocks of 4,096, at 2.5 GB instead of 1.6."""
        table = self._table
        if self._dense_first is not None:
            return min(self.max_rows, DENSE_BLOCK_ROWS)
        if table is None or table.packed is None:
            return self.max_rows
        stride = table.width << table.gain_bits
        rows = (2 ** 31 - 1) // stride
        if rows < MIN_INT32_ROWS:
            rows = (2 ** 63 - 1) // stride
        return min(self.max_rows, max(1, rows))

    def _gain_events(self, feature_rows, features, e0, batch: int, stats: dict | None):
        """E_1 through the gain filter: the candidates' exact sums z_u = sum_{p in A_b} W_1[u, p]
        over the distinct active input units A_b (E_0, sorted; None: made here for the
        inputs with a candidate only, the only ones whose A_b is read, or for all when W_1^T
        is read instead), compared with theta_u; the events are those whose state differs
        from baseline, as (rows, units, deltas) sorted by (row, unit)."""
        if self._dense_first is not None:
            return self._dense_events(feature_rows, features, *e0[:2], batch, stats)
        xp, table = self.xp, self._table
        bounds = self._gain_bounds(feature_rows, features, batch, stats)
        if self.rise_index is not None and xp is np:
            bounds = self._rise_capped(bounds, stats)
        rows, units = bounds.rows, bounds.units
        rows0, units0, _ = e0 if e0 is not None else self._input_events(
            *self._of_rows(rows, feature_rows, features, batch))
        span = xp.arange(batch, dtype=xp.int64)
        starts = xp.searchsorted(rows0, span, side="left")
        sizes = xp.searchsorted(rows0, span, side="right") - starts
        # a row without negative weights (off at baseline: its stored gains are its full
        # g_u(f)) and supports that do not overlap (|A_b| = sum_f |P_f|): z_u = sum_f g_u(f),
        # the stored gains summed plus, for each active feature that stored none of u (at a
        # level the input reads), g_u(f) looked up over P_f alone; otherwise z_u is looked up
        # over all of A_b
        exact = table.summable[units] & (bounds.support_total[rows] == sizes[rows])
        z_all = xp.where(exact, bounds.sums, 0)
        part = xp.flatnonzero(exact & ~bounds.complete)
        owner, unstored = self._unstored(bounds, part)
        unstored_len = table.support_len[unstored]
        look = xp.flatnonzero(~exact)
        work = sizes[rows[look]]
        if self.options.lookup_cost and rows.size:
            # what reading W_1^T would cost, at most (sum_f of its supports' columns)
            columns = int(self._feature_columns()[bounds.features].sum())
            lookups = int(work.sum()) + int(unstored_len.sum())
            if self.options.lookup_cost * lookups > columns:  # W_1^T is cheaper here
                if e0 is None:
                    rows0, units0, _ = self._input_events(feature_rows, features)
                self._first_columns()
                if stats is not None:
                    stats["fallback_columns"] += int(units0.size)
                    stats["gathered"][0] += int(table.fanout[units0].sum())
                _, z0, theta, a0 = self._layers[0]
                return self._step(rows0, units0, None, self._first_fan, z0, theta, a0)
        if owner.size:
            fan = self._input
            rep, total = self._repeater(unstored_len)
            ends = xp.cumsum(unstored_len)
            pos = rep(fan.ptr[unstored] - (ends - unstored_len)) + xp.arange(total)
            weights = self._lookup(rep(units[part[owner]]), fan.idx[pos])
            # owners are sorted: the sums of their runs of pairs, added once per candidate
            cumulative = xp.concatenate([xp.zeros(1, dtype=xp.int64), xp.cumsum(weights)])
            last = xp.flatnonzero(xp.concatenate([owner[1:] != owner[:-1],
                                                  xp.ones(1, dtype=bool)]))
            run_ends = cumulative[ends[last]]
            run_starts = xp.concatenate([xp.zeros(1, dtype=xp.int64), run_ends[:-1]])
            z_all[part[owner[last]]] += run_ends - run_starts
            if stats is not None:
                stats["lookups"] += int(total)
        look_rows, look_units = rows[look], units[look]
        for lo, hi in self._pieces(look_rows, work):
            r, u, w = look_rows[lo:hi], look_units[lo:hi], work[lo:hi]
            rep, total = self._repeater(w)
            ends = xp.cumsum(w)
            pos = rep(starts[r] - (ends - w)) + xp.arange(total)
            weights = self._lookup(rep(u), units0[pos])
            cumulative = xp.concatenate([xp.zeros(1, dtype=xp.int64), xp.cumsum(weights)])
            z_all[look[lo:hi]] = cumulative[ends] - cumulative[ends - w]
            if stats is not None:
                stats["lookups"] += int(total)
        on = z_all >= table.theta[units]
        changed = xp.flatnonzero(on != table.on0[units])
        return rows[changed], units[changed], on[changed].astype(xp.int64) * 2 - 1

    def _rise_capped(self, bounds, stats: dict | None):
        """The candidates whose bound U_u still reaches N_u when each active feature that
        stores no entry of u counts min(h_u, c_u - 1) instead of h_u unless it lists u in the
        rise index (c_u >= 1, :mod:`superpose.circuits.engine._rise`): such a feature has
        g+_u(f) < c_u, and a unit with a floor is off at baseline, so its gain is g+. The
        others are dropped, unchanged (they keep their baseline state)."""
        rise, table = self.rise_index, self._table
        floors = rise.floors[bounds.units]
        cap = np.minimum(table.leak[bounds.units], floors - 1)
        asked = np.flatnonzero(~bounds.complete & (floors >= 1)
                               & (cap < table.leak[bounds.units]))
        if not asked.size:
            return bounds
        owner, feature = self._unstored(bounds, asked)
        units = bounds.units[asked]
        missing = np.bincount(owner, minlength=asked.size)
        listed = np.bincount(owner, weights=rise.lists(feature, units[owner]),
                             minlength=asked.size).astype(np.int64)
        leak = table.leak[units]
        capped = bounds.sums[asked] + listed * leak + (missing - listed) * cap[asked]
        keep = np.ones(bounds.rows.size, bool)
        keep[asked[capped < table.need[units]]] = False
        if stats is not None:
            stats["candidates"] -= int((~keep).sum())
        # each asked candidate's unstored features, kept for _unstored to read back
        runs = np.full((bounds.rows.size, 2), -1, np.int64)
        ends = np.cumsum(missing)
        runs[asked] = np.column_stack([ends - missing, ends])
        return types.SimpleNamespace(**(vars(bounds) | {
            name: getattr(bounds, name)[keep] for name in ("rows", "units", "sums", "complete")}
            | {"unstored_runs": runs[keep], "unstored_features": feature}))

    def _first_columns(self) -> _Fanout:
        """W_1^T (built once, under the lock, on first use)."""
        with self._lock:
            if self._first_fan is None:
                self._first_fan = _columns(self.xp, self._layer1)
        return self._first_fan

    def _feature_columns(self):
        """Per feature f, sum_{p in P_f} of W_1^T's column lengths (each listed unit of P_f
        once per listing; built once, under the lock, on first use): an upper bound on what
        reading W_1^T costs an input, which its supports' overlaps only lower."""
        table = self._table
        with self._lock:
            if getattr(table, "feature_columns", None) is None:
                ptr, idx = self._input.ptr, self._input.idx
                reads = self.xp.cumsum(table.fanout[idx].astype(self.xp.int64))
                reads = self.xp.concatenate([self.xp.zeros(1, dtype=self.xp.int64), reads])
                table.feature_columns = reads[ptr[1:]] - reads[ptr[:-1]]
        return table.feature_columns

    def _of_rows(self, rows, feature_rows, features, batch: int):
        """The (feature_rows, features) pairs of the inputs ``rows`` name (in a block of
        ``batch``), in their order."""
        named = self.xp.zeros(batch, dtype=bool)
        named[rows] = True
        kept = self.xp.flatnonzero(named[feature_rows])
        return feature_rows[kept], features[kept]


    def _dense_events(self, feature_rows, features, rows0, units0, batch: int,
                      stats: dict | None):
        """E_1 from dense rows of full gains (circuits/engine/_dense_first.py) for the inputs
        whose distinct features' supports are disjoint (sum_f |P_f| = |A_b|), and through
        W_1^T for the others (their E_0 columns, exact for any supports), merged sorted by
        (row, unit)."""
        dense = self._dense_first
        rows, feats, _, _, total = self._active_sets(feature_rows, features, batch)
        overlap = total > np.bincount(rows0, minlength=batch)  # sum_f |P_f| > |A_b|
        plain = ~overlap[rows]
        events = dense.events(rows[plain], feats[plain], batch)
        if stats is not None:
            stats["dense_entries"] += int(plain.sum()) * dense.width
        if not overlap.any():
            return events
        sel = overlap[rows0]
        fan = self._first_columns()
        _, z0, theta, a0 = self._layers[0]
        more = self._step(rows0[sel], units0[sel], None, fan, z0, theta, a0)
        if stats is not None:
            stats["fallback_columns"] += int(sel.sum())
            stats["gathered"][0] += int((fan.ptr[units0[sel] + 1] - fan.ptr[units0[sel]]).sum())
        merged = [np.concatenate(pair) for pair in zip(events, more)]
        order = np.argsort(merged[0] * dense.width + merged[1], kind="stable")
        return tuple(part[order] for part in merged)

    def _unstored(self, bounds, part):
        """For the candidates ``part`` (indices into ``bounds.rows`` and ``bounds.units``):
        the active features of their inputs that store no table entry of the unit at a level
        the input reads (j = its number of features: levels 1..j, each a run of entries
        sorted by unit, searched by bisection), as (owner: index into ``part``, feature),
        sorted by owner; read back where :meth:`_rise_capped` found them for every one of
        ``part``."""
        xp, table = self.xp, self._table
        empty = xp.zeros(0, dtype=xp.int64)
        if not part.size:
            return empty, empty
        runs = getattr(bounds, "unstored_runs", None)
        if runs is not None and (runs[part, 0] >= 0).all():  # found by _rise_capped
            owner, pos = expand_ranges(runs[part, 0], runs[part, 1])
            return owner, bounds.unstored_features[pos]
        rows = bounds.rows[part]
        j = bounds.counts[rows]
        rep, total = self._repeater(j)
        owner = rep(xp.arange(part.size, dtype=xp.int64))
        ends = xp.cumsum(j)
        slot = xp.arange(total, dtype=xp.int64) - rep(ends - j)
        feature = bounds.features[rep(bounds.first[rows]) + slot]
        unit, reads = rep(bounds.units[part]), rep(j)
        stored = xp.zeros(total, dtype=bool)
        lo = table.ptr[feature]
        for level in range(1, int(reads.max()) + 1):
            hi = table.level_ends[feature, level - 1]
            stored |= (level <= reads) & search_sorted_ranges(
                table.units, lo, hi, unit, xp, (feature, table.ptr.size - 1))[0]
            lo = hi
        missing = xp.flatnonzero(~stored)
        return owner[missing], feature[missing]

    def _input_events(self, rows, features):
        """E_0 for inputs ``rows`` (sorted) with active ``features``: the union of their
        supports, as (rows, units, None); None stands for deltas that are all +1."""
        xp, fan = self.xp, self._input
        width = fan.width
        if not rows.size:
            empty = xp.zeros(0, dtype=xp.int64)
            return empty, empty, None
        rep, pos = self._ranges(fan.ptr[features], fan.ptr[features + 1] - fan.ptr[features])
        first = int(rows[0])
        keys = self._distinct(rep((rows - first) * width) + fan.idx[pos],
                              (int(rows[-1]) - first + 1) * width)
        return keys // width + first, keys % width, None

    def _step(self, rows, units, deltas, fan: _Fanout, base, limit, ref):
        """The events one stage on: events (rows, units, deltas; deltas None = all +1), sorted
        by row, reach targets t through ``fan``; value_t = base[t] + sum of weight * delta;
        on_t = [value_t >= limit[t]]; the events are
        the (row, t) with on_t != ref[t] (ref = on at baseline), with delta = on_t - ref[t],
        sorted by (row, t)."""
        xp = self.xp
        width = fan.width
        work = fan.ptr[units + 1] - fan.ptr[units]
        out_rows, out_units, out_deltas = [], [], []
        for lo, hi in self._pieces(rows, work):
            r, u, w = rows[lo:hi], units[lo:hi], work[lo:hi]
            rep, pos = self._ranges(fan.ptr[u], w)
            total = int(pos.size)
            first = int(r[0])
            span = int(r[-1]) - first + 1
            keys = rep((r - first) * width) + fan.idx[pos]
            vals = None if fan.val is None else fan.val[pos].astype(xp.int64)
            if deltas is not None:
                d = rep(deltas[lo:hi])
                vals = d if vals is None else vals * d
            if self._dense and span * width <= _DENSE_FACTOR * total:
                hit, delta = self._react_dense(keys, vals, span, base, limit, ref)
                t = hit % width
            else:
                hit, sums = self._group(keys, vals)
                t = hit % width
                value = base[t] + sums
                on = value >= limit[t]
                changed = xp.flatnonzero(on != ref[t])
                hit, t = hit[changed], t[changed]
                delta = on[changed].astype(xp.int64) * 2 - 1
            out_rows.append(hit // width + first)
            out_units.append(t)
            out_deltas.append(delta)
        if not out_rows:
            empty = xp.zeros(0, dtype=xp.int64)
            return empty, empty, empty
        return (xp.concatenate(out_rows), xp.concatenate(out_units),
                xp.concatenate(out_deltas))

    def _react_dense(self, keys, vals, span: int, base, limit, ref):
        """``_step`` for one piece in a dense (span x width) accumulator (NumPy): every unit of
        the span is compared, those not reached keep value = base and so their baseline state.
        Returns the flat indices row * width + t of the events and their deltas."""
        size = span * base.size
        buffer = getattr(self._scratch, "buffer", None)
        if buffer is None or buffer.size < size:
            buffer = self._scratch.buffer = np.zeros(1 << (size - 1).bit_length(),
                                                     dtype=np.int64)
        acc = buffer[:size]
        if vals is None:
            np.add.at(acc, keys, 1)
        else:
            np.add.at(acc, keys, vals)
        value = acc.reshape(span, base.size)
        value += base
        on = value >= limit
        hit = np.flatnonzero(on != ref)
        acc[:] = 0
        return hit, on.ravel()[hit].astype(np.int64) * 2 - 1

    # --- array helpers ----------------------------------------------------------------------

    def _pieces(self, rows, work) -> list[tuple[int, int]]:
        """Event ranges [lo, hi) made of whole rows, each with about ``max_work``
        contributions (more only when one row alone has more)."""
        xp = self.xp
        n = int(rows.size)
        if not n:
            return []
        cumulative = xp.cumsum(work)
        if int(cumulative[-1]) <= self.max_work:
            return [(0, n)]
        bucket = (cumulative - work) // self.max_work
        starts = xp.flatnonzero(xp.concatenate([xp.ones(1, dtype=bool), rows[1:] != rows[:-1]]))
        row_bucket = bucket[starts]
        cuts = starts[xp.flatnonzero(row_bucket[1:] != row_bucket[:-1]) + 1]
        bounds = [0] + [int(c) for c in _host(xp, cuts)] + [n]
        return list(itertools.pairwise(bounds))

    def _ranges(self, starts, lens):
        """(rep, positions): :meth:`_repeater`'s rep for ``lens``, and every range
        starts[i], ..., starts[i] + lens[i] - 1 in order, one after the other."""
        xp = self.xp
        rep, total = self._repeater(lens)
        return rep, rep(starts - (xp.cumsum(lens) - lens)) + xp.arange(total)

    def _repeater(self, lens):
        """(rep, total): rep(v) repeats v[i] lens[i] times (np.repeat; portable otherwise)."""
        xp = self.xp
        total = int(lens.sum()) if lens.size else 0
        if xp is np:
            return (lambda values: np.repeat(values, lens)), total
        ends = xp.cumsum(lens)
        nonempty = xp.flatnonzero(lens)
        flags = xp.zeros(total, dtype=xp.int64)
        flags[(ends - lens)[nonempty]] = 1
        segment = nonempty[xp.cumsum(flags) - 1]
        return (lambda values: values[segment]), total

    def _distinct(self, keys, key_range: int):
        """The distinct ``keys`` (in [0, key_range)), sorted: marked in a dense flag array
        when key_range <= 8 len(keys) (NumPy), else sorted and deduplicated."""
        xp = self.xp
        if self._dense and key_range <= _DENSE_FACTOR * keys.size:
            seen = np.zeros(key_range, dtype=bool)
            seen[keys] = True
            return np.flatnonzero(seen)
        keys = xp.sort(keys, kind="stable")  # runs of sorted keys: timsort merges them
        if keys.size < 2:
            return keys
        return keys[xp.concatenate([xp.ones(1, dtype=bool), keys[1:] != keys[:-1]])]

    def _group(self, keys, vals):
        """Distinct ``keys`` (sorted) whose ``vals`` (None = all 1) sum to nonzero, and the
        exact int64 sums: sort, then difference a cumulative sum at the group boundaries."""
        xp = self.xp
        n = int(keys.size)
        if not n:
            return keys.astype(xp.int64), xp.zeros(0, dtype=xp.int64)
        order = xp.argsort(keys, kind="stable")
        keys = keys[order]
        heads = xp.flatnonzero(xp.concatenate([xp.ones(1, dtype=bool), keys[1:] != keys[:-1]]))
        ends = xp.concatenate([heads[1:], xp.asarray([n], dtype=heads.dtype)])
        if vals is None:
            sums = (ends - heads).astype(xp.int64)
        else:
            cumulative = xp.concatenate([xp.zeros(1, dtype=xp.int64),
                                         xp.cumsum(vals[order].astype(xp.int64))])
            sums = cumulative[ends] - cumulative[heads]
        nonzero = xp.flatnonzero(sums)
        return keys[heads][nonzero].astype(xp.int64), sums[nonzero]


def _column_counts(w: sp.csr_matrix) -> np.ndarray:
    """Per column of ``w``: its stored nonzero weights. Every stored index is counted in
    chunks of ``_KEY_CHUNK`` (``bincount`` converts its input to int64 first: a copy of a
    chunk, not of the whole index array), by the table's threads (``table_workers``; on two
    cores 0.15 s to 0.09 s for W_1 at m' = 10^5), less those of explicit zeros."""
    def count(lo: int) -> np.ndarray:
        return np.bincount(w.indices[lo:lo + _KEY_CHUNK], minlength=w.shape[1])

    counts = np.zeros(w.shape[1], dtype=np.int64)
    with ThreadPoolExecutor(table_workers()) as pool:
        for part in pool.map(count, range(0, w.indices.size, _KEY_CHUNK)):
            counts += part
    if np.count_nonzero(w.data) != w.nnz:  # (counted in place: no mask of nnz bools)
        counts -= np.bincount(w.indices[w.data == 0], minlength=w.shape[1])
    return counts


SPOT_CHECKS = 4096


_WIDE_SPARSITY = 2 ** 9


def _check_bounds_fit(network: ThresholdNetwork, s: int) -> None:
    """The gain filter adds up to s + 1 of a unit's sums of |weights| (plus |theta|); with a
    sparsity this large, refuse a network for which that can leave int64 (files keep each sum
    within 2^53, so this only bites from s = 1024 on)."""
    bound = max((_row_abs_max(layer.stored_weights)
                 + int(np.abs(layer.theta).max(initial=0))
                 for layer in network.layers), default=0)
    if (s + 1) * bound >= 2 ** 62:
        raise InvalidArgument(f"sparsity={s} with weights summing to {bound} per unit can "
                              "leave the int64 range of the gain filter; pass a smaller "
                              "sparsity")


def _packed_type(table: FirstLayerGains, width: int):
    """The type of the table's packed entries (:func:`_packed_entries`): int32 when
    d_1 2^b < 2^31, int64 when d_1 2^b < 2^62, else None (not packed)."""
    span = width << table.gain_bits
    return np.dtype(np.int32) if span < 2 ** 31 else np.dtype(np.int64) if span < 2 ** 62 \
        else None


def _packed_entries(table: FirstLayerGains, width: int) -> np.ndarray | None:
    """The entries packed as unit * 2^b + gain (b bits hold every gain), in
    :func:`_packed_type`, which leaves room to tag them with the input of a block of one
    input at least (batch * d_1 * 2^b); None when even int64 cannot."""
    kind = _packed_type(table, width)
    if kind is None:
        return None
    packed = table.units.astype(kind)  # (one new array, shifted and or-ed in place)
    packed <<= table.gain_bits
    packed |= table.gains
    return packed


def _spot_check(table: FirstLayerGains, lookup: WeightLookup, code, packed=None) -> None:
    """Recompute ``SPOT_CHECKS`` stored entries of a gain table read from the cache (spread
    evenly over the table) from the layer's own weights: G_u(f), the sum over P_f of W+[u, p]
    (W- for a unit on at baseline), the weights read through ``lookup`` (a NumPy
    :class:`WeightLookup` of the layer); and, at the same entries, whether the solo lists
    hold exactly those of solo level <= s and the ``packed`` entries (when given) are their
    unit and gain. A table of another circuit, stored under this file's key, fails here;
    InvalidArgument names the first entry that disagrees."""
    n = table.units.size
    if not n:
        return
    at = np.unique(np.linspace(0, n - 1, min(n, SPOT_CHECKS)).astype(np.int64))
    if packed is not None and not np.array_equal(
            packed[at], (table.units[at].astype(np.int64) << table.gain_bits)
            | table.gains[at]):
        raise InvalidArgument("its packed entries disagree with its units and gains")
    if not np.array_equal(np.isin(at, table.solo), solo_levels(table, at) <= table.sparsity):
        raise InvalidArgument("its solo lists leave out an entry or hold one they must not")
    feature = np.searchsorted(table.indptr, at, side="right") - 1
    unit = table.units[at].astype(np.int64)
    owner, pos = expand_ranges(code.indptr[feature], code.indptr[feature + 1])
    # a unit repeated in a support counts once (as in the table's build)
    key = np.unique(owner * code.width + code.indices[pos])
    owner, support = key // code.width, key % code.width
    w = lookup(unit[owner], support)
    sign = np.where(table.off[unit], 1, -1)[owner]
    gains = np.bincount(owner, weights=np.maximum(sign * w, 0), minlength=at.size)
    bad = np.flatnonzero(gains != table.gains[at])
    if bad.size:
        i = bad[0]
        raise InvalidArgument(f"its entry (feature {feature[i]}, unit {unit[i]}) has gain "
                              f"{table.gains[at[i]]}, the weights give {int(gains[i])}")


def _host(xp, array) -> np.ndarray:
    """``array`` as a NumPy array on the host."""
    return array if xp is np else xp.asnumpy(array)


def gain_table_kind(divisor: int = TABLE_DIVISOR) -> str:
    """The kind of the per-file cache's entry that holds an event evaluator's gain table
    built with ``table_divisor`` = ``divisor`` (:class:`superpose.circuits.cache.DerivedCache`;
    what ``superpose fuzz`` prefetches while it loads the file)."""
    return f"event-table-d{divisor}"


_CACHE: weakref.WeakKeyDictionary[ThresholdNetwork, dict] = weakref.WeakKeyDictionary()


def event_evaluator(network: ThresholdNetwork, sparsity: int | None = None,
                    deadline: float = math.inf, search_divisor: int = 0,
                    cache=None) -> EventEvaluator:
    """The NumPy :class:`EventEvaluator` of ``network`` for inputs of at most ``sparsity``
    features (gain-filtered first layer when given), built once and cached per (network
    object, sparsity) (weakly: it goes when the network goes). A build that passes
    ``deadline`` raises :class:`superpose.circuits.engine.TableTimeout` and caches nothing.
    ``search_divisor`` > 0 asks for one that also holds the certifier's gain tables
    (``EvaluatorOptions.search_divisor``); a cached one without them is then rebuilt.
    ``cache``: a :class:`superpose.circuits.cache.DerivedCache` of the network's file, which
    a new evaluator reads its gain table from (or stores it in)."""
    per_network = _CACHE.get(network)
    if per_network is None:
        per_network = {}
        _CACHE[network] = per_network
    evaluator = per_network.get(sparsity)
    if evaluator is None or (search_divisor and evaluator.first_layer != "events"
                             and evaluator.options.search_divisor != search_divisor):
        options = EvaluatorOptions(search_divisor=search_divisor)
        evaluator = EventEvaluator(network, sparsity, options, deadline=deadline, cache=cache)
        per_network[sparsity] = evaluator
    return evaluator
