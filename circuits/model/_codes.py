"""Support (Bloom) codes: each row i owns a fixed t-subset of a layer of width d.

A layer *represents* a set of features through a code when feature i is read as 1 iff every
unit of its support S_i is 1 (the AND of its support). Codes are stored as CSR incidence
(``indptr``, ``indices``) with sorted rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model._pages import transpose_pattern_of
from superpose.circuits.validate import available_memory, check_int

__all__ = ["SupportCode", "random_support_code", "random_subsets", "identity_code"]


@dataclass(frozen=True, eq=False)
class SupportCode:
    """Row i is the support of feature i: ``indices[indptr[i]:indptr[i+1]]`` in [0, width).

    ``indices`` is int64 or int32 (a code read from a file, when the width allows): code that
    computes with units converts them to int64 first, or adds them to int64 arrays."""

    indptr: np.ndarray
    indices: np.ndarray
    width: int

    def __repr__(self) -> str:
        """Rows, width and support entries, never the arrays."""
        return (f"SupportCode(rows={self.n_rows}, width={self.width}, "
                f"entries={len(self.indices)})")

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def row(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i]:self.indptr[i + 1]]

    def sizes(self) -> np.ndarray:
        return np.diff(self.indptr)

    def matrix(self) -> sp.csr_matrix:
        """The rows x width 0/1 incidence matrix (int64), built once."""
        return self._matrix

    def matrix_t(self) -> sp.csr_matrix:
        """Its transpose as CSR (row p = the features whose support holds unit p), built once."""
        return self._matrix_t

    def transposed(self) -> sp.csr_matrix:
        """The transpose as CSR of int8 ones with int32 indices where they fit (row p = the
        features whose support holds unit p), built once block by block: 5 bytes an entry
        where :meth:`matrix_t` takes 12 to 16."""
        return self._narrow_t

    @cached_property
    def _narrow_t(self) -> sp.csr_matrix:
        return transpose_pattern_of(self.indptr, self.indices, (self.n_rows, self.width))

    @cached_property
    def _matrix(self) -> sp.csr_matrix:
        data = np.ones(len(self.indices), dtype=np.int64)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n_rows, self.width))

    @cached_property
    def _matrix_t(self) -> sp.csr_matrix:
        return self._matrix.T.tocsr()

    def same_as(self, other: "SupportCode") -> bool:
        return (self.width == other.width and np.array_equal(self.indptr, other.indptr)
                and np.array_equal(self.indices, other.indices))


def random_subsets(n_rows: int, n: int, t: int, rng: np.random.Generator) -> np.ndarray:
    """``n_rows`` independent uniform ``t``-subsets of ``range(n)``, as an (n_rows, t) array.

    Floyd's algorithm, vectorised over rows: for j = n-t .. n-1 draw v uniform in [0, j]; take
    v unless the row already holds it, else take j. Each row is a uniform t-subset (unsorted).
    One ``rng.integers`` call per column; columns are stored contiguously (int32 when n fits)
    so that "the row already holds v" is one pass per earlier column.
    """
    kind = np.int32 if n <= np.iinfo(np.int32).max else np.int64
    chosen = np.empty((t, n_rows), dtype=kind)
    taken = np.empty(n_rows, dtype=bool)
    for col, j in enumerate(range(n - t, n)):
        v = rng.integers(0, j + 1, size=n_rows).astype(kind)
        taken[:] = False
        for earlier in chosen[:col]:
            taken |= earlier == v
        chosen[col] = np.where(taken, j, v)
    return np.ascontiguousarray(chosen.T, dtype=np.int64)


def random_support_code(n_rows: int, width: int, t: int, rng: np.random.Generator) -> SupportCode:
    """Each of ``n_rows`` rows gets an independent uniform ``t``-subset of ``range(width)``."""
    n_rows = check_int("n_rows", n_rows, minimum=0)
    width = check_int("width", width, minimum=1)
    t = check_int("t", t, minimum=1, maximum=width, fix="the code width must hold a support")
    if width > np.iinfo(np.int64).max:  # constants can ask for any width: refuse, not wrap
        raise OverflowError(f"a code of width {width} has unit indices beyond int64")
    have = available_memory()  # (read once: two reads of /proc could disagree)
    if 8 * n_rows * t > have:
        raise MemoryError(f"a code of {n_rows} supports of {t} units needs {8 * n_rows * t} "
                          f"bytes, more than the {have} available")
    chosen = random_subsets(n_rows, width, t, rng)
    chosen.sort(axis=1)
    indptr = np.arange(0, (n_rows + 1) * t, t, dtype=np.int64)
    return SupportCode(indptr, chosen.ravel(), width)


def identity_code(n_rows: int) -> SupportCode:
    """Row i is {i}: one unit per feature, no superposition (the naive baseline's code)."""
    indptr = np.arange(n_rows + 1, dtype=np.int64)
    return SupportCode(indptr, np.arange(n_rows, dtype=np.int64), max(n_rows, 1))
