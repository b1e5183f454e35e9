"""How much one input feature can move a layer-1 unit: the gain tables.

Pure NumPy/SciPy (no Z3), so that both the certifier
(:mod:`superpose.checks.certification._search`, through :mod:`superpose.circuits.engine`, which
exports :class:`GainTable`, :class:`TableTimeout` and :func:`expand_ranges` from here) and the
event evaluator (:mod:`superpose.circuits.engine._events`, through :class:`FirstLayerGains`)
can use them.

**Gains.** For a unit u of layer 1 (weights W = W_1, threshold theta_u) and a feature e with
input support P_e, write

    g+_u(e) = sum_{p in P_e} max(W[u, p], 0)      g-_u(e) = sum_{p in P_e} min(W[u, p], 0).

Adding a set R of features to an input y turns on exactly the input units of
A(R) \\ A(y) (A = union of supports: layer 0 is an OR, so adding features never turns an input
unit off), hence

    z_u(y + R) - z_u(y) = sum_{p in A(R) \\ A(y)} W[u, p]  lies in  [sum_{e in R} g-_u(e),
                                                                    sum_{e in R} g+_u(e)].

So if u is off at y and must reach theta_u with at most b added features, some added feature
has g+_u(e) >= ceil((theta_u - z_u(y)) / b) (pigeonhole), and symmetrically for turning u off.
:class:`GainTable` answers "which features have gain >= h for unit u" for many (u, h) at once.

**The first-layer filter of the event evaluator** (:class:`FirstLayerGains`). Take the empty
input as y (z_u(empty) = 0, so u is off at baseline iff theta_u > 0) and an input with active
feature set F, |F| <= s, and active input units A = union_{f in F} P_f. Then

    z_u = sum_{p in A} W[u, p] = sum_{p in A} W+[u, p] - sum_{p in A} W-[u, p]

(W+ = max(W, 0), W- = max(-W, 0), both >= 0), and since every p in A lies in some P_f,
f in F, and the terms are >= 0 (a unit covered by two supports is counted once on the left and
at least once on the right),

    sum_{p in A} W+[u, p] <= sum_{f in F} sum_{p in P_f} W+[u, p] = sum_{f in F} g+_u(f),

so z_u <= sum_{f in F} g+_u(f), and likewise -z_u <= sum_{f in F} G-_u(f) with
G-_u(f) = sum_{p in P_f} W-[u, p] = -g-_u(f). Give each unit one sign and one need:

* off at baseline (theta_u > 0): it turns on iff z_u >= theta_u; gain G_u = g+_u, need
  N_u = theta_u;
* on at baseline (theta_u <= 0): it turns off iff z_u <= theta_u - 1, i.e. -z_u >= 1 - theta_u;
  gain G_u = G-_u, need N_u = 1 - theta_u.

Either way N_u >= 1, and u changes state only if sum_{f in F} G_u(f) >= N_u.

*Cutoff and leak cap.* The table stores, per feature f, units u with G_u(f) >= c_u, the
*cutoff*, with that gain; for every unit it keeps the *leak cap*
h_u = max {G_u(f) : G_u(f) < c_u} over all m features (0 when there is none) and the *top*
t_u = max_f G_u(f). Any cutoff 1 <= c_u <= ceil(N_u / s) makes the filter exact; the table takes
c_u = ceil(N_u / (s D)) for an integer D >= 1. A lower cutoff stores more entries but lowers
h_u: the evaluator uses D = 2, which on the and2 circuits (s = 2, m' = 10^4 and 10^5) reads
about twice the entries of D = 1 per input but leaves 40 to 70 times fewer candidates (0.3
instead of 13 to 17 per input) and runs 5 to 17 times faster; D = 3 and 4 read 1.8 to 2.7
times the entries of D = 2 for fewer candidates still, and ran slower. For an input with k of
its |F| features storing u,

    sum_{f in F} G_u(f) <= U_u = sum_{stored f} G_u(f) + (|F| - k) h_u,

and u can change only if U_u >= N_u. A unit with no stored entry (k = 0) has
U_u = |F| h_u <= s (c_u - 1) < N_u (c_u <= ceil(N_u / s) < N_u / s + 1): it keeps its
baseline state and is never looked at.
Only the *candidates*, (input, unit) pairs with U_u >= N_u, need their exact z_u.

*Alone.* Most of an input's stored entries are the only one of their unit among its features
(k = 1); such an entry is a candidate exactly when G_u(f) + (|F| - 1) h_u >= N_u, that is
when |F| reaches its *solo level*

    sigma = 1 if G_u(f) >= N_u, else 1 + ceil((N_u - G_u(f)) / h_u) (never when h_u = 0),

which depends on the entry alone (h_u >= 0, so U_u grows with |F|). The table lists, per
feature, its entries of sigma <= s (positions into its entries, by sigma, then position), so
an input of j features takes its candidates among single entries from those lists, and only
units stored by two or more of its features are summed: there U_u is formed as above.
sigma >= lambda (t_u >= h_u), so a listed entry of sigma <= j lies in the entries such an
input reads.

*Levels.* An entry (f, u) can only matter to inputs of enough features: its level is
lambda = 1 if G_u(f) >= N_u, else 1 + ceil((N_u - G_u(f)) / t_u). If u is a candidate of an
input with |F| = j features, every stored entry (f, u), f in F, has lambda <= j: each other
term of U_u (a stored gain or h_u) is at most t_u, so N_u <= U_u <= G_u(f) + (j - 1) t_u.
So an input with j features reads only its features' entries of level <= j, and entries of level
> s are not stored at all. This leaves the candidates unchanged: leaving out entries of a unit
replaces their gains by h_u (smaller: they were >= c_u > h_u), so the U_u computed from what
is read is at most the true one, and equal to it whenever the true one reaches N_u (then nothing
of u was left out). Each feature's entries are sorted by level, so those of level <= j are a
prefix.

The bound over-counts a unit covered by two active supports and ignores the weights of the
other sign, so a candidate's z_u is computed exactly, from W_1
(:mod:`superpose.circuits.engine._events`).

The table is built once per (network, s) as dense blocks of units: G for units lo..hi is
P (m x d_0, the input code's incidence, a set per row) times the magnitudes (d_0 x (hi - lo),
dense), in the narrowest integer type that holds every gain (at most the largest |weight| times
the longest support, and at most the largest row sum of |W|), with blocks of at most
``max_bytes`` in flight, built by as many threads as the process may use (at most 4:
:func:`map_blocks`). A block's product is formed and scanned in tiles of a few thousand
features (:class:`_Tiles`), each small enough to stay in cache, so no block-sized product is
ever written to memory. The stored entries are then put in (feature, level, unit) order by a
16-bit radix sort per group of features (:func:`_by_feature`). It costs O(d_1 (nnz(P) + m))
time, whatever the sparsity of W, and O(m s + d_1 + stored entries) memory at the end.
"""


