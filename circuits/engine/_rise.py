"""Which layer-1 units an input's own features can bring within reach of their threshold.

For a unit u of layer 1 (threshold theta_u; z_u = 0 at the empty input) and an input y of
j >= 1 features that may still gain b <= s - j features: layer 0 is an OR, so adding a set R
turns on exactly the input units A(R) \\ A(y), at most b t of them (t the longest support), and

    z_u(y + R) - z_u(y) <= T_b(u) = the sum of the b t largest positive weights of row u.

Also z_u(y) <= sum_{f in y} g+_u(f) (:mod:`superpose.circuits.engine._gains`). So u, off at y,
can turn on only if sum_{f in y} g+_u(f) >= theta_u - T_{s-j}(u), and then some f in y has
g+_u(f) >= ceil((theta_u - T_{s-j}(u)) / j) >= c_u, the unit's *floor*:

    c_u = min_{j = 1..s-1} ceil((theta_u - T_{s-j}(u)) / j).

A unit with c_u <= 0 is never ruled out (*open*). :class:`RiseIndex` keeps, per feature f, the
units u with c_u >= 1 and g+_u(f) >= c_u, each with that gain: a unit that is off at an input
none of whose features lists it cannot turn on with the features the input may still gain.
At an input of one feature f, z_u = sum over the distinct units p of P_f of W[u, p] = g_u(f),
which is the listed g+_u(f) when row u has no negative weight (:meth:`RiseIndex.single_sums`:
a listed unit's pre-activation there with no weight look-up). A unit whose list would
pass ``RISE_CAP`` features is made open instead, so the index holds at most d_1 ``RISE_CAP``
entries.

The entries come from the gain tables' own pass over the products
(:class:`_gains.FirstLayerGains` with a search divisor): every tile of g+ that pass forms is
compared with the floors of its units there (:class:`RiseCollector`), so no product is formed
twice.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model import (
    ScratchFlags,
    dense_ranks,
    expand_ranges,
    run_lengths,
    search_sorted_ranges,
)
from superpose.theory.errors import InvalidArgument

__all__ = ["RISE_CAP", "RiseCollector", "RiseIndex", "rise_floors"]

#: the most features one unit's list may hold before the unit is left open
RISE_CAP = 4096
_PAD_CELLS = 1 << 22
#: the most (input, unit) flags :meth:`RiseIndex.may_rise` sets at once
_FLAG_CELLS = 1 << 26


def rise_floors(w: sp.csr_matrix, theta: np.ndarray, s: int, longest: int) -> np.ndarray:
    """c_u for every row u of W_1 (canonical CSR), at sparsity ``s`` with supports of at most
    ``longest`` input units; 0 where the unit is open (module docstring).

    >>> w = sp.csr_matrix(np.array([[5, 5, 1, 1]]))
    >>> int(rise_floors(w, np.array([12]), 2, 2)[0])  # T_1 = 5 + 5, floor 12 - 10 = 2
    2
    """
    d = w.shape[0]
    floors = np.zeros(d, np.int64)
    if s < 2 or not d:
        return floors
    counts = [b * max(int(longest), 1) for b in range(1, s)]
    tops = _row_top_sums(w, counts)
    theta = np.asarray(theta, np.int64)
    floors[:] = np.iinfo(np.int64).max
    for j in range(1, s):
        np.minimum(floors, -(-(theta - tops[s - j - 1]) // j), out=floors)
    return np.maximum(floors, 0)


def _row_top_sums(w: sp.csr_matrix, counts: list[int]) -> np.ndarray:
    """(len(counts), d) int64: per row of W, the sum of its ``counts[i]`` largest positive
    weights. Rows go in groups of similar length, each padded with zeros into a dense array
    (W's own integer type, which holds max(w, 0)) of at most about ``_PAD_CELLS`` cells and
    partitioned; the sums are taken in int64."""
    d = w.shape[0]
    out = np.zeros((len(counts), d), np.int64)
    lengths = np.diff(w.indptr).astype(np.int64)
    order = np.argsort(lengths, kind="stable")
    k = max(counts)
    lo = 0
    while lo < d:
        hi = lo + 1
        while hi < d and (hi - lo + 1) * max(int(lengths[order[hi]]), 1) <= _PAD_CELLS:
            hi += 1
        rows = order[lo:hi]
        width = max(int(lengths[rows].max()), 1)
        owner, pos = expand_ranges(w.indptr[rows].astype(np.int64),
                                   w.indptr[rows + 1].astype(np.int64))
        padded = np.zeros((len(rows), width), w.data.dtype)
        column = np.arange(len(pos)) - np.repeat(np.cumsum(lengths[rows]) - lengths[rows],
                                                 lengths[rows])
        padded[owner, column] = np.maximum(w.data[pos], 0)
        if width > k:
            padded = np.partition(padded, width - k, axis=1)[:, width - k:]
        padded = -np.sort(-padded, axis=1)  # largest first
        running = np.cumsum(padded, axis=1, dtype=np.int64)
        for i, c in enumerate(counts):
            out[i, rows] = running[:, min(c, running.shape[1]) - 1]
        lo = hi
    return out


class RiseCollector:
    """The rise entries of one block of units lo..hi, collected during the gain tables' pass
    over the tiles of g+ (features x units lo..hi): every (f, u) with g+_u(f) >= c_u >= 1, in
    feature order. A unit whose entries pass ``RISE_CAP`` stops collecting and is opened."""

    def __init__(self, floors: np.ndarray, dtype):
        self.floors = floors
        self.listed = np.flatnonzero(floors >= 1)
        self.floor = np.minimum(floors[self.listed], np.iinfo(dtype).max).astype(dtype)
        self.count = np.zeros(self.listed.size, np.int64)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, g: np.ndarray, first: int) -> None:
        """Note the entries of a tile ``g`` of g+ (rows: features first, first + 1, ...)."""
        if not self.listed.size:
            return
        tile = np.ascontiguousarray(g if self.listed.size == g.shape[1] else g[:, self.listed])
        flat = np.flatnonzero(tile >= self.floor)
        if not flat.size:
            return
        f, col = np.divmod(flat, self.listed.size)
        self.parts.append((f + first, col, tile.ravel()[flat]))
        self.count += np.bincount(col, minlength=self.listed.size)
        over = self.count > RISE_CAP
        if over.any():  # an over-full unit stops collecting: no gain reaches this floor
            self.floor[over] = np.iinfo(self.floor.dtype).max

    def finish(self, lo: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(features, units, floors, gains) of the block, in feature order: the over-full
        units are opened (floor 0) and their entries dropped."""
        full = self.count > RISE_CAP
        floors = self.floors.copy()
        floors[self.listed[full]] = 0
        if not self.parts:
            return (np.zeros(0, np.int32), np.zeros(0, np.int32), floors,
                    np.zeros(0, self.floor.dtype))
        f, col, gains = (np.concatenate([p[i] for p in self.parts]) for i in range(3))
        keep = ~full[col]
        index = np.int32 if max(int(f.max(initial=0)), lo + len(floors)) < 2 ** 31 else np.int64
        return (f[keep].astype(index), (self.listed[col[keep]] + lo).astype(index), floors,
                gains[keep])


class RiseIndex:
    """Per feature f, the units u (not open) with g+_u(f) >= c_u: ``units[indptr[f]:
    indptr[f + 1]]`` (ascending), with ``gains`` g+_u(f) beside them (None: not kept);
    ``floors`` (c_u, 0 where open); ``exact`` (per unit: its row has no negative weight, so
    g+ = g; None: no unit)."""

    def __init__(self, floors: np.ndarray, indptr: np.ndarray, units: np.ndarray,
                 gains: np.ndarray | None = None, exact: np.ndarray | None = None):
        self.floors, self.indptr, self.units = floors, indptr, units
        self.gains = gains
        self.exact = np.zeros(floors.size, bool) if exact is None else exact
        self._flags = ScratchFlags()
        self._transposed = None

    @property
    def entries(self) -> int:
        """Stored (feature, unit) entries."""
        return int(self.units.size)

    @classmethod
    def from_blocks(cls, blocks: list, m: int, exact: np.ndarray | None = None) -> "RiseIndex":
        """The index from the blocks' :meth:`RiseCollector.finish` (in unit order, each in
        feature order): a counting sort by feature that keeps the block order, through the
        runs of equal features of each block (memory O(m + entries), whatever the number of
        blocks). ``exact``: per unit, its row has no negative weight."""
        floors = np.concatenate([b[2] for b in blocks]) if blocks else np.zeros(0, np.int64)
        runs = [run_lengths(b[0]) for b in blocks]
        per_feature = np.zeros(m, np.int64)
        for features, counts in runs:
            per_feature[features] += counts
        indptr = np.zeros(m + 1, np.int64)
        np.cumsum(per_feature, out=indptr[1:])
        index = np.int32 if floors.size < 2 ** 31 else np.int64
        units = np.empty(int(indptr[-1]), index)
        dtype = np.result_type(*[b[3].dtype for b in blocks]) if blocks else np.int64
        gains = np.empty(units.size, dtype)
        filled = indptr[:-1].copy()
        for (f, u, _, g), (features, counts) in zip(blocks, runs):
            rank = np.arange(f.size) - np.repeat(np.cumsum(counts) - counts, counts)
            units[filled[f] + rank] = u
            gains[filled[f] + rank] = g
            filled[features] += counts
        return cls(floors, indptr, units, gains, exact)

    def lists(self, features: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Per pair (``features[i]``, ``units[i]``): does the feature list the unit?"""
        return self._find(features, units)[0]

    def single_sums(self, features: np.ndarray, units: np.ndarray):
        """For pairs (f, u) = (``features[i]``, ``units[i]``): (known, z) with known[i] when f
        lists u and u's row has no negative weight; then z[i] = g_u(f), the pre-activation of
        u at the input of f alone (module docstring)."""
        found, at = self._find(features, units)
        z = np.zeros(found.size, np.int64)
        if self.gains is None:
            return np.zeros(found.size, bool), z
        known = found & self.exact[np.asarray(units, np.int64)]
        z[known] = self.gains[at[known]]
        return known, z

    def listed_at_least(self, units: np.ndarray, h: np.ndarray):
        """Every (query, feature, gain) with ``features`` listing ``units[i]`` at a gain
        g+_u(f) >= ``h[i]``, features ascending per query. For a unit with a floor
        (c_u >= 1) and h[i] >= c_u these are *all* the features with g+_u(f) >= h[i]: each
        of them lists u (module docstring). Reads the index by unit, transposed when first
        asked for (needs the gains kept)."""
        if self.gains is None:
            raise InvalidArgument("listed_at_least needs the listed gains; build the index "
                                  "with them (RiseIndex.from_blocks keeps them)")
        units = np.asarray(units, np.int64)
        h = np.asarray(h, np.int64)
        by_unit = self._by_unit()
        owner, pos = expand_ranges(by_unit.indptr[units].astype(np.int64),
                                   by_unit.indptr[units + 1].astype(np.int64))
        gains = by_unit.data[pos].astype(np.int64)
        keep = gains >= h[owner]
        return owner[keep], by_unit.indices[pos[keep]].astype(np.int64), gains[keep]

    def _by_unit(self) -> sp.csc_matrix:
        """The index as an m x d_1 CSC matrix of the listed gains: column u lists, ascending,
        the features that list u (SciPy's counting sort, made once)."""
        if self._transposed is None:
            self._transposed = sp.csr_matrix(
                (self.gains, self.units, self.indptr),
                shape=(self.indptr.size - 1, self.floors.size)).tocsc()
        return self._transposed

    def _find(self, features, units):
        """(listed, position) of each pair: a bisection of each feature's ascending list."""
        features = np.asarray(features, np.int64)
        return search_sorted_ranges(self.units, self.indptr[features],
                                    self.indptr[features + 1], np.asarray(units, np.int64),
                                    groups=(features, self.indptr.size - 1))

    def may_rise(self, active: np.ndarray, rows: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Per pair i: can unit ``units[i]``, if off at input ``active[rows[i]]`` (B x s,
        padded with negatives), still turn on? False only when the unit has a floor, the
        input has a feature, and none of its features lists the unit.

        The inputs asked (only those) go in blocks whose (input, unit) pairs fit the index's
        scratch flags (at most ``_FLAG_CELLS``, or one input's d_1): their features' lists are
        the keys."""
        rows = np.asarray(rows, np.int64)
        units = np.asarray(units, np.int64)
        out = (self.floors[units] < 1) | ~(active >= 0).any(axis=1)[rows]
        ask = np.flatnonzero(~out)
        if not ask.size:
            return out
        width = self.floors.size
        per_block = max(1, _FLAG_CELLS // max(width, 1))
        asked_rows, rank = dense_ranks(rows[ask], active.shape[0])
        slot = rank[rows[ask]]  # the place of each pair's input among them
        for lo in range(0, asked_rows.size, per_block):
            hi = min(lo + per_block, asked_rows.size)
            mine = slice(None) if hi - lo == asked_rows.size else (slot >= lo) & (slot < hi)
            feats = active[asked_rows[lo:hi]]
            owner_row, col = np.nonzero(feats >= 0)
            f = feats[owner_row, col]
            owner, pos = expand_ranges(self.indptr[f], self.indptr[f + 1])
            keys = owner_row[owner] * width + self.units[pos]
            query = (slot[mine] - lo) * width + units[ask[mine]]
            out[ask[mine]] = self._flags.hits(keys, query, (hi - lo) * width)
        return out
