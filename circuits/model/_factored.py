"""A first layer kept as its factors, W_1 = A S_P: the layer of an implicit circuit.

The first layer of a support construction is a sum of input supports,

    W_1[u, p] = sum_f A[u, f] [p in P_f],

with A (d_1 x m) a matrix of integers >= 1 and P the network's input code. A
:class:`FactoredLayer` stores A and reads P from the input code, so W_1, about t times as many
entries as A (t = |P_f|), is never stored. On an input whose active input units are U
(a_0 = 1_U, a set),

    z_1[u] = sum_p W_1[u, p] a_0[p] = sum_f A[u, f] c_f,   c_f = |P_f ∩ U|,

two sparse products, each exact in a narrow integer type (:meth:`FactoredLayer.times`). Every
count is W_1's, computed row block by row block (:class:`SupportSum`) without holding W_1, and
:meth:`FactoredLayer.materialize` gives the plain :class:`Layer` of the same W_1.

>>> from superpose.circuits.model import SupportCode
>>> code = SupportCode(np.array([0, 2, 4]), np.array([0, 1, 1, 2]), 3)
>>> layer = FactoredLayer(sp.csr_matrix(np.array([[1, 1], [0, 2]])), code, [2, 2])
>>> layer.materialize().weights.toarray().tolist()
[[1, 2, 1], [0, 2, 2]]
>>> layer.weight_stats()  # 5 nonzero weights, 2 + 3 + 2 + 3 + 3 bits, the largest is 2
(5, 13, 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model._codes import SupportCode
from superpose.circuits.model._network import KEPT_TYPES, Layer, value_stats
from superpose.circuits.model._pages import transpose_pattern_of, transpose_stored
from superpose.circuits.model._sparse import SupportSum, holding_type, support_sum

__all__ = ["FactoredLayer"]


@dataclass(frozen=True, eq=False)
class FactoredLayer:
    """Layer 1 as ``left`` (A, d_1 x m, integers >= 1, canonical CSR in its stored type) times
    the incidence of ``code`` (the network's input code P), with thresholds ``theta``."""

    left: sp.csr_matrix
    code: SupportCode
    theta: np.ndarray

    factored = True

    def __post_init__(self) -> None:
        a = self.left
        if not (sp.issparse(a) and a.format == "csr" and a.dtype in KEPT_TYPES
                and a.has_canonical_format):
            a = sp.csr_matrix(a, dtype=np.int64, copy=True)
            a.sum_duplicates()
        object.__setattr__(self, "left", a)
        object.__setattr__(self, "theta", np.asarray(self.theta, dtype=np.int64))
        if a.shape[1] != self.code.n_rows:
            raise ValueError(f"the factor has {a.shape[1]} columns but the code has "
                             f"{self.code.n_rows} rows")
        if a.nnz and int(a.data.min()) < 1:
            raise ValueError(f"a factor weight of {int(a.data.min())} must be >= 1: W_1 = A S_P "
                             "is stored as factors only for positive sums of supports")

    def __repr__(self) -> str:
        """Shape and stored factor entries, never the arrays."""
        return f"FactoredLayer({self.width}x{self.code.width}, factor_entries={self.left.nnz})"

    @property
    def width(self) -> int:
        return self.left.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.left.shape[0], self.code.width)

    def _products(self) -> SupportSum:
        a = self.left
        return SupportSum(a.indptr, a.indices, self.code.indptr, self.code.indices,
                          self.code.width, a.data)

    def weight_stats(self) -> tuple[int, int, int]:
        """W_1's (nonzero weights, their bits, the largest weight), exactly, from its rows'
        blocks (:meth:`SupportSum.sums`)."""
        return self._stats

    @cached_property
    def _stats(self) -> tuple[int, int, int]:
        nonzero = bits = top = 0
        for values in self._products().sums():
            n, b, t = value_stats(values)
            nonzero, bits, top = nonzero + n, bits + b, max(top, t)
        return nonzero, bits, top

    def product_terms(self) -> int:
        """sum_f (entries of A in column f) |P_f|: the terms A S_P adds up, an upper bound on
        W_1's nonzero weights, from A's pattern alone (no pass over the product)."""
        uses = np.bincount(self.left.indices, minlength=self.code.n_rows)
        return int(uses @ self.code.sizes())

    def row_sums_bound(self) -> int:
        """max over u of sum_f A[u, f] |P_f|: no pre-activation z_1[u] exceeds it."""
        a = self.left
        sizes = self.code.sizes()
        terms = a.data.astype(np.int64) * sizes[a.indices]
        return int(np.add.reduceat(terms, a.indptr[:-1][np.diff(a.indptr) > 0]).max()) \
            if a.nnz else 0

    @cached_property
    def _narrow(self) -> tuple[np.dtype, np.dtype]:
        """(type of P^T and of c, type of A^T and of z): the narrowest signed types in which
        every partial sum is exact. The terms are >= 0 and add up to c_f <= |P_f| and to
        z_1[u] <= :meth:`row_sums_bound`, so a type that holds the final sum holds them all."""
        c_type = holding_type(int(self.code.sizes().max(initial=1)))
        z_type = holding_type(max(self.row_sums_bound(), 1))
        return np.result_type(c_type, np.int8), np.result_type(z_type, np.int32)

    @cached_property
    def _code_t(self) -> sp.csr_matrix:
        """P^T (d_0 x m), ones of the first :attr:`_narrow` type: the code's own
        :meth:`SupportCode.transposed` (int8, shared with the fuzzer) when supports hold at
        most 127 units."""
        code, c_type = self.code, self._narrow[0]
        if c_type == np.int8:
            return code.transposed()
        return transpose_pattern_of(code.indptr, code.indices, (code.n_rows, code.width),
                                    dtype=c_type)

    @cached_property
    def left_t(self) -> sp.csr_matrix:
        """A^T (m x d_1) in the second :attr:`_narrow` type (A's values converted a block at a
        time: A is a view of the file when read from one)."""
        a = self.left
        if np.all(a.data == 1):
            return transpose_pattern_of(a.indptr, a.indices, a.shape, dtype=self._narrow[1])
        at = transpose_stored(a)
        return sp.csr_matrix((at.data.astype(self._narrow[1]), at.indices, at.indptr),
                             shape=at.shape)

    def times(self, acts: sp.csr_matrix) -> sp.csr_matrix:
        """z = acts W_1^T = (acts P^T) A^T (B x d_1 CSR, int64) for a batch of 0/1 a_0: two
        SciPy products, each in a :attr:`_narrow` type that holds every sum exactly (both
        operands of one type, so SciPy copies neither)."""
        acts = acts.tocsr()
        if acts.nnz and not np.all(acts.data == 1):
            raise ValueError("a factored layer reads a 0/1 input layer")
        c_type, z_type = self._narrow
        ones = sp.csr_matrix((np.ones(acts.nnz, dtype=c_type), acts.indices, acts.indptr),
                             shape=acts.shape)
        overlaps = (ones @ self._code_t).tocsr()
        overlaps = sp.csr_matrix((overlaps.data.astype(z_type), overlaps.indices,
                                  overlaps.indptr), shape=overlaps.shape)
        z = (overlaps @ self.left_t).tocsr()
        z.data = z.data.astype(np.int64)
        return z

    def evaluation_bytes(self) -> int:
        """A^T and P^T in their :attr:`_narrow` types (an int32 index and the value per
        entry; at most 8 bytes a value)."""
        return self.left.nnz * 12 + len(self.code.indices) * 8

    def materialize(self) -> Layer:
        """The plain :class:`Layer` with the same W_1 = A S_P and thresholds."""
        a = self.left
        w = support_sum(a.indptr, a.indices, self.code.indptr, self.code.indices,
                        self.code.width, weights=a.data)
        return Layer(w, self.theta)