from __future__ import annotations

import functools
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from superpose.circuits.engine._rise import RiseCollector, RiseIndex, rise_floors
from superpose.circuits.model import expand_ranges
from superpose.theory.errors import InvalidArgument

__all__ = ["FirstLayerGains", "GainTable", "TableTimeout", "expand_ranges", "negative_rows"]

_CHUNK_ENTRIES = 4_000_000
_MAX_WORKERS = 4


class TableTimeout(Exception):
    """The deadline passed while a table was being built (the search reports a timeout)."""


def table_workers() -> int:
    """Threads that build a table's blocks at once: the CPUs this process may use, at most
    ``_MAX_WORKERS`` (SciPy's sparse-times-dense product and NumPy's passes release the GIL)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_WORKERS))


def map_blocks(build_block, width: int, bytes_per_unit: int, max_bytes: int,
               workers: int | None = None, deadline: float = math.inf,
               most: int | None = None) -> list:
    """[build_block(lo, hi) for each block of units [lo, hi) of a layer of ``width`` units],
    in order, computed by ``workers`` threads (``table_workers()`` by default). A block has at
    most max(1, max_bytes // (workers * bytes_per_unit)) units, so the blocks in flight
    together hold about ``max_bytes``, and at most ``most`` (when given). A block that starts
    after ``deadline`` (a ``time.perf_counter()`` value) raises :class:`TableTimeout`
    instead."""
    workers = table_workers() if workers is None else max(1, int(workers))
    step = max(1, max_bytes // max(1, workers * bytes_per_unit))
    if most is not None:
        step = max(1, min(step, most))
    ranges = [(lo, min(lo + step, width)) for lo in range(0, width, step)]

    def run(bounds):
        if time.perf_counter() > deadline:
            raise TableTimeout(f"timed out building the gain table ({bounds[0]} of {width} "
                               "units)")
        return build_block(*bounds)

    if workers == 1 or len(ranges) < 2:
        return [run(bounds) for bounds in ranges]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, ranges))


def at_least(g: np.ndarray, cutoff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the entries of the 2-d ``g`` with g[f, c] >= cutoff[c], in row-major
    order (``np.nonzero`` of the comparison, through one flat scan, which is much faster)."""
    flat = np.flatnonzero(g >= cutoff)
    return np.divmod(flat, g.shape[1])


def sorted_entries(g: np.ndarray, cutoff: np.ndarray):
    """A block's :class:`GainTable` entries: the (feature, gain) pairs of ``g`` (m x units) with
    gain >= the unit's ``cutoff``, per unit by decreasing gain (ties: increasing feature), and
    the number each unit stores. Features are int32 when m allows and gains keep ``g``'s own
    (narrow) type: a table's entries are most of its memory."""
    f, col = at_least(g, cutoff)
    gain = g[f, col]
    order = np.lexsort((f, -gain.astype(np.int64), col))
    index = np.int32 if g.shape[0] < 2 ** 31 else np.int64
    return f[order].astype(index), gain[order], np.bincount(col, minlength=g.shape[1])


def join_entries(parts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The blocks' :func:`sorted_entries`, in order, as one table's (features, gains, counts)."""
    parts = list(parts)
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


class GainTable:
    """Per unit of one layer, its features sorted by decreasing gain (one sign of the weights).

    ``weights`` is W (d x d_0) restricted to one sign and made non-negative (W+ or -W-);
    ``holders`` is the d_0 x m matrix of input supports transposed. Entries with gain below
    ``cutoff[u]`` are not stored; a query below the cutoff computes that unit's full row of
    gains, so every answer is exact.
    """

    def __init__(self, weights: sp.csr_matrix, holders: sp.csr_matrix, cutoff: np.ndarray,
                 deadline: float = math.inf, incidence: sp.csr_matrix | None = None,
                 entries: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None):
        self.weights = weights.tocsr()
        if not self.weights.has_canonical_format:
            self.weights.sum_duplicates()
        self.holders = holders.tocsr()
        self.m = holders.shape[1]
        self.cutoff = np.maximum(np.asarray(cutoff, dtype=np.int64), 1)
        self._padded = None
        d, d0 = self.weights.shape
        # G for a block of units: (m x d_0 incidence) times the block's dense weights, in the
        # narrowest integer type that holds every gain (none exceeds a row's sum of weights)
        # (an incidence passed in, a parent table's, has a type that holds these rows' gains)
        dtype = _gain_dtype(_row_abs_max(self.weights)) if incidence is None else incidence.dtype
        if incidence is None:
            supports = self.holders.T.tocsr()
            incidence = _incidence_rows(supports.indptr, supports.indices, d0, dtype)
        self._incidence = incidence
        if entries is None:
            cutoff = np.minimum(self.cutoff, np.iinfo(dtype).max).astype(dtype)
            item = np.dtype(dtype).itemsize

            def block(lo, hi):
                g = incidence @ np.ascontiguousarray(self.weights[lo:hi].toarray().T,
                                                     dtype=dtype)
                return sorted_entries(g, cutoff[lo:hi])

            entries = join_entries(map_blocks(block, d, max(self.m * item, d0 * 8),
                                              MAX_TABLE_BYTES, deadline=deadline))
        self.features, self.gains, count = entries
        self.indptr = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)
        self._span = int(self.gains.max()) + 2 if self.gains.size else 2
        self._keys = np.repeat(np.arange(d, dtype=np.int64), count) * self._span - self.gains

    def top_sum(self, units: np.ndarray, b: np.ndarray) -> np.ndarray:
        """An upper bound on what b features can add: the b largest gains of each unit, where
        a gain that is not stored counts as cutoff - 1 (stored gains are all >= cutoff)."""
        out = np.zeros(len(units), dtype=np.int64)
        if self._padded is None:  # a safe slot for positions past the last row, made once
            self._padded = np.append(self.gains, 0)
        gains = self._padded
        for j in range(int(b.max()) if len(b) else 0):
            pos = self.indptr[units] + j
            stored = pos < self.indptr[units + 1]
            gain_j = np.where(stored, gains[np.where(stored, pos, -1)], self.cutoff[units] - 1)
            out += np.where(j < b, gain_j, 0)
        return out

    def below_cutoff(self, units: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Per query (units[i], h[i]): whether it asks below the stored cutoff (its answer
        needs the unit's full row of gains)."""
        return np.asarray(h, np.int64) < self.cutoff[np.asarray(units, np.int64)]

    def at_least(self, units: np.ndarray, h: np.ndarray):
        """Every (query, feature, gain) with gain_u(feature) >= h for query i = (units[i], h[i])."""
        units = np.asarray(units, dtype=np.int64)
        h = np.asarray(h, dtype=np.int64)
        below = h < self.cutoff[units]
        fast = np.flatnonzero(~below)
        starts = self.indptr[units[fast]]
        ends = np.searchsorted(self._keys, units[fast] * self._span - h[fast], side="right")
        owner, pos = expand_ranges(starts, ends)
        q_fast, f_fast, g_fast = fast[owner], self.features[pos], self.gains[pos]
        slow = np.flatnonzero(below)
        if not slow.size:
            return q_fast, f_fast, g_fast
        # below the stored cutoff: those units' full rows of gains answer
        q_slow, f_slow, g_slow = self.complete_at_least(units[slow], h[slow])
        return (np.concatenate([q_fast, slow[q_slow]]), np.concatenate([f_fast, f_slow]),
                np.concatenate([g_fast, g_slow]))

    def complete_at_least(self, units: np.ndarray, h: np.ndarray, skip=None):
        """at_least from the units' full rows of gains (any h; the way queries below the
        stored cutoff are answered): their gains over every feature, formed as the table's
        own blocks are (the m x d_0 incidence times the units' dense weights), compared with h
        directly: nothing is sorted or kept. Queries ask h >= 1 (a unit in the wrong state has
        gap >= 1), so a gain of 0 never qualifies.

        ``skip`` = (indptr, inputs): query i's weights on the input units
        ``inputs[indptr[i]:indptr[i + 1]]`` count 0, so its gains are
        sum over p in P_f minus those units of the table's weight W[u, p]."""
        h = np.maximum(np.asarray(h, np.int64), 1)
        units = np.asarray(units, np.int64)
        order = np.argsort(units, kind="stable")
        dtype = self._incidence.dtype
        per_block = max(1, MAX_TABLE_BYTES // max(1, self.m * np.dtype(dtype).itemsize))
        parts = [[np.zeros(0, np.int64)] for _ in range(3)]
        for lo in range(0, len(order), per_block):
            sel = order[lo:lo + per_block]
            if skip is None:  # one column per distinct unit
                block_units, column = np.unique(units[sel], return_inverse=True)
                g = (self._incidence @ self._dense_rows(block_units))[:, column.ravel()]
            else:  # one column per query, its skipped input units zeroed
                dense = self._dense_rows(units[sel])
                query, pos = expand_ranges(skip[0][sel], skip[0][sel + 1])
                dense[skip[1][pos], query] = 0
                g = self._incidence @ dense
            f, q = at_least(g, np.minimum(h[sel], np.iinfo(dtype).max).astype(dtype))
            parts[0].append(sel[q])
            parts[1].append(f.astype(np.int64))
            parts[2].append(g[f, q].astype(np.int64))
        return tuple(np.concatenate(p) for p in parts)

    def _dense_rows(self, units: np.ndarray) -> np.ndarray:
        """The weights of ``units`` as a dense d_0 x len(units) array of the gains' type."""
        return np.ascontiguousarray(self.weights[units].toarray().T,
                                    dtype=self._incidence.dtype)


MAX_TABLE_BYTES = 1 << 26


def _incidence_rows(indptr: np.ndarray, indices: np.ndarray, width: int, dtype) -> sp.csr_matrix:
    """The rows x width 0/1 incidence of a support code (a repeated index counts once)."""
    n_rows = len(indptr) - 1
    mat = sp.csr_matrix((np.ones(len(indices), dtype=dtype), indices, indptr),
                        shape=(n_rows, width))
    mat.sum_duplicates()
    mat.data[:] = 1
    return mat


def _gain_dtype(bound: int):
    """The narrowest of int16, int32, int64 whose range holds every value in [0, bound + 1]."""
    for dtype in (np.int16, np.int32):
        if bound < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _product_dtype(bound: int):
    """The type the gain products are formed in: :func:`_gain_dtype`, or uint16 where that
    holds [0, bound + 1] and int16 does not (gains are sums of weights of one sign made
    non-negative, so no product needs a sign; SciPy multiplies 16-bit tiles about 3.5 times
    faster than int32 ones). What is kept of a product is cast back to :func:`_gain_dtype`,
    so no stored gain is unsigned."""
    if np.iinfo(np.int16).max <= bound < np.iinfo(np.uint16).max:
        return np.uint16
    return _gain_dtype(bound)


class FirstLayerGains:
    """Per input feature, the layer-1 units it can move, for inputs of at most ``sparsity``
    features (module docstring: the bound, the levels and their proofs).

    ``weights`` (d_1 x d_0) and ``theta`` (d_1) are layer 1; ``indptr``, ``indices`` and
    ``width`` the input code (m rows over d_0); the cutoff is c_u = ceil(N_u / (s D)) with
    D = ``divisor``. Attributes: ``indptr`` (m + 1); ``units`` and ``gains`` (feature f
    stores ``units[indptr[f]:indptr[f+1]]`` with their gains G_u(f) >= c_u, those of level
    lambda <= s only, sorted by level, then unit); ``level_ends`` (m x s: the entries of f
    of level <= j end at ``level_ends[f, j - 1]``); ``solo_indptr``, ``solo`` and
    ``solo_ends`` (feature f lists ``solo[solo_indptr[f]:solo_indptr[f+1]]``, the positions
    of its entries of solo level sigma <= s, by sigma, then position; those of sigma <= j end
    at ``solo_ends[f, j - 1]``: module docstring, *Alone*); ``need`` (N_u), ``cutoff`` (c_u),
    ``leak`` (h_u), ``top`` (t_u), ``off`` (theta > 0: off at baseline); ``dropped`` (entries
    above the cutoff left out for a level > s); and ``seconds``, the time the build took.
    A block of units that would start after ``deadline`` (a ``time.perf_counter()`` value)
    raises :class:`TableTimeout` instead.

    With ``search_divisor`` = D' the same pass over the products also fills the certifier's
    two :class:`GainTable` (``positive``: g+ = gains over W+ with cutoffs
    ceil(theta_u / (s D')); ``negative``: over W- with cutoffs ceil((1 - theta_u) / (s D')),
    None when W has no negative weight), so those products are not formed twice.
    """

    def __init__(self, weights: sp.csr_matrix, theta: np.ndarray, indptr: np.ndarray,
                 indices: np.ndarray, width: int, sparsity: int,
                 max_bytes: int = MAX_TABLE_BYTES, divisor: int = 1,
                 deadline: float = math.inf, search_divisor: int | None = None):
        start = time.perf_counter()
        w = _canonical(weights)
        theta = np.asarray(theta, dtype=np.int64)
        d, d0 = w.shape
        m = len(indptr) - 1
        s = self.sparsity = int(sparsity)
        self.off = theta > 0
        self.need = np.where(self.off, theta, 1 - theta)
        self.cutoff = -(-self.need // (s * int(divisor)))
        indptr, indices = np.asarray(indptr), np.asarray(indices)
        bound = _gain_bound(w, int(np.diff(indptr).max(initial=0)))
        dtype, tile_type = _gain_dtype(bound), _product_dtype(bound)
        holders = _incidence_rows(indptr, indices, width, tile_type)
        # g >= c and g >= min(c, bound + 1) agree for every gain, and the latter fits
        cutoff = np.minimum(self.cutoff, bound + 1).astype(tile_type)
        self.leak = np.zeros(d, dtype=np.int64)
        self.top = np.zeros(d, dtype=np.int64)
        search = _SearchCutoffs(w, theta, s, search_divisor, tile_type, dtype,
                                int(np.diff(indptr).max(initial=0)))
        item = np.dtype(tile_type).itemsize
        tiles = _Tiles(holders, max(1, _DENSE_BYTES // max(1, d0 * item)), item)

        def block(lo, hi):
            on = ~self.off[lo:hi]
            if search.wanted:
                found = ([], [], search.collector(lo, hi))
                plus, minus = search.dense(w, lo, hi, on)

                def product(rows, first):
                    return search.tile(rows, first, plus, minus, on, lo, hi, found)
            else:
                found, dense = None, _magnitudes(w, lo, hi, tile_type, negate=on)

                def product(rows, first):
                    return rows @ dense
            leak, top = np.zeros(hi - lo, dtype=tile_type), np.zeros(hi - lo, dtype=tile_type)
            entries = []
            # a block of units without weights has every gain 0, below every cutoff and
            # floor (all >= 1): nothing to store, leak and top 0, so no product is formed
            for first, rows in tiles.chunks if w.indptr[hi] > w.indptr[lo] else ():
                g = product(rows, first)
                flat = np.flatnonzero(g >= cutoff[lo:hi])
                if flat.size:
                    f, col = np.divmod(flat, hi - lo)
                    gain = g.ravel()[flat]
                    np.maximum.at(top, col, gain)  # (intp indices: NumPy's fast indexed loop)
                    entries.append(((f, col), gain, first))
                    g.ravel()[flat] = 0
                np.maximum(leak, g.max(axis=0), out=leak)
            f, col, gain = _joined([(f + first, col, gain)
                                    for (f, col), gain, first in entries], dtype, m, d)
            # a block holds every feature of its units, so their h_u and t_u are complete
            self.leak[lo:hi] = leak
            self.top[lo:hi] = np.maximum(top, leak)
            unit = col + lo
            level = _levels(gain.astype(np.int64), self.need[unit], self.top[unit])
            kept = np.flatnonzero(level <= s)
            return (f[kept], unit[kept], gain[kept], level[kept].astype(_level_type(s)),
                    int(gain.size - kept.size),
                    None if found is None else search.finish(found, lo, hi, m))

        parts = map_blocks(block, d, tiles.bytes_per_unit * (2 if search.wanted else 1),
                           max_bytes, deadline=deadline, most=tiles.units)
        self.positive = self.negative = self.rise = None
        if search.wanted:
            self.positive, self.negative, self.rise = search.tables(
                w, holders, [p[5] for p in parts])
        self.dropped = sum(p[4] for p in parts)
        self.units, self.gains, per_level = _by_feature([p[:4] for p in parts], m, s, d)
        self.indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(per_level.sum(axis=1), out=self.indptr[1:])
        # level_ends[f, j - 1]: where the entries of feature f with level <= j end
        self.level_ends = self.indptr[:-1, None] + np.cumsum(per_level, axis=1)
        self.solo_indptr, self.solo, self.solo_ends = _solo_lists(self, s)
        self.seconds = time.perf_counter() - start

    @property
    def entries(self) -> int:
        """Stored (feature, unit) entries."""
        return int(self.units.size)

    @functools.cached_property
    def gain_bits(self) -> int:
        """b, the bits that hold every stored gain (one pass over the gains, once)."""
        return int(self.gains.max(initial=0)).bit_length()

    _ARRAYS = ("indptr", "units", "gains", "level_ends", "need", "cutoff", "leak", "top", "off",
               "solo_indptr", "solo", "solo_ends")

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The table's arrays, for :meth:`from_arrays` (the per-file cache stores them)."""
        return {name: getattr(self, name) for name in self._ARRAYS} | {
            "dropped": np.array(self.dropped, np.int64)}

    @classmethod
    def from_arrays(cls, arrays: dict, theta: np.ndarray, m: int, sparsity: int,
                    divisor: int) -> "FirstLayerGains":
        """A table from :meth:`to_arrays`, checked against layer 1's thresholds ``theta``,
        the m features, the sparsity and the divisor it must have been built for: every
        shape, the need, cutoff and sign of each unit (recomputed from ``theta``), the entry
        ranges and level ends, and the units' and gains' ranges. Raises InvalidArgument
        naming the first thing that does not fit."""
        table = cls.__new__(cls)
        theta = np.asarray(theta, dtype=np.int64)
        d, s = len(theta), int(sparsity)
        for name in cls._ARRAYS + ("dropped",):
            if name not in arrays:
                raise InvalidArgument(f"gain table lacks {name!r}")
            setattr(table, name, np.asarray(arrays[name]))
        table.sparsity, table.dropped, table.seconds = s, int(table.dropped), 0.0
        off = theta > 0
        need = np.where(off, theta, 1 - theta)
        expect = {"off": off, "need": need, "cutoff": -(-need // (s * int(divisor)))}
        for name, want in expect.items():
            if not np.array_equal(getattr(table, name), want):
                raise InvalidArgument(f"gain table {name!r} disagrees with layer 1")
        n = table.units.size
        ptr, ends = table.indptr, table.level_ends
        shapes = {"indptr": (m + 1,), "gains": (n,), "level_ends": (m, s), "leak": (d,),
                  "top": (d,)}
        for name, shape in shapes.items():
            if getattr(table, name).shape != shape:
                raise InvalidArgument(f"gain table {name!r} has shape "
                                      f"{getattr(table, name).shape}, expected {shape}")
        for name in ("indptr", "units", "gains", "level_ends", "leak", "top"):
            if getattr(table, name).dtype.kind not in "iu":
                raise InvalidArgument(f"gain table {name!r} must hold integers")
        if ptr[0] != 0 or ptr[-1] != n or np.any(np.diff(ptr) < 0) \
                or np.any(np.diff(ends, axis=1, prepend=ptr[:-1, None]) < 0) \
                or not np.array_equal(ends[:, -1], ptr[1:]):
            raise InvalidArgument("gain table entry ranges are not consistent")
        if n and (table.units.min() < 0 or table.units.max() >= d or table.gains.min() < 1):
            raise InvalidArgument("gain table holds a unit out of range or a gain < 1")
        _check_solo_lists(table, m, s)
        return table

    def nbytes(self) -> int:
        """Bytes of the stored arrays."""
        return int(sum(getattr(self, name).nbytes for name in self._ARRAYS))


class _SearchCutoffs:
    """The certifier's two gain tables, filled from :class:`FirstLayerGains`' own products.

    A tile forms g+ = P W+^T always, and g- = P W-^T when the block has a negative weight or
    a unit on at baseline (whose G is g-); G takes each unit's column from the one its sign
    needs, and the two tables keep their entries at or above their own cutoffs. Tiles are
    of ``dtype`` (:func:`_product_dtype`), what is kept of them of ``stored``.
    """

    def __init__(self, w: sp.csr_matrix, theta: np.ndarray, s: int, divisor: int | None,
                 dtype, stored, longest: int):
        self.wanted = divisor is not None
        if not self.wanted:
            return
        self._w, self._theta, self._s, self._longest = w, theta, s, longest
        span = s * int(divisor)
        self.dtype, self.stored = dtype, stored
        self.cut_pos = np.maximum(-(-theta // span), 1)
        self.cut_neg = np.maximum(-(-(1 - theta) // span), 1)
        self.has_negative = bool((w.data < 0).any())
        bound = np.iinfo(dtype).max
        self._pos = np.minimum(self.cut_pos, bound).astype(dtype)
        self._neg = np.minimum(self.cut_neg, bound).astype(dtype)

    def dense(self, w: sp.csr_matrix, lo: int, hi: int, on: np.ndarray):
        """W+ and W- (None when not needed) of units lo..hi, as d_0 x units arrays."""
        plus = _magnitudes(w, lo, hi, self.dtype)
        minus = None
        if self.has_negative or on.any():
            minus = _magnitudes(w, lo, hi, self.dtype, sign=-1)
        return plus, minus

    def collector(self, lo: int, hi: int) -> RiseCollector:
        """What collects the rise entries of units lo..hi (their floors found here, in the
        block's own thread)."""
        floors = rise_floors(self._w[lo:hi], self._theta[lo:hi], self._s, self._longest)
        return RiseCollector(floors, self.dtype)

    def tile(self, rows, first: int, plus, minus, on, lo: int, hi: int, found):
        """G of a chunk of features (``rows``, the first being ``first``) and units lo..hi,
        after adding the chunk's entries of the two tables and of the rise index to
        ``found``."""
        g_pos = rows @ plus
        found[0].append(_entries_at_least(g_pos, self._pos[lo:hi], first))
        found[2].add(g_pos, first)
        if minus is not None:
            g_neg = rows @ minus
            if self.has_negative:
                found[1].append(_entries_at_least(g_neg, self._neg[lo:hi], first))
            g_pos[:, on] = g_neg[:, on]
        return g_pos

    def finish(self, found, lo: int, hi: int, m: int):
        """The block's entries of the two tables (:func:`sorted_entries`' form; None for the
        negative one without negative weights), its number of units and its rise entries
        (:meth:`RiseCollector.finish`)."""
        units = hi - lo
        negative = _sorted_block(found[1], units, m, self.stored) if self.has_negative else None
        f, u, floors, gains = found[2].finish(lo)
        return (_sorted_block(found[0], units, m, self.stored), negative, units,
                (f, u, floors, gains.astype(self.stored)))

    def tables(self, w: sp.csr_matrix, incidence: sp.csr_matrix, found: list):
        """The two :class:`GainTable` (``incidence``: the m x d_0 input supports) and the
        :class:`RiseIndex`."""
        holders = incidence.T.tocsr()
        positive = GainTable(w.maximum(0) if self.has_negative else w, holders, self.cut_pos,
                             incidence=incidence,
                             entries=join_entries(p for p, _, _, _ in found))
        rise = RiseIndex.from_blocks([r for _, _, _, r in found], incidence.shape[0],
                                     ~negative_rows(w))
        if not self.has_negative:
            return positive, None, rise
        empty = np.zeros(0, np.int64)
        negative = join_entries(n if n is not None else (empty, empty, np.zeros(k, np.int64))
                                for _, n, k, _ in found)
        return positive, GainTable((-w).maximum(0), holders, self.cut_neg, incidence=incidence,
                                   entries=negative), rise


def negative_rows(w: sp.csr_matrix) -> np.ndarray:
    """Per row of ``w``: whether it holds a negative weight."""
    negative = np.zeros(w.shape[0], dtype=bool)
    if w.nnz and w.data.min() < 0:
        negative[np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))[w.data < 0]] = True
    return negative


def _entries_at_least(g: np.ndarray, cutoff: np.ndarray, first: int):
    """(features, columns, gains) of the entries of a tile ``g`` (features first, first + 1,
    ... by units) at or above their unit's ``cutoff``, in row-major order."""
    flat = np.flatnonzero(g >= cutoff)
    f, col = np.divmod(flat, g.shape[1])
    return f + first, col, g.ravel()[flat]


def _sorted_block(parts: list, units: int, m: int, dtype):
    """A block's tiles' entries as :func:`sorted_entries` gives them for the whole block: per
    unit by decreasing gain (ties: increasing feature), and the number each unit stores."""
    f, col, gain = _joined(parts, dtype, m, units)
    order = np.lexsort((f, -gain.astype(np.int64), col))
    index = np.int32 if m < 2 ** 31 else np.int64
    return f[order].astype(index), gain[order], np.bincount(col, minlength=units)


def _joined(parts: list, dtype, m: int, d: int):
    """The tiles' (features, columns, gains), in order, as three arrays: features and columns
    int32 when ``m`` and ``d`` allow, gains of ``dtype`` (tiles of another type are cast)."""
    narrow = np.int32 if max(m, d) < 2 ** 31 else np.int64
    if not parts:
        return np.zeros(0, narrow), np.zeros(0, narrow), np.zeros(0, dtype)
    return (np.concatenate([p[0] for p in parts]).astype(narrow),
            np.concatenate([p[1] for p in parts]).astype(narrow),
            np.concatenate([p[2] for p in parts]).astype(dtype, copy=False))


#: a block's dense weights (d_0 x units) take about this many bytes, and a tile of products
#: (features x units) about ``_TILE_BYTES``, which stays in cache while it is formed and scanned
_DENSE_BYTES = 1 << 23
_TILE_BYTES = 1 << 21


class _Tiles:
    """The m x d_0 incidence ``holders`` cut into ``chunks`` of (first feature, rows) of at
    most ``_TILE_BYTES`` / (``units`` ``item``) features each, so that the product of a chunk
    with a block of at most ``units`` units' dense weights (a tile) stays in cache while it is
    formed and scanned. A chunk is kept by columns (CSC): its product then goes through the
    input units in order, adding each one's row of dense weights, read once, to the rows of
    the features that hold it (the product by rows reads a random row per entry instead, about
    1.5 times slower). ``bytes_per_unit``: what one unit of a block holds in flight (its dense
    weights and its column of a tile)."""

    def __init__(self, holders: sp.csr_matrix, units: int, item: int):
        self.units = units
        rows = max(1, _TILE_BYTES // (units * item))
        m, d0 = holders.shape
        self.chunks = [(a, holders[a:a + rows].tocsc()) for a in range(0, m, rows)]
        self.bytes_per_unit = (d0 + rows) * item


def _canonical(weights) -> sp.csr_matrix:
    """``weights`` as a CSR matrix of its own integer type with sorted, distinct indices per
    row (a copy, summed in int64, only when they are not)."""
    w = sp.csr_matrix(weights)
    if not w.has_canonical_format:  # (a copy: the caller's arrays stay as they are)
        w = sp.csr_matrix(w, dtype=np.int64, copy=True)
        w.sum_duplicates()
    return w


def _gain_bound(w: sp.csr_matrix, longest: int) -> int:
    """An upper bound on every gain (a support's sum of one sign of a row's weights), and at
    least every |weight|: the largest |weight| times the longest support (``longest``), or
    the largest row sum of |W| (:func:`_row_abs_max`) when that is smaller and the first does
    not fit int16 (the narrowest gain type) already."""
    if not w.nnz:
        return 0
    top = max(abs(int(w.data.min())), abs(int(w.data.max())))
    bound = top * max(longest, 1)
    if bound >= np.iinfo(np.int16).max:
        bound = max(min(bound, _row_abs_max(w)), top)
    return bound


def _magnitudes(w: sp.csr_matrix, lo: int, hi: int, dtype, negate: np.ndarray | None = None,
                sign: int = 1) -> np.ndarray:
    """The d_0 x (hi - lo) array of ``dtype`` whose column j holds max(sign W[lo + j, p], 0)
    over p (the other sign where ``negate[j]``); ``w`` is canonical and ``dtype`` holds every
    |weight|. The signs are applied in a signed type that holds every |weight| (int32 for
    uint16), then cast. Written by SciPy from the rows' own index arrays, transposed."""
    a, b = int(w.indptr[lo]), int(w.indptr[hi])
    signed = np.result_type(dtype, np.int8)
    values = w.data[a:b].astype(signed)
    if sign < 0:
        np.negative(values, out=values)
    if negate is not None and negate.any():
        values[np.repeat(negate, np.diff(w.indptr[lo:hi + 1]))] *= -1
    np.maximum(values, 0, out=values)
    values = values.astype(dtype, copy=False)
    rows = sp.csr_matrix((values, w.indices[a:b], w.indptr[lo:hi + 1] - a),
                         shape=(hi - lo, w.shape[1]))
    return rows.T.toarray(order="C")


def _levels(gains: np.ndarray, need: np.ndarray, top: np.ndarray) -> np.ndarray:
    """lambda = 1 where gain >= need, else 1 + ceil((need - gain) / top) (top >= gain >= 1)."""
    deficit = need - gains
    return np.where(deficit <= 0, 1, 1 + (-(-deficit // np.maximum(top, 1))))


def solo_levels(table: "FirstLayerGains", at: np.ndarray) -> np.ndarray:
    """The solo level sigma of ``table``'s entries at positions ``at`` (module docstring,
    *Alone*), as int64, with s + 1 standing for every sigma > s (never listed)."""
    unit = table.units[at]
    gains, need, leak = table.gains[at].astype(np.int64), table.need[unit], table.leak[unit]
    # sigma is the level with h_u in place of t_u (:func:`_levels`), none when h_u = 0
    never = table.sparsity + 1
    sigma = np.minimum(_levels(gains, need, leak), never)
    return np.where((leak == 0) & (gains < need), never, sigma)


_SOLO_CHUNK = 1 << 22


def _solo_lists(table: "FirstLayerGains", s: int):
    """(solo_indptr, solo, solo_ends) of ``table`` (:class:`FirstLayerGains`): the entries
    of solo level <= s, listed per feature by (sigma, position). An entry has sigma <= s
    exactly when G_u(f) >= N_u - (s - 1) h_u (U_u grows with |F|), one comparison per entry
    (``_SOLO_CHUNK`` entries at a time: no temporaries of the table's size); sigma itself is
    formed for the few listed."""
    n, m = table.units.size, table.indptr.size - 1
    reach = table.need - (s - 1) * table.leak
    if table.gains.dtype.itemsize < 4:  # (int32 holds every gain and decides every comparison)
        reach = np.clip(reach, -2 ** 31, 2 ** 31 - 1).astype(np.int32)
    found = []
    for lo in range(0, n, _SOLO_CHUNK):
        hi = min(lo + _SOLO_CHUNK, n)
        found.append(np.flatnonzero(table.gains[lo:hi] >= reach[table.units[lo:hi]]) + lo)
    at = np.concatenate(found) if found else np.zeros(0, np.int64)
    sigma = solo_levels(table, at)
    feature = np.searchsorted(table.indptr, at, side="right") - 1
    order = np.lexsort((at, sigma, feature))
    per_level = np.zeros((m, s), dtype=np.int64)
    np.add.at(per_level, (feature, sigma - 1), 1)
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(per_level.sum(axis=1), out=indptr[1:])
    return indptr, at[order], indptr[:-1, None] + np.cumsum(per_level, axis=1)


def _check_solo_lists(table: "FirstLayerGains", m: int, s: int) -> None:
    """InvalidArgument unless ``table``'s solo lists are consistent: ranges that partition
    the list by feature and sigma, and each listed entry one of that feature's, read by an
    input of sigma features, whose solo level (recomputed) is the one it is listed under.
    Whether an unlisted entry should be listed is for the spot check."""
    ptr, solo, ends = table.solo_indptr, table.solo, table.solo_ends
    if ptr.shape != (m + 1,) or ends.shape != (m, s) or solo.ndim != 1 \
            or any(a.dtype.kind not in "iu" for a in (ptr, solo, ends)):
        raise InvalidArgument("gain table solo lists have the wrong shape or type")
    if ptr[0] != 0 or ptr[-1] != solo.size or np.any(np.diff(ptr) < 0) \
            or np.any(np.diff(ends, axis=1, prepend=ptr[:-1, None]) < 0) \
            or not np.array_equal(ends[:, -1], ptr[1:]):
        raise InvalidArgument("gain table solo list ranges are not consistent")
    if not solo.size:
        return
    feature = np.searchsorted(ptr, np.arange(solo.size), side="right") - 1
    sigma = 1 + (np.arange(solo.size)[:, None] >= ends[feature]).sum(axis=1)
    at = solo.astype(np.int64)
    if np.any(at < table.indptr[feature]) \
            or np.any(at >= table.level_ends[feature, np.minimum(sigma, s) - 1]) \
            or not np.array_equal(solo_levels(table, at), sigma):
        raise InvalidArgument("gain table solo lists name an entry of another feature or "
                              "level")


def _level_type(s: int):
    """The narrowest integer type of the levels 1..s."""
    return np.int8 if s < 2 ** 7 else np.int16 if s < 2 ** 15 else np.int64


_GROUPS = 16


def _by_feature(parts: list, m: int, s: int, d: int):
    """The stored entries of the blocks ``parts`` (each (features, units, gains, levels) by
    (feature, unit), the blocks in unit order), ordered by (feature, level, unit): (units
    (int32 when d allows), gains (their narrowest type), per_level (m x s: the entries of
    each feature and level)).

    Features are taken in (about ``_GROUPS``) groups whose keys (feature - first) s + level - 1
    fit 16 bits: a
    group is one slice of each block (features are sorted in a block), whose stable sort by
    key (a radix sort in NumPy for 16-bit keys) keeps the block and unit order within a key;
    groups are sorted by ``table_workers()`` threads, each writing its own slice of the
    result."""
    per_group = max(1, min((1 << 16) // s, -(-m // _GROUPS)))
    bounds = np.arange(0, m + per_group, per_group).clip(max=m)
    cuts = [np.searchsorted(p[0], bounds) for p in parts]
    sizes = np.sum([np.diff(c) for c in cuts], axis=0) if parts else np.zeros(0, np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    top = max((int(p[2].max(initial=0)) for p in parts), default=0)
    units = np.empty(int(starts[-1]), dtype=np.int32 if d < 2 ** 31 else np.int64)
    gains = np.empty(units.size, dtype=_gain_dtype(top))
    per_level = np.zeros((m, s), dtype=np.int64)
    key_type = np.uint16 if per_group * s <= 1 << 16 else np.int64

    def group(g: int) -> None:
        lo, hi = bounds[g], bounds[g + 1]
        pieces = [[part[i][c[g]:c[g + 1]] for part, c in zip(parts, cuts)] for i in range(4)]
        f, unit, gain, level = (np.concatenate(p) for p in pieces)
        key = ((f - lo) * s + level - 1).astype(key_type)
        order = np.argsort(key, kind="stable")
        units[starts[g]:starts[g + 1]] = unit[order]
        gains[starts[g]:starts[g + 1]] = gain[order]
        per_level[lo:hi] = np.bincount(key, minlength=(hi - lo) * s).reshape(hi - lo, s)

    groups = range(len(bounds) - 1)
    workers = min(table_workers(), len(groups))
    if workers <= 1 or not parts:
        for g in groups:
            group(g)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(group, groups))
    return units, gains, per_level


def _narrow_nonnegative(values: np.ndarray) -> np.ndarray:
    """Non-negative ``values`` in the narrowest of int16, int32, int64 that holds them."""
    return values.astype(_gain_dtype(int(values.max(initial=0))))


_ROW_CHUNK = 1 << 22


def _row_abs_max(w: sp.csr_matrix) -> int:
    """max over rows u of sum_p |W[u, p]| (0 for no rows), in chunks of about ``_ROW_CHUNK``
    stored entries so that no copy of the weights is made."""
    ptr = w.indptr
    d = w.shape[0]
    best, lo = 0, 0
    while lo < d:
        hi = int(np.searchsorted(ptr, ptr[lo] + _ROW_CHUNK, side="right")) - 1
        hi = min(max(hi, lo + 1), d)
        part = np.abs(w.data[ptr[lo]:ptr[hi]].astype(np.int64))  # |-128| leaves int8
        cumulative = np.concatenate([[0], np.cumsum(part)])
        sums = cumulative[ptr[lo + 1:hi + 1] - ptr[lo]] - cumulative[ptr[lo:hi] - ptr[lo]]
        best = max(best, int(sums.max(initial=0)))
        lo = hi
    return best
