"""The trace of a batch of inputs as events, read one (input, unit) pair at a time.

The search (:mod:`superpose.checks.certification._search`) asks, for a few units of each
evaluated input, whether the unit is on and what its pre-activation is. A dense trace answers
that with B x d_l arrays per layer, most of which nobody reads. Here the batch is evaluated by
events from the empty input's trace (:meth:`circuits.engine.EventEvaluator.trace_events`, the
math in :mod:`superpose.circuits.engine._events`): layer l's events E_l are the units whose
activation differs from baseline, so

    a_l[b, u] = a0_l[u] + delta_{b, u}  (delta = 0 unless (b, u) in E_l),
    z_l[b, u] = z0_l[u] + sum_{v in E_{l-1}(b)} W_l[u, v] delta_{b, v}     (l >= 1),

with E_0(b) the active input units of input b (a0_0 = 0, so every delta there is +1). A pair
costs a binary search for the activation, and |E_{l-1}(b)| weight look-ups for the
pre-activation: the work an input really causes, never O(d_l).

The last layer's events are never formed: the search reads a_L only at a few output units
of each input (the units of its outputs' codes), so a_L[b, u] = [z_L[b, u] >= theta_L[u]] is
found pair by pair from z_L as above, where forming E_L would sum every W_L^T column of every
event of layer L - 1 (at a star's pair input, some 22,000 terms for the 17 units it asks).

When an input is asked about many units, its whole row z_l[b, :] is cheaper: the columns
W_l[:, v] of its events v, scaled by delta_{b, v} and summed into a dense row of d_l
(sum_{v in E_{l-1}(b)} nnz(W_l[:, v]) + d_l terms, against |E_{l-1}(b)| look-ups per pair,
each a cache miss or a bisection when W_l has no dense copy). The two give the same integers:
the column sums are taken in float64 only while every partial sum is below 2^53 in
magnitude (then exact), else in int64.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp

from superpose.circuits.engine import EventEvaluator, expand_ranges

__all__ = ["EventTrace"]

_PAIR_CHUNK = 1 << 21
_DENSE_CELLS = 1 << 22


class EventTrace:
    """Activations and pre-activations of a batch ``active`` (B x s, padded) on demand.

    ``lookups[l - 1]`` gives W_l[u, v] for pairs (``evaluator.weight_lookup(l)``, shared by
    every batch of one search). ``columns(l)``, if given, is W_l^T as CSR (any integer type):
    an input whose look-ups would cost more than its columns (a look-up counted as
    ``lookup_cost`` column terms; default 1 with a dense copy of W_l, else 8) has its
    pre-activations summed from them.
    """

    def __init__(self, evaluator: EventEvaluator, lookups, active: np.ndarray,
                 columns=None, lookup_cost: float | None = None):
        self.batch = int(active.shape[0])
        self.active = active
        self.columns = columns
        self.lookup_cost = lookup_cost
        self.depth = len(lookups)
        # E_0 .. E_{L-1}: the last layer is read pair by pair (module docstring)
        self.events = evaluator.trace_events(active, max(self.depth - 1, 0))
        self.widths = [evaluator.input_width] + [len(evaluator.baseline(l)[0])
                                                 for l in range(1, self.depth + 1)]
        self.baselines = [(np.zeros(self.widths[0], np.int64), np.zeros(self.widths[0], bool))]
        self.baselines += [evaluator.baseline(l) for l in range(1, self.depth + 1)]
        self.keys = [rows * width + units
                     for (rows, units, _), width in zip(self.events, self.widths)]
        self.theta_last = evaluator.thresholds(self.depth) if self.depth else None
        self.lookups = lookups
        #: what the search derives from this batch alone, kept for its later passes
        self.memo: dict = {}

    def act(self, layer: int, rows: np.ndarray, units: np.ndarray) -> np.ndarray:
        """a_layer[rows[i], units[i]] as int8 0/1 (layer 0: the input units)."""
        if layer and layer == self.depth:
            return (self.pre(layer, rows, units) >= self.theta_last[units]).astype(np.int8)
        keys = self.keys[layer]
        state = self.baselines[layer][1][units].astype(np.int8)
        if not keys.size or not len(units):
            return state
        query = rows * self.widths[layer] + units
        found = np.minimum(np.searchsorted(keys, query), keys.size - 1)
        hit = keys[found] == query
        state[hit] += self.events[layer][2][found[hit]].astype(np.int8)
        return state

    def pre(self, layer: int, rows: np.ndarray, units: np.ndarray) -> np.ndarray:
        """z_layer[rows[i], units[i]] (layer >= 1) as int64: the baseline plus the weighted
        events of the layer below, summed exactly."""
        out = self.baselines[layer][0][units].astype(np.int64)
        ev_rows, ev_units, ev_deltas = self.events[layer - 1]
        if not ev_rows.size or not len(units):
            return out
        starts = np.searchsorted(ev_rows, rows, side="left")
        ends = np.searchsorted(ev_rows, rows, side="right")
        by_columns, work = self._by_columns(layer, rows, ends - starts)
        if by_columns.any():
            out[by_columns] += self._column_sums(layer, rows[by_columns], units[by_columns],
                                                 work)
        keep = ~by_columns
        out[keep] += self._pair_sums(layer, units[keep], starts[keep], ends[keep])
        return out

    def _pair_sums(self, layer: int, units, starts, ends) -> np.ndarray:
        """sum_{v in E_{l-1}(b)} W_l[u, v] delta_{b, v} per pair by look-ups (the events of
        pair i at positions starts[i]..ends[i])."""
        out = np.zeros(len(units), np.int64)
        if not len(units):
            return out
        _, ev_units, ev_deltas = self.events[layer - 1]
        cumulative = np.cumsum(ends - starts)
        lo = 0
        while lo < len(units):
            # pairs [lo, hi) with about _PAIR_CHUNK look-ups (one pair alone may have more)
            base = cumulative[lo - 1] if lo else 0
            hi = max(lo + 1, int(np.searchsorted(cumulative, base + _PAIR_CHUNK, "right")))
            owner, pos = expand_ranges(starts[lo:hi], ends[lo:hi])
            terms = self.lookups[layer - 1](units[lo:hi][owner], ev_units[pos]) * ev_deltas[pos]
            summed = np.concatenate([[0], np.cumsum(terms)])
            last = np.cumsum(ends[lo:hi] - starts[lo:hi])
            out[lo:hi] += summed[last] - summed[last - (ends[lo:hi] - starts[lo:hi])]
            lo = hi
        return out

    def _by_columns(self, layer: int, rows, events):
        """(per pair: is its input's row cheaper from the columns (``events[i]``: the events
        of pair i's input)? False everywhere without ``columns``; the per-input work of a row
        from the columns, :meth:`_row_work`, or None)."""
        if self.columns is None:
            return np.zeros(len(rows), bool), None
        cost = self.lookup_cost
        if cost is None:
            cost = 1.0 if self.lookups[layer - 1].dense is not None else 8.0
        lookups = np.bincount(rows, weights=events, minlength=self.batch)
        work = self._row_work(layer, self.columns(layer))
        return (cost * lookups > work)[rows], work

    def _row_work(self, layer: int, wt) -> np.ndarray:
        """Per input: the column terms of its events plus the d_l cells of its dense row."""
        ev_rows, ev_units, _ = self.events[layer - 1]
        return np.bincount(ev_rows, weights=np.diff(wt.indptr)[ev_units],
                           minlength=self.batch) + wt.shape[1]

    def _column_sums(self, layer: int, rows, units, work) -> np.ndarray:
        """sum_{v in E_{l-1}(b)} W_l[u, v] delta_{b, v} for pairs (rows[i], units[i]), from
        dense rows z[b, :] summed over the columns of W_l^T, a block of inputs at a time (about
        ``_DENSE_CELLS`` cells and terms, ``work`` per input; an input with more is a block of
        its own)."""
        wt = self.columns(layer)
        width = wt.shape[1]
        ptr = wt.indptr.astype(np.int64)
        ev_rows, ev_units, ev_deltas = self.events[layer - 1]
        order = np.argsort(rows, kind="stable")
        inputs, first = np.unique(rows[order], return_index=True)
        bounds = np.append(first, len(order))
        cumulative = np.cumsum(work[inputs])
        out = np.zeros(len(rows), np.int64)
        largest = int(np.abs(wt.data).max(initial=0))
        lo = 0
        while lo < len(inputs):
            base = cumulative[lo - 1] if lo else 0
            hi = max(lo + 1, int(np.searchsorted(cumulative, base + _DENSE_CELLS, "right")))
            block = inputs[lo:hi]
            owner, pos = expand_ranges(np.searchsorted(ev_rows, block, side="left"),
                                       np.searchsorted(ev_rows, block, side="right"))
            v = ev_units[pos]
            column, at = expand_ranges(ptr[v], ptr[v + 1])
            keys = owner[column] * width + wt.indices[at]
            terms = ev_deltas[pos][column] * wt.data[at].astype(np.int64)
            if largest * len(terms) < 2 ** 53:  # every partial sum is an exact float64
                dense = np.bincount(keys, weights=terms, minlength=len(block) * width)
                dense = dense.astype(np.int64)
            else:
                dense = np.zeros(len(block) * width, np.int64)
                np.add.at(dense, keys, terms)
            sel = order[bounds[lo]:bounds[hi]]
            local = np.searchsorted(block, rows[sel])
            out[sel] = dense[local * width + units[sel]]
            lo = hi
        return out

    @functools.cached_property
    def inputs(self) -> sp.csr_matrix:
        """The active input units of every input (B x d_0, ones, sorted indices)."""
        rows, units, _ = self.events[0]
        indptr = np.zeros(self.batch + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=self.batch), out=indptr[1:])
        return sp.csr_matrix((np.ones(units.size, np.int32), units, indptr),
                             shape=(self.batch, self.widths[0]))
