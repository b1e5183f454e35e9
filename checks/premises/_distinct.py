"""``premise:distinguishable`` by enumeration: different instances give different functions.

An *instance's function* is its truth table: for each of the ``count_sparse_inputs(m, s)``
s-sparse inputs (empty input included), the set of outputs that read 1. The families: every
permutation of m (output k copies input ``perm[k]``), the m! instances; pairwise AND as pair
*sets*, the C(C(m,2), m') instances of the theory (output k computes the k-th pair of the set in
lexicographic order); pairwise AND as ordered pair *lists*, C(m,2)!/(C(m,2)-m')! instances
(output k computes pair k). Every output of an instance is one *base column* (a feature, or the
AND of a pair), so a table is a choice of m' base columns; tables are packed and hashed, and
the family is injective iff no two instances share a table. The counting argument needs s >= 1
for permutations and s >= 2 for AND (:func:`min_premise_sparsity`).

Cross-checks against ``Problem.truth``: every single-pair base column, a stride of whole
instances, and both instances of any collision; ``mismatches`` counts disagreements.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from superpose.circuits import And2, Permutation
from superpose.circuits.model import active_matrix, count_sparse_inputs, enumerate_sparse_inputs
from superpose.theory import InvalidArgument

__all__ = ["DEFAULT_FAMILIES", "Distinguishability", "_batch", "distinguishability",
           "min_premise_sparsity"]

_CROSS_CHECK_PER_GROUP = 24


def min_premise_sparsity(problem: str) -> int:
    """The least s at which the counting argument uses distinguishability of ``problem``.

    A permutation moves single features, so one active feature already tells instances apart
    (s >= 1); an AND output needs two active features to read 1 (s >= 2).
    """
    if problem == "perm":
        return 1
    if problem == "and2":
        return 2
    raise InvalidArgument(f"problem={problem!r} must be 'perm' or 'and2'")


@dataclass(frozen=True)
class Distinguishability:
    """Truth tables of every instance of one family at one (m, m', s), and their collisions.

    ``order`` is ``"perms"`` (all m! permutations), ``"sets"`` (all C(C(m,2), m') pair sets,
    outputs in lexicographic pair order), ``"lists"`` (all C(m,2)!/(C(m,2)-m')! ordered pair
    lists) or ``"given"`` (an explicit list of instances). ``example`` is the first colliding
    pair of instances (a permutation as a tuple of ``perm[k]``, a pair list as a tuple of
    pairs), or None. ``zero_tables`` counts instances whose outputs are 0 on every input.
    ``cross_checked`` counts the instances whose table was recomputed by ``Problem.truth``;
    ``mismatches`` counts disagreements (must be 0). ``in_premise`` is True when s is in the
    range the counting argument uses (:func:`min_premise_sparsity`).
    """

    problem: str
    m: int
    m_prime: int
    s: int
    order: str
    inputs: int
    instances: int
    expected_instances: int
    distinct: int
    collisions: int
    zero_tables: int
    example: tuple | None
    cross_checked: int
    mismatches: int
    in_premise: bool

    @property
    def injective(self) -> bool:
        return self.collisions == 0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["example"] = _jsonable(self.example)
        return out


def _jsonable(x):
    if isinstance(x, (tuple, list)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    return x


def _batch(m: int, s: int) -> np.ndarray:
    return np.concatenate(list(enumerate_sparse_inputs(m, s)))


def _pair_list(m: int) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(m), 2))


def _instance_columns(problem: str, m: int, m_prime: int | None, order: str,
                      instances: Sequence | None) -> tuple[np.ndarray, int]:
    """(N x m') array of base-column indices per instance, and the expected instance count."""
    if problem == "perm":
        if instances is not None:
            cols = np.asarray([list(p) for p in instances], dtype=np.int64)
            return cols.reshape(len(instances), -1), len(instances)
        if order != "perms":
            raise InvalidArgument(f"order={order!r}: permutations are enumerated as 'perms'")
        cols = np.asarray(list(itertools.permutations(range(m))), dtype=np.int64)
        return cols, math.factorial(m)
    pairs = _pair_list(m)
    index = {p: i for i, p in enumerate(pairs)}
    if instances is not None:
        rows = []
        for inst in instances:
            rows.append([index[(min(a, b), max(a, b))] for a, b in inst])
        return np.asarray(rows, dtype=np.int64).reshape(len(instances), -1), len(instances)
    n_pairs = len(pairs)
    if m_prime is None or not 1 <= m_prime <= n_pairs:
        raise InvalidArgument(f"m_prime={m_prime!r} must lie in 1..C(m,2)={n_pairs}")
    if order == "sets":
        cols = np.asarray(list(itertools.combinations(range(n_pairs), m_prime)), dtype=np.int64)
        return cols, math.comb(n_pairs, m_prime)
    if order == "lists":
        cols = np.asarray(list(itertools.permutations(range(n_pairs), m_prime)), dtype=np.int64)
        return cols, math.perm(n_pairs, m_prime)
    raise InvalidArgument(f"order={order!r} must be 'sets' or 'lists' for and2")


def _base_columns(problem: str, m: int, batch: np.ndarray) -> np.ndarray:
    """B x F 0/1 matrix of the primitive output functions: features (perm) or pairs (and2)."""
    x = active_matrix(batch, m).toarray().astype(bool)
    if problem == "perm":
        return x
    pairs = np.asarray(_pair_list(m), dtype=np.int64)
    return x[:, pairs[:, 0]] & x[:, pairs[:, 1]]


def _decode_instance(problem: str, m: int, cols: np.ndarray):
    if problem == "perm":
        return tuple(int(c) for c in cols)
    pairs = _pair_list(m)
    return tuple(pairs[int(c)] for c in cols)


def _official_truth(problem: str, m: int, inst, batch: np.ndarray) -> np.ndarray:
    if problem == "perm":
        prob = Permutation(np.asarray(inst, dtype=np.int64))
    else:
        prob = And2(m, np.asarray(inst, dtype=np.int64).reshape(-1, 2))
    return prob.truth(batch).toarray().astype(bool)


def distinguishability(problem: str, m: int, s: int, m_prime: int | None = None, *,
                       order: str | None = None,
                       instances: Sequence | None = None) -> Distinguishability:
    """Enumerate every instance of a family (or the given ``instances``), compute each one's
    truth table on all s-sparse inputs, and count distinct tables.

    ``problem`` is ``"perm"`` (m' = m; ``order="perms"``) or ``"and2"`` (``m_prime`` pairs;
    ``order="sets"`` by default, or ``"lists"``). ``instances``, if given, replaces the
    enumeration (``order="given"``): permutations as sequences of ``perm[k]``, AND instances as
    sequences of pairs; used to check the collision report itself.

    >>> d = distinguishability("perm", 3, 1)
    >>> d.instances, d.distinct, d.collisions
    (6, 6, 0)
    """
    if problem not in ("perm", "and2"):
        raise InvalidArgument(f"problem={problem!r} must be 'perm' or 'and2'")
    if not isinstance(m, int) or m < (1 if problem == "perm" else 2):
        raise InvalidArgument(f"m={m!r} is too small for {problem}")
    if not isinstance(s, int) or not 1 <= s <= m:
        raise InvalidArgument(f"sparsity={s!r} must lie in 1..m={m}")
    if instances is not None:
        order = "given"
    elif order is None:
        order = "perms" if problem == "perm" else "sets"
    if problem == "perm":
        m_prime = m
    batch = _batch(m, s)
    if instances is not None:
        if not len(instances) or len({len(inst) for inst in instances}) != 1:
            raise InvalidArgument("instances must be a non-empty list of equal-length instances")
        for inst in instances:     # each must be a valid instance of the problem (raises if not)
            if problem == "perm" and len(inst) != m:
                raise InvalidArgument(f"permutation {list(inst)} must have length m={m}")
            _official_truth(problem, m, inst, batch[:1])
    cols, expected = _instance_columns(problem, m, m_prime, order, instances)
    if instances is not None:
        m_prime = cols.shape[1]
    n_inputs = len(batch)
    if n_inputs != count_sparse_inputs(m, s):
        raise AssertionError("enumerate_sparse_inputs disagrees with count_sparse_inputs")
    base = _base_columns(problem, m, batch)

    mismatches = 0
    # Every base column is the truth table of a one-output instance: check them all.
    if problem == "and2":
        for c, pair in enumerate(_pair_list(m)):
            got = _official_truth(problem, m, [pair], batch)[:, 0]
            mismatches += int(not np.array_equal(got, base[:, c]))

    n = len(cols)
    tables = base[:, cols]                       # B x N x m'
    tables = np.ascontiguousarray(tables.transpose(1, 0, 2)).reshape(n, -1)
    packed = np.packbits(tables, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    distinct = len(first)
    example = None
    if distinct < n:
        dup = int(np.flatnonzero(first[inverse] != np.arange(n))[0])
        example = (_decode_instance(problem, m, cols[first[inverse[dup]]]),
                   _decode_instance(problem, m, cols[dup]))

    picks = set(np.linspace(0, n - 1, num=min(n, _CROSS_CHECK_PER_GROUP)).astype(int).tolist())
    for i in sorted(picks):
        inst = _decode_instance(problem, m, cols[i])
        got = _official_truth(problem, m, inst, batch)
        mismatches += int(not np.array_equal(got.reshape(-1), tables[i]))
    checked = len(picks)
    if example is not None:        # replay the collision through the official ground truth
        a, b = (_official_truth(problem, m, inst, batch) for inst in example)
        mismatches += int(not np.array_equal(a, b))
        checked += 2
    return Distinguishability(
        problem=problem, m=m, m_prime=int(m_prime), s=s, order=order, inputs=n_inputs,
        instances=n, expected_instances=expected, distinct=distinct, collisions=n - distinct,
        zero_tables=int(np.count_nonzero(~tables.any(axis=1))),
        example=example, cross_checked=checked, mismatches=mismatches,
        in_premise=s >= min_premise_sparsity(problem))


# (problem, m, m' values, order, sparsities): the default enumeration of premise_evidence.
DEFAULT_FAMILIES: tuple[tuple[str, int, tuple[int, ...], str, tuple[int, ...]], ...] = (
    *(("perm", m, (m,), "perms", (1, 2)) for m in range(2, 7)),
    ("and2", 4, tuple(range(1, 7)), "sets", (1, 2, 3)),
    ("and2", 5, tuple(range(1, 11)), "sets", (1, 2, 3)),
    ("and2", 6, tuple(range(1, 16)), "sets", (2, 3)),
    ("and2", 4, tuple(range(1, 7)), "lists", (1, 2)),
    ("and2", 5, (1, 2, 3, 4), "lists", (2,)),
)
