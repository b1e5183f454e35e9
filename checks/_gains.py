"""How much one input feature can move a unit: the bounds the certifier's search prunes with.

For a unit u of layer 1 and a feature e with input support P_e, write

    g+_u(e) = sum_{p in P_e} max(W[u, p], 0)      g-_u(e) = sum_{p in P_e} min(W[u, p], 0).

Adding a set R of features to an input y turns on exactly the input units of
A(R) \\ A(y) (A = union of supports: layer 0 is an OR, so adding features never turns an input
unit off), hence

    z_u(y + R) - z_u(y) = sum_{p in A(R) \\ A(y)} W[u, p]  lies in  [sum_{e in R} g-_u(e),
                                                                    sum_{e in R} g+_u(e)].

So if u is off at y and must reach theta_u with at most b added features, some added feature
has g+_u(e) >= ceil((theta_u - z_u(y)) / b) (pigeonhole), and symmetrically for turning u off.
:class:`GainTable` answers "which features have gain >= h for unit u" for many (u, h) at once.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

__all__ = ["GainTable", "TableTimeout", "expand_ranges"]

_CHUNK_ENTRIES = 4_000_000


class TableTimeout(Exception):
    """The deadline passed while a table was being built (the search reports a timeout)."""


def expand_ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) for every position in every [starts[i], ends[i]) range.

    >>> [a.tolist() for a in expand_ranges(np.array([5, 0]), np.array([7, 1]))]
    [[0, 0, 1], [5, 6, 0]]
    """
    lengths = np.maximum(ends - starts, 0)
    owner = np.repeat(np.arange(len(starts)), lengths)
    if not owner.size:
        return owner, owner.copy()
    offsets = np.cumsum(lengths) - lengths
    position = np.arange(owner.size) - offsets[owner] + starts[owner]
    return owner, position


