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
dense), in the narrowest integer type that holds the largest row sum of |W| (every gain is at
most that), with blocks of at most ``max_bytes`` in flight, built by as many threads as the
process may use (at most 4: :func:`map_blocks`). It costs O(d_1 (nnz(P) + m)) time, whatever
the sparsity of W, and O(m s + d_1 + stored entries) memory at the end.
"""


from __future__ import annotations

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model import expand_ranges
from superpose.theory.errors import InvalidArgument

__all__ = ["FirstLayerGains", "GainTable", "TableTimeout", "expand_ranges"]

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
               workers: int | None = None, deadline: float = math.inf) -> list:
    """[build_block(lo, hi) for each block of units [lo, hi) of a layer of ``width`` units],
    in order, computed by ``workers`` threads (``table_workers()`` by default). A block has at
    most max(1, max_bytes // (workers * bytes_per_unit)) units, so the blocks in flight
    together hold about ``max_bytes``. A block that starts after ``deadline`` (a
    ``time.perf_counter()`` value) raises :class:`TableTimeout` instead."""
    workers = table_workers() if workers is None else max(1, int(workers))
    step = max(1, max_bytes // max(1, workers * bytes_per_unit))
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
        q_slow, f_slow, g_slow = self._complete_at_least(units[slow], h[slow])
        return (np.concatenate([q_fast, slow[q_slow]]), np.concatenate([f_fast, f_slow]),
                np.concatenate([g_fast, g_slow]))

    def _complete_at_least(self, units: np.ndarray, h: np.ndarray):
        """at_least for queries below the stored cutoff: their units' gains over every
        feature, formed as the table's own blocks are (the m x d_0 incidence times the units'
        dense weights), compared with h directly: nothing is sorted or kept. Queries ask
        h >= 1 (a unit in the wrong state has gap >= 1), so a gain of 0 never qualifies."""
        h = np.maximum(h, 1)
        order = np.argsort(units, kind="stable")
        dtype = self._incidence.dtype
        per_block = max(1, MAX_TABLE_BYTES // max(1, self.m * np.dtype(dtype).itemsize))
        parts = [[], [], []]
        for lo in range(0, len(order), per_block):
            sel = order[lo:lo + per_block]
            block_units, column = np.unique(units[sel], return_inverse=True)
            dense = np.ascontiguousarray(self.weights[block_units].toarray().T, dtype=dtype)
            g = (self._incidence @ dense)[:, column.ravel()]
            f, q = at_least(g, np.minimum(h[sel], np.iinfo(dtype).max).astype(dtype))
            parts[0].append(sel[q])
            parts[1].append(f.astype(np.int64))
            parts[2].append(g[f, q].astype(np.int64))
        return tuple(np.concatenate(p) for p in parts)


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


class FirstLayerGains:
    """Per input feature, the layer-1 units it can move, for inputs of at most ``sparsity``
    features (module docstring: the bound, the levels and their proofs).

    ``weights`` (d_1 x d_0) and ``theta`` (d_1) are layer 1; ``indptr``, ``indices`` and
    ``width`` the input code (m rows over d_0); the cutoff is c_u = ceil(N_u / (s D)) with
    D = ``divisor``. Attributes: ``indptr`` (m + 1); ``units`` and ``gains`` (feature f
    stores ``units[indptr[f]:indptr[f+1]]`` with their gains G_u(f) >= c_u, those of level
    lambda <= s only, sorted by level, then unit); ``level_ends`` (m x s: the entries of f
    of level <= j end at ``level_ends[f, j - 1]``); ``need`` (N_u), ``cutoff`` (c_u),
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
        w = sp.csr_matrix(weights, dtype=np.int64)
        if not w.has_canonical_format:  # (a copy: the caller's arrays stay as they are)
            w = w.copy()
            w.sum_duplicates()
        theta = np.asarray(theta, dtype=np.int64)
        d, d0 = w.shape
        m = len(indptr) - 1
        s = self.sparsity = int(sparsity)
        self.off = theta > 0
        self.need = np.where(self.off, theta, 1 - theta)
        self.cutoff = -(-self.need // (s * int(divisor)))
        bound = _row_abs_max(w)  # every gain is at most this
        dtype = _gain_dtype(bound)
        # g >= c and g >= min(c, bound + 1) agree for every gain, and the latter fits dtype
        cutoff = np.minimum(self.cutoff, bound + 1).astype(dtype)
        holders = _incidence_rows(np.asarray(indptr), np.asarray(indices), width, dtype)
        item = np.dtype(dtype).itemsize
        self.leak = np.zeros(d, dtype=np.int64)
        self.top = np.zeros(d, dtype=np.int64)
        search = _SearchCutoffs(w, theta, s, search_divisor, dtype)

        def block(lo, hi):
            if search.wanted:
                g, found = search.block(holders, w[lo:hi].toarray(), self.off[lo:hi], lo, hi)
            else:
                dense = w[lo:hi].toarray()
                dense[~self.off[lo:hi]] *= -1
                np.maximum(dense, 0, out=dense)
                g = holders @ np.ascontiguousarray(dense.T, dtype=dtype)  # G: m x (hi - lo)
                del dense
                found = None
            f, col = at_least(g, cutoff[lo:hi])
            gain = g[f, col].astype(np.int64)
            g[f, col] = 0
            # a block holds every feature of its units, so their h_u and t_u are complete
            self.leak[lo:hi] = g.max(axis=0, initial=0)
            del g
            unit = col + lo
            self.top[lo:hi] = self.leak[lo:hi]
            np.maximum.at(self.top, unit, gain)
            level = _levels(gain, self.need[unit], self.top[unit])
            kept = np.flatnonzero(level <= s)
            return (f[kept].astype(np.int64), unit[kept], gain[kept], level[kept],
                    int(gain.size - kept.size), found)

        per_unit = max(m * item * (2 if search.wanted else 1), d0 * 8)
        parts = map_blocks(block, d, per_unit, max_bytes, deadline=deadline)
        self.positive = self.negative = None
        if search.wanted:
            self.positive, self.negative = search.tables(w, holders, [p[5] for p in parts])
        self.dropped = sum(p[4] for p in parts)
        feats, units, gains, levels = (np.concatenate([p[i] for p in parts]) if parts
                                       else np.zeros(0, np.int64) for i in range(4))
        order = np.lexsort((units, levels, feats))
        self.units = units[order].astype(np.int32 if d < 2 ** 31 else np.int64)
        self.gains = _narrow_nonnegative(gains[order])
        self.indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(feats, minlength=m), out=self.indptr[1:])
        # level_ends[f, j - 1]: where the entries of feature f with level <= j end
        per_level = np.bincount(feats * s + levels - 1, minlength=m * s).reshape(m, s)
        self.level_ends = self.indptr[:-1, None] + np.cumsum(per_level, axis=1)
        self.seconds = time.perf_counter() - start

    @property
    def entries(self) -> int:
        """Stored (feature, unit) entries."""
        return int(self.units.size)

    _ARRAYS = ("indptr", "units", "gains", "level_ends", "need", "cutoff", "leak", "top", "off")

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
        return table

    def nbytes(self) -> int:
        """Bytes of the stored arrays."""
        return int(sum(a.nbytes for a in (self.indptr, self.units, self.gains,
                                          self.level_ends, self.need, self.cutoff, self.leak,
                                          self.top, self.off)))


