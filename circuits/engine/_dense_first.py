"""Layer 1 as dense rows of full gains, for circuits with few features and busy first layers.

For a feature f let G[f] = W_1 1[P_f], the d_1 pre-activations its support alone makes (the
full gains g_u(f) = sum_{p in P_f} W_1[u, p], every unit, any sign). An input b whose distinct
active features F_b have pairwise disjoint supports has a_0 = sum_{f in F_b} 1[P_f], so

    z_1 = W_1 a_0 = sum_{f in F_b} G[f]        (exactly: integers, no rounding)

and E_1 = {u : [z_1[u] >= theta_u] != a0_1[u]}. Supports overlap exactly when
sum_{f in F_b} |P_f| > |A_b| (A_b = the union, E_0 of the input); such inputs are left to the
caller (they are few: two random supports of t units in d_0 share one with probability about
t^2 / d_0).

One input costs O(s d_1) additions and comparisons, whatever the layer's fan-out: it pays where
the gain table of circuits/engine/_gains.py would read many entries per input (a first layer
whose units each feel many features, as the nearcut family's shared channel does) and G is
small (m d_1 entries, made once by the sparse product S_P W_1^T). :func:`dense_first_pays` says
when; the evaluator (circuits/engine/_events.py) decides.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from superpose.circuits.engine._gains import _row_abs_max

__all__ = ["DENSE_FIRST_ENTRIES", "DenseFirstLayer", "dense_first_pays"]

#: most entries (m d_1) of G, held as int32 (128 MiB)
DENSE_FIRST_ENTRIES = 1 << 25
#: a dense row costs about this many times less per unit than a table entry read and sorted
_ENTRY_COST = 16
#: entries of the (rows x d_1) sums formed at once
_BLOCK_ENTRIES = 1 << 22


def dense_first_pays(m: int, width: int, table_entries: int) -> bool:
    """Whether dense rows beat the gain table: G fits (m d_1 <= ``DENSE_FIRST_ENTRIES``) and a
    feature's table entries (about entries / m) cost at least as much as its dense row of d_1
    units, counting a table entry ``_ENTRY_COST`` times a dense unit.

    >>> dense_first_pays(633, 21504, 3_193_352), dense_first_pays(10_000, 5_000, 800_000)
    (True, False)
    """
    if m * width > DENSE_FIRST_ENTRIES or not m:
        return False
    return table_entries * _ENTRY_COST >= width * m  # (s entries / m against s d_1, per input)


class DenseFirstLayer:
    """G = S_P W_1^T (m x d_1, int32) and the events of layer 1 from it (module docstring).

    ``layer``: layer 1 (its stored W_1, W_1^T and thresholds); ``on0``: its baseline states;
    ``code``: the input code (row f = P_f). Raises ValueError when a sum could leave int32
    (the caller then keeps the gain table): only inputs whose supports are disjoint are summed,
    so every partial sum of z_u is a sum of W_1[u, p] over distinct p, at most
    sum_p |W_1[u, p]| in size; the thresholds are compared, not added."""

    def __init__(self, layer, on0, code):
        theta = np.asarray(layer.theta)
        top = max(_row_abs_max(layer.stored_weights), int(np.abs(theta).max(initial=0)))
        if top >= 2 ** 31:
            raise ValueError(f"a row's |weights| or a threshold reaches {top}, beyond int32")
        ones = sp.csr_matrix((np.ones(len(code.indices), dtype=np.int32), code.indices,
                              code.indptr), shape=(code.n_rows, code.width))
        # (int32 ones times the narrow W_1^T: SciPy sums in int32, exact below 2^31)
        self.gains = np.ascontiguousarray((ones @ layer.stored_weights_t).toarray(),
                                          dtype=np.int32)
        self.theta = theta.astype(np.int32)  # (|theta| < 2^31: checked above)
        self.on0 = np.asarray(on0, dtype=bool)
        self.width = layer.width

    def events(self, rows: np.ndarray, features: np.ndarray, batch: int):
        """E_1 of the inputs ``rows`` (sorted) whose distinct active ``features`` have disjoint
        supports, as (rows, units, deltas) sorted by (row, unit). Inputs of ``rows`` are
        numbered in [0, batch); inputs without a feature keep the baseline (no event)."""
        width = self.width
        out_rows, out_units, out_deltas = [], [], []
        if not rows.size:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        step = max(1, _BLOCK_ENTRIES // width)
        inputs = np.unique(rows)
        for lo in range(0, inputs.size, step):
            chunk = inputs[lo:lo + step]
            start = np.searchsorted(rows, chunk[0], side="left")
            stop = np.searchsorted(rows, chunk[-1], side="right")
            r, f = rows[start:stop], features[start:stop]
            local = np.searchsorted(chunk, r)
            slot = np.arange(r.size) - np.searchsorted(r, r, side="left")
            first = slot == 0  # every input of the chunk has a first feature
            z = self.gains[f[first]]
            for k in range(1, int(slot.max()) + 1):
                here = slot == k
                z[local[here]] += self.gains[f[here]]
            changed = z >= self.theta
            changed ^= self.on0
            hit = np.flatnonzero(changed)  # (one flat pass: faster than a 2-d nonzero)
            hit_rows = hit // width
            hit_units = hit - hit_rows * width
            out_rows.append(chunk[hit_rows])
            out_units.append(hit_units.astype(np.int64))
            # a unit on at baseline that changed is now off (-1), one off is now on (+1)
            out_deltas.append(1 - 2 * self.on0[hit_units].astype(np.int64))
        return (np.concatenate(out_rows).astype(np.int64), np.concatenate(out_units),
                np.concatenate(out_deltas))
