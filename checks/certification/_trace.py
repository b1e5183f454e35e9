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
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp

from superpose.circuits.engine import EventEvaluator, expand_ranges

__all__ = ["EventTrace"]

_PAIR_CHUNK = 1 << 21


class EventTrace:
    """Activations and pre-activations of a batch ``active`` (B x s, padded) on demand.

    ``lookups[l - 1]`` gives W_l[u, v] for pairs (``evaluator.weight_lookup(l)``, shared by
    every batch of one search).
    """

    def __init__(self, evaluator: EventEvaluator, lookups, active: np.ndarray):
        self.batch = int(active.shape[0])
        self.events = evaluator.trace_events(active)
        self.widths = [evaluator.input_width] + [len(evaluator.baseline(l)[0])
                                                 for l in range(1, len(self.events))]
        self.baselines = [(np.zeros(self.widths[0], np.int64), np.zeros(self.widths[0], bool))]
        self.baselines += [evaluator.baseline(l) for l in range(1, len(self.events))]
        self.keys = [rows * width + units
                     for (rows, units, _), width in zip(self.events, self.widths)]
        self.lookups = lookups

    def act(self, layer: int, rows: np.ndarray, units: np.ndarray) -> np.ndarray:
        """a_layer[rows[i], units[i]] as int8 0/1 (layer 0: the input units)."""
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

    @functools.cached_property
    def inputs(self) -> sp.csr_matrix:
        """The active input units of every input (B x d_0, ones, sorted indices)."""
        rows, units, _ = self.events[0]
        indptr = np.zeros(self.batch + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=self.batch), out=indptr[1:])
        return sp.csr_matrix((np.ones(units.size, np.int32), units, indptr),
                             shape=(self.batch, self.widths[0]))