class _SearchCutoffs:
    """The certifier's two gain tables, filled from :class:`FirstLayerGains`' own products.

    A block forms g+ = P W+^T always, and g- = P W-^T when the block has a negative weight or
    a unit on at baseline (whose G is g-); G takes each unit's column from the one its sign
    needs, and the two tables keep their entries at or above their own cutoffs.
    """

    def __init__(self, w: sp.csr_matrix, theta: np.ndarray, s: int, divisor: int | None,
                 dtype):
        self.wanted = divisor is not None
        if not self.wanted:
            return
        span = s * int(divisor)
        self.dtype = dtype
        self.cut_pos = np.maximum(-(-theta // span), 1)
        self.cut_neg = np.maximum(-(-(1 - theta) // span), 1)
        self.has_negative = bool((w.data < 0).any())
        bound = np.iinfo(dtype).max
        self._pos = np.minimum(self.cut_pos, bound).astype(dtype)
        self._neg = np.minimum(self.cut_neg, bound).astype(dtype)

    def block(self, holders, dense: np.ndarray, off: np.ndarray, lo: int, hi: int):
        """(G of the block's units, their entries in the two tables)."""
        g_pos = holders @ np.ascontiguousarray(np.maximum(dense, 0).T, dtype=self.dtype)
        positive = sorted_entries(g_pos, self._pos[lo:hi])
        negative = None
        if self.has_negative or not off.all():
            g_neg = holders @ np.ascontiguousarray(np.maximum(-dense, 0).T, dtype=self.dtype)
            if self.has_negative:
                negative = sorted_entries(g_neg, self._neg[lo:hi])
            on = np.flatnonzero(~off)
            g_pos[:, on] = g_neg[:, on]
        return g_pos, (positive, negative, hi - lo)

    def tables(self, w: sp.csr_matrix, incidence: sp.csr_matrix, found: list):
        """The two :class:`GainTable` (``incidence``: the m x d_0 input supports)."""
        holders = incidence.T.tocsr()
        positive = GainTable(w.maximum(0) if self.has_negative else w, holders, self.cut_pos,
                             incidence=incidence, entries=join_entries(p for p, _, _ in found))
        if not self.has_negative:
            return positive, None
        empty = np.zeros(0, np.int64)
        negative = join_entries(n if n is not None else (empty, empty, np.zeros(k, np.int64))
                                for _, n, k in found)
        return positive, GainTable((-w).maximum(0), holders, self.cut_neg, incidence=incidence,
                                   entries=negative)


def _levels(gains: np.ndarray, need: np.ndarray, top: np.ndarray) -> np.ndarray:
    """lambda = 1 where gain >= need, else 1 + ceil((need - gain) / top) (top >= gain >= 1)."""
    deficit = need - gains
    return np.where(deficit <= 0, 1, 1 + (-(-deficit // np.maximum(top, 1))))


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
