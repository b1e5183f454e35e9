"""The instances of the exact search: a table row is one problem instance or a whole family.

and2: the complete pair list of m features, in an ``order`` (a permutation of the C(m, 2)
lexicographic pairs) that says which pair output k computes; perm: the permutation ``order``
(default shift, perm[k] = k + 1 mod m). A family row searches every permutation of m (perm) or
one ordering per orbit of input relabelling (and2): relabelling the inputs by sigma maps a
network for one ordering to a network for another with the same counts, so exact minima are
constant on orbits. Also the default table (``superpose verify``) and the heavier rows.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from superpose.circuits import And2, Permutation, Problem
from superpose.circuits.validate import check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["ALL_ORDERS_MAX_M", "ALL_PERMS_MAX_M", "DEFAULT_MAX_WEIGHT", "DEFAULT_TABLE",
           "HEAVY_TABLE", "Instance", "M_MAX", "M_MIN", "and2_order_representatives"]

DEFAULT_MAX_WEIGHT = 3
M_MIN, M_MAX = 3, 8
ALL_PERMS_MAX_M = 5
ALL_ORDERS_MAX_M = 4


def _lex_pairs(m: int) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(m), 2))


def and2_order_representatives(m: int) -> list[tuple[int, ...]]:
    """One ordering of the complete pair list per orbit of input relabelling.

    An ordering ``o`` is the instance ``pairs = [lex_pairs[o[k]] for k]``. Relabelling the
    inputs by sigma (permuting the columns of W; the identity input code is symmetric) maps a
    network for one ordering to a network for another with the same counts, so exact minima are
    constant on orbits. Each representative is the lexicographically least ordering of its
    orbit; the lexicographic ordering itself comes first.

    >>> len(and2_order_representatives(3)), len(and2_order_representatives(4))
    (1, 30)
    """
    pairs = _lex_pairs(m)
    index = {p: i for i, p in enumerate(pairs)}
    maps = [tuple(index[tuple(sorted((sigma[a], sigma[b])))] for a, b in pairs)
            for sigma in itertools.permutations(range(m))]
    seen, reps = set(), []
    for order in itertools.permutations(range(len(pairs))):
        canonical = min(tuple(r[i] for i in order) for r in maps)
        if canonical not in seen:
            seen.add(canonical)
            reps.append(canonical)
    reps.sort()
    return reps


@dataclass(frozen=True)
class Instance:
    """One row of the table: a problem instance, or a whole family (``all_instances``).

    and2: the complete pair list of m features; ``order`` (a permutation of the C(m, 2)
    lexicographic pairs; default the lexicographic order, the ``complete`` family's) says which
    pair output k computes. perm: ``order`` is the permutation (default ``shift``,
    perm[k] = k + 1 mod m). ``all_instances``: every permutation of m (perm), or one ordering per
    orbit of input relabelling (and2), and the row reports the maximum.
    """

    problem: str
    m: int
    sparsity: int = 2
    order: tuple[int, ...] | None = None
    all_instances: bool = False

    def __post_init__(self) -> None:
        if self.problem not in ("and2", "perm"):
            raise InvalidArgument(f"problem={self.problem!r} is not known for an exact search; "
                                  "use one of: and2, perm")
        m = self.m
        if isinstance(m, bool) or not isinstance(m, int) or not M_MIN <= m <= M_MAX:
            raise InvalidArgument(f"m={m!r} must be between {M_MIN} and {M_MAX} for an exact "
                                  "search")
        low = 2 if self.problem == "and2" else 1
        s = check_int("sparsity", self.sparsity, minimum=low,
                      fix="pairwise AND needs two active features" if low == 2 else "")
        if s > m:
            raise InvalidArgument(f"sparsity={s!r} must be <= m={m!r}")
        if self.all_instances:
            if self.order is not None:
                raise InvalidArgument("give either one instance (--perm/--order) or all of "
                                      "them (--all-perms/--all-orders), not both")
            limit = ALL_PERMS_MAX_M if self.problem == "perm" else ALL_ORDERS_MAX_M
            if m > limit:
                raise InvalidArgument(f"m={m!r} must be <= {limit} to search every "
                                      f"{'permutation' if self.problem == 'perm' else 'order'}")
        if self.order is not None:
            size = m if self.problem == "perm" else math.comb(m, 2)
            order = tuple(int(v) for v in self.order)
            if sorted(order) != list(range(size)):
                what = "perm" if self.problem == "perm" else "order"
                raise InvalidArgument(f"{what}={','.join(map(str, order))} must hold each of "
                                      f"0..{size - 1} exactly once")
            object.__setattr__(self, "order", order)

    @property
    def m_prime(self) -> int:
        return self.m if self.problem == "perm" else math.comb(self.m, 2)

    def default_order(self) -> tuple[int, ...]:
        if self.problem == "perm":
            return tuple((k + 1) % self.m for k in range(self.m))
        return tuple(range(self.m_prime))

    def orders(self) -> list[tuple[int, ...]]:
        """The orders searched: one, every permutation, or one per orbit."""
        if not self.all_instances:
            return [self.order if self.order is not None else self.default_order()]
        if self.problem == "perm":
            return list(itertools.permutations(range(self.m)))
        return and2_order_representatives(self.m)

    def problem_of(self, order: Sequence[int]) -> Problem:
        if self.problem == "perm":
            return Permutation(np.array(order, dtype=np.int64))
        pairs = _lex_pairs(self.m)
        return And2(self.m, np.array([pairs[i] for i in order], dtype=np.int64))

    def family_size(self) -> int:
        """N: perm, the m! permutations; and2, the m'! orders of the complete pair list (with
        fixed output codes, which pair output k computes matters; as unordered sets there is
        one instance)."""
        return math.factorial(self.m_prime)

    def family(self) -> str:
        if self.problem == "perm":
            return "all" if self.all_instances else (
                "shift" if self.order in (None, self.default_order()) else "")
        return "all-orders" if self.all_instances else (
            "complete" if self.order in (None, self.default_order()) else "")

    def label(self) -> str:
        if self.all_instances:
            what = "all perms" if self.problem == "perm" else "all orders"
        elif self.problem == "perm":
            what = "shift" if self.order in (None, self.default_order()) else \
                "perm " + ",".join(map(str, self.order))
        else:
            what = "lex" if self.order in (None, self.default_order()) else \
                "order " + ",".join(map(str, self.order))
        return f"{self.problem} m={self.m} s={self.sparsity} {what}"

    def command(self, max_weight: int = DEFAULT_MAX_WEIGHT, strict_chain: bool = False) -> str:
        parts = ["superpose", "minimal", self.problem, "--m", str(self.m), "--sparsity",
                 str(self.sparsity)]
        if self.all_instances:
            parts.append("--all-perms" if self.problem == "perm" else "--all-orders")
        elif self.order is not None and self.order != self.default_order():
            parts += ["--perm" if self.problem == "perm" else "--order",
                      ",".join(map(str, self.order))]
        if max_weight != DEFAULT_MAX_WEIGHT:
            parts += ["--max-weight", str(max_weight)]
        if strict_chain:
            parts.append("--strict-chain")
        return " ".join(parts)


# The default table (used by ``superpose verify``; about 8 s on one core) and the heavier rows
# behind ``superpose minimal table --heavy`` (about 30 s more).
DEFAULT_TABLE: tuple[Instance, ...] = (
    Instance("and2", 3, 2, all_instances=True),
    Instance("and2", 4, 2),
    Instance("and2", 4, 2, all_instances=True),
    Instance("and2", 5, 2),
    Instance("and2", 6, 2),
    Instance("perm", 3, 2, all_instances=True),
    Instance("perm", 4, 2, all_instances=True),
    Instance("perm", 5, 1),
)
HEAVY_TABLE: tuple[Instance, ...] = (
    Instance("and2", 5, 2, order=(8, 4, 7, 0, 1, 2, 5, 9, 6, 3)),
    Instance("and2", 7, 2),
    Instance("and2", 8, 2),
    Instance("and2", 4, 3, all_instances=True),
    Instance("and2", 6, 3),
    Instance("perm", 5, 2, all_instances=True),
    Instance("perm", 7, 1),
    Instance("perm", 8, 2),
)
