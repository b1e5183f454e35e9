"""Sparse building blocks for the constructions: vectorised, exact, and lean in memory.

Every construction's weight matrix is a sum of support indicators. Write ``S_f`` for the
support of item f (a row of a support list, ``sup_indices[sup_indptr[f]:sup_indptr[f+1]]``)
and let A be an integer matrix with rows i and columns f (CSR: ``indptr``, ``features``,
``weights``). Then

    W[i, u] = sum_{f} A[i, f] [u in S_f]        (W = A @ S, S the 0/1 incidence of the list)

is what :func:`support_sum` returns, as a canonical CSR matrix (sorted column indices, one
entry per nonzero, int64 values). It never materialises the triples (i, f, u) of all rows at
once: rows are taken in blocks of at most ``chunk`` triples, each block's keys
``(i - i0) * width + u`` are sorted and run-length counted (unit weights) or summed (other
weights), and the result is written into preallocated output arrays. That is the same matrix
as building the COO triples and calling ``sum_duplicates``, without its memory.

:func:`sorted_unique` is ``np.unique`` by sorting (NumPy's hash-based unique is slow on large
int64 arrays); :func:`transpose_pattern` transposes a sparsity pattern in O(nnz) (SciPy's
CSR to CSC conversion); :func:`pattern_from_keys` turns sorted distinct keys ``i * n_cols + j``
into a CSR pattern without sorting again.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from superpose.theory.errors import InvalidArgument

__all__ = ["CHUNK", "dense_ranks", "expand_ranges", "holding_type", "pattern_from_keys",
           "run_lengths", "ScratchFlags", "search_sorted_ranges", "sorted_unique",
           "support_sum", "SupportSum", "transpose_pattern", "unique_inverse"]

#: Triples (row, item, unit) per block of :func:`support_sum`: 4 MiB of int32 keys. Blocks this
#: small reuse freed memory instead of faulting in fresh pages (measured faster than 2^24).
CHUNK = 1 << 20
_INT32_MAX = np.iinfo(np.int32).max


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """The distinct values of a 1-d integer array in ascending order (``np.unique(keys)``).

    >>> sorted_unique(np.array([5, 1, 5, 3, 1])).tolist()
    [1, 3, 5]
    """
    keys = np.sort(np.asarray(keys).ravel())
    if keys.size < 2:
        return keys
    fresh = np.empty(keys.size, dtype=bool)
    fresh[0] = True
    np.not_equal(keys[1:], keys[:-1], out=fresh[1:])
    return keys[fresh]


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


#: :func:`search_sorted_ranges` ranks the named ranges (an O(n) pass) only when n is at most
#: this many times the probes (a bisection costs a few passes over them per halving)
GROUPED_RANKS = 16
#: :func:`_search_read_whole` looks keys up in a table over every key where the table has at
#: most this many times the probes and values, else by ``np.searchsorted``
READ_TABLE = 2


def search_sorted_ranges(values, lo, hi, probes, xp=np, groups=None):
    """(found, at) per i: whether ``probes[i]`` lies in ``values[lo[i]:hi[i]]`` (each range
    sorted ascending), and where found, at which position (elsewhere ``at`` is some position
    of the array). One bisection of every range in step, as many halvings as the longest
    range needs; ``xp`` is the array module (NumPy, CuPy).

    ``groups = (ids, n)``, NumPy only: ``ids[i]`` in [0, n) names probe i's range (probes
    with one id share one range). Then a range asked at least as often as its length over
    the halvings it needs is read whole instead (:func:`_search_read_whole`): one pass over
    its values and one look-up per probe. Same answers either way. The ranges are ranked
    densely (O(n)), so only where n is at most ``GROUPED_RANKS`` times the probes: a few
    probes among many possible ranges are bisected.

    >>> found, at = search_sorted_ranges(np.array([1, 4, 9, 2, 3]), np.array([0, 3]),
    ...                                  np.array([3, 5]), np.array([4, 5]))
    >>> found.tolist(), at[found].tolist()
    ([True, False], [1])
    """
    lo, hi = lo.astype(xp.int64), hi.astype(xp.int64)
    if not lo.size or not values.size:
        return xp.zeros(lo.size, dtype=bool), xp.zeros(lo.size, dtype=xp.int64)
    if groups is None or xp is not np or groups[1] > GROUPED_RANKS * lo.size:
        return _bisect_ranges(values, lo, hi, probes, xp)
    distinct, slot = unique_inverse(groups[0], groups[1])
    starts = np.zeros(distinct.size, np.int64)
    ends = np.zeros(distinct.size, np.int64)
    starts[slot], ends[slot] = lo, hi
    length = ends - starts
    halvings = np.frexp(length.astype(np.float64))[1]  # bit_length, exact below 2^53
    whole = np.bincount(slot, minlength=distinct.size) * halvings >= length
    if not whole.any():
        return _bisect_ranges(values, lo, hi, probes, np)
    if whole.all():
        return _search_read_whole(values, starts, ends, slot, probes)
    found = np.zeros(lo.size, bool)
    at = np.zeros(lo.size, np.int64)
    mine = whole[slot]
    rest = np.flatnonzero(~mine)
    mine = np.flatnonzero(mine)
    kept = np.cumsum(whole) - 1
    found[mine], at[mine] = _search_read_whole(values, starts[whole], ends[whole],
                                               kept[slot[mine]], probes[mine])
    found[rest], at[rest] = _bisect_ranges(values, lo[rest], hi[rest], probes[rest], np)
    return found, at


def _bisect_ranges(values, lo, hi, probes, xp):
    """:func:`search_sorted_ranges` by bisection, every range in step: ``base``, the last
    position known to hold a value below the probe (lo - 1 while there is none), moves up by
    2^k for k from the longest range's bit length down to 0 wherever that stays in the range
    and still lands below the probe; the probe's place is then base + 1 (a step costs one
    gather and a few passes, about half of a bisection that moves both ends)."""
    last = values.size - 1
    base = lo - 1
    for k in reversed(range(int((hi - lo).max(initial=0)).bit_length())):
        ahead = base + (1 << k)
        move = ahead < hi
        move &= values[xp.minimum(ahead, last)] < probes
        base = xp.where(move, ahead, base)
    base += 1
    at = xp.minimum(base, last)
    return (base < hi) & (values[at] == probes), at


def _search_read_whole(values, starts, ends, slot, probes):
    """:func:`search_sorted_ranges` of probe i in range ``slot[i]`` (``values[starts[r]:
    ends[r]]``, ascending) by reading the ranges whole: a key (range, value) per value, and
    per probe its key's position in a table over every key (when the table is at most twice
    the probes and values) or by ``np.searchsorted`` in the sorted keys."""
    owner, pos = expand_ranges(starts, ends)
    if not pos.size:
        return np.zeros(slot.size, bool), np.zeros(slot.size, np.int64)
    width = int(max(values[pos].max(), probes.max())) + 1
    if starts.size * width >= 2 ** 62:  # keys would overflow int64
        return _bisect_ranges(values, starts[slot], ends[slot], probes, np)
    keys = owner * width + values[pos]
    wanted = slot * width + probes
    if starts.size * width <= READ_TABLE * (slot.size + pos.size):
        table = np.full(starts.size * width, -1, np.int64)
        table[keys] = pos
        at = table[np.where(probes >= 0, wanted, 0)]
        found = (at >= 0) & (probes >= 0)
        return found, np.maximum(at, 0)
    place = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    found = (keys[place] == wanted) & (probes >= 0)
    return found, pos[place]


def dense_ranks(values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct, rank): the distinct ``values`` (integers in [0, n)) ascending, and an
    n-array giving each of them its place among them (-1 for the others), in O(n + values)
    without a sort.

    >>> [a.tolist() for a in dense_ranks(np.array([4, 1, 4]), 6)]
    [[1, 4], [-1, 0, -1, -1, 1, -1]]
    """
    marked = np.zeros(n, bool)
    marked[values] = True
    rank = np.cumsum(marked) - 1
    rank[~marked] = -1
    return np.flatnonzero(marked), rank


