"""s-sparse Boolean inputs, stored as padded index arrays.

An input x in {0,1}^m is *s-sparse* when it has at most s ones. A batch of B such inputs is an
int64 array of shape (B, s): row b lists the active features of input b in increasing order,
padded with -1. This keeps a batch O(B s) however large m is.
"""

from __future__ import annotations

import itertools
import math
from typing import Iterator

import numpy as np
import scipy.sparse as sp

from superpose.circuits.validate import check_int
from superpose.theory.errors import InvalidArgument

__all__ = [
    "normalize_active",
    "active_matrix",
    "count_sparse_inputs",
    "enumerate_sparse_inputs",
    "random_sparse_inputs",
    "sparse_inputs_at",
]

PAD = -1


def normalize_active(active, m: int, s: int) -> np.ndarray:
    """Rows sorted ascending with padding last; raises if a row repeats or leaves [0, m)."""
    arr = np.asarray(active, dtype=np.int64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] > s:
        raise ValueError(f"active inputs of shape {arr.shape} must be (B, <= s={s})")
    if arr.size and (arr.max() >= m or arr.min() < PAD):
        raise ValueError(f"active feature indices must lie in [0, m={m}) or be {PAD} padding")
    keyed = np.where(arr == PAD, np.iinfo(np.int64).max, arr)
    keyed.sort(axis=1)
    if arr.shape[1] > 1:
        dup = (keyed[:, 1:] == keyed[:, :-1]) & (keyed[:, 1:] != np.iinfo(np.int64).max)
        if dup.any():
            raise ValueError("an input lists the same active feature twice")
    out = np.where(keyed == np.iinfo(np.int64).max, PAD, keyed)
    if out.shape[1] < s:
        out = np.hstack([out, np.full((len(out), s - out.shape[1]), PAD, dtype=np.int64)])
    return out


def active_matrix(active: np.ndarray, m: int) -> sp.csr_matrix:
    """The B x m 0/1 matrix X of a batch (X[b, i] = 1 iff feature i is active in input b)."""
    rows, cols = np.nonzero(active != PAD)
    data = np.ones(len(rows), dtype=np.int64)
    return sp.csr_matrix((data, (rows, active[rows, cols])), shape=(len(active), m))


def count_sparse_inputs(m: int, s: int) -> int:
    """Number of inputs with at most s of m features active: sum_{j<=s} C(m, j).

    >>> count_sparse_inputs(4, 2)
    11
    """
    return sum(math.comb(m, j) for j in range(min(s, m) + 1))


def enumerate_sparse_inputs(m: int, s: int, chunk: int = 65536) -> Iterator[np.ndarray]:
    """Every input with at most s active features, in chunks of padded index arrays.

    The empty input comes first, then every j-subset for j = 1..s in lexicographic order.
    """
    m = check_int("m", m, minimum=1)
    s = check_int("sparsity", s, minimum=1)
    yield np.full((1, s), PAD, dtype=np.int64)
    for j in range(1, min(s, m) + 1):
        combos = itertools.combinations(range(m), j)
        while True:
            flat = np.fromiter(itertools.chain.from_iterable(itertools.islice(combos, chunk)),
                               dtype=np.int64)
            if not flat.size:
                break
            block = flat.reshape(-1, j)
            pad = np.full((len(block), s - j), PAD, dtype=np.int64)
            yield np.hstack([block, pad])


def sparse_inputs_at(m: int, s: int, positions) -> np.ndarray:
    """The inputs at ``positions`` of :func:`enumerate_sparse_inputs`' order, padded rows,
    without enumerating the ones before them.

    Position 0 is the empty input; then come the j-subsets, j = 1..s, each block in
    lexicographic order. Within a block of size j, rank q is unranked slot by slot: the
    subsets whose next element lies in [x, v) number C(m - x, k) - C(m - v, k) (k elements
    still to place), so the element is the largest v with that count <= q, found by
    bisection in exact integers.

    >>> sparse_inputs_at(4, 2, [0, 1, 5, 10]).tolist()
    [[-1, -1], [0, -1], [0, 1], [2, 3]]
    """
    m = check_int("m", m, minimum=1)
    s = check_int("sparsity", s, minimum=1)
    space = count_sparse_inputs(m, s)
    out = np.full((len(positions), s), PAD, dtype=np.int64)
    for row, p in enumerate(positions):
        q = int(p)
        if not 0 <= q < space:
            raise InvalidArgument(f"position={q} must lie in [0, {space}), the inputs of at "
                                  f"most s={s} of m={m} features")
        if q == 0:
            continue
        q -= 1
        j = 1
        while q >= math.comb(m, j):
            q -= math.comb(m, j)
            j += 1
        x = 0
        for slot in range(j):
            k = j - slot
            lo, hi = x, m - k  # the element lies in [x, m - k]
            while lo < hi:
                v = (lo + hi + 1) // 2
                if math.comb(m - x, k) - math.comb(m - v, k) <= q:
                    lo = v
                else:
                    hi = v - 1
            q -= math.comb(m - x, k) - math.comb(m - lo, k)
            out[row, slot] = lo
            x = lo + 1
    return out


def random_sparse_inputs(m: int, s: int, n: int, rng: np.random.Generator,
                         exact: bool = False) -> np.ndarray:
    """``n`` random inputs; each has k active features, k uniform in 1..s (k = s if exact).

    Features are distinct within a row (rejection of repeats, redrawn until none remain).
    """
    k_max = min(s, m)
    counts = np.full(n, k_max) if exact else rng.integers(1, k_max + 1, size=n)
    out = rng.integers(0, m, size=(n, s))
    out[np.arange(s)[None, :] >= counts[:, None]] = PAD
    while True:
        keyed = np.sort(np.where(out == PAD, -np.arange(1, s + 1)[None, :] - m, out), axis=1)
        dup_rows = np.flatnonzero((keyed[:, 1:] == keyed[:, :-1]).any(axis=1)) if s > 1 else []
        if not len(dup_rows):
            break
        fresh = rng.integers(0, m, size=(len(dup_rows), s))
        out[dup_rows] = np.where(out[dup_rows] == PAD, PAD, fresh)
    return normalize_active(out, m, s)
