"""``premise:function-count`` by enumeration: the functions a tiny fixed architecture realises.

An architecture is ``widths = (d_0, ..., d_L)``: the input read directly (identity input code,
a_0 = x, m = d_0), layers of threshold units ``a_l = [W_l a_{l-1} >= theta_l]`` (model.md
section 4), the outputs read directly (identity output code, y = a_L). Its P parameter slots are
every entry of every W_l and every theta_l, ``P = sum_l d_l (d_{l-1} + 1)``, each an integer
from a value set V of |V| = 2^b values; so it realises at most ``|V|^P = 2^(bP)`` functions.
Every one of the |V|^P assignments is enumerated (NumPy, vectorised) and evaluated on every
s-sparse input; functions are distinct truth tables.

Beside it, the *positions-free* table: for each p, the number of functions realised with at most
p nonzero parameters (any slots), against the values-only bound ``|V|^p = 2^(bp)`` and the
positions-charged bound ``C(P, p) |V|^p``; the assignments with at most p nonzeros number
``sum_{j <= p} C(P, j) (|V| - 1)^j``, checked against the enumeration. A stride of assignments
is re-evaluated by ``ThresholdNetwork.evaluate``; ``mismatches`` counts disagreements.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from superpose.checks.premises._distinct import _batch
from superpose.circuits import Layer, ThresholdNetwork, identity_code
from superpose.circuits.model import active_matrix
from superpose.theory import InvalidArgument

__all__ = ["DEFAULT_ARCHITECTURES", "FunctionCount", "NonzeroRow", "function_counts",
           "signed_values"]

_CROSS_CHECK_ASSIGNMENTS = 24
_MAX_ASSIGNMENTS = 1 << 21
_CHUNK = 1 << 16


def signed_values(b: int) -> tuple[int, ...]:
    """The b-bit two's-complement range {-2^(b-1), ..., 2^(b-1) - 1}: 2^b integer values.

    >>> signed_values(2)
    (-2, -1, 0, 1)
    """
    if not isinstance(b, int) or b < 1:
        raise InvalidArgument(f"b={b!r} must be an integer >= 1")
    return tuple(range(-(1 << (b - 1)), 1 << (b - 1)))


@dataclass(frozen=True)
class NonzeroRow:
    """Networks with at most ``p`` nonzero parameters (any slots) in one architecture.

    ``assignments`` = sum_{j<=p} C(P, j) (|V|-1)^j (counted, and equal to that formula);
    ``functions``: distinct functions they realise; ``values_bound`` = |V|^p = 2^(b p), the
    values-only bound; ``positions_bound`` = C(P, p) |V|^p, the bound that charges positions.
    """

    p: int
    assignments: int
    functions: int
    values_bound: int
    positions_bound: int

    @property
    def exceeds_values_bound(self) -> bool:
        return self.functions > self.values_bound


@dataclass(frozen=True)
class FunctionCount:
    """Every assignment of one tiny architecture, and the functions it realises.

    ``widths`` = (d_0, ..., d_L) with identity input and output codes; ``values`` the value set
    V of every slot (|V| = 2^b, b = ``bits_per_param`` = log2 |V|, not necessarily an integer);
    ``slots`` = P = sum_l d_l (d_{l-1} + 1); ``assignments`` = |V|^P = 2^(bP); ``functions``:
    distinct truth tables (on all ``inputs`` s-sparse inputs, d_L bits each);
    ``by_nonzeros[p]``: the positions-free table for p = 0..P.
    """

    widths: tuple[int, ...]
    values: tuple[int, ...]
    s: int
    inputs: int
    slots: int
    assignments: int
    functions: int
    bits_per_param: float
    by_nonzeros: tuple[NonzeroRow, ...]
    cross_checked: int
    mismatches: int
    nonzero_histogram_ok: bool

    @property
    def within_bound(self) -> bool:
        """The LB-PARAMS premise: #functions <= 2^(bP) = |V|^P."""
        return self.functions <= self.assignments

    @property
    def positions_needed(self) -> tuple[int, ...]:
        """The p at which functions with <= p nonzeros exceed the values-only bound |V|^p."""
        return tuple(row.p for row in self.by_nonzeros if row.exceeds_values_bound)

    @property
    def positions_bound_holds(self) -> bool:
        return all(row.functions <= row.positions_bound for row in self.by_nonzeros)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["widths"] = list(self.widths)
        out["values"] = list(self.values)
        out["by_nonzeros"] = [asdict(r) for r in self.by_nonzeros]
        out["positions_needed"] = list(self.positions_needed)
        return out