#: the largest key space :func:`unique_inverse` ranks densely (an int64 and a bool per key)
DENSE_KEYS = 1 << 22


def unique_inverse(keys: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for integer keys in [0, ``space``): by
    :func:`dense_ranks` (O(space + keys), no sort) where ``space`` is at most
    ``DENSE_KEYS``, else by NumPy's sort. The inverse is flat.

    >>> [a.tolist() for a in unique_inverse(np.array([7, 2, 7]), 10)]
    [[2, 7], [1, 0, 1]]
    """
    keys = np.asarray(keys, np.int64).ravel()
    if space > DENSE_KEYS:
        distinct, inverse = np.unique(keys, return_inverse=True)
        return distinct, inverse.ravel()
    distinct, rank = dense_ranks(keys, int(space))
    return distinct, rank[keys]


class ScratchFlags:
    """A boolean array kept between membership tests and all False between them:
    :meth:`hits` sets the keys, reads the queries and clears the keys again, so each test costs
    O(keys + queries) and the array is allocated once, at the largest ``space`` asked.

    >>> flags = ScratchFlags()
    >>> flags.hits(np.array([1, 4]), np.array([4, 0, 1]), 5).tolist()
    [True, False, True]
    """

    def __init__(self):
        self._flags = np.zeros(0, bool)

    def hits(self, keys: np.ndarray, query: np.ndarray, space: int) -> np.ndarray:
        """query[i] in ``keys``, every key and query in [0, space)."""
        if self._flags.size < space:
            self._flags = np.zeros(space, bool)
        self._flags[keys] = True
        hit = self._flags[query]
        self._flags[keys] = False
        return hit


def pattern_from_keys(keys: np.ndarray, n_rows: int, n_cols: int):
    """``(indptr, indices)`` of the CSR pattern holding entry (k // n_cols, k % n_cols) for
    each key k of ``keys`` (sorted, distinct, in [0, n_rows * n_cols)).

    >>> indptr, indices = pattern_from_keys(np.array([1, 3, 4]), 3, 2)
    >>> indptr.tolist(), indices.tolist()
    ([0, 1, 2, 3], [1, 1, 0])
    """
    keys = np.asarray(keys, dtype=np.int64)
    rows = keys // n_cols
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return indptr, keys - rows * n_cols


def transpose_pattern(indptr: np.ndarray, indices: np.ndarray, n_cols: int):
    """``(indptr_t, indices_t)``: row j of the transpose lists, ascending, every row i whose
    pattern (``indices[indptr[i]:indptr[i+1]]``) holds j; a pattern entry repeated in a row is
    listed as often as it occurs.

    >>> indptr_t, rows = transpose_pattern(np.array([0, 2, 3]), np.array([1, 2, 1]), 3)
    >>> indptr_t.tolist(), rows.tolist()
    ([0, 0, 2, 3], [0, 1, 0])
    """
    n_rows = len(indptr) - 1
    pattern = sp.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr),
                            shape=(n_rows, n_cols))
    csc = pattern.tocsc()
    return csc.indptr.astype(np.int64), csc.indices.astype(np.int64)


def support_sum(indptr: np.ndarray, features: np.ndarray, sup_indptr: np.ndarray,
                sup_indices: np.ndarray, width: int, weights: np.ndarray | None = None,
                chunk: int = CHUNK) -> sp.csr_matrix:
    """W = A @ S as canonical int64 CSR of shape (rows, width): W[i, u] = sum of w_e over the
    entries e of row i (item ``features[e]``, weight ``weights[e]``, 1 when None) whose
    support holds u.

    ``indptr`` and ``features`` give A's rows (an item may repeat within a row: its weights
    add); ``sup_indptr``/``sup_indices`` give the supports (units in [0, width), distinct
    within a support). Weights must be integers >= 1, so every stored entry is nonzero.

    >>> w = support_sum(np.array([0, 2, 3]), np.array([0, 1, 1]), np.array([0, 2, 3]),
    ...                 np.array([0, 2, 2]), 4, weights=np.array([1, 1, 5]))
    >>> w.toarray().tolist()
    [[1, 0, 2, 0], [0, 0, 5, 0]]
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    features = np.asarray(features, dtype=np.int64)
    sup_indptr = np.asarray(sup_indptr, dtype=np.int64)
    n_rows, width = len(indptr) - 1, int(width)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.int64)
        if weights.size and weights.min() < 1:
            raise InvalidArgument(f"weights.min()={int(weights.min())} must be >= 1; "
                                  "support_sum stores only positive sums")
    blocks = SupportSum(indptr, features, sup_indptr, sup_indices, width, weights, chunk)
    total = blocks.triples
    index_type = np.int32 if max(total, width) <= _INT32_MAX else np.int64
    out_indptr = np.zeros(n_rows + 1, dtype=np.int64)
    out_indices = np.empty(total, dtype=index_type)
    out_data = np.empty(total, dtype=np.int64)
    filled = 0
    for r0, r1, row_ends, columns, values in blocks:
        n = len(columns)
        out_indices[filled:filled + n] = columns
        out_data[filled:filled + n] = values
        out_indptr[r0 + 1:r1 + 1] = filled + row_ends[1:]
        filled += n
    out_indices.resize(filled, refcheck=False)
    out_data.resize(filled, refcheck=False)
    if max(filled, width) <= _INT32_MAX:  # int32 holds the indices only if it holds width
        out_indptr = out_indptr.astype(np.int32)
        out_indices = out_indices.astype(np.int32, copy=False)
    mat = sp.csr_matrix((out_data, out_indices, out_indptr), shape=(n_rows, width))
    mat.has_canonical_format = True
    return mat


