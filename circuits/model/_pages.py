"""Memory-mapped arrays: giving back the pages a pass has read, and a transpose that does.

An array that is a view of a read-only file mapping (``circuits.io`` maps the large members of a
circuit file) keeps every page it has read resident, counted in the process's memory, until
the kernel reclaims it. :func:`release_pages` gives those pages back at once: the bytes stay in
the file (and usually in the page cache), and the next read maps them again. It does nothing to
an array that is not such a view.
"""

from __future__ import annotations

import mmap

import numpy as np
import scipy.sparse as sp

__all__ = ["release_pages", "transpose_pattern_of", "transpose_stored"]


def release_pages(array: np.ndarray) -> None:
    """Give back the resident pages under ``array`` when it is a view of an ``mmap`` (found
    through its ``base`` chain); do nothing otherwise."""
    base = array
    while base is not None and not isinstance(base, mmap.mmap):
        base = base.obj if isinstance(base, memoryview) else getattr(base, "base", None)
    if base is None or not array.nbytes or not hasattr(base, "madvise"):
        return
    start = np.frombuffer(base, dtype=np.uint8, count=1).ctypes.data
    lo = array.ctypes.data - start
    hi = lo + array.nbytes
    lo -= lo % mmap.PAGESIZE
    base.madvise(mmap.MADV_DONTNEED, lo, hi - lo)


#: stored entries per block of rows a transpose handles at once (about 30 bytes each in flight)
TRANSPOSE_BLOCK = 1 << 24
#: a matrix of at most this many stored entries is transposed by one SciPy CSR to CSC (no
#: temporaries beyond W^T itself, about 4x faster than the blocks; its whole input is read
#: at once: under 1 GiB of pages at 16 bytes an entry)
WHOLE_TRANSPOSE = 1 << 26


def transpose_stored(w: sp.csr_matrix, block: int = TRANSPOSE_BLOCK,
                     whole: int = WHOLE_TRANSPOSE) -> sp.csr_matrix:
    """W^T as CSR (d_0 x d), with W's own value type and int32 indices where they fit: what
    ``w.T.tocsr()`` gives, built from blocks of rows of about ``block`` stored entries, so the
    temporaries stay small and, when W is a view of a file mapping, each block's pages are
    given back once read (:func:`release_pages`).

    Counting sort: the column counts give W^T's row pointers; block by block, SciPy's CSR to
    CSC of the block (sorted within each column) is appended to each column's run. A matrix
    of at most ``whole`` entries is one SciPy CSR to CSC instead.

    >>> w = sp.csr_matrix(np.array([[0, 2, -1], [3, 0, 4]], dtype=np.int8))
    >>> transpose_stored(w, block=1, whole=0).toarray().tolist()
    [[0, 3], [2, 0], [-1, 4]]
    """
    return transpose_pattern_of(w.indptr, w.indices, w.shape, w.data, w.dtype, block, whole)


def transpose_pattern_of(indptr: np.ndarray, indices: np.ndarray, shape: tuple[int, int],
                         data: np.ndarray | None = None, dtype=np.int8,
                         block: int = TRANSPOSE_BLOCK,
                         whole: int = WHOLE_TRANSPOSE) -> sp.csr_matrix:
    """:func:`transpose_stored` of the CSR ``(data, indices, indptr)`` of ``shape``, from its
    arrays as they are (the blocks make no SciPy matrix of the whole, so no whole-array index
    conversion; a matrix transposed at once may have its indices converted, at most
    ``whole`` of them); ``data`` None means every value is 1 (of ``dtype``), as in a
    support code's incidence.

    >>> transpose_pattern_of(np.array([0, 2, 3]), np.array([1, 2, 1]), (2, 3)).toarray()
    array([[0, 0],
           [1, 1],
           [1, 0]], dtype=int8)
    """
    d, d0 = (int(x) for x in shape)
    ptr = np.asarray(indptr, dtype=np.int64)
    nnz = int(ptr[-1])
    value_type = np.dtype(dtype) if data is None else data.dtype
    index = np.int32 if max(d, nnz) < 2 ** 31 else np.int64
    if nnz <= whole:
        values = np.ones(nnz, dtype=value_type) if data is None else data[:nnz]
        at_once = sp.csr_matrix((values, indices[:nnz], ptr.astype(index)),
                                shape=(d, d0)).tocsc()
        release_pages(indices[:nnz])
        if data is not None:
            release_pages(data[:nnz])
        return sp.csr_matrix((at_once.data, at_once.indices.astype(index, copy=False),
                              at_once.indptr.astype(index, copy=False)), shape=(d0, d))
    blocks, a = [], 0
    while a < d:
        b = int(np.searchsorted(ptr, ptr[a] + block, side="right")) - 1
        b = min(max(b, a + 1), d)
        blocks.append((a, b))
        a = b
    counts = np.zeros(d0, dtype=np.int64)
    for a, b in blocks:
        part = indices[ptr[a]:ptr[b]]
        counts += np.bincount(part, minlength=d0)
        release_pages(part)
    out_ptr = np.zeros(d0 + 1, dtype=np.int64)
    np.cumsum(counts, out=out_ptr[1:])
    out_idx = np.empty(nnz, dtype=index)
    out_val = np.ones(nnz, dtype=value_type) if data is None \
        else np.empty(nnz, dtype=value_type)
    free = out_ptr[:-1].copy()  # where each column's next entry goes
    for a, b in blocks:
        lo, hi = ptr[a], ptr[b]
        values = np.ones(hi - lo, dtype=value_type) if data is None else data[lo:hi]
        part = sp.csr_matrix((values, indices[lo:hi], ptr[a:b + 1] - lo),
                             shape=(b - a, d0)).tocsc()
        lengths = np.diff(part.indptr)
        pos = np.repeat(free - part.indptr[:-1], lengths) + np.arange(part.nnz)
        out_idx[pos] = part.indices + a
        if data is not None:
            out_val[pos] = part.data
        free += lengths
        release_pages(indices[lo:hi])
        if data is not None:
            release_pages(data[lo:hi])
    return sp.csr_matrix((out_val, out_idx, out_ptr.astype(index)), shape=(d0, d))