def _slot_layout(widths: Sequence[int]) -> list[tuple[int, int, int]]:
    """(offset, d_l, d_{l-1}) per layer; layer l's slots are W_l row-major, then theta_l."""
    out, off = [], 0
    for l in range(1, len(widths)):
        out.append((off, widths[l], widths[l - 1]))
        off += widths[l] * (widths[l - 1] + 1)
    return out


def _evaluate(params: np.ndarray, widths: Sequence[int], x: np.ndarray) -> np.ndarray:
    """Outputs (C x B x d_L bool) of C assignments (C x P ints) on inputs x (B x d_0 bool)."""
    a = np.broadcast_to(x[None].astype(np.int32), (len(params),) + x.shape)
    for off, d_out, d_in in _slot_layout(widths):
        w = params[:, off:off + d_out * d_in].reshape(-1, d_out, d_in).astype(np.int32)
        theta = params[:, off + d_out * d_in: off + d_out * (d_in + 1)].astype(np.int32)
        z = np.zeros((len(params), x.shape[0], d_out), dtype=np.int32)
        for j in range(d_in):
            z += a[:, :, j, None] * w[:, None, :, j]
        a = (z >= theta[:, None, :]).astype(np.int32)
    return a.astype(bool)


def _network(params: np.ndarray, widths: Sequence[int]) -> ThresholdNetwork:
    layers = []
    for off, d_out, d_in in _slot_layout(widths):
        w = params[off:off + d_out * d_in].reshape(d_out, d_in)
        theta = params[off + d_out * d_in: off + d_out * (d_in + 1)]
        layers.append(Layer(sp.csr_matrix(w.astype(np.int64)), theta.astype(np.int64)))
    return ThresholdNetwork(identity_code(widths[0]), tuple(layers), identity_code(widths[-1]))


