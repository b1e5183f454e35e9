"""A sparse layered threshold network read through fixed support codes.

Semantics (the model of paper_notes/model.md, section "Network"):

* a_0[p] = 1 iff some active input feature i has p in its input support P_i;
* a_l = [W_l a_{l-1} >= theta_l] for l = 1..L, with integer W_l (d_l x d_{l-1}) and theta_l;
* output k is read as 1 iff every unit of its output support Q_k (in layer L) is 1.

Evaluation is exact integer arithmetic on SciPy CSR matrices, for any integer weights and
thresholds (negative weights, and thresholds <= 0 that fire on a zero pre-activation, included).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model._codes import SupportCode
from superpose.circuits.model._inputs import PAD
from superpose.circuits.model._pages import transpose_stored
from superpose.circuits.model._sparse import expand_ranges, sorted_unique
from superpose.circuits.validate import check_fits
from superpose.theory.errors import InvalidArgument

__all__ = ["Counts", "Layer", "ThresholdNetwork", "stored_product", "threshold_to_relus",
           "value_stats"]


#: integer types whose every value int64 holds: weights of these types are kept as given
KEPT_TYPES = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint8,
                                          np.uint16, np.uint32))


@dataclass(frozen=True, eq=False)
class Layer:
    """Integer weights W_l (d_l x d_{l-1} CSR) and integer thresholds theta_l (d_l) of one
    layer.

    ``stored_weights`` is W_l in the integer type it was given or stored in, canonical (sorted
    column indices, no duplicate (row, column) entry): a layer read from a file keeps its int8
    or int16 weights as they are, 1/8 or 1/4 of an int64 copy. Weights that are not canonical
    are converted to int64 and their duplicates summed, as evaluation reads them, so counts
    see the effective weights. ``weights`` is W_l as int64, made on first use; code that reads
    ``stored_weights`` instead converts values to int64 before any arithmetic.
    """

    stored_weights: sp.csr_matrix
    theta: np.ndarray

    def __post_init__(self) -> None:
        w = self.stored_weights
        if not (sp.issparse(w) and w.format == "csr" and w.dtype in KEPT_TYPES
                and w.has_canonical_format):
            w = sp.csr_matrix(w, dtype=np.int64, copy=True)  # its arrays may be read-only
            w.sum_duplicates()
        object.__setattr__(self, "stored_weights", w)
        object.__setattr__(self, "theta", np.asarray(self.theta, dtype=np.int64))

    def __repr__(self) -> str:
        """Shape and nonzero weights, never the arrays."""
        rows, cols = self.stored_weights.shape
        return f"Layer({rows}x{cols}, nonzero_weights={self.stored_weights.nnz})"

    @cached_property
    def weights(self) -> sp.csr_matrix:
        """W_l as int64 (``stored_weights`` itself when it is int64, else a copy made on first
        use)."""
        stored = self.stored_weights
        if stored.dtype == np.int64:
            return stored
        return sp.csr_matrix((stored.data.astype(np.int64), stored.indices, stored.indptr),
                             shape=stored.shape)

    @property
    def width(self) -> int:
        return self.stored_weights.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """(d_l, d_{l-1})."""
        return self.stored_weights.shape

    #: a plain layer stores W_l itself (:class:`superpose.circuits.model.FactoredLayer` does
    #: not)
    factored = False

    def times(self, acts: sp.csr_matrix) -> sp.csr_matrix:
        """z = acts W_l^T (B x d_l CSR), exactly in int64: SciPy's product with the int64 W^T,
        or for a layer too large for int64 copies (``INT64_COPY_LIMIT``) :func:`stored_product`
        in the stored type."""
        stored = self.stored_weights
        if stored.dtype == np.int64 or 24 * stored.nnz <= INT64_COPY_LIMIT:
            return (acts @ self.weights_t).tocsr()
        return stored_product(acts.tocsr(), self.stored_weights_t)

    def weight_stats(self) -> tuple[int, int, int]:
        """(nonzero weights, their bits, the largest |weight|): :func:`value_stats`, read once
        per layer (layers are immutable; counts, quantities and ReLU parameters all ask)."""
        return self._stats

    @cached_property
    def _stats(self) -> tuple[int, int, int]:
        return value_stats(self.stored_weights.data)

    def evaluation_bytes(self) -> int:
        """Its transpose in the stored type: an int32 index and the stored value per weight."""
        return self.stored_weights.nnz * (4 + self.stored_weights.dtype.itemsize)

    @cached_property
    def weights_t(self) -> sp.csr_matrix:
        """W^T as CSR (int64), so a batch (B x d_{l-1}) times it is a CSR x CSR product."""
        if self.stored_weights.dtype == np.int64:
            return self.stored_weights_t
        return self.weights.T.tocsr()

    @cached_property
    def stored_weights_t(self) -> sp.csr_matrix:
        """W^T as CSR in the stored type (:func:`transpose_stored`: one SciPy CSR to CSC up to
        ``WHOLE_TRANSPOSE`` entries, above that block by block, so that a large W mapped from
        a file is never resident all at once)."""
        return transpose_stored(self.stored_weights)


@dataclass(frozen=True)
class Counts:
    """Exact resource counts read off a network (never from a formula).

    neurons counts every unit of every layer, the input layer included (it is in
    superposition too); threshold_units counts the computing layers 1..L only; relus counts
    the exact pure-ReLU form, two ReLUs per threshold unit plus the input layer. params counts
    nonzero weights plus nonzero thresholds; relu_params the same in the ReLU form; bits sums,
    over every nonzero parameter v, 1 + bit_length(|v|) (sign and magnitude).
    """

    widths: tuple[int, ...]
    neurons: int
    neurons_without_input: int
    threshold_units: int
    relus: int
    relus_without_input: int
    params: int
    nonzero_weights: int
    nonzero_thresholds: int
    relu_params: int
    bits: int
    max_abs_weight: int

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def threshold_to_relus(z: np.ndarray, theta) -> np.ndarray:
    """The exact two-ReLU form of a threshold unit on integer pre-activations.

    [z >= theta] = ReLU(z - theta + 1) - ReLU(z - theta) for every integer z and theta.

    >>> threshold_to_relus(np.array([-1, 0, 1, 2]), 1).tolist()
    [0, 0, 1, 1]
    """
    z = np.asarray(z, dtype=np.int64)
    return np.maximum(z - theta + 1, 0) - np.maximum(z - theta, 0)


@dataclass(frozen=True, eq=False)
class ThresholdNetwork:
    """Input code (m rows over layer 0), layers 1..L, output code (m' rows over layer L)."""

    input_code: SupportCode
    layers: tuple[Layer, ...]
    output_code: SupportCode

    def __post_init__(self) -> None:
        widths = self.widths
        for l, layer in enumerate(self.layers, start=1):
            if layer.shape != (widths[l], widths[l - 1]):
                raise ValueError(f"layer {l} has shape {layer.shape}, expected "
                                 f"({widths[l]}, {widths[l - 1]})")
            if layer.factored and (l != 1 or not layer.code.same_as(self.input_code)):
                raise ValueError(f"layer {l} is factored; only layer 1 may be, through the "
                                 "network's input code")
            if layer.theta.shape != (widths[l],):
                raise ValueError(f"layer {l} has {layer.theta.shape} thresholds, expected "
                                 f"{widths[l]}")
        if self.output_code.width != widths[-1]:
            raise ValueError(f"output code width {self.output_code.width} must equal the last "
                             f"layer's width {widths[-1]}")

    def __repr__(self) -> str:
        """m, m' and the layer widths, never the arrays."""
        return (f"ThresholdNetwork(m={self.m}, m'={self.m_prime}, "
                f"widths={list(self.widths)})")

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.input_code.width,) + tuple(layer.width for layer in self.layers)

    def evaluation_bytes(self) -> int:
        """About the least memory an evaluator of this network allocates, from its sizes alone:
        a few int64 arrays per unit of every layer (layer 0 included: its width is the file's
        ``input_code_width``, whatever the supports use), the codes' transposes (m + m' + 2
        row pointers) and each layer's transpose in its stored type (an int32 index and the
        stored value per weight)."""
        units = sum(self.widths)
        return 8 * (6 * units + 2 * (self.m + self.m_prime)) + sum(
            layer.evaluation_bytes() for layer in self.layers)

    def check_fits_evaluation(self) -> None:
        """InvalidArgument, naming both figures, when :meth:`evaluation_bytes` exceeds the
        memory available (checked once per network, before an evaluator allocates)."""
        if self.__dict__.get("_fits_evaluation"):
            return
        check_fits(f"evaluating a network of widths {list(self.widths)}",
                   self.evaluation_bytes(),
                   "its widths are far beyond what this machine can evaluate; rebuild it "
                   "smaller or use a larger machine")
        self.__dict__["_fits_evaluation"] = True  # a frozen dataclass: its own cache slot

    @property
    def implicit(self) -> bool:
        """Whether a layer is stored as factors (:class:`FactoredLayer`), not as weights."""
        return any(layer.factored for layer in self.layers)

    def materialized(self) -> "ThresholdNetwork":
        """The same network with every factored layer multiplied out into a plain
        :class:`Layer` (the same W_l); itself when none is factored."""
        if not self.implicit:
            return self
        return ThresholdNetwork(self.input_code, tuple(
            layer.materialize() if layer.factored else layer for layer in self.layers),
            self.output_code)

    @property
    def m(self) -> int:
        return self.input_code.n_rows

    @property
    def m_prime(self) -> int:
        return self.output_code.n_rows

    def input_layer(self, active: np.ndarray) -> sp.csr_matrix:
        """a_0 for a batch: B x d_0, 1 where some active feature's support holds the unit:
        the distinct keys b d_0 + p over every active feature i of input b and p in P_i."""
        return _union_of_supports(np.asarray(active), self.input_code)

    def forward(self, active: np.ndarray) -> list[sp.csr_matrix]:
        """[a_0, a_1, ..., a_L] for a batch of padded active-index rows."""
        return self.trace(active)[1]

    def trace(self, active: np.ndarray) -> tuple[list[sp.csr_matrix], list[sp.csr_matrix]]:
        """Pre-activations [z_1, ..., z_L] (z_l = W_l a_{l-1}, B x d_l) and activations
        [a_0, ..., a_L] for a batch of padded active-index rows."""
        self.check_fits_evaluation()
        acts, pre = [self.input_layer(active)], []
        for layer in self.layers:
            pre.append(layer.times(acts[-1]))
            acts.append(_fire(pre[-1], layer.theta))
        return pre, acts

    def decode(self, a_last: sp.csr_matrix) -> sp.csr_matrix:
        """y (B x m', 0/1): y_k = 1 iff every unit of Q_k is 1 in a_L."""
        hits = stored_product(a_last.tocsr(), self.output_code.transposed())
        sizes = self.output_code.sizes()
        hits.data = (hits.data == sizes[hits.indices]).astype(np.int64)
        y = _as_bool(hits)
        empty = np.flatnonzero(sizes == 0)
        if empty.size:
            always = sp.csr_matrix(np.ones((a_last.shape[0], empty.size), dtype=np.int64))
            y = y.maximum(_scatter_columns(always, empty, self.m_prime))
        return y

    def evaluate(self, active: np.ndarray) -> sp.csr_matrix:
        """Decoded outputs y (B x m' CSR of ones) for a batch of inputs."""
        return self.decode(self.forward(active)[-1])

    def counts(self) -> Counts:
        """Exact counts from the stored arrays (see :class:`Counts`), read in chunks so that
        no copy of a layer's weights is made."""
        widths = self.widths
        computing = sum(widths[1:])
        nz_w = nz_t = bits = top = 0
        for layer in self.layers:
            w_nonzero, w_bits, w_max = layer.weight_stats()
            t_nonzero, t_bits, t_max = value_stats(layer.theta)
            nz_w += w_nonzero
            nz_t += t_nonzero
            bits += w_bits + t_bits
            top = max(top, w_max, t_max)
        return Counts(
            widths=tuple(int(w) for w in widths),
            neurons=int(sum(widths)),
            neurons_without_input=int(computing),
            threshold_units=int(computing),
            relus=int(widths[0] + 2 * computing),
            relus_without_input=int(2 * computing),
            params=int(nz_w + nz_t),
            nonzero_weights=int(nz_w),
            nonzero_thresholds=int(nz_t),
            relu_params=self._relu_params(),
            bits=int(bits),
            max_abs_weight=int(top),
        )

    def quantities(self) -> dict[str, int]:
        """Every quantity a count formula may bound (``theory.constructions.FormulaStep``):
        the totals ``neurons``, ``params``, ``bits``, and per layer l ``width[l]`` and, for
        l >= 1, ``weights[l]`` and ``thresholds[l]`` (nonzero entries), exactly."""
        counts = self.counts()
        out = {"neurons": counts.neurons, "params": counts.params, "bits": counts.bits}
        out |= {f"width[{l}]": int(w) for l, w in enumerate(counts.widths)}
        for l, layer in enumerate(self.layers, start=1):
            out[f"weights[{l}]"] = layer.weight_stats()[0]
            out[f"thresholds[{l}]"] = int(np.count_nonzero(layer.theta))
        return out

    def _relu_params(self) -> int:
        """Nonzero parameters of the exact ReLU form.

        Unit j of layer l becomes ReLU(w_j . a - theta_j + 1) and ReLU(w_j . a - theta_j);
        for l >= 2 the input a_{l-1} is itself a difference h+ - h-, which doubles every weight
        once more. Biases 1 - theta_j and -theta_j count where nonzero.
        """
        total = 0
        for l, layer in enumerate(self.layers, start=1):
            nz = layer.weight_stats()[0]
            total += nz * (2 if l == 1 else 4)
            total += int(np.count_nonzero(1 - layer.theta) + np.count_nonzero(layer.theta))
        return total