class SupportSum:
    """The rows of W = A @ S (:func:`support_sum`) block by block, never all at once:
    iterating yields ``(r0, r1, row_ends, columns, values)`` for rows r0..r1-1 in order, with
    row r0 + i's entries at ``columns[row_ends[i]:row_ends[i+1]]`` (ascending, distinct) and
    their sums in ``values`` (int64, >= 1). ``triples`` is the number of (row, item, unit)
    triples, an upper bound on the entries. Arguments are :func:`support_sum`'s, unchecked."""

    def __init__(self, indptr, features, sup_indptr, sup_indices, width, weights=None,
                 chunk: int = CHUNK):
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.features = np.asarray(features)  # any integer type: it only indexes
        self.sup_indptr = np.asarray(sup_indptr, dtype=np.int64)
        self.width, self.chunk = int(width), chunk
        if (len(self.indptr) - 1) * self.width > np.iinfo(np.int64).max:
            # the keys row * width + u would wrap
            raise OverflowError(f"a matrix of {len(self.indptr) - 1} rows and {self.width} "
                                "columns has entry keys beyond int64")
        self.key_type = np.int32 if self.width <= _INT32_MAX else np.int64
        self.sup = np.asarray(sup_indices).astype(self.key_type, copy=False)
        sizes = np.diff(self.sup_indptr)
        # weights in any integer type (each block's are converted to int64 as it is summed)
        self.weights = weights if weights is None or not np.all(weights == 1) else None
        self.t = int(sizes[0]) if sizes.size and np.all(sizes == sizes[0]) else None
        if self.t is not None:
            self.row_triples = self.indptr * self.t
            self.sup = self.sup.reshape(len(sizes), self.t)
        else:
            ends = np.zeros(len(self.features) + 1, dtype=np.int64)
            np.cumsum(sizes[self.features], out=ends[1:])
            self.row_triples = ends[self.indptr]
        self.triples = int(self.row_triples[-1])

    def _pieces(self):
        """(r0, r1, local row of each entry, the entries' items, their weights or None) per
        block of about ``chunk`` triples (and of at most 2^31 keys when keys are int32)."""
        n_rows, width, key_type = len(self.indptr) - 1, self.width, self.key_type
        rows_per_block = max(1, _INT32_MAX // max(width, 1)) if key_type is np.int32 \
            else n_rows
        cuts = np.searchsorted(self.row_triples, np.arange(self.chunk, self.triples,
                                                           self.chunk), side="right") - 1
        bounds = np.unique(np.concatenate([[0, n_rows], cuts.clip(0, n_rows),
                                           np.arange(0, n_rows, max(rows_per_block, 1))]))
        for r0, r1 in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            e0, e1 = int(self.indptr[r0]), int(self.indptr[r1])
            local = np.repeat(np.arange(r1 - r0, dtype=key_type),
                              np.diff(self.indptr[r0:r1 + 1]))
            yield r0, r1, local, self.features[e0:e1], \
                None if self.weights is None else self.weights[e0:e1].astype(np.int64)

    def __iter__(self):
        width, key_type = self.width, self.key_type
        for r0, r1, local, feats, w in self._pieces():
            keys, values = _block_sums(local, feats, w, self.sup, self.sup_indptr, self.t,
                                       width, key_type)
            row_keys = np.arange(r1 - r0 + 1, dtype=key_type) * key_type(width)
            row_ends = np.searchsorted(keys, row_keys)
            keys -= np.repeat(row_keys[:-1], np.diff(row_ends))
            yield r0, r1, row_ends, keys, values

    def sums(self):
        """Every block's sums, in no order and with zeros among them (what counting needs:
        :func:`value_stats` skips zeros): a block of unit weights whose key range is small
        (``_DENSE_SPAN``) is its ``bincount`` over the range, unsorted and unfiltered."""
        for _, _, local, feats, w in self._pieces():
            if w is None and len(local):
                span = (int(local[-1]) + 1) * self.width
                keys, _ = _block_keys(local, feats, self.sup, self.sup_indptr, self.t,
                                      self.width, self.key_type)
                if span <= _DENSE_SPAN * keys.size:
                    yield np.bincount(keys, minlength=span)
                else:  # the keys are made: sort them here rather than make them again
                    keys.sort()
                    yield run_lengths(keys)[1]
                continue
            yield _block_sums(local, feats, w, self.sup, self.sup_indptr, self.t, self.width,
                              self.key_type)[1]


def _block_keys(local, feats, sup, sup_indptr, t, width, key_type, with_entry=False):
    """Keys (row - r0) * width + u of every triple of a block, in no particular order, and
    (``with_entry``) each key's entry, its position in ``feats``.

    Fixed support size t: one (entries x t) gather. Otherwise one such gather per distinct
    support size in the block (a support list has few sizes: 1 and r in the re-coding)."""
    row_keys = local * key_type(width)
    if t is not None:
        keys = (row_keys[:, None] + sup[feats]).ravel()
        return keys, (np.repeat(np.arange(len(feats)), t) if with_entry else None)
    starts = sup_indptr[feats]
    lens = sup_indptr[feats + 1] - starts
    parts, entries = [], []
    for size in np.unique(lens).tolist():
        pick = np.flatnonzero(lens == size)
        where = starts[pick][:, None] + np.arange(size)
        parts.append((row_keys[pick][:, None] + sup[where]).ravel())
        if with_entry:
            entries.append(np.repeat(pick, size))
    keys = np.concatenate(parts) if parts else np.zeros(0, dtype=key_type)
    if not with_entry:
        return keys, None
    return keys, (np.concatenate(entries) if entries else np.zeros(0, dtype=np.int64))


def _block_sums(local, feats, w, sup, sup_indptr, t, width, key_type):
    """Sorted distinct keys of one block and the summed weight of each.

    Every triple is first counted once: by ``bincount`` over the block's key range when that
    range is at most ``_DENSE_SPAN`` times the triples (the nonzero counts, in key order),
    else by sorting and run lengths; a triple of weight w != 1 then adds w - 1 at its key."""
    keys, _ = _block_keys(local, feats, sup, sup_indptr, t, width, key_type)
    span = (int(local[-1]) + 1) * width if len(local) else 0
    if keys.size and span <= _DENSE_SPAN * keys.size:
        counts = np.bincount(keys, minlength=span)
        keys = np.flatnonzero(counts).astype(key_type)
        values = counts[keys]
    else:
        keys.sort()
        keys, values = run_lengths(keys)
    if w is None or np.all(w == 1):
        return keys, values
    other = np.flatnonzero(w != 1)
    wkeys, entry = _block_keys(local[other], feats[other], sup, sup_indptr, t, width, key_type,
                               with_entry=True)
    np.add.at(values, np.searchsorted(keys, wkeys), w[other][entry] - 1)
    return keys, values


#: a block's triples are counted by bincount when its key range is at most this many times
#: their number (the range's counts, 8 bytes each, then stay within 8 times the keys' int64s)
_DENSE_SPAN = 8


def run_lengths(keys: np.ndarray):
    """(distinct keys, multiplicity) of a sorted array.

    >>> [a.tolist() for a in run_lengths(np.array([2, 2, 5, 7, 7, 7]))]
    [[2, 5, 7], [2, 1, 3]]
    """
    n = len(keys)
    fresh = np.empty(n, dtype=bool)
    if n:
        fresh[0] = True
        np.not_equal(keys[1:], keys[:-1], out=fresh[1:])
    starts = np.flatnonzero(fresh)
    counts = np.empty(len(starts), dtype=np.int64)
    if n:
        np.subtract(starts[1:], starts[:-1], out=counts[:-1])
        counts[-1] = n - starts[-1]
    return keys[starts], counts


def holding_type(top: int) -> np.dtype:
    """The narrowest of int8, int16, int32, int64 that holds every integer in [-top, top]
    (``np.min_scalar_type(-top)`` is one short: int8 for 128, which int8 cannot hold).

    >>> holding_type(127), holding_type(128), holding_type(2 ** 31)
    (dtype('int8'), dtype('int16'), dtype('int64'))
    """
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        if top <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    raise InvalidArgument(f"top={top!r} must be at most {np.iinfo(np.int64).max} to fit int64")
