"""The tiny model's fixed output code and the counting bounds on its exact minima.

The output code depends only on (m', d): with ``t = min{t : C(d, t) >= m'}``, output k reads the
AND of the k-th t-subset of range(d) in lexicographic order (``fixed_output_code``). Sperner:
if each output is the only true output on some input, the supports of the m' outputs are
pairwise incomparable, and an antichain in a d-set has at most C(d, floor(d/2)) members, so
fewer than ``sperner_width(m')`` units cannot hold them.

Counting bounds over an N-instance family whose instances compute pairwise different functions
(B the weight range, s the sparsity, m the inputs), each about the WORST instance only:

* width: a width-d network is (W, theta) with ``(2B + 1)^(d m) (2 B s + 2)^d`` choices; the
  least D with ``sum_{d <= D}`` of that ``>= N`` (``units_counting_bound``);
* parameters: the least P with ``sum_{d <= D} sum_{j <= P} C(d (m + 1), j) V^j >= N``,
  V = max(2B, 2 B s + 1) values per nonzero weight or threshold, positions counted
  (``params_counting_bound``);
* values only: ``ceil(log2 N / ceil(log2(2B + 1)))``, the paper-style premise with positions
  free, reported for comparison and not a valid bound in this model (``values_only_bound``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from superpose.circuits import SupportCode
from superpose.circuits.validate import check_int

__all__ = ["fixed_output_code", "params_counting_bound", "sperner_width", "units_counting_bound",
           "values_only_bound"]


def fixed_output_code(m_prime: int, d: int) -> SupportCode | None:
    """The model's output code over d units, or None when no such code exists.

    ``t = min{t : C(d, t) >= m'}`` (t <= floor(d/2)); output k gets the k-th t-subset of
    range(d) in lexicographic order. It depends on (m', d) only. None when
    ``C(d, floor(d/2)) < m'``: then no m' pairwise incomparable supports fit in d units.

    >>> code = fixed_output_code(6, 4)
    >>> [code.row(k).tolist() for k in range(6)]
    [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    >>> fixed_output_code(3, 3).indices.tolist(), fixed_output_code(6, 3)
    ([0, 1, 2], None)
    """
    m_prime = check_int("m_prime", m_prime, minimum=1)
    d = check_int("d", d, minimum=1)
    for t in range(1, max(1, d // 2) + 1):
        if math.comb(d, t) >= m_prime:
            rows = list(itertools.islice(itertools.combinations(range(d), t), m_prime))
            indptr = np.arange(0, (m_prime + 1) * t, t, dtype=np.int64)
            return SupportCode(indptr, np.array(rows, dtype=np.int64).ravel(), d)
    return None


def sperner_width(m_prime: int) -> int:
    """The least d with C(d, floor(d/2)) >= m': fewer units hold no m' incomparable supports.

    >>> [sperner_width(k) for k in (1, 3, 6, 10, 15, 21)]
    [1, 3, 4, 5, 6, 7]
    """
    d = 1
    while math.comb(d, d // 2) < m_prime:
        d += 1
    return d


def _threshold_values(max_weight: int, sparsity: int) -> int:
    """Nonzero thresholds in [-B s, B s + 1]: 2 B s + 1 values."""
    return 2 * max_weight * sparsity + 1


def params_counting_bound(family_size: int, m: int, sparsity: int, max_weight: int,
                          max_width: int) -> int:
    """The least P such that the model holds at least N networks with at most P nonzero
    parameters over widths 1..max_width (positions and values both counted).

    Instances of the family compute pairwise different functions on s-sparse inputs, so their
    networks differ; if every instance had a network with at most P - 1 nonzero parameters,
    ``N <= sum_{d <= D} sum_{j < P} C(d (m + 1), j) V^j`` with V = 2 B s + 1 (at least as many
    values as a nonzero weight or threshold can take). Hence the WORST instance needs at least
    this many parameters; it says nothing about any one instance.

    >>> params_counting_bound(1, 4, 2, 3, 6), params_counting_bound(24, 4, 2, 3, 4)
    (0, 1)
    """
    values = max(2 * max_weight, _threshold_values(max_weight, sparsity))
    p = 0
    while True:
        total = sum(math.comb(d * (m + 1), j) * values ** j
                    for d in range(1, max_width + 1) for j in range(p + 1))
        if total >= family_size:
            return p
        p += 1


def units_counting_bound(family_size: int, m: int, sparsity: int, max_weight: int) -> int:
    """The least D such that the model holds at least N networks of width <= D.

    A width-d network is (W, theta) with ``(2B + 1)^(d m) (2 B s + 2)^d`` choices; the worst
    instance of an N-instance family needs at least this width. 0 when N <= 1.

    >>> units_counting_bound(1, 3, 2, 3), units_counting_bound(720, 4, 2, 3)
    (0, 1)
    """
    if family_size <= 1:
        return 0
    total, d = 0, 0
    while total < family_size:
        d += 1
        total += (2 * max_weight + 1) ** (d * m) * (2 * max_weight * sparsity + 2) ** d
    return d


def values_only_bound(family_size: int, max_weight: int) -> int:
    """The paper-style premise ``b P >= log2 N`` with b = ceil(log2(2B + 1)) bits per value and
    positions free: ceil(log2 N / b). Reported for comparison only: in this model the positions
    of the nonzeros carry information too, so it is not a valid lower bound here.

    >>> values_only_bound(24, 3), values_only_bound(1, 3)
    (2, 0)
    """
    if family_size <= 1:
        return 0
    bits = math.ceil(math.log2(2 * max_weight + 1))
    return math.ceil(math.log2(family_size) / bits)