#: a layer stored narrower than int64 whose int64 copies (W and W^T, 12 bytes per stored
#: weight each) would pass this many bytes is multiplied in its stored type instead
INT64_COPY_LIMIT = 1 << 32
#: contributions (an active unit's stored weights) summed at once by :func:`stored_product`
PRODUCT_BLOCK = 1 << 24


def stored_product(acts: sp.csr_matrix, wt: sp.csr_matrix,
                   block: int | None = None) -> sp.csr_matrix:
    """acts (B x d_{l-1}) times W^T (d_{l-1} x d_l CSR of any integer type), in int64:
    z[b, u] = sum over stored (b, p) of acts[b, p] W^T[p, u]; zero sums are left out, as
    SciPy's product leaves them.

    The terms of whole rows of acts are gathered in blocks of about ``block`` (default
    ``PRODUCT_BLOCK``), keyed (b - b0) d_l + u, and summed per key in one of two ways: where
    the block's key range is at most ``_DENSE_FACTOR`` times its terms and the sum of their
    magnitudes is below 2^53 (so every partial sum is an exact float64), by ``bincount``;
    otherwise by sorting the keys and summing each run in int64."""
    block = PRODUCT_BLOCK if block is None else block
    batch, width = acts.shape[0], wt.shape[1]
    ptr = np.asarray(wt.indptr, dtype=np.int64)
    rows = np.repeat(np.arange(batch, dtype=np.int64), np.diff(acts.indptr))
    cols, vals = acts.indices, acts.data.astype(np.int64)
    lengths = ptr[cols + 1] - ptr[cols]
    done = np.concatenate([[0], np.cumsum(lengths)])[acts.indptr]  # work before each row
    keys, sums = [], []
    r0 = 0
    while r0 < batch:
        r1 = min(max(int(np.searchsorted(done, done[r0] + block, side="right")) - 1, r0 + 1),
                 batch)
        e0, e1 = acts.indptr[r0], acts.indptr[r1]
        owner, pos = expand_ranges(ptr[cols[e0:e1]], ptr[cols[e0:e1] + 1])
        key = (rows[e0:e1] - r0)[owner] * width + wt.indices[pos]
        term = vals[e0:e1][owner] * wt.data[pos].astype(np.int64)
        key, total = _summed(key, term, (r1 - r0) * width)
        keys.append(key + r0 * width)
        sums.append(total)
        r0 = r1
    key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    indptr = np.zeros(batch + 1, dtype=np.int64)
    np.cumsum(np.bincount(key // width, minlength=batch), out=indptr[1:])
    return sp.csr_matrix((np.concatenate(sums) if sums else np.zeros(0, np.int64),
                          key % width, indptr), shape=(batch, width))


_DENSE_FACTOR = 8
_FLOAT_EXACT = float(2 ** 53)


def _summed(key: np.ndarray, term: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys with a nonzero sum, ascending; their sums) of int64 ``term`` by ``key``
    in [0, span), exactly (see :func:`stored_product`)."""
    if key.size and span <= _DENSE_FACTOR * key.size \
            and float(np.abs(term.astype(np.float64)).sum()) < _FLOAT_EXACT:
        dense = np.bincount(key, weights=term, minlength=span)
        kept = np.flatnonzero(dense)
        return kept, dense[kept].astype(np.int64)
    order = np.argsort(key, kind="stable")
    key, term = key[order], term[order]
    heads = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if key.size \
        else np.zeros(0, np.int64)
    total = np.add.reduceat(term, heads) if heads.size else np.zeros(0, np.int64)
    kept = np.flatnonzero(total)
    return key[heads][kept], total[kept]


def _union_of_supports(active: np.ndarray, code: SupportCode) -> sp.csr_matrix:
    """B x width CSR of ones: row b holds every unit of the supports of b's active features
    (PAD entries skipped); a feature outside [0, rows) is refused."""
    rows, cols = np.nonzero(active != PAD)
    feats = active[rows, cols].astype(np.int64)
    if feats.size and (feats.min() < 0 or feats.max() >= code.n_rows):
        bad = int(feats[(feats < 0) | (feats >= code.n_rows)][0])
        raise InvalidArgument(f"active feature {bad} must be in [0, {code.n_rows}) or PAD")
    owner, pos = expand_ranges(code.indptr[feats], code.indptr[feats + 1])
    keys = sorted_unique(rows[owner].astype(np.int64) * code.width + code.indices[pos])
    indptr = np.zeros(len(active) + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // code.width, minlength=len(active)), out=indptr[1:])
    return sp.csr_matrix((np.ones(len(keys), dtype=np.int64), keys % code.width, indptr),
                         shape=(len(active), code.width))


def _as_bool(mat) -> sp.csr_matrix:
    mat = sp.csr_matrix(mat)
    mat.data = (mat.data != 0).astype(np.int64)
    mat.eliminate_zeros()
    return mat


def _fire(z: sp.csr_matrix, theta: np.ndarray) -> sp.csr_matrix:
    """[z >= theta] elementwise, implicit zeros included (units with theta <= 0 fire on 0).

    ``z`` is a CSR x CSR product, which never stores a (row, column) twice.
    """
    fired = z.copy()
    fired.data = (z.data >= theta[z.indices]).astype(np.int64)
    fired.eliminate_zeros()
    nonpositive = np.flatnonzero(theta <= 0)
    if nonpositive.size:
        dense = (z[:, nonpositive].toarray() >= theta[nonpositive]).astype(np.int64)
        fired = fired.maximum(_scatter_columns(sp.csr_matrix(dense), nonpositive, z.shape[1]))
    return fired


def _scatter_columns(block: sp.csr_matrix, columns: np.ndarray, width: int) -> sp.csr_matrix:
    coo = block.tocoo()
    return sp.csr_matrix((coo.data, (coo.row, columns[coo.col])), shape=(block.shape[0], width))


_STATS_CHUNK = 1 << 22
_HISTOGRAM_LIMIT = 1 << 20


def value_stats(values: np.ndarray) -> tuple[int, int, int]:
    """(#{v != 0}, sum over v != 0 of 1 + bit_length(|v|), max |v|) of an integer array,
    exactly, in chunks of ``_STATS_CHUNK`` values. A chunk of values in [0, 2^20) is counted
    by its histogram h: sum_v h[v] (1 + bit_length(v)) over v >= 1."""
    nonzero = bits = top = 0
    for lo in range(0, len(values), _STATS_CHUNK):
        chunk = values[lo:lo + _STATS_CHUNK].astype(np.int64, copy=False)
        if not len(chunk):
            continue
        if chunk.min() >= 0 and chunk.max() < _HISTOGRAM_LIMIT:
            hist = np.bincount(chunk)[1:]
            present = np.flatnonzero(hist)
            nonzero += int(hist.sum())
            bits += int(hist[present] @ (1 + _bit_length(present + 1)))
            top = max(top, len(hist))
            continue
        magnitude = np.abs(chunk).astype(np.uint64)
        magnitude = magnitude[magnitude != 0]
        nonzero += len(magnitude)
        bits += len(magnitude) + int(_bit_length(magnitude).sum())
        top = max(top, int(magnitude.max()) if len(magnitude) else 0)
    return nonzero, bits, top


def _bit_length(values: np.ndarray) -> np.ndarray:
    """bit_length of non-negative integer values (int64 or uint64), exactly.

    frexp gives v = f 2^e with 1/2 <= f < 1, so e = bit_length(v) when the float64 of v is
    exact (v < 2^53); above, rounding can carry v up to 2^bit_length(v), one too many, which
    the check v >> (e - 1) == 0 undoes. 0 has bit_length 0.
    """
    v = np.asarray(values).astype(np.uint64)
    e = np.frexp(v.astype(np.float64))[1].astype(np.int64)
    shift = np.maximum(e - 1, 0).astype(np.uint64)
    return e - ((e > 0) & ((v >> shift) == 0))
