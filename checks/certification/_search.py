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
  best feature has c(e) >= ceil(|O| / b): only those features are branched on;
* truth 1 (y_k = 1): some unit of Q_k must turn off; branch on the union of their triggers.

Triggers (every completion that changes unit u contains one, so pruning to them is exact):

* layer 0: to turn input unit p on, a feature whose support holds p; it never turns off;
* layer 1: to turn u on, a feature with g+_u(e) >= ceil((theta_u - z_u(y)) / b); to turn it
  off, one with -g-_u(e) >= ceil((z_u(y) - theta_u + 1) / b)
  (:mod:`superpose.circuits.engine._gains`); and u cannot change at all unless the b largest
  gains cover the gap;
* layer l >= 2: u changes only if fan-in units v change in the helping direction (on, if
  W[u, v] > 0 and u must rise), each only through one of its own triggers; a feature can add
  at most the |W[u, v]| of the units it triggers, so with b features one of them adds at least
  ceil(gap / b): those are u's triggers, and u cannot change if there are none.

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

__all__ = ["SearchOutcome", "ConeIndex", "search"]

_NODE_CHUNK = 1024
_UNITS_PER_BUDGET = 3


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
        self.depth = len(net.layers)
        # store gains down to half of what the empty root asks (ceil(gap / s)); queries
        # below that (inputs that already push a unit near its threshold) are exact too. The
        # evaluator's gain table and these come from one pass over the same products.
        self.evaluator = event_evaluator(net, sparsity, deadline, search_divisor=2)
        self.lookups = [self.evaluator.weight_lookup(l) for l in range(1, self.depth + 1)]
        self.pos, self.neg = self.evaluator.gain_tables or (None, None)

    def triggers(self, layer: int, rows, units, dirs, b, trace: EventTrace):
        """(query, feature) pairs and a per-query "can change" flag (``trace`` holds the
        activations and pre-activations of the evaluated inputs).

        Query i asks how unit ``units[i]`` of ``layer`` can move in direction ``dirs[i]``
        (+1 on, -1 off) from the state of evaluated input ``rows[i]`` with ``b[i]`` features.
        """
        n = len(units)
        if layer == 0:
            if not n:
                return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool)
            up = np.flatnonzero(dirs > 0)
            owner, pos = expand_ranges(self.holders.indptr[units[up]],
                                       self.holders.indptr[units[up] + 1])
            possible = np.zeros(n, bool)
            possible[up] = np.diff(self.holders.indptr)[units[up]] > 0
            return up[owner], self.holders.indices[pos].astype(np.int64), possible
        theta = self.network.layers[layer - 1].theta[units]
        z = trace.pre(layer, rows, units)
        gap = np.where(dirs > 0, theta - z, z - theta + 1)
        if layer == 1:
            return self._first_layer(rows, units, dirs, b, gap, trace)
        return self._deeper(layer, rows, units, dirs, b, gap, trace)

    def _first_layer(self, rows, units, dirs, b, gap, trace):
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
            qi, feats, gains = table.at_least(units[sel], h)
            # input units already on add nothing again: subtract them, then filter again
            gains = gains - table.already_on(units[sel][qi], feats, rows[sel][qi],
                                             trace.inputs)
            keep = gains >= h[qi]
            qi, feats = qi[keep], feats[keep]
            q_parts.append(sel[qi])
            f_parts.append(feats)
        return np.concatenate(q_parts), np.concatenate(f_parts), possible

    def _deeper(self, layer, rows, units, dirs, b, gap, trace):
        w = self.network.layers[layer - 1].weights
        qi, pos = expand_ranges(w.indptr[units], w.indptr[units + 1])
        v, weight = w.indices[pos].astype(np.int64), w.data[pos]
        sub_dir = np.sign(weight) * dirs[qi]
        on = trace.act(layer - 1, rows[qi], v) > 0
        helpful = np.flatnonzero((sub_dir > 0) != on)
        sq, sf, _ = shared_triggers(self, layer - 1, rows[qi[helpful]], v[helpful],
                                    sub_dir[helpful], b[qi[helpful]], trace)
        # a feature's most help to u: the weights of every fan-in unit it triggers; b
        # features must together cover the gap, so one of them covers ceil(gap / b)
        parent = qi[helpful][sq]
        key, help_ = group_sum(parent * self.m + sf, np.abs(weight[helpful][sq]),
                               len(units) * self.m)
        owner = key // self.m
        keep = help_ >= -(-gap[owner] // b[owner])
        possible = np.zeros(len(units), bool)
        possible[owner[keep]] = True
        return owner[keep], key[keep] % self.m, possible


def group_sum(keys: np.ndarray, weights: np.ndarray | None, n_keys: int):
    """The distinct ``keys`` (in [0, n_keys)) and, per key, the sum of its ``weights`` (or its
    count); keys whose weights sum to 0 are dropped. A dense bincount where the key space is
    not much larger than the list (linear time), a sort otherwise.

    >>> [a.tolist() for a in group_sum(np.array([4, 1, 4]), None, 6)]
    [[1, 4], [1, 2]]
    """
    if n_keys <= 8 * len(keys) + 4096:
        total = np.bincount(keys, weights=weights, minlength=n_keys)
        key = np.flatnonzero(total)
        return key, total[key]
    key, inverse = np.unique(keys, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=weights, minlength=len(key))
    keep = total != 0
    return key[keep], total[keep]


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
    key = np.unique(np.column_stack([inp, out]), axis=0)
    return key[:, -1].copy(), key[:, :-1].copy(), sources


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
        for lo in range(0, len(out), _NODE_CHUNK):
            if time.perf_counter() > deadline:
                outcome.timed_out = True
                return outcome
            chunk = slice(lo, lo + _NODE_CHUNK)
            ex, kids = _expand(index, circuit, out[chunk], inp[chunk], expected[chunk],
                               sources, s, outcome)
            if ex is not None:
                outcome.counterexample = ex
                return outcome
            children.append(kids)
            if progress is not None:
                progress(min(lo + _NODE_CHUNK, len(out)), len(out))
        out, inp, expected = _merge(children, s)
        counts = np.bincount(out, minlength=circuit.m_prime)
        over = np.flatnonzero(counts > node_cap)
        if over.size:
            deferred.update(int(k) for k in over)
            keep = ~np.isin(out, over)
            out, inp, expected = out[keep], inp[keep], expected[keep]
    outcome.deferred = np.array(sorted(deferred), dtype=np.int64)
    return outcome


def _root_truth(circuit: Circuit, out: np.ndarray, inp: np.ndarray) -> np.ndarray:
    """truth_k(tau) for every root (k, tau), from the problem's own ground truth."""
    uniq, row = np.unique(inp, axis=0, return_inverse=True)
    truth = circuit.problem.truth(uniq).tocsr()
    return _gather(truth, row.ravel(), out)


def _member(x: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """x[i, j] in sources[i] (row-wise), PAD never a member."""
    hit = np.zeros(x.shape, bool)
    for j in range(sources.shape[1]):
        hit |= x == sources[:, j:j + 1]
    return hit & (x != PAD)


def _expand(index, circuit, out, inp, expected, sources, s, outcome):
    """Evaluate one chunk of nodes; return a counterexample or the chunk's children."""
    uniq, row = np.unique(inp, axis=0, return_inverse=True)
    row = row.ravel()
    trace = EventTrace(index.evaluator, index.lookups, uniq)
    outcome.nodes += len(out)
    outcome.inputs_evaluated += len(uniq)
    q = index.network.output_code.matrix()
    ni, pos = expand_ranges(q.indptr[out], q.indptr[out + 1])
    units = q.indices[pos].astype(np.int64)
    on = trace.act(index.depth, row[ni], units) > 0
    n_on = np.bincount(ni, weights=on, minlength=len(out))
    decoded = (n_on == np.diff(q.indptr)[out]).astype(np.int64)
    wrong = np.flatnonzero(decoded != expected)
    if wrong.size:
        sizes = (inp[wrong] != PAD).sum(axis=1)
        i = wrong[np.argmin(sizes)]
        active = tuple(int(f) for f in inp[i] if f != PAD)
        return Counterexample(active, int(out[i]), int(expected[i]), int(decoded[i])), None
    used = (inp != PAD).sum(axis=1)
    b = s - used
    # truth 0: the off units of Q_k must all turn on; truth 1: some unit must turn off
    ask = (b[ni] > 0) & np.where(expected[ni] == 0, ~on, True)
    # truth 0: a completion turns on every off unit, so in particular the first J = 3b of
    # them, and the pigeonhole holds for those alone: ask only about them
    off = np.flatnonzero(ask & (expected[ni] == 0))
    first = np.searchsorted(ni[off], ni[off], side="left")
    ask[off[np.arange(off.size) - first >= _UNITS_PER_BUDGET * b[ni[off]]]] = False
    qn, qu = ni[ask], units[ask]
    qdir = np.where(expected[qn] == 0, 1, -1)
    qi, feats, possible = shared_triggers(index, index.depth, row[qn], qu, qdir, b[qn], trace)
    node = qn[qi]
    excluded = _member(feats[:, None], sources[out[node]]) | (feats[:, None] == inp[node]).any(
        axis=1, keepdims=True)
    keep = ~excluded.ravel()
    qi, node, feats = qi[keep], node[keep], feats[keep]
    m = circuit.m
    falsepos = expected[node] == 0
    kids_node, kids_feat = [], []
    # truth 1: any trigger of any unit
    key = np.unique(node[~falsepos] * m + feats[~falsepos])
    kids_node.append(key // m)
    kids_feat.append(key % m)
    # truth 0: features that trigger at least ceil(|O| / b) of the off units
    n_off = np.bincount(qn[qdir > 0], minlength=len(out))
    units_hit = np.bincount(np.unique(qi[falsepos]), minlength=len(qn))
    live_units = np.bincount(qn, weights=(units_hit > 0) & possible, minlength=len(out))
    alive = (n_off > 0) & (live_units == n_off)
    key, count = group_sum(node[falsepos] * m + feats[falsepos], None, len(out) * m)
    kn, kf = key // m, key % m
    need = -(-n_off[kn] // np.maximum(b[kn], 1))
    take = alive[kn] & (count >= need)
    kids_node.append(kn[take])
    kids_feat.append(kf[take])
    kn = np.concatenate(kids_node)
    kf = np.concatenate(kids_feat)
    child = inp[kn].copy()
    slot = (child != PAD).sum(axis=1)
    child[np.arange(len(kn)), slot] = kf
    return None, (out[kn], _canonical(child), expected[kn])


def shared_triggers(index, layer, rows, units, dirs, b, trace):
    """index.triggers, computed once per distinct (input, unit, direction, budget): nodes of
    different outputs at the same input (every empty root, say), and units that feed several
    units of the next layer, share their answers."""
    if not len(units):
        return index.triggers(layer, rows, units, dirs, b, trace)
    width = int(units.max()) + 1
    top_b = int(b.max()) + 1
    keys = ((rows.astype(np.int64) * width + units) * 2 + (dirs > 0)) * top_b + b
    distinct, which = np.unique(keys, return_inverse=True)
    which = which.ravel()
    d_b = distinct % top_b
    rest = distinct // top_b
    d_dir = np.where(rest % 2 == 1, 1, -1)
    rest //= 2
    dq, feats, possible = index.triggers(layer, rest // width, rest % width, d_dir, d_b, trace)
    order = np.argsort(dq, kind="stable")
    dq, feats = dq[order], feats[order]
    bounds = np.searchsorted(dq, np.arange(len(distinct) + 1))
    qi, pos = expand_ranges(bounds[which], bounds[which + 1])
    return qi, feats[pos], possible[which]


def _merge(children, s):
    """One frontier from the chunks' children, each (k, input) once (its truth is the same)."""
    parts = [c for c in children if len(c[0])]
    if not parts:
        return np.zeros(0, np.int64), np.zeros((0, s), np.int64), np.zeros(0, np.int64)
    nodes = np.column_stack([np.concatenate([p[1] for p in parts]),
                             np.concatenate([p[0] for p in parts]),
                             np.concatenate([p[2] for p in parts])])
    nodes = np.unique(nodes, axis=0)  # input-major, as the roots
    return nodes[:, -2].copy(), nodes[:, :-2].copy(), nodes[:, -1].copy()
