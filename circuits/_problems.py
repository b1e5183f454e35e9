"""Problems as objects: what each output should be on every sparse input.

* ``And2``: m input features, m' distinct unordered pairs (a_k, b_k); y_k = x_{a_k} AND x_{b_k}.
* ``Permutation``: m = m'; y_k = x_{perm[k]} for a permutation ``perm`` of range(m').
* ``Represent``: m = m'; y_k = x_k (representation only, nothing computed).

``truth(active)`` returns the exact ground truth of a batch as a B x m' CSR matrix of ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from circuits._inputs import PAD, active_matrix
from circuits._validate import check_int
from theory.errors import InvalidArgument

__all__ = ["Problem", "And2", "Permutation", "Represent", "PROBLEM_NAMES"]

PROBLEM_NAMES = ("and2", "perm", "represent")


class Problem:
    """Common interface: ``name``, ``m``, ``m_prime``, ``truth`` and ``neighbours``."""

    name: str
    m: int
    m_prime: int

    def truth(self, active: np.ndarray) -> sp.csr_matrix:
        raise NotImplementedError

    def related_features(self) -> sp.csr_matrix:
        """m x m 0/1 matrix: features that share an output with feature i (the pair graph)."""
        raise NotImplementedError


def _csr_ones(rows, cols, shape) -> sp.csr_matrix:
    data = np.ones(len(rows), dtype=np.int64)
    mat = sp.csr_matrix((data, (rows, cols)), shape=shape)
    mat.sum_duplicates()
    mat.data[:] = 1
    return mat


@dataclass(frozen=True, eq=False)
class And2(Problem):
    """Pairwise AND over a list of distinct pairs of distinct features."""

    m: int
    pairs: np.ndarray
    name: str = field(default="and2", init=False)
    _keys: np.ndarray = field(init=False, repr=False)
    _order: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        m = check_int("m", self.m, minimum=2, fix="pairwise AND needs two input features")
        pairs = np.asarray(self.pairs, dtype=np.int64)
        if pairs.ndim != 2 or pairs.shape[1] != 2 or len(pairs) < 1:
            raise InvalidArgument(f"pairs of shape {pairs.shape} must be (m', 2) with m' >= 1")
        if pairs.min() < 0 or pairs.max() >= m:
            raise InvalidArgument(f"pair endpoints must lie in [0, m={m})")
        if np.any(pairs[:, 0] == pairs[:, 1]):
            k = int(np.flatnonzero(pairs[:, 0] == pairs[:, 1])[0])
            raise InvalidArgument(f"pair {k}={pairs[k].tolist()} must join two distinct features")
        lo, hi = pairs.min(axis=1), pairs.max(axis=1)
        keys = lo * m + hi
        order = np.argsort(keys, kind="stable")
        if np.any(keys[order][1:] == keys[order][:-1]):
            raise InvalidArgument("pairs must be distinct; the list repeats a pair")
        object.__setattr__(self, "pairs", pairs)
        object.__setattr__(self, "_keys", keys[order])
        object.__setattr__(self, "_order", order)

    @property
    def m_prime(self) -> int:
        return len(self.pairs)

    def degrees(self) -> np.ndarray:
        """deg(i): the number of pairs that contain feature i."""
        return np.bincount(self.pairs.ravel(), minlength=self.m)

    def truth(self, active: np.ndarray) -> sp.csr_matrix:
        rows, outs = [], []
        s = active.shape[1]
        for i in range(s):
            for j in range(i + 1, s):
                a, b = active[:, i], active[:, j]
                ok = (a != PAD) & (b != PAD)
                key = np.minimum(a, b) * self.m + np.maximum(a, b)
                pos = np.searchsorted(self._keys, key)
                pos_c = np.minimum(pos, len(self._keys) - 1)
                hit = ok & (self._keys[pos_c] == key)
                rows.append(np.flatnonzero(hit))
                outs.append(self._order[pos_c[hit]])
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        outs = np.concatenate(outs) if outs else np.zeros(0, np.int64)
        return _csr_ones(rows, outs, (len(active), self.m_prime))

    def related_features(self) -> sp.csr_matrix:
        a, b = self.pairs[:, 0], self.pairs[:, 1]
        return _csr_ones(np.concatenate([a, b]), np.concatenate([b, a]), (self.m, self.m))


@dataclass(frozen=True, eq=False)
class Permutation(Problem):
    """Neural permutation: output k copies input feature perm[k]."""

    perm: np.ndarray
    name: str = field(default="perm", init=False)

    def __post_init__(self) -> None:
        perm = np.asarray(self.perm, dtype=np.int64)
        if perm.ndim != 1 or len(perm) < 1:
            raise InvalidArgument(f"perm of shape {perm.shape} must be a 1-d array of length >= 1")
        if not np.array_equal(np.sort(perm), np.arange(len(perm))):
            raise InvalidArgument(f"perm must hold each of 0..{len(perm) - 1} exactly once")
        object.__setattr__(self, "perm", perm)

    @property
    def m(self) -> int:
        return len(self.perm)

    @property
    def m_prime(self) -> int:
        return len(self.perm)

    def truth(self, active: np.ndarray) -> sp.csr_matrix:
        inverse = np.empty_like(self.perm)
        inverse[self.perm] = np.arange(len(self.perm))
        x = active_matrix(active, self.m).tocoo()
        return _csr_ones(x.row, inverse[x.col], (len(active), self.m_prime))

    def related_features(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.m, self.m), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Represent(Problem):
    """Representation only: output k is input feature k."""

    m: int
    name: str = field(default="represent", init=False)

    def __post_init__(self) -> None:
        check_int("m", self.m, minimum=1)

    @property
    def m_prime(self) -> int:
        return self.m

    def truth(self, active: np.ndarray) -> sp.csr_matrix:
        return active_matrix(active, self.m)

    def related_features(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.m, self.m), dtype=np.int64)
