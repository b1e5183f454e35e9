"""W[u, p] for many pairs from a bitmap of W's pattern with rank counts: two reads a pair.

Cut each row u of a d x d_0 CSR matrix W (sorted column indices, no stored zeros) into words
of 32 columns, word (u, j) covering columns 32 j .. 32 j + 31. Each word is two uint32,
side by side (one 8-byte read):

    bits:  bit c set  <=>  (u, 32 j + c) is stored,
    first: the CSR position of the first stored entry at or after column 32 j of row u
           (the number of stored entries before it in row-major order).

The entry (u, p), p = 32 j + c, is stored iff bit c of word (u, j) is set, and then its CSR
position is ``first`` plus the number of set bits below c (a popcount), so

    W[u, p] = data[first + popcount(bits & (2^c - 1))]  if bit c is set, else 0.

A pair costs one read of its word and one of ``data``, where a binary search over the nnz
sorted keys of W costs about log2(nnz) reads, most of them cache misses at nnz ~ 10^7. The
bitmap takes 8 d ceil(d_0 / 32) bytes (2 bits a cell), so it pays where W holds more than
about 1 in 16 of its cells; :class:`superpose.circuits.engine._events.WeightLookup` decides.
Positions must fit 32 bits (nnz < 2^32). Needs NumPy's ``bitwise_count`` (NumPy >= 2).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["RankBitmap", "bitmap_bytes", "bitmap_supported"]

_WORD = 32
#: bit c alone, and the bits below c, for c = 0..31
_BIT = np.left_shift(np.uint32(1), np.arange(_WORD, dtype=np.uint32))
_BELOW = _BIT - np.uint32(1)
#: entries of W, and pairs looked up, handled at once (so the temporaries stay in cache)
_BUILD_CHUNK = 1 << 22
_LOOKUP_CHUNK = 1 << 16


def bitmap_bytes(shape: tuple[int, int]) -> int:
    """The bytes of the bitmap of a d x d_0 matrix: two uint32 per 32 columns of a row."""
    d, d0 = shape
    return 8 * int(d) * (-(-int(d0) // _WORD))


def bitmap_supported(xp, nnz: int) -> bool:
    """Whether a bitmap can serve this backend and this many stored weights."""
    return xp is np and hasattr(np, "bitwise_count") and nnz < 2 ** 32


class RankBitmap:
    """The pattern of ``w`` (canonical CSR) as rank-counted words; ``values`` are its stored
    weights in CSR order (any integer type).

    >>> w = sp.csr_matrix(np.array([[0, 7, 0, 5], [3, 0, 0, 0]]))
    >>> RankBitmap(w, w.data)(np.array([0, 0, 1, 1]), np.array([1, 3, 0, 3])).tolist()
    [7, 5, 3, 0]
    """

    def __init__(self, w: sp.csr_matrix, values: np.ndarray):
        d, d0 = w.shape
        self.words_per_row = -(-int(d0) // _WORD)
        # the values with a 0 after the last, read by a pair that is not stored
        self.values = np.append(np.asarray(values), np.zeros(1, np.asarray(values).dtype))
        self.words = np.zeros(2 * d * self.words_per_row, np.uint32)  # (bits, first) pairs
        ptr = w.indptr.astype(np.int64)
        lo = 0
        while lo < d:  # rows lo..hi with about _BUILD_CHUNK entries (a row is never split)
            hi = max(lo + 1, int(np.searchsorted(ptr, ptr[lo] + _BUILD_CHUNK, "right")) - 1)
            hi = min(hi, d)
            self._fill(ptr, w.indices, lo, hi)
            lo = hi

    def _fill(self, ptr: np.ndarray, indices: np.ndarray, lo: int, hi: int) -> None:
        """Set the words of rows lo..hi: the entries of a word are a run of the CSR arrays
        (sorted indices), so its bits are their OR and ``first`` the run's first position."""
        e_lo, e_hi = int(ptr[lo]), int(ptr[hi])
        if e_hi == e_lo:
            return
        column = indices[e_lo:e_hi].astype(np.int64)
        rows = np.repeat(np.arange(lo, hi, dtype=np.int64), np.diff(ptr[lo:hi + 1]))
        word = rows * self.words_per_row + (column >> 5)
        first = np.flatnonzero(np.r_[True, word[1:] != word[:-1]])
        self.words[2 * word[first]] = np.bitwise_or.reduceat(_BIT[column & (_WORD - 1)], first)
        self.words[2 * word[first] + 1] = first + e_lo

    @property
    def nbytes(self) -> int:
        """The bytes of the words (the values, W's data in its narrowest type with a 0
        appended, are not counted)."""
        return int(self.words.nbytes)

    def __call__(self, units: np.ndarray, p: np.ndarray) -> np.ndarray:
        """The int64 weights W[units[i], p[i]]."""
        units = np.asarray(units, np.int64)
        p = np.asarray(p, np.int64)
        out = np.zeros(units.size, np.int64)
        missing = self.values.size - 1  # the 0 after the last value
        for a in range(0, units.size, _LOOKUP_CHUNK):
            u, q = units[a:a + _LOOKUP_CHUNK], p[a:a + _LOOKUP_CHUNK]
            at = 2 * (u * self.words_per_row + (q >> 5))
            bits, first = self.words[at], self.words[at + 1]
            c = q & (_WORD - 1)
            stored = (bits & _BIT[c]) != 0
            rank = first.astype(np.int64) + np.bitwise_count(bits & _BELOW[c])
            out[a:a + _LOOKUP_CHUNK] = self.values[np.where(stored, rank, missing)]
        return out
