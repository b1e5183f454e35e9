"""Problems as objects: what each output should be on every sparse input.

* ``And2``: m input features, m' distinct unordered pairs (a_k, b_k); y_k = x_{a_k} AND x_{b_k}.
* ``Permutation``: m = m'; y_k = x_{perm[k]} for a permutation ``perm`` of range(m').
* ``Represent``: m = m'; y_k = x_k (representation only, nothing computed).

Every problem says which input features each output reads (``sources()``, the rows of an
m' x w array padded with PAD), its exact ground truth on a batch (``truth(active)``, a B x m'
CSR matrix of ones; by default the threshold rule y_k = [#active sources of k >= naive_theta]),
which features share an output (``related_features()``, for adversarial fuzzing) and how it is
stored in a circuit file (``to_arrays()`` / ``from_arrays(m, arrays)``). A problem added by a
plugin (``circuits.ProblemSpec``) subclasses :class:`Problem` and overrides what differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model._inputs import PAD, active_matrix
from superpose.circuits.validate import check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["Problem", "And2", "Permutation", "Represent", "source_set_weights"]


class Problem:
    """Common interface: ``name``, ``m``, ``m_prime``, ``sources``, ``truth``,
    ``related_features`` and the file hooks ``to_arrays`` / ``from_arrays``.

    ``naive_theta``: when every output is a threshold of its own sources,
    y_k = [sum_{f in sources(k)} x_f >= naive_theta], that threshold (AND of two: 2, a copy: 1,
    OR: 1); it gives the default ``truth`` and the naive construction. None otherwise.
    ``copies_inputs``: y_k = x_k with m = m' (the naive network then has no unit at all).
    ``source_field``: for a problem that is m and one m' x w array of sources (a dataclass
    field of that name, such as ``pairs``), the field's name; it gives ``sources``,
    ``m_prime``, ``to_arrays`` and ``from_arrays``. None otherwise.
    """

    name: str
    m: int
    naive_theta: int | None = None
    copies_inputs: bool = False
    source_field: str | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        """Give every subclass the short ``__repr__`` below unless its body defines one (a
        ``@dataclass`` decorator then keeps it rather than writing one that prints arrays)."""
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = Problem.__repr__

    def __repr__(self) -> str:
        """The name and sizes, never the arrays: ``And2(name='and2', m=200, m'=100)``."""
        return f"{type(self).__name__}(name={self.name!r}, m={self.m}, m'={self.m_prime})"

    @property
    def m_prime(self) -> int:
        """m', the number of outputs: by default the rows of ``sources()``."""
        return len(self.sources())

    def sources(self) -> np.ndarray:
        """m' x w int64 array: row k lists the input features output k's truth reads (PAD-padded).

        The truth of output k must depend on those features only: the certifier searches from
        every subset of them. Default: the ``source_field`` array."""
        if self.source_field is None:
            raise NotImplementedError(f"{type(self).__name__} must define sources() or "
                                      "source_field")
        return np.asarray(getattr(self, self.source_field), dtype=np.int64)

    def source_matrix(self) -> sp.csr_matrix:
        """The m' x m 0/1 matrix with a one at (k, f) for every source f of output k."""
        return _incidence(self.sources(), self.m)

    def truth(self, active: np.ndarray) -> sp.csr_matrix:
        """The exact outputs of a batch of s-sparse inputs, as a B x m' CSR matrix of ones.

        Default: the threshold rule y_k = [sum_{f in sources(k)} x_f >= naive_theta]."""
        if self.naive_theta is None:
            raise NotImplementedError(f"{type(self).__name__} must define truth() or naive_theta")
        x = active_matrix(active, self.m)
        hits = (x @ self.source_matrix().T).tocsr()
        hits.data = (hits.data >= self.naive_theta).astype(np.int64)
        hits.eliminate_zeros()
        return hits

    def related_features(self) -> sp.csr_matrix:
        """m x m 0/1 matrix: features that share an output with feature i (the pair graph).

        Default: every two distinct sources of one output are related."""
        src = np.asarray(self.sources(), dtype=np.int64)
        rows, cols = [], []
        for i in range(src.shape[1]):
            for j in range(src.shape[1]):
                if i != j:
                    ok = (src[:, i] != PAD) & (src[:, j] != PAD) & (src[:, i] != src[:, j])
                    rows.append(src[ok, i])
                    cols.append(src[ok, j])
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        return _csr_ones(rows, cols, (self.m, self.m))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The integer arrays that store the instance in a circuit file, by field name (in
        the order written); m and m' are stored by the format itself. Default: the
        ``source_field`` array, or nothing."""
        return {} if self.source_field is None else {self.source_field: self.sources()}

    @classmethod
    def from_arrays(cls, m: int, arrays: Mapping[str, np.ndarray]) -> "Problem":
        """The instance back from a file: ``arrays[name]`` gives a stored field as int64 (a
        missing one is a one-line CircuitFormatError). Default: ``cls(m, <source_field>)``."""
        if cls.source_field is None:
            raise NotImplementedError(f"{cls.__name__} does not define from_arrays")
        return cls(m, arrays[cls.source_field])


def source_set_weights(problem: Problem, in_code, out_code) -> sp.csr_matrix:
    """Weights of a one-layer construction that reads sources through support codes: unit q of
    ``out_code``'s layer gets W[q, p] = |{f in T_q : p in P_f}|, where T_q is the set of the
    sources of every output k with q in Q_k (each feature once) and P_f the ``in_code``
    support of feature f. As matrices: W = [Q^T R > 0] P, with Q, R (``source_matrix``) and P
    the incidences."""
    t_sets = (out_code.matrix().T @ problem.source_matrix()).tocsr()
    t_sets.data[:] = 1  # T_q as a set
    return (t_sets @ in_code.matrix()).tocsr()


def _incidence(sources: np.ndarray, m: int) -> sp.csr_matrix:
    """m' x m 0/1 matrix with a one at (k, f) for every source f of output k."""
    src = np.asarray(sources, dtype=np.int64)
    rows = np.repeat(np.arange(len(src)), src.shape[1])
    cols = src.ravel()
    ok = cols != PAD
    return _csr_ones(rows[ok], cols[ok], (len(src), m))


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
    naive_theta = 2
    source_field = "pairs"

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
        lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
        keys = lo * m + hi
        order = np.argsort(keys, kind="stable")
        if np.any(keys[order][1:] == keys[order][:-1]):
            raise InvalidArgument("pairs must be distinct; the list repeats a pair")
        object.__setattr__(self, "pairs", pairs)
        object.__setattr__(self, "_keys", keys[order])
        object.__setattr__(self, "_order", order)

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
    naive_theta = 1

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

    def sources(self) -> np.ndarray:
        return self.perm[:, None]

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"perm": self.perm}

    @classmethod
    def from_arrays(cls, m: int, arrays) -> "Permutation":
        return cls(arrays["perm"])

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
    naive_theta = 1
    copies_inputs = True

    def __post_init__(self) -> None:
        check_int("m", self.m, minimum=1)

    @property
    def m_prime(self) -> int:
        return self.m

    def sources(self) -> np.ndarray:
        return np.arange(self.m, dtype=np.int64)[:, None]

    @classmethod
    def from_arrays(cls, m: int, arrays) -> "Represent":
        return cls(m)

    def truth(self, active: np.ndarray) -> sp.csr_matrix:
        return active_matrix(active, self.m)

    def related_features(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.m, self.m), dtype=np.int64)