class GainTable:
    """Per unit of one layer, its features sorted by decreasing gain (one sign of the weights).

    ``weights`` is W (d x d_0) restricted to one sign and made non-negative (W+ or -W-);
    ``holders`` is the d_0 x m matrix of input supports transposed. Entries with gain below
    ``cutoff[u]`` are not stored; a query below the cutoff computes that unit's full row (and
    keeps it), so every answer is exact.
    """

    def __init__(self, weights: sp.csr_matrix, holders: sp.csr_matrix, cutoff: np.ndarray,
                 deadline: float = math.inf):
        self.weights = weights.tocsr()
        self.weights.sum_duplicates()
        self.weights.sort_indices()
        self.holders = holders.tocsr()
        self.m = holders.shape[1]
        self.cutoff = np.maximum(np.asarray(cutoff, dtype=np.int64), 1)
        self._supports = None
        self._keys_w = None
        self._complete: list[GainTable] = []
        self._complete_of = self._complete_row = None
        feats, gains, counts = [], [], []
        d = self.weights.shape[0]
        per_row = max(1, np.diff(self.weights.indptr).mean() if d else 1)
        fan = max(1.0, self.holders.nnz / max(1, self.holders.shape[0]))
        step = max(1, int(_CHUNK_ENTRIES / (per_row * fan)))
        for lo in range(0, d, step):
            if time.perf_counter() > deadline:
                raise TableTimeout(f"timed out building the gain table ({lo} of {d} units)")
            block = (self.weights[lo:lo + step] @ self.holders).tocsr()
            block.sum_duplicates()
            rows = np.repeat(np.arange(lo, min(lo + step, d)), np.diff(block.indptr))
            keep = block.data >= self.cutoff[rows]
            rows, f, g = rows[keep], block.indices[keep], block.data[keep]
            order = np.argsort(rows * (int(g.max(initial=0)) + 2) - g, kind="stable")
            feats.append(f[order].astype(np.int64))
            gains.append(g[order].astype(np.int64))
            counts.append(np.bincount(rows - lo, minlength=min(step, d - lo)))
        self.features = np.concatenate(feats) if feats else np.zeros(0, np.int64)
        self.gains = np.concatenate(gains) if gains else np.zeros(0, np.int64)
        count = np.concatenate(counts) if counts else np.zeros(0, np.int64)
        self.indptr = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)
        self._span = int(self.gains.max()) + 2 if self.gains.size else 2
        self._keys = np.repeat(np.arange(d, dtype=np.int64), count) * self._span - self.gains

    def already_on(self, units: np.ndarray, features: np.ndarray, rows: np.ndarray,
                   active_inputs: np.ndarray) -> np.ndarray:
        """For each (units[i], features[i]): the part of gain_u(feature) on input units that
        are already on in input ``rows[i]`` (``active_inputs``: dense 0/1, one row per input),
        which the feature cannot add again."""
        out = np.zeros(len(units), np.int64)
        if not len(units):
            return out
        # only a feature whose support meets the input's active units can owe anything: find
        # the (input, feature) pairs that meet, (active units) @ holders, and work on those
        overlap = (sp.csr_matrix(active_inputs) @ self.holders).tocsr()
        overlap.sum_duplicates()  # canonical: sorted indices, so the keys below are sorted
        keys = np.repeat(np.arange(overlap.shape[0], dtype=np.int64),
                         np.diff(overlap.indptr)) * self.m + overlap.indices
        query = rows * self.m + features
        found = np.minimum(np.searchsorted(keys, query), max(len(keys) - 1, 0))
        met = keys[found] == query if len(keys) else np.zeros(len(query), bool)
        if met.any():
            sel = np.flatnonzero(met)
            out[sel] = self._already_on(units[sel], features[sel], rows[sel], active_inputs)
        return out

    def _already_on(self, units, features, rows, active_inputs) -> np.ndarray:
        support = self.holders.T.tocsr() if self._supports is None else self._supports
        self._supports = support
        owner, pos = expand_ranges(support.indptr[features], support.indptr[features + 1])
        p = support.indices[pos].astype(np.int64)
        on = active_inputs[rows[owner], p] > 0
        owner, p = owner[on], p[on]
        w = self.weights
        d0 = w.shape[1]
        if self._keys_w is None:
            rows = np.repeat(np.arange(w.shape[0], dtype=np.int64), np.diff(w.indptr))
            self._keys_w = rows * d0 + w.indices
        key = units[owner] * d0 + p
        found = np.minimum(np.searchsorted(self._keys_w, key), len(self._keys_w) - 1)
        hit = self._keys_w[found] == key if len(self._keys_w) else np.zeros(len(key), bool)
        weight = np.where(hit, w.data[found] if len(w.data) else 0, 0)
        return np.bincount(owner, weights=weight, minlength=len(units)).astype(np.int64)

    def top_sum(self, units: np.ndarray, b: np.ndarray) -> np.ndarray:
        """An upper bound on what b features can add: the b largest gains of each unit, where
        a gain that is not stored counts as cutoff - 1 (stored gains are all >= cutoff)."""
        out = np.zeros(len(units), dtype=np.int64)
        gains = np.append(self.gains, 0)  # a safe slot for positions past the last row
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
        # below the stored cutoff: complete tables of those units (built once, kept) answer
        q_slow, f_slow, g_slow = self._complete_at_least(units[slow], h[slow])
        return (np.concatenate([q_fast, slow[q_slow]]), np.concatenate([f_fast, f_slow]),
                np.concatenate([g_fast, g_slow]))

    def _complete_at_least(self, units: np.ndarray, h: np.ndarray):
        """at_least from complete tables (every positive gain stored), one per batch of units
        first asked for below the cutoff, kept for later queries. Queries ask h >= 1 (a unit
        in the wrong state has gap >= 1), so a gain of 0 never qualifies."""
        if self._complete_of is None:
            self._complete_of = np.full(self.weights.shape[0], -1, np.int64)
            self._complete_row = np.zeros(self.weights.shape[0], np.int64)
        new = np.unique(units[self._complete_of[units] < 0])
        if new.size:
            self._complete_of[new] = len(self._complete)
            self._complete_row[new] = np.arange(new.size)
            self._complete.append(GainTable(self.weights[new], self.holders,
                                            np.ones(new.size, np.int64)))
        h = np.maximum(h, 1)
        parts = [[], [], []]
        table_of = self._complete_of[units]
        for t in np.unique(table_of):
            sel = np.flatnonzero(table_of == t)
            q, f, g = self._complete[t].at_least(self._complete_row[units[sel]], h[sel])
            parts[0].append(sel[q])
            parts[1].append(f)
            parts[2].append(g)
        return tuple(np.concatenate(p) for p in parts)
