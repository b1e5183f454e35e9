"""An exact search for a wrong output on any s-sparse input, pruned by sound bounds.

Write T(k) for the features output k's ground truth reads. Any input x splits into
tau = x & T(k) and R = x - T(k); the truth of output k depends on tau only. So x is wrong at k
iff, for the root (k, tau), adding the features R (|R| <= b = s - |tau|, none from T(k)) makes
the decoded y_k differ from truth_k(tau). The search starts at every root (k, tau) with
|tau| <= s and grows R one feature at a time. At a node (k, y = tau + R, b features left):

* evaluated exactly (plain evaluator): if y_k != truth_k(tau), y is a counterexample;
* truth 0 (y_k = 0, some unit of Q_k is off): every unit u of Q_k that is off at y must turn on,
  and u changes only if some added feature is a *trigger* of u (below). Take any set O of
  off units (the first min(|off|, 3b) of Q_k: every completion turns them on too, and a few
  units prune almost as well as all of them at a fraction of the work). If a feature triggers
  c(e) of the |O| units, a completion R' (|R'| <= b) needs sum_{e in R'} c(e) >= |O|, so its
  best feature has c(e) >= ceil(|O| / b): only those features are branched on. Before that,
  at an input shared by many nodes, a node is dead when *any* of its off units is out of
  reach: the helpful weights of its fan-in units that can move at all fall short of its gap
  (:meth:`ConeIndex.out_of_reach`; the whole layer below is formed once for the input);
* truth 1 (y_k = 1): some unit of Q_k must turn off; branch on the union of their triggers.

Triggers (every completion that changes unit u contains one, so pruning to them is exact):

* layer 0: to turn input unit p on, a feature whose support holds p; it never turns off;
* layer 1: to turn u on, a feature with g+_u(e) >= ceil((theta_u - z_u(y)) / b); to turn it
  off, one with -g-_u(e) >= ceil((z_u(y) - theta_u + 1) / b)
  (:mod:`superpose.circuits.engine._gains`); and u cannot change at all unless the b largest
  gains cover the gap. A query below the gain table's stored cutoff reads the rise index's
  list of its unit where that list holds every gain it asks about (at or above the unit's
  floor), else the unit's full row of gains. Before any of that, a unit that must turn on at
  an input y of 1 <= |y| <= s - 1 features is dropped when no feature of y lists it in the
  rise index (:mod:`superpose.circuits.engine._rise`: then sum_{f in y} g+_u(f) is below
  theta_u minus the most the b features left can add, so u stays off), without its
  pre-activation ever being formed. The units of P_e already on at y add nothing again
  (layer 0 is an OR), so their weights are subtracted from e's gain before the comparison
  (only for features whose support meets y's active units). This discount only removes
  triggers, and every later stage is monotone in the triggers, so a node without children
  undiscounted has none with it: a chunk is expanded without it first, and again with it for
  the nodes that had children, which gives exactly the children of the discount everywhere
  at a fraction of its cost;
* layer l >= 2: u changes only if fan-in units v change in the helping direction (on, if
  W[u, v] > 0 and u must rise), each only through one of its own triggers; a feature can add
  at most the |W[u, v]| of the units it triggers, so with b features one of them adds at least
  ceil(gap / b): those are u's triggers, and u cannot change if there are none.

A completion adds no feature of T(k) and none already active, so such features are never
counted: active features are dropped from every layer-1 trigger set, and a truth-0 node is
dead when some unit of O has no trigger outside T(k) and the active features (every
completion that turns that unit on holds one of its triggers).

Each stage works on sparse matrices: the triggers of a batch of queries are the rows of a 0/1
matrix over the m features, a deeper layer's help is (fan-in weights) times (its fan-in units'
triggers), and the truth-0 counts are (node's off units) times (their triggers), products that
SciPy sums per (row, feature) without sorting. The frontier is expanded in chunks of about
1,024 nodes, but the nodes of one input stay in one chunk (the empty input's 10^5 roots, a
hub's children), and an input asked about many units gets the triggers of the whole layer
below at once, kept for reuse at later chunks and levels, with its help as one product
(:meth:`ConeIndex.whole_layer`). A chunk of many nodes at one input (a hub's) is first
evaluated, and its nodes with a unit out of reach ruled out, by outputs: from the input's
whole last layer and products over the output code, not per (node, unit) (:func:`_one_input`).

Nothing here assumes monotone weights: negative weights and thresholds <= 0 are handled by the
"off" triggers and by evaluating every node exactly. The search ends with a counterexample, with
every root exhausted (no wrong output exists), or with outputs whose search grew past a cap,
which :mod:`superpose.checks.certification._certify` hands to Z3.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from superpose.checks.certification._trace import EventTrace
from superpose.circuits import PAD, Circuit, Counterexample
from superpose.circuits.correctness import output_sources
from superpose.circuits.engine import TableTimeout, event_evaluator, expand_ranges
from superpose.circuits.model import ScratchFlags, dense_ranks, transpose_stored, unique_inverse

__all__ = ["SearchOutcome", "ConeIndex", "search"]

_NODE_CHUNK = 1024
#: the nodes of one input are expanded together up to this many (they share its triggers)
_INPUT_CHUNK = 1 << 17
#: the most entries a product of (nodes' queries) x (their triggers) forms at once
_PRODUCT_CELLS = 1 << 24
_UNITS_PER_BUDGET = 3
#: an input whose queries have this many fan-in entries per unit of the layer below gets
#: that whole layer's triggers at once
_WHOLE_LAYER = 2
#: the most (input, feature) flags the "already on" discount's prefilter sets at once
_FLAG_LIMIT = 1 << 27
#: the most trigger-matrix entries (and rows) of whole layers kept for reuse
_WHOLE_LAYER_KEEP = 1 << 24
#: a whole layer's help finds its (asked unit, movable unit) pairs from the rows of W when
#: their entries are at most this many times the movable units' columns' entries
_ROWS_OVER_COLUMNS = 1.0
#: the fewest nodes of one input for which :meth:`ConeIndex.out_of_reach` forms the whole
#: layer below to rule nodes out (its cost, one whole layer, is shared by them)
_REACH_NODES = 256
#: :meth:`ConeIndex._cap` reads the moving units' columns of W when they hold under this
#: share of W's entries, else multiplies all of W
_CAP_COLUMNS = 0.25
#: :meth:`ConeIndex._live_fan_in` looks up the live units' weights when the look-ups are
#: under this share of the entries of the queries' rows of W_2 (a look-up costs more)
_LIVE_SHARE = 0.4
#: where a layer-1 query finds its candidate features (:meth:`ConeIndex._gains_at_least`)
_STORED, _FULL, _LISTED = 0, 1, 2


@dataclass
class SearchOutcome:
    """What the search established: a counterexample, or which outputs it could not finish."""

    counterexample: Counterexample | None = None
    nodes: int = 0
    inputs_evaluated: int = 0
    deferred: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    timed_out: bool = False
    levels: list[int] = field(default_factory=list)


class ConeIndex:
    """The bound tables of one network, built once per certification."""

    def __init__(self, circuit: Circuit, sparsity: int, deadline: float = math.inf):
        net = circuit.network
        self.network = net
        self.m = circuit.m
        self.s = sparsity
        self.holders = net.input_code.matrix_t().tocsr()
        # the input supports with each unit once (a repeated index counts once, as in a gain)
        self.supports = self.holders.T.tocsr()
        self.supports.sum_duplicates()
        self._flags = ScratchFlags()
        self._columns: dict[int, sp.csr_matrix] = {}
        self._signed: dict[int, tuple] = {}  # per layer with negative weights: W+ and -W-
        self._whole: dict = {}
        self._reach: dict = {}  # reach_floors, by the key of the whole layer they come from
        self._whole_kept = 0  # the entries and rows of the trigger matrices in _whole
        self.depth = len(net.layers)
        # store gains down to half of what the empty root asks (ceil(gap / s)); queries
        # below that (inputs that already push a unit near its threshold) are exact too. The
        # evaluator's gain table and these come from one pass over the same products.
        self.evaluator = event_evaluator(net, sparsity, deadline, search_divisor=2)
        self.lookups = [self.evaluator.weight_lookup(l) for l in range(1, self.depth + 1)]
        self.pos, self.neg = self.evaluator.gain_tables or (None, None)
        self.rise = self.evaluator.rise_index

    def columns(self, layer: int) -> sp.csr_matrix:
        """W_layer^T in its stored type, from which :class:`EventTrace` sums the
        pre-activations of inputs asked about many units: made when first asked for and kept
        by this index only, so it goes with the search (not cached on the circuit's layer)."""
        found = self._columns.get(layer)
        if found is None:
            found = self._columns[layer] = transpose_stored(
                self.network.layers[layer - 1].stored_weights)
        return found

    def triggers(self, layer: int, rows, units, dirs, b, trace: EventTrace,
                 discount: bool = True):
        """The triggers of each query as the rows of a sparse n x m matrix (a stored entry
        (i, e): feature e triggers query i), and a per-query "can change" flag (``trace``
        holds the activations and pre-activations of the evaluated inputs).

        Query i asks how unit ``units[i]`` of ``layer`` can move in direction ``dirs[i]``
        (+1 on, -1 off) from the state of evaluated input ``rows[i]`` with ``b[i]`` features.
        ``discount``: subtract from a layer-1 gain the weights on input units already on (the
        sharper bound; without it, a superset of the triggers, still sound).
        """
        if layer == 0:
            up = dirs > 0
            lengths = np.where(up, np.diff(self.holders.indptr)[units], 0)
            _, pos = expand_ranges(self.holders.indptr[units],
                                   self.holders.indptr[units] + lengths)
            return (trigger_matrix(lengths, self.holders.indices[pos], self.m),
                    up & (lengths > 0))
        if layer == 1 and self.rise is not None:
            # a unit none of the input's features lists cannot turn on (circuits.engine._rise)
            sel = np.flatnonzero((dirs < 0) | self.rise.may_rise(trace.active, rows, units))
            if sel.size < len(units):
                found, possible = self._changes(layer, rows[sel], units[sel], dirs[sel],
                                                b[sel], trace, discount)
                return _spread_rows(found, sel, len(units)), _spread(possible, sel, len(units))
        return self._changes(layer, rows, units, dirs, b, trace, discount)

    def _changes(self, layer, rows, units, dirs, b, trace, discount):
        """:meth:`triggers` of layers >= 1, every query's gap from its pre-activation."""
        theta = self.network.layers[layer - 1].theta[units]
        z = self._first_layer_pre(rows, units, trace) if layer == 1 \
            else trace.pre(layer, rows, units)
        gap = np.where(dirs > 0, theta - z, z - theta + 1)
        if layer == 1:
            return self._first_layer(rows, units, dirs, b, gap, trace, discount)
        return self._deeper(layer, rows, units, dirs, b, gap, trace, discount)

    def _first_layer_pre(self, rows, units, trace) -> np.ndarray:
        """z_1 for pairs (rows[i], units[i]): at an input of one feature that lists the unit
        in the rise index (its row without negative weights), the listed gain is z_1
        (:meth:`RiseIndex.single_sums`); the others from the trace."""
        if self.rise is None:
            return trace.pre(1, rows, units)
        features = trace.active[rows]
        one = np.flatnonzero((features >= 0).sum(axis=1) == 1)
        known, sums = self.rise.single_sums(features[one].max(axis=1), units[one])
        z = np.zeros(len(units), np.int64)
        z[one[known]] = sums[known]
        rest = np.ones(len(units), bool)
        rest[one[known]] = False
        z[rest] = trace.pre(1, rows[rest], units[rest])
        return z

    def _first_layer(self, rows, units, dirs, b, gap, trace, discount):
        n = len(units)
        q_parts, f_parts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        possible = np.zeros(n, bool)
        for sign, table in ((1, self.pos), (-1, self.neg)):
            sel = np.flatnonzero(dirs == sign)
            if table is None or not sel.size:
                continue
            ok = table.top_sum(units[sel], b[sel]) >= gap[sel]
            sel = sel[ok]
            possible[sel] = True
            h = -(-gap[sel] // b[sel])
            # below the stored cutoff a query reads the rise index's lists of its unit where
            # they are complete, else (with the discount) its unit's full row of gains with
            # the input's own units left out: the discounted gains at once
            answer = np.full(sel.size, _STORED)
            below = table.below_cutoff(units[sel], h)
            if discount:
                answer[below] = _FULL
            if sign > 0:
                answer[below & self._listed_complete(units[sel], h)] = _LISTED
            for way in (_STORED, _FULL, _LISTED):
                part = np.flatnonzero(answer == way)
                if not part.size:
                    continue
                qi, feats = self._gains_at_least(sign, table, rows[sel[part]],
                                                 units[sel[part]], h[part], trace,
                                                 discount, way)
                q_parts.append(sel[part[qi]])
                f_parts.append(feats)
        query, feats = np.concatenate(q_parts), np.concatenate(f_parts)
        order = np.argsort(query, kind="stable")  # runs of one query each: nearly linear
        return (trigger_matrix(np.bincount(query, minlength=n), feats[order], self.m),
                possible)

    def _listed_complete(self, units, h) -> np.ndarray:
        """Per query (units[i], h[i]) of the positive table: the rise index lists every
        feature with g+_u(f) >= h[i] (u has a floor c_u >= 1 and h[i] >= c_u, its gains
        kept; :meth:`RiseIndex.listed_at_least`)."""
        if self.rise is None or self.rise.gains is None:
            return np.zeros(len(units), bool)
        floors = self.rise.floors[units]
        return (floors >= 1) & (h >= floors)

    def _gains_at_least(self, sign, table, rows, units, h, trace, discount, way):
        """(query, feature) for every feature not active at input ``rows[i]`` whose gain on
        ``units[i]`` (``table``: sign ``sign``) reaches ``h[i]``; with ``discount``, the gain
        less its part on input units already on. ``way``: the candidates come from the
        table's stored entries (``_STORED``; below its cutoff, from full rows) or from the
        rise index's lists (``_LISTED``), the part then subtracted (:meth:`_already_on`),
        or from the units' full rows with those input units left out (``_FULL``,
        :meth:`GainTable.complete_at_least`): the same gains every way."""
        if way == _FULL:
            own = trace.inputs[rows]  # each query's input units, left out of its gains
            qi, feats, _ = table.complete_at_least(units, h, (own.indptr, own.indices))
        elif way == _LISTED:
            qi, feats, gains = self.rise.listed_at_least(units, h)
        else:
            qi, feats, gains = table.at_least(units, h)
        # a completion adds no feature already active: none of them is a trigger
        new = ~(feats[:, None] == trace.active[rows[qi]]).any(axis=1)
        qi, feats = qi[new], feats[new]
        if discount and way != _FULL:
            # input units already on add nothing again: subtract them, then filter again
            gains = gains[new].astype(np.int64) - self._already_on(
                sign, units[qi], feats.astype(np.int64), rows[qi], trace)
            keep = gains >= h[qi]
            qi, feats = qi[keep], feats[keep]
        return qi, feats

    def _already_on(self, sign: int, units, features, rows, trace) -> np.ndarray:
        """Per query i: the part of feature ``features[i]``'s gain on layer-1 unit
        ``units[i]`` that lies on input units already on at evaluated input ``rows[i]``,
        sum over p in P_f & A(y) of max(sign W_1[u, p], 0): adding the feature cannot add it
        again (layer 0 is an OR). Only a feature whose support meets A(y) can owe anything:
        those (input, feature) pairs are the pattern of (active input units) x (holders),
        formed for the inputs asked only, and only their queries expand the support."""
        out = np.zeros(len(units), np.int64)
        inputs = trace.inputs
        if not len(units) or not inputs.nnz:
            return out
        asked, rank = dense_ranks(rows, inputs.shape[0])
        slot = rank[rows]  # the place of each query's input among them
        hit = np.zeros(len(units), bool)
        # blocks of the inputs asked whose (input, feature) key space fits the flag array
        per_block = max(1, _FLAG_LIMIT // self.m)
        for lo in range(0, asked.size, per_block):
            mine = np.flatnonzero((slot >= lo) & (slot < lo + per_block))
            met = inputs[asked[lo:lo + per_block]] @ self.holders
            met_keys = np.repeat(np.arange(met.shape[0], dtype=np.int64),
                                 np.diff(met.indptr)) * self.m + met.indices
            hit[mine] = self._flags.hits(met_keys, (slot[mine] - lo) * self.m + features[mine],
                                         met.shape[0] * self.m)
        sel = np.flatnonzero(hit)
        if not sel.size:
            return out
        # P_f & A(y) depends on the (input, feature) pair alone: found once per pair and
        # shared by its queries (at a hub's input, some 50 units ask about each feature)
        pairs, which = unique_inverse(rows[sel] * self.m + features[sel],
                                      (int(rows[sel].max()) + 1) * self.m)
        pair_rows, pair_features = np.divmod(pairs, self.m)
        code = self.supports
        owner, pos = expand_ranges(code.indptr[pair_features], code.indptr[pair_features + 1])
        p = code.indices[pos].astype(np.int64)
        on = trace.act(0, pair_rows[owner], p) > 0
        starts = _indptr(np.bincount(owner[on], minlength=len(pairs)))
        p = p[on]  # per pair, its input units already on, in pair order
        which = which.ravel()
        query, at = expand_ranges(starts[which], starts[which + 1])
        owed = np.maximum(sign * self.lookups[0](units[sel][query], p[at]), 0)
        out[sel] = np.bincount(query, weights=owed, minlength=sel.size).astype(np.int64)
        return out

    def _deeper(self, layer, rows, units, dirs, b, gap, trace, discount):
        """Layer >= 2: a feature's most help to unit u is the sum of |W[u, v]| over the
        helpful fan-in units v it triggers; b features must together cover the gap, so one
        of them covers ceil(gap / b). Queries of an input asked about many units (their
        fan-in entries at least ``_WHOLE_LAYER`` times the width of the layer below) get the
        triggers of every unit of that layer at once (:meth:`_help_whole_layer`); the rest
        look up their own fan-in units (:meth:`_help_by_pairs`). Both sum the same rows."""
        w = self.network.layers[layer - 1].weights
        fan = np.diff(w.indptr)[units]
        per_input = np.bincount(rows, weights=fan)
        whole = per_input[rows] >= _WHOLE_LAYER * w.shape[1]
        need = -(-gap // np.maximum(b, 1))
        q_parts, f_parts = [], []
        for sel, helper in ((np.flatnonzero(~whole), self._help_by_pairs),
                            (np.flatnonzero(whole), self._help_whole_layer)):
            if sel.size:
                help_ = helper(layer, rows[sel], units[sel], dirs[sel], b[sel], trace,
                               discount)
                q, f = _at_least(help_, need[sel])
                q_parts.append(sel[q])
                f_parts.append(f)
        if not q_parts:
            return trigger_matrix(np.zeros(len(units), np.int64), np.zeros(0, np.int64),
                                  self.m), np.zeros(len(units), bool)
        query, feats = np.concatenate(q_parts), np.concatenate(f_parts)
        order = np.argsort(query, kind="stable")
        lengths = np.bincount(query, minlength=len(units))
        return trigger_matrix(lengths, feats[order], self.m), lengths > 0

    def _help_by_pairs(self, layer, rows, units, dirs, b, trace, discount) -> sp.csr_matrix:
        """help[i, e] = sum |W[u_i, v]| over the fan-in units v of u_i that must move in
        direction sign(W[u_i, v]) dirs[i] and can (off to rise, on to fall), and that feature
        e triggers: each (input, fan-in unit) asked once (:func:`shared_triggers`)."""
        qi, v, weight, sub_dir = self._helpful_pairs(layer, rows, units, dirs, b, trace)
        sub, which, _ = shared_triggers(self, layer - 1, rows[qi], v, sub_dir, b[qi], trace,
                                        discount)
        fan_in = sp.csr_matrix((weight, which, _indptr(np.bincount(qi, minlength=len(units)))),
                               shape=(len(units), sub.shape[0]))
        return fan_in @ sub

    def _query_keys(self, layer, rows, units, dirs, b) -> np.ndarray:
        """:func:`_packed_queries` with the widths of ``layer`` and of the budgets 0..s."""
        return _packed_queries(rows, units, dirs, b, self.network.layers[layer - 1].width,
                               self.s + 1)

    def _helpful_pairs(self, layer, rows, units, dirs, b, trace):
        """(query, v, |W[u, v]|, v's direction) for the fan-in units v of each query's unit u
        that must move in direction sign(W[u, v]) dirs[i] and can (off to rise, on to fall):
        the same for both passes over a chunk (they differ in layer 1's discount only), so
        kept on the chunk's ``trace`` and read back for queries asked before."""
        keys = self._query_keys(layer, rows, units, dirs, b)
        kept = _read_back(trace.memo.get(("helpful pairs", layer)), keys)
        if kept is not None:
            indptr, at = kept[0][1], kept[1]
            qi, pos = expand_ranges(indptr[at], indptr[at + 1])
            return (qi,) + tuple(part[pos] for part in kept[0][2:])
        w = self.network.layers[layer - 1].weights
        live = self._live_fan_in(rows, units, trace) if layer == 2 else None
        if live is None:
            qi, pos = expand_ranges(w.indptr[units], w.indptr[units + 1])
            v, weight = w.indices[pos].astype(np.int64), w.data[pos]
        else:
            qi, v, weight = live
        sub_dir = np.sign(weight) * dirs[qi]
        if layer == 2 and self.rise is not None:
            # a fan-in unit that must turn on but cannot has no triggers: drop it first
            keep = np.flatnonzero((sub_dir < 0) | self.rise.may_rise(trace.active, rows[qi], v))
            qi, v, weight, sub_dir = qi[keep], v[keep], weight[keep], sub_dir[keep]
        on = trace.act(layer - 1, rows[qi], v) > 0
        helpful = np.flatnonzero((sub_dir > 0) != on)
        found = (qi[helpful], v[helpful], np.abs(weight[helpful]).astype(np.int64),
                 sub_dir[helpful])
        if np.all(keys[1:] > keys[:-1]):  # distinct and sorted: kept for the second pass
            trace.memo[("helpful pairs", layer)] = (
                keys, _indptr(np.bincount(found[0], minlength=len(units)))) + found[1:]
        return found

    def _live_fan_in(self, rows, units, trace):
        """(query, v, W_2[u, v]) for the layer-1 units v of each query's fan-in that can
        move at its input, or None where reading every fan-in entry is cheaper. At an input
        y of 1 <= |y| <= s - 1 features, a layer-1 unit off there can turn on only if a
        feature of y lists it in the rise index or it is open (floor < 1); a unit on there
        is open (on at baseline: theta_u <= 0, floor 0) or listed (its z_u(y) <=
        sum_{f in y} g+_u(f) reaches theta_u >= c_u, so some feature's gain reaches c_u:
        :mod:`superpose.circuits.engine._rise`). So the *live* units are the listed and the
        open. Each query looks up its weight from each live unit of its input (zero weights
        dropped: they help nothing) when at most ``_LIVE_SHARE`` of the entries of the
        queries' rows of W_2 would be read so (bounded by the lengths of the lists and the
        open units, before any is formed)."""
        if self.rise is None or not len(units):
            return None
        w = self.network.layers[1].weights
        features = trace.active[rows] >= 0
        count = features.sum(axis=1)
        if count.min() < 1 or count.max() > self.s - 1:
            return None  # no features (every unit may rise) or no features left to add
        inputs, at_input = dense_ranks(rows, trace.batch)
        feats = trace.active[inputs]
        owner_row, col = np.nonzero(feats >= 0)
        f = feats[owner_row, col]
        always = np.flatnonzero(self.rise.floors < 1)
        # at most this many live units per input: decide before forming them
        listed = np.bincount(owner_row, weights=np.diff(self.rise.indptr)[f],
                             minlength=inputs.size)
        entries = int(np.diff(w.indptr)[units].sum())
        if not entries or (listed + always.size)[at_input[rows]].sum() > _LIVE_SHARE * entries:
            return None
        owner, pos = expand_ranges(self.rise.indptr[f], self.rise.indptr[f + 1])
        width = w.shape[1]
        keys = np.concatenate([
            owner_row[owner] * width + self.rise.units[pos],
            (np.arange(inputs.size)[:, None] * width + always[None, :]).ravel()])
        live_input, live_unit = np.divmod(unique_inverse(keys, inputs.size * width)[0], width)
        starts = np.searchsorted(live_input, np.arange(inputs.size))
        ends = np.searchsorted(live_input, np.arange(inputs.size), side="right")
        slot = at_input[rows]
        qi, pos = expand_ranges(starts[slot], ends[slot])
        v = live_unit[pos]
        weight = self.lookups[1](units[qi], v)
        keep = np.flatnonzero(weight != 0)
        return qi[keep], v[keep], weight[keep]

    def _help_whole_layer(self, layer, rows, units, dirs, b, trace, discount):
        """The same help as :meth:`_help_by_pairs`, for queries of few inputs with many
        units: per (input, budget), every unit v of the layer below is asked once, in the one
        direction that can help (on if it is off, off if it is on; :meth:`whole_layer`), and
        help[i, :] = sum over v of |W[u_i, v]| [sign(W[u_i, v]) dirs[i] is v's direction]
        times v's triggers: a sparse product over the pairs (u_i, v) with v *movable* (it has
        triggers). Those pairs are found from the rows of W for the units asked or from the
        columns of W for the movable units, whichever reads fewer entries; the products are
        the same either way, and only the units asked are multiplied.
        ``discount`` is not used: a whole layer is always discounted (:meth:`whole_layer`),
        so the help is the same in both passes over a chunk: kept on its ``trace`` and read
        back for queries asked before."""
        keys = self._query_keys(layer, rows, units, dirs, b)
        kept = _read_back(trace.memo.get(("whole help", layer)), keys)
        if kept is not None:
            return kept[0][1][kept[1]]
        help_ = self._form_whole_layer_help(layer, rows, units, dirs, b, trace)
        if np.all(keys[1:] > keys[:-1]):
            trace.memo[("whole help", layer)] = (keys, help_)
        return help_

    def _form_whole_layer_help(self, layer, rows, units, dirs, b, trace):
        """:meth:`_help_whole_layer`'s products."""
        w = self.network.layers[layer - 1].weights
        key = rows.astype(np.int64) * (int(b.max()) + 1) + b
        groups, which = np.unique(key, return_inverse=True)
        which = which.ravel()
        parts = []
        for g in range(len(groups)):
            sel = np.flatnonzero(which == g)
            sub, direction = self.whole_layer(layer - 1, trace, rows[sel[0]], b[sel[0]])
            movable = np.flatnonzero(np.diff(sub.indptr))
            by_rows = int(np.diff(w.indptr)[units[sel]].sum())
            by_columns = int(np.diff(self.columns(layer).indptr)[movable].sum())
            if by_rows <= _ROWS_OVER_COLUMNS * by_columns:
                fan_in = w[units[sel]]
                owner = np.repeat(np.arange(sel.size), np.diff(fan_in.indptr))
                parts.append((sel, _helpful(fan_in, dirs[sel][owner],
                                            direction[fan_in.indices]) @ sub))
                continue
            for d in (1, -1):
                mine = sel[dirs[sel] == d]
                if mine.size:
                    fan_in = self._asked_fan_in(layer, units[mine], d, movable, direction)
                    parts.append((mine, fan_in @ sub[movable]))
        order = np.concatenate([sel for sel, _ in parts])
        stacked = sp.vstack([part for _, part in parts], format="csr")
        return stacked[np.argsort(order)]

    def _asked_fan_in(self, layer, asked, d, movable, direction) -> sp.csr_matrix:
        """The |asked| x |movable| matrix of the helpful weights |W[u, v]| (sign(W[u, v]) d
        is v's ``direction``) from the units ``asked`` to the ``movable`` units of the layer
        below, read from the columns of W for the movable units alone."""
        wt = self.columns(layer)
        distinct, which = np.unique(asked, return_inverse=True)
        slot = np.full(wt.shape[1], -1, np.int64)
        slot[distinct] = np.arange(distinct.size)
        col, pos = expand_ranges(wt.indptr[movable], wt.indptr[movable + 1])
        row, weight = slot[wt.indices[pos]], wt.data[pos]
        keep = (row >= 0) & (weight != 0) & (np.sign(weight) * d == direction[movable[col]])
        fan_in = sp.csr_matrix((np.abs(weight[keep]).astype(np.int64), (row[keep], col[keep])),
                               shape=(distinct.size, movable.size))
        return fan_in[which.ravel()]

    def out_of_reach(self, layer: int, rows, units, b, z, trace: EventTrace,
                     nodes) -> np.ndarray:
        """Per query i (unit ``units[i]`` of ``layer``, off at evaluated input ``rows[i]``
        with pre-activation ``z[i]``, gap = theta - z, ``b[i]`` features left, asked for
        node ``nodes[i]``): True when no completion can turn it on. Adding features changes
        z_u by at most the sum of |W[u, v]| over its fan-in units v that can move in the
        helpful direction (on if W[u, v] > 0, off if < 0), and v moves only if it has a
        trigger (its row of :meth:`whole_layer` is not empty), so that sum, *cap*, below the
        gap leaves u off.

        Decided at inputs of at least ``_REACH_NODES`` nodes whose distinct units ask for a
        whole layer's fan-in (``_WHOLE_LAYER`` times the width of the layer below, as in
        :meth:`_deeper`): there the whole layer below serves every node (and is kept for
        :meth:`_deeper` where its own queries ask for it too); False elsewhere and at
        layer 1."""
        out = np.zeros(len(units), bool)
        if layer < 2 or not len(units):
            return out
        width = self.network.layers[layer - 1].width
        first = np.r_[True, nodes[1:] != nodes[:-1]]  # nodes come in runs
        many = np.bincount(rows[first]) >= _REACH_NODES
        for row in np.flatnonzero(many):
            mine = np.flatnonzero(rows == row)
            asked = np.zeros(width, bool)
            asked[units[mine]] = True
            if self.whole_layer_pays(layer, asked):
                lowest = self.reach_floors(layer, trace, int(row), int(b[mine[0]]))
                out[mine] = z[mine] < lowest[units[mine]]
        return out

    def whole_layer_pays(self, layer: int, asked: np.ndarray) -> bool:
        """Do the units ``asked`` (a mask over ``layer``) have at least ``_WHOLE_LAYER`` times
        the width of the layer below in fan-in entries (so that forming that whole layer's
        triggers once costs less than their own queries)?"""
        w = self.network.layers[layer - 1].stored_weights
        return int(np.diff(w.indptr)[asked].sum()) >= _WHOLE_LAYER * w.shape[1]

    def reach_floors(self, layer: int, trace: EventTrace, row: int, b: int) -> np.ndarray:
        """Per unit u of ``layer``: theta_u - cap_u at evaluated input ``row`` with ``b``
        features left (:meth:`out_of_reach`): a unit whose pre-activation there is below it
        cannot turn on (it is off, as cap_u >= 0). Kept while that whole layer is kept (a
        hub's roots and its children share them)."""
        sub, direction = self.whole_layer(layer - 1, trace, row, b)
        key = _whole_key(layer - 1, b, trace, row)
        found = self._reach.get(key)
        if found is None:
            movable = np.diff(sub.indptr) > 0
            cap = self._cap(layer, movable & (direction > 0), movable & (direction < 0))
            found = self._reach[key] = self.evaluator.thresholds(layer) - cap
        return found

    def _cap(self, layer: int, rising: np.ndarray, falling: np.ndarray) -> np.ndarray:
        """Per unit u of ``layer``: sum of max(W[u, v], 0) over the ``rising`` units v of the
        layer below plus max(-W[u, v], 0) over the ``falling`` ones. From the columns of W
        for those units where they hold under ``_CAP_COLUMNS`` of W's entries (a hub's few
        movable units) and every partial sum is an exact float64 (below 2^53: a file ensures
        it, a network built in memory need not), else as integer matrix-vector products over
        W (its positive and negative parts when it has negative weights)."""
        w = self.network.layers[layer - 1].weights
        moving = np.flatnonzero(rising | falling)
        wt = self.columns(layer)
        if (wt.indptr[moving + 1] - wt.indptr[moving]).sum() < _CAP_COLUMNS * w.nnz:
            col, pos = expand_ranges(wt.indptr[moving], wt.indptr[moving + 1])
            weight = wt.data[pos].astype(np.int64)
            helpful = np.maximum(np.where(rising[moving[col]], weight, -weight), 0)
            if not helpful.size or int(helpful.max()) * helpful.size < 2 ** 53:
                return np.bincount(wt.indices[pos], weights=helpful,
                                   minlength=w.shape[0]).astype(np.int64)
        if not w.nnz or w.data.min() >= 0:
            return w @ rising.astype(np.int64)
        parts = self._signed.get(layer)
        if parts is None:
            parts = self._signed[layer] = (w.maximum(0).tocsr(), (-w).maximum(0).tocsr())
        return parts[0] @ rising.astype(np.int64) + parts[1] @ falling.astype(np.int64)

    def whole_layer(self, layer: int, trace: EventTrace, row: int, b: int):
        """(the triggers of every unit v of ``layer`` at evaluated input ``row`` with ``b``
        features, each asked in its helpful direction; that direction, +1 where v is off and
        -1 where it is on). Kept for the input's features, so the nodes of one input in
        other chunks and at other levels (a hub's roots and its children) reuse them, up to
        ``_WHOLE_LAYER_KEEP`` entries.

        Always with the "already on" discount, in the search's first pass too: an input
        asked about a whole layer is one the discount matters for (at a hub's input, every
        feature whose support meets the hub's would trigger the hub's units without it), and
        the first pass may use it anywhere: its children then lie between those with the
        discount everywhere and those without, so a node without children in it has none
        with the discount, and the second pass (discount everywhere) is unchanged."""
        key = _whole_key(layer, b, trace, row)
        found = self._whole.pop(key, None)
        if found is None:
            width = self.network.layers[layer - 1].width  # (no int64 copy of W for it)
            every, same = np.arange(width), np.full(width, row)
            direction = np.where(trace.act(layer, same, every) > 0, -1, 1)
            sub, _ = self.triggers(layer, same, every, direction, np.full(width, b), trace)
            found = (sub, direction)
            self._whole_kept += _kept_size(sub)
            while len(self._whole) and self._whole_kept > _WHOLE_LAYER_KEEP:
                oldest = next(iter(self._whole))  # least recently used
                self._whole_kept -= _kept_size(self._whole.pop(oldest)[0])
                self._reach.pop(oldest, None)
        self._whole[key] = found
        return found


def _whole_key(layer: int, b: int, trace: EventTrace, row: int) -> tuple:
    """What a whole layer's triggers are kept under: the layer, the budget and the input's
    features."""
    return layer, int(b), trace.active[row].tobytes()


def _read_back(kept, keys: np.ndarray):
    """(kept, positions) when every one of ``keys`` is among ``kept[0]`` (sorted keys a
    chunk's first pass kept on its trace), else None."""
    if kept is None or not kept[0].size:
        return None
    at = np.minimum(np.searchsorted(kept[0], keys), kept[0].size - 1)
    return (kept, at) if np.array_equal(kept[0][at], keys) else None


def _spread_rows(mat: sp.csr_matrix, sel: np.ndarray, n: int) -> sp.csr_matrix:
    """The n-row CSR matrix whose row sel[i] is row i of ``mat`` (``sel`` increasing), the
    other rows empty."""
    lengths = np.zeros(n, np.int64)
    lengths[sel] = np.diff(mat.indptr)
    return sp.csr_matrix((mat.data, mat.indices, _indptr(lengths)), shape=(n, mat.shape[1]))


def _spread(values: np.ndarray, sel: np.ndarray, n: int) -> np.ndarray:
    """An n-array of zeros (False) with ``values`` at positions ``sel``."""
    out = np.zeros(n, values.dtype)
    out[sel] = values
    return out


def _kept_size(sub: sp.csr_matrix) -> int:
    """What one kept whole layer counts against ``_WHOLE_LAYER_KEEP``: entries plus rows."""
    return sub.nnz + sub.shape[0]


def _helpful(weights: sp.csr_matrix, dirs, direction) -> sp.csr_matrix:
    """|weights| where sign(weight) * ``dirs`` equals the ``direction`` a fan-in unit can
    move in (per entry), the other entries dropped: the weights that can help (a new
    matrix; ``weights`` is left as it is)."""
    keep = (np.sign(weights.data) * dirs == direction) & (weights.data != 0)
    kept = np.zeros(len(keep) + 1, np.int64)
    np.cumsum(keep, out=kept[1:])
    return sp.csr_matrix((np.abs(weights.data[keep]).astype(np.int64), weights.indices[keep],
                          kept[weights.indptr]), shape=weights.shape)


def trigger_matrix(lengths: np.ndarray, features: np.ndarray, m: int) -> sp.csr_matrix:
    """The n x m 0/1 matrix whose row i holds the next ``lengths[i]`` of ``features``."""
    return sp.csr_matrix((np.ones(len(features), np.int32), features, _indptr(lengths)),
                         shape=(len(lengths), m))


def _indptr(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def _at_least(mat: sp.csr_matrix, need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) of every entry of ``mat`` >= ``need`` of its row, row-major."""
    row = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))
    keep = mat.data >= need[row]
    return row[keep], mat.indices[keep].astype(np.int64)


def _gather(mat: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """mat[rows[i], cols[i]] for every i, as a flat int64 array."""
    if not len(rows):
        return np.zeros(0, np.int64)
    return np.asarray(mat[rows, cols], dtype=np.int64).ravel()


def _roots(circuit: Circuit, s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (k, tau): output k and a subset tau of its sources with |tau| <= s."""
    sources = np.asarray(output_sources(circuit), dtype=np.int64)
    width = sources.shape[1]
    outs, inputs = [], []
    for mask in range(1 << width):
        cols = [j for j in range(width) if mask >> j & 1]
        if len(cols) > s:
            continue
        tau = np.full((len(sources), s), PAD, dtype=np.int64)
        tau[:, :len(cols)] = sources[:, cols]
        outs.append(np.arange(len(sources)))
        inputs.append(tau)
    out = np.concatenate(outs)
    inp = _canonical(np.concatenate(inputs))
    # input-major order: roots that share an input fall in the same chunk and share its
    # trigger queries (every root (k, {h}) of a hub h, say)
    key = _unique_rows(np.column_stack([inp, out]))[0]
    return key[:, -1].copy(), key[:, :-1].copy(), sources


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(rows, axis=0, return_inverse=True)`` for a 2-d array of integers >= PAD
    (-1), the inverse flat: through one int64 key per row, (rows[i, 0] + 1) ... in mixed
    radix, when the columns' ranges multiply to below 2^62 (a sort of one integer per row,
    several times faster than NumPy's sort of rows), else by NumPy's rows.

    >>> _unique_rows(np.array([[2, -1], [0, 5], [2, -1]]))[0].tolist()
    [[0, 5], [2, -1]]
    """
    if not rows.size:
        return rows.copy(), np.zeros(len(rows), np.int64)
    spans = [int(x) + 2 for x in rows.max(axis=0)]
    if rows.min() < PAD or math.prod(spans) >= 2 ** 62:
        uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
        return uniq, inverse.ravel()
    key = np.zeros(len(rows), np.int64)
    for j, span in enumerate(spans):
        key *= span
        key += rows[:, j] + 1
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return rows[first], inverse.ravel()


def _canonical(inp: np.ndarray) -> np.ndarray:
    """Rows sorted ascending with PAD last, repeated features removed."""
    big = np.iinfo(np.int64).max
    keyed = np.where(inp == PAD, big, inp)
    keyed.sort(axis=1)
    if keyed.shape[1] > 1:
        dup = keyed[:, 1:] == keyed[:, :-1]
        keyed[:, 1:][dup] = big
        keyed.sort(axis=1)
    return np.where(keyed == big, PAD, keyed)


def search(circuit: Circuit, s: int, deadline: float, node_cap: int = 20_000,
           shard: tuple[int, int] = (0, 1), progress=None) -> SearchOutcome:
    """Search every root of ``circuit`` at sparsity ``s`` until ``deadline`` (perf_counter).

    Outputs whose frontier exceeds ``node_cap`` nodes at one level are given up and returned in
    ``deferred``; a timeout sets ``timed_out``. ``shard = (i, n)``: only the roots of outputs
    k = i mod n (each output's search is independent of the others'). ``progress(done,
    total)``, if given, is told the nodes of the current level expanded so far (``done``
    restarts at 0 on each level, the roots being the first).
    """
    outcome = SearchOutcome()
    try:
        index = ConeIndex(circuit, s, deadline)
    except TableTimeout:
        outcome.timed_out = True
        return outcome
    out, inp, sources = _roots(circuit, s)
    mine = out % shard[1] == shard[0]
    out, inp = out[mine], inp[mine]
    expected = _root_truth(circuit, out, inp)
    deferred: set[int] = set()
    while len(out):
        outcome.levels.append(len(out))
        children = []
        for lo, hi in _chunks(inp):
            if time.perf_counter() > deadline:
                outcome.timed_out = True
                return outcome
            chunk = slice(lo, hi)
            ex, kids = _expand(index, circuit, out[chunk], inp[chunk], expected[chunk],
                               sources, s, outcome)
            if ex is not None:
                outcome.counterexample = ex
                return outcome
            children.append(kids)
            if progress is not None:
                progress(hi, len(out))
        out, inp, expected = _merge(children, s)
        counts = np.bincount(out, minlength=circuit.m_prime)
        over = np.flatnonzero(counts > node_cap)
        if over.size:
            deferred.update(int(k) for k in over)
            keep = ~np.isin(out, over)
            out, inp, expected = out[keep], inp[keep], expected[keep]
    outcome.deferred = np.array(sorted(deferred), dtype=np.int64)
    return outcome


def _chunks(inp: np.ndarray):
    """(lo, hi) bounds of the chunks a frontier (input-major) is expanded in: about
    ``_NODE_CHUNK`` nodes each, except that the nodes of one input are never split below
    ``_INPUT_CHUNK``: an input with many nodes (the empty input's roots, a hub's) is one chunk,
    so its triggers are found once for all of them."""
    n = len(inp)
    starts = np.flatnonzero(np.r_[True, (inp[1:] != inp[:-1]).any(axis=1)])
    ends = np.r_[starts[1:], n]
    lo = 0
    while lo < n:
        hi = min(lo + _NODE_CHUNK, n)
        run = np.searchsorted(starts, hi - 1, side="right") - 1
        if ends[run] > hi:  # an input's nodes cross the boundary
            hi = int(starts[run]) if starts[run] > lo else min(int(ends[run]), lo + _INPUT_CHUNK)
        yield lo, hi
        lo = hi


def _root_truth(circuit: Circuit, out: np.ndarray, inp: np.ndarray) -> np.ndarray:
    """truth_k(tau) for every root (k, tau), from the problem's own ground truth."""
    uniq, row = _unique_rows(inp)
    truth = circuit.problem.truth(uniq).tocsr()
    return _gather(truth, row, out)


def _expand(index, circuit, out, inp, expected, sources, s, outcome):
    """Evaluate one chunk of nodes; return a counterexample or the chunk's children.

    The children are found first without the "already on" discount of layer-1 gains, then
    again with it for the nodes that had children: the discount only removes triggers, and
    every later stage is monotone in them (:func:`_children`), so a node without children
    undiscounted has none discounted, and the result is that of the discount everywhere."""
    uniq, row = _unique_rows(inp)
    trace = EventTrace(index.evaluator, index.lookups, uniq, index.columns)
    outcome.nodes += len(out)
    outcome.inputs_evaluated += len(uniq)
    whole_z = None  # the last layer's z at the chunk's one input, where _one_input formed it
    if index.depth and len(uniq) == 1 and len(out) >= _REACH_NODES:
        found, keep, whole_z = _one_input(index, out, inp, expected, s, trace)
        if found is not None:
            return found, None
        if not keep.any():
            return None, (out[:0], inp[:0].copy(), expected[:0])
        out, inp, expected, row = out[keep], inp[keep], expected[keep], row[keep]
    q = index.network.output_code.matrix()
    ni, pos = expand_ranges(q.indptr[out], q.indptr[out + 1])
    units = q.indices[pos].astype(np.int64)
    if index.depth:
        z = trace.pre(index.depth, row[ni], units) if whole_z is None else whole_z[units]
        on = z >= trace.theta_last[units]
    else:  # the output code reads the input units themselves
        on = trace.act(0, row[ni], units) > 0
        z = on.astype(np.int64)
    n_on = np.bincount(ni, weights=on, minlength=len(out))
    decoded = (n_on == np.diff(q.indptr)[out]).astype(np.int64)
    wrong = _first_wrong(out, inp, expected, decoded)
    if wrong is not None:
        return wrong, None
    kn, kf = _children(index, circuit, out, inp, expected, row, sources, s, trace, False,
                       (ni, units, on, z))
    if kn.size:
        nodes = np.unique(kn)
        kn, kf = _children(index, circuit, out[nodes], inp[nodes], expected[nodes], row[nodes],
                           sources, s, trace, True, _states_of(nodes, (ni, units, on, z),
                                                               len(out)))
        kn = nodes[kn]
    child = inp[kn].copy()
    slot = (child != PAD).sum(axis=1)
    child[np.arange(len(kn)), slot] = kf
    return None, (out[kn], _canonical(child), expected[kn])


def _one_input(index, out, inp, expected, s, trace):
    """For a chunk of many nodes at one input (row 0 of ``trace``): (a counterexample or None,
    per node whether it may still have children, the input's z_L), without forming its
    (node, unit) pairs.

    Every node is evaluated through the input's whole last layer: z_L and a_L per unit, and
    per output the number of its code's units on, Q a_L (Q the 0/1 output code, a unit
    repeated in a code counted as often as _expand counts it). With b = 0 features left no
    node has children. Else, where a whole layer below pays (:meth:`ConeIndex.out_of_reach`'s
    rule, for the off units of the truth-0 nodes), a truth-0 node is ruled out when its code
    holds a unit that cannot turn on (z_u below :meth:`ConeIndex.reach_floors`, so it is off):
    the same nodes as :meth:`ConeIndex.out_of_reach` rules out, found per output by one
    product Q [stuck] instead of per (node, unit)."""
    depth = index.depth
    width = trace.widths[depth]
    z = trace.pre(depth, np.zeros(width, np.int64), np.arange(width))
    on = z >= trace.theta_last
    q = index.network.output_code.matrix()
    decoded = ((q @ on.astype(np.int64))[out] == np.diff(q.indptr)[out]).astype(np.int64)
    wrong = _first_wrong(out, inp, expected, decoded)
    if wrong is not None:
        return wrong, None, z
    b = s - int((inp[0] != PAD).sum())
    keep = np.full(len(out), b > 0)
    falsepos = np.flatnonzero(expected == 0)
    if b <= 0 or depth < 2 or falsepos.size < _REACH_NODES:
        return None, keep, z
    asked_outputs = np.zeros(q.shape[0], np.int64)
    asked_outputs[out[falsepos]] = 1
    asked = ((q.T @ asked_outputs) > 0) & ~on  # the off units of the truth-0 nodes
    if asked.any() and index.whole_layer_pays(depth, asked):
        stuck = z < index.reach_floors(depth, trace, 0, b)
        dead = (q @ stuck.astype(np.int64))[out[falsepos]] > 0
        keep[falsepos[dead]] = False
    return None, keep, z


def _first_wrong(out, inp, expected, decoded) -> Counterexample | None:
    """The node decoded wrong with the fewest active features (the first such in chunk
    order) as a counterexample, or None when every node is decoded right."""
    wrong = np.flatnonzero(decoded != expected)
    if not wrong.size:
        return None
    i = wrong[np.argmin((inp[wrong] != PAD).sum(axis=1))]
    active = tuple(int(f) for f in inp[i] if f != PAD)
    return Counterexample(active, int(out[i]), int(expected[i]), int(decoded[i]))


def _states_of(nodes, states, n):
    """The (node, output unit, on, z) entries of ``states`` for ``nodes`` (sorted,
    distinct, of n), the nodes numbered 0.. in that order."""
    rank = dense_ranks(nodes, n)[1][states[0]]
    keep = rank >= 0
    return (rank[keep],) + tuple(part[keep] for part in states[1:])


def _children(index, circuit, out, inp, expected, row, sources, s, trace, discount, states):
    """The children (node, feature) of nodes already evaluated correct, as two arrays
    (``states``: per node, its output's units, whether each is on and its pre-activation
    z_L, as _expand read them).

    Monotone in the layer-1 triggers: fewer of them give fewer deeper triggers (the help sums
    are of weights >= 0), fewer "can change" flags at layers >= 2, and so fewer children."""
    ni, units, on, z = states
    used = (inp != PAD).sum(axis=1)
    b = s - used
    # truth 0: the off units of Q_k must all turn on; truth 1: some unit must turn off
    ask = (b[ni] > 0) & np.where(expected[ni] == 0, ~on, True)
    # truth 0: one off unit that no completion can lift rules its node out, before any
    # trigger is asked (decided where the whole layer below is known: ConeIndex.out_of_reach)
    off = np.flatnonzero(ask & (expected[ni] == 0))
    stuck = index.out_of_reach(index.depth, row[ni[off]], units[off], b[ni[off]], z[off],
                               trace, ni[off])
    dead = np.zeros(len(out), bool)
    dead[ni[off[stuck]]] = True
    ask &= ~dead[ni]
    # truth 0: a completion turns on every off unit, so in particular the first J = 3b of
    # them, and the pigeonhole holds for those alone: ask only about them
    off = np.flatnonzero(ask & (expected[ni] == 0))
    first = np.searchsorted(ni[off], ni[off], side="left")
    ask[off[np.arange(off.size) - first >= _UNITS_PER_BUDGET * b[ni[off]]]] = False
    excluded = _excluded(out, inp, sources)
    qn, qu = ni[ask], units[ask]
    qdir = np.where(expected[qn] == 0, 1, -1)
    found, which, possible = shared_triggers(index, index.depth, row[qn], qu, qdir, b[qn],
                                             trace, discount)
    falsepos = expected[qn] == 0
    n = len(out)
    # truth 0: features that trigger at least ceil(|O| / b) of the off units O; a node
    # where some off unit cannot change, or has no trigger that a completion may hold, has
    # no wrong completion
    n_off = np.bincount(qn[falsepos], minlength=n)
    live = _movable(found, which[falsepos], possible[falsepos], qn[falsepos], excluded)
    alive = (n_off > 0) & (np.bincount(qn[falsepos], weights=live, minlength=n) == n_off)
    need = np.where(falsepos, np.where(alive, -(-n_off // np.maximum(b, 1)),
                                       np.iinfo(np.int64).max)[qn], 1)
    # per node: truth 1, any trigger of any unit (the product's pattern is the union of
    # their rows; need 1); truth 0, the product counts the units each feature triggers.
    # The products go a slice of nodes at a time, each forming at most _PRODUCT_CELLS
    # entries (a node alone may form more)
    cost = np.cumsum(np.bincount(qn, weights=np.diff(found.indptr)[which], minlength=n))
    node_parts, feat_parts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    lo = 0
    while lo < n:
        base = cost[lo - 1] if lo else 0
        hi = max(lo + 1, int(np.searchsorted(cost, base + _PRODUCT_CELLS, side="right")))
        a, z = np.searchsorted(qn, [lo, hi])
        per_node = _node_matrix(qn[a:z] - lo, which[a:z], hi - lo, found.shape[0]) @ found
        first_need = np.zeros(hi - lo, np.int64)
        first_need[qn[a:z] - lo] = need[a:z]  # one need per node (its queries agree)
        got, feats = _at_least(per_node, first_need)
        node_parts.append(got + lo)
        feat_parts.append(feats)
        lo = hi
    kid_node, kid_feat = np.concatenate(node_parts), np.concatenate(feat_parts)
    # a completion adds no feature that output k's truth reads, nor one already active
    barred = (kid_feat[:, None] == excluded[kid_node]).any(axis=1)
    return kid_node[~barred], kid_feat[~barred]


def _excluded(out: np.ndarray, inp: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Per node, the features no completion adds (PAD-padded rows): the sources of its
    output (the features the truth reads) and the features already active, each once."""
    return _canonical(np.concatenate([sources[out], inp], axis=1))


def _movable(found, which, possible, nodes, excluded) -> np.ndarray:
    """Per query: its unit can change, and some trigger of it is a feature a completion of
    its node may add. Every completion that changes the unit holds one of its triggers, and
    no completion adds an excluded feature, so a unit whose triggers are all excluded
    cannot change (the sharper form of "has a trigger"). ``excluded`` rows are distinct,
    so ``held`` counts the stored entries of the row that are excluded."""
    held = np.zeros(len(which), np.int64)
    for j in range(excluded.shape[1]):
        x = excluded[nodes, j]
        real = np.flatnonzero(x != PAD)
        held[real] += _gather(found, which[real], x[real])
    return possible & (np.diff(found.indptr)[which] > held)


def _node_matrix(nodes: np.ndarray, which: np.ndarray, n: int, n_queries: int):
    """The n x n_queries 0/1 matrix with an entry (nodes[i], which[i]) per i (``nodes``
    non-decreasing)."""
    return trigger_matrix(np.bincount(nodes, minlength=n), which, n_queries)


def shared_triggers(index, layer, rows, units, dirs, b, trace, discount=True):
    """index.triggers, computed once per distinct (input, unit, direction, budget): nodes of
    different outputs at the same input (every empty root, say), and units that feed several
    units of the next layer, share their answers. Returns the distinct queries' trigger
    matrix, which distinct query each query is, and each query's "can change" flag."""
    if not len(units):
        found, possible = index.triggers(layer, rows, units, dirs, b, trace, discount)
        return found, np.zeros(0, np.int64), possible
    width = int(units.max()) + 1
    top_b = int(b.max()) + 1
    keys = _packed_queries(rows, units, dirs, b, width, top_b)
    distinct, which = unique_inverse(keys, (int(rows.max()) + 1) * width * 2 * top_b)
    d_b = distinct % top_b
    rest = distinct // top_b
    d_dir = np.where(rest % 2 == 1, 1, -1)
    rest //= 2
    found, possible = index.triggers(layer, rest // width, rest % width, d_dir, d_b, trace,
                                     discount)
    return found, which, possible[which]


def _packed_queries(rows, units, dirs, b, width: int, top_b: int) -> np.ndarray:
    """One int64 per query (input, unit, direction, budget), units below ``width`` and
    budgets below ``top_b``: ((row * width + unit) * 2 + [dir > 0]) * top_b + b, so the keys
    sort as the queries do lexicographically."""
    return ((rows.astype(np.int64) * width + units) * 2 + (dirs > 0)) * top_b + b


def _merge(children, s):
    """One frontier from the chunks' children, each (k, input) once (its truth is the same)."""
    parts = [c for c in children if len(c[0])]
    if not parts:
        return np.zeros(0, np.int64), np.zeros((0, s), np.int64), np.zeros(0, np.int64)
    nodes = np.column_stack([np.concatenate([p[1] for p in parts]),
                             np.concatenate([p[0] for p in parts]),
                             np.concatenate([p[2] for p in parts])])
    nodes = _unique_rows(nodes)[0]  # input-major, as the roots
    return nodes[:, -2].copy(), nodes[:, :-2].copy(), nodes[:, -1].copy()
