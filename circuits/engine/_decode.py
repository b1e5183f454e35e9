"""Decoding the outputs from the events of the last layer, by pivots.

Notation of circuits/engine/_events.py: the last layer's baseline a0 (the empty input's trace), its
events E (units whose state differs from a0 on an input, so a[q] = a0[q] xor [q in E]), and
the output code Q (y_k = AND_{q in Q_k} a[q]; an empty Q_k reads 1). Baseline outputs
y0_k = AND_{q in Q_k} a0[q].

Summing every event into every output that holds it costs the fan-out of the events through
Q^T, which is large when a unit sits in many supports (an AND output of m' features over
d_L units has about m' |Q_k| / d_L outputs per unit). Most of those sums cannot flip an
output, and two exact facts say which can:

* **Off-flips** (y0_k = 1, so every q in Q_k is on at baseline): y_k = 0 iff some q in Q_k is
  an event (necessarily a negative one). They are the distinct (input, k) reached from the
  negative events through Q^T restricted to the outputs on at baseline.
* **On-flips** (y0_k = 0, so R_k = {q in Q_k : a0[q] = 0} is not empty): y_k = 1 iff every q
  in R_k is an event (each a positive one) and no q in Q_k \\ R_k is. So y_k = 1 needs the
  *pivot* r_k in R_k to be an event of the input. Each output off at baseline has one pivot;
  the positive events reach their candidates through the pivot table (unit -> the outputs it
  is the pivot of), about m' / d_L entries per unit instead of m' |Q_k| / d_L. A candidate
  whose *second pivot* (another unit of R_k, if |R_k| >= 2) is not an event is dropped; the
  few that remain are checked on all of Q_k: y_k = 1 iff a[q] = 1 for every q in Q_k.

Both are exact for any output code and any baseline; the pivots only decide the order of
work. Pivot and second pivot are R_k's units at ranks h(k) mod |R_k| and h(k) + 1 mod |R_k|
(h a fixed multiplicative hash), so pivots are spread over the units whatever their
numbering. Event membership: where a block's events are dense (at least 1/64 of its
batch * d_L keys row * d_L + unit, and at most 2^26 keys in all), an int8 array indexed by key
holds each event's sign, set for the block and cleared after, and answers at once; else it is
a binary search in the sorted keys, which for the second pivots is first tried in a table of
flags indexed by key mod 2^22, set for the block's positive events and cleared after, which
can only err towards "maybe", so only the few candidates it passes are searched.

Cost per input: the positive events' pivot entries, one search per candidate, |Q_k| searches
per candidate that keeps its second pivot, and the negative events' entries among the
outputs on at baseline.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["PivotDecoder"]

_HASH = 2654435761  # Knuth's multiplicative constant, 2^32 / golden ratio
_FILTER_SIZE = 1 << 22  # flags of event keys modulo this size (a power of two)
_STATE_ENTRIES = 1 << 26  # most entries (batch * width, int8) of a block's event states
_STATE_DENSITY = 64  # event states are used when the events are >= 1/64 of batch * width


class PivotDecoder:
    """Outputs y from last-layer events (module docstring), on the array module ``xp``.

    ``indptr``, ``indices``: the output code Q (row k = Q_k, sorted) over a layer of
    ``width`` units; ``a0``: that layer's baseline states (bool, host). ``repeater(lens)``
    is the evaluator's (rep, total) helper: rep(v) repeats v[i] lens[i] times.
    """

    #: the most entries (batch * width, int8) of a block's event states
    state_entries = _STATE_ENTRIES

    def __init__(self, xp, indptr: np.ndarray, indices: np.ndarray, width: int,
                 a0: np.ndarray, repeater):
        self.xp, self.width, self._repeater = xp, int(width), repeater
        indptr = np.asarray(indptr, dtype=np.int64)
        indices = np.asarray(indices, dtype=np.int64)
        a0 = np.asarray(a0, dtype=bool)
        n = len(indptr) - 1
        self.m_prime = n
        owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        off_entry = ~a0[indices]
        r_count = np.bincount(owner[off_entry], minlength=n)
        y0 = r_count == 0
        self.baseline_outputs = np.flatnonzero(y0)
        off_unit = indices[off_entry]  # R_k, row by row
        r_start = np.concatenate([[0], np.cumsum(r_count)[:-1]])
        pick = (np.arange(n, dtype=np.int64) * _HASH) % np.maximum(r_count, 1)
        first = off_unit[r_start[~y0] + pick[~y0]]
        second = np.full(n, -1, dtype=np.int64)
        two = np.flatnonzero(r_count >= 2)
        second[two] = off_unit[r_start[two] + (pick[two] + 1) % r_count[two]]
        pivot_outputs = np.flatnonzero(~y0)
        #: per output, its pivot and second pivot (host, int64; -1 where there is none)
        self.pivots = np.full(n, -1, dtype=np.int64), second
        self.pivots[0][pivot_outputs] = first
        order = np.argsort(first, kind="stable")
        self._pivot = _csr(xp, first[order], pivot_outputs[order], width)
        self._second = xp.asarray(_narrow_index(second))
        on_entry = y0[owner]
        order = np.argsort(indices[on_entry], kind="stable")
        self._on = _csr(xp, indices[on_entry][order], owner[on_entry][order], width)
        self._q_ptr, self._q_idx = xp.asarray(indptr), xp.asarray(_narrow_index(indices))
        #: bytes of a pointer and of an index entry read (for ``EventEvaluator.bytes_read``)
        self.pointer_bytes = 8
        self.index_bytes = max(a.itemsize for a in (self._pivot[1], self._second, self._q_idx,
                                                    self._on[1]))
        self._a0 = xp.asarray(a0)
        self._on0 = xp.asarray(self.baseline_outputs)
        self._scratch = threading.local()  # each thread's own flags (all False between calls)

    def decode(self, rows, units, deltas, batch: int, stats: dict | None = None):
        """(rows, columns) of the ones of y for a block of ``batch`` inputs whose last-layer
        events are (rows, units, deltas) sorted by (row, unit) (deltas None: all +1), sorted
        by row then column. ``stats["gathered"][-1]`` gets the index entries read and
        ``stats["flips"]`` the outputs that differ from y0. Events dense enough for the
        block's event states (:meth:`_states`) in a block too large for them are decoded in
        pieces of rows that fit."""
        rows_per = max(1, self.state_entries // max(self.width, 1))
        if self.xp is not np or batch <= rows_per \
                or units.size * _STATE_DENSITY < batch * self.width:
            return self._decode(rows, units, deltas, batch, stats)
        found_rows, found_cols = [], []
        for lo in range(0, batch, rows_per):
            hi = min(lo + rows_per, batch)
            a, b = np.searchsorted(rows, [lo, hi])
            r, c = self._decode(rows[a:b] - lo, units[a:b],
                                None if deltas is None else deltas[a:b], hi - lo, stats)
            found_rows.append(r + lo)
            found_cols.append(c)
        return np.concatenate(found_rows), np.concatenate(found_cols)

    def _decode(self, rows, units, deltas, batch: int, stats: dict | None):
        """:meth:`decode` of one piece."""
        xp, width, m_prime = self.xp, self.width, self.m_prime
        keys = rows * width + units
        positive = xp.ones(units.size, dtype=bool) if deltas is None else deltas > 0
        states = self._states(batch, keys.size)
        if states is not None:  # each event's sign at its key, cleared again below
            states[keys] = np.where(positive, 1, -1)
        try:
            on_rows, on_outs, read = self._on_flips(keys, rows[positive], units[positive],
                                                    keys[positive], states)
        finally:
            if states is not None:
                states[keys] = 0
        off_keys, read_off = self._off_flips(rows[~positive], units[~positive])
        if stats is not None:
            stats["gathered"][-1] += read + read_off
            stats["flips"] += int(on_rows.size + off_keys.size)
        flips = on_rows * m_prime + on_outs
        if self._on0.size:
            on0 = (xp.arange(batch, dtype=xp.int64)[:, None] * m_prime
                   + self._on0[None, :]).ravel()
            keep = xp.ones(on0.size, dtype=bool)
            if off_keys.size:
                keep[xp.searchsorted(on0, off_keys)] = False
            flips = xp.concatenate([on0[keep], flips])
        flips = xp.sort(flips)
        return flips // m_prime, flips % m_prime

    def _on_flips(self, keys, rows, units, positive_keys, states=None):
        """(rows, outputs, entries read) of the on-flips (module docstring); ``states``: the
        block's events by key (1 positive, -1 negative, 0 none: :meth:`_states`), which
        answers membership at once, or None (filter, then binary search)."""
        xp, width = self.xp, self.width
        cand_rows, cand_outs, read = self._gather(self._pivot, rows, units)
        second = self._second[cand_outs]
        read += int(second.size)
        has = second >= 0
        keep = ~has
        probes = cand_rows[has] * width + second[has]
        if probes.size and states is not None:
            keep[has] = states[probes] == 1
        elif probes.size:  # a filter first (it may err only towards keeping), then exactly
            flags = self._flags()
            mask = flags.size - 1
            flags[positive_keys & mask] = True
            maybe = flags[probes & mask]
            flags[positive_keys & mask] = False
            maybe[maybe] = _member(xp, positive_keys, probes[maybe])
            keep[has] = maybe
        cand_rows, cand_outs = cand_rows[keep], cand_outs[keep]
        lens = self._q_ptr[cand_outs + 1] - self._q_ptr[cand_outs]
        rep, total = self._repeater(lens)
        ends = xp.cumsum(lens)
        pos = rep(self._q_ptr[cand_outs] - (ends - lens)) + xp.arange(total)
        q = self._q_idx[pos]
        probes = rep(cand_rows) * width + q
        event = states[probes] != 0 if states is not None else _member(xp, keys, probes)
        off = self._a0[q] == event
        if xp is np and total:  # (every candidate has a pivot, so lens >= 1: no empty run)
            all_on = ~np.logical_or.reduceat(off, ends - lens)
        else:
            cumulative = xp.concatenate([xp.zeros(1, dtype=xp.int64),
                                         xp.cumsum(off.astype(xp.int64))])
            all_on = cumulative[ends] == cumulative[ends - lens]
        return cand_rows[all_on], cand_outs[all_on], read + int(total)

    def _states(self, batch: int, events: int):
        """This thread's zeroed int8 array of at least batch * width entries (made on first
        use, grown by powers of two), when the block's ``events`` are dense enough for it
        (>= batch * width / ``_STATE_DENSITY``) and it stays within ``_STATE_ENTRIES``
        (NumPy); else None. The caller sets the events' keys and clears them again."""
        size = batch * self.width
        if self.xp is not np or size > self.state_entries or events * _STATE_DENSITY < size:
            return None
        states = getattr(self._scratch, "states", None)
        if states is None or states.size < size:
            states = self._scratch.states = np.zeros(1 << (size - 1).bit_length(),
                                                     dtype=np.int8)
        return states

    def _flags(self):
        """This thread's flags of event keys modulo ``_FILTER_SIZE`` (made on first use), so
        that threads may decode blocks at once."""
        flags = getattr(self._scratch, "flags", None)
        if flags is None:
            flags = self._scratch.flags = self.xp.zeros(_FILTER_SIZE, dtype=bool)
        return flags

    def _off_flips(self, rows, units):
        xp = self.xp
        hit_rows, hit_outs, read = self._gather(self._on, rows, units)
        keys = xp.unique(hit_rows * self.m_prime + hit_outs)
        return keys, read

    def _gather(self, table, rows, units):
        """(rows, targets, entries read): table's row of every unit, tagged with its row."""
        xp = self.xp
        ptr, idx = table
        lens = ptr[units + 1] - ptr[units]
        rep, total = self._repeater(lens)
        pos = rep(ptr[units] - (xp.cumsum(lens) - lens)) + xp.arange(total)
        return rep(rows), idx[pos].astype(xp.int64), int(total)


def _csr(xp, sources: np.ndarray, targets: np.ndarray, width: int):
    """(ptr, idx) on ``xp``: source v reaches targets[ptr[v]:ptr[v+1]] (``sources`` sorted)."""
    ptr = np.zeros(width + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=width), out=ptr[1:])
    return xp.asarray(ptr), xp.asarray(_narrow_index(targets))


def _narrow_index(values: np.ndarray) -> np.ndarray:
    """Indices (>= -1) as int32 when they fit, else int64."""
    fits = values.size == 0 or int(values.max()) < 2 ** 31
    return values.astype(np.int32 if fits else np.int64)


def _member(xp, sorted_keys, probes):
    """[probe in sorted_keys] for each probe (binary search)."""
    if not sorted_keys.size or not probes.size:
        return xp.zeros(probes.size, dtype=bool)
    at = xp.minimum(xp.searchsorted(sorted_keys, probes), sorted_keys.size - 1)
    return sorted_keys[at] == probes