def function_counts(widths: Sequence[int], values: Sequence[int] | int = 2,
                    s: int | None = None) -> FunctionCount:
    """Enumerate every assignment of an architecture and count the functions it realises.

    ``widths`` = (d_0, d_1, ..., d_L), L >= 1; ``values`` a set of distinct integers used for
    every weight and threshold, or an int b for :func:`signed_values` (b); ``s`` the sparsity of
    the inputs the function is read on (default d_0: every input). At most 2^21 assignments
    and 64 output bits per function.

    Hand check (widths (1, 1), V = {-1, 0, 1}): f(0) = [0 >= theta], f(1) = [w >= theta], so
    theta = -1 gives 11; theta = 0 gives 11 or (w = -1) 10; theta = 1 gives 00 or (w = 1) 01.

    >>> c = function_counts((1, 1), (-1, 0, 1))
    >>> c.assignments, c.functions, [r.functions for r in c.by_nonzeros]
    (9, 4, [1, 3, 4])
    """
    widths = tuple(int(w) for w in widths)
    if len(widths) < 2 or min(widths) < 1:
        raise InvalidArgument(f"widths={widths} must be (d_0, ..., d_L) with L >= 1, all >= 1")
    if isinstance(values, int):
        values = signed_values(values)
    values = tuple(int(v) for v in values)
    if len(set(values)) != len(values) or len(values) < 2:
        raise InvalidArgument(f"values={values} must be >= 2 distinct integers")
    if 0 not in values:
        raise InvalidArgument(f"values={values} must contain 0 (a zero parameter is absent)")
    d0 = widths[0]
    s = d0 if s is None else int(s)
    if not 1 <= s <= d0:
        raise InvalidArgument(f"sparsity={s} must lie in 1..d_0={d0}")
    slots = sum(widths[l] * (widths[l - 1] + 1) for l in range(1, len(widths)))
    q = len(values)
    total = q ** slots
    if total > _MAX_ASSIGNMENTS:
        raise InvalidArgument(f"{q}^{slots} = {total} assignments exceed {_MAX_ASSIGNMENTS}; "
                              "choose a smaller architecture or value set")
    batch = _batch(d0, s)
    x = active_matrix(batch, d0).toarray().astype(bool)
    n_bits = len(batch) * widths[-1]
    if n_bits > 64:
        raise InvalidArgument(f"{n_bits} output bits per function exceed 64")

    v = np.asarray(values, dtype=np.int64)
    powers = q ** np.arange(slots, dtype=np.int64)
    keys = np.empty(total, dtype=np.uint64)
    nnz = np.empty(total, dtype=np.int8)
    zero_digit = values.index(0)
    for start in range(0, total, _CHUNK):
        idx = np.arange(start, min(total, start + _CHUNK), dtype=np.int64)
        digits = (idx[:, None] // powers[None, :]) % q
        params = v[digits]
        out = _evaluate(params, widths, x).reshape(len(idx), -1)
        packed = np.packbits(out, axis=1, bitorder="little")
        packed = np.pad(packed, ((0, 0), (0, 8 - packed.shape[1])))
        keys[start:start + len(idx)] = packed.view("<u8").reshape(-1)
        nnz[start:start + len(idx)] = (digits != zero_digit).sum(axis=1)

    # Cross-check a stride of assignments against the project's evaluator.
    picks = np.linspace(0, total - 1, num=min(total, _CROSS_CHECK_ASSIGNMENTS))
    mismatches, picks = 0, np.unique(picks.astype(np.int64))
    for i in picks:
        params = v[(i // powers) % q]
        y = _network(params, widths).evaluate(batch).toarray().astype(bool)
        mine = _evaluate(params[None], widths, x)[0]
        mismatches += int(not np.array_equal(y, mine))

    uniq, inverse = np.unique(keys, return_inverse=True)
    min_nnz = np.full(len(uniq), slots + 1, dtype=np.int16)
    np.minimum.at(min_nnz, inverse.reshape(-1), nnz.astype(np.int16))
    fn_le = np.cumsum(np.bincount(min_nnz, minlength=slots + 2))[:slots + 1]
    as_le = np.cumsum(np.bincount(nnz, minlength=slots + 1))
    rows, hist_ok = [], True
    for p in range(slots + 1):
        formula = sum(math.comb(slots, j) * (q - 1) ** j for j in range(p + 1))
        hist_ok &= int(as_le[p]) == formula
        rows.append(NonzeroRow(p=p, assignments=formula, functions=int(fn_le[p]),
                               values_bound=q ** p, positions_bound=math.comb(slots, p) * q ** p))
    return FunctionCount(widths=widths, values=values, s=s, inputs=len(batch), slots=slots,
                         assignments=total, functions=len(uniq), bits_per_param=math.log2(q),
                         by_nonzeros=tuple(rows), cross_checked=len(picks),
                         mismatches=mismatches, nonzero_histogram_ok=bool(hist_ok))


# (widths, values, s): the default architectures of premise_evidence.
DEFAULT_ARCHITECTURES: tuple[tuple[tuple[int, ...], tuple[int, ...], int | None], ...] = (
    ((1, 1), (-1, 0, 1), None),
    ((2, 1), signed_values(2), None),
    ((3, 1), (-1, 0, 1), None),
    ((3, 1), signed_values(2), None),
    ((3, 1), signed_values(3), None),
    ((4, 1), signed_values(2), None),
    ((4, 1), signed_values(3), None),
    ((2, 2), signed_values(2), None),
    ((3, 2), (-1, 0, 1), None),
    ((3, 2), signed_values(2), None),
    ((2, 2, 1), (-1, 0, 1), None),
    ((2, 2, 1), signed_values(2), None),
    ((4, 2), (-1, 0, 1), None),
    ((4, 2), signed_values(2), 2),
)
