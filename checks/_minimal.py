"""Exact minima at tiny sizes: Z3 synthesises integer threshold networks under fixed codes.

The tiny model (paper_notes/minimal.md), a special case of paper_notes/model.md:

* one computing layer (L = 1), the identity input code (d_0 = m, ``P_i = {i}``);
* d threshold units with integer weights ``|W[q, i]| <= B`` and integer thresholds (the range
  ``-B s <= theta <= B s + 1`` loses nothing: on s-sparse inputs a pre-activation lies in
  [-B s, B s], and clamping a threshold into that range keeps the unit's outputs and whether it
  is nonzero);
* a FIXED output code that depends only on (m', d), never on the instance: with
  ``t = min{t : C(d, t) >= m'}``, output k reads the AND of the k-th t-subset of range(d) in
  lexicographic order (``fixed_output_code``). At d = m' this is the identity code, so the naive
  network lies in the model (weights 1 <= B).

Correctness is *certified*: every s-sparse input decodes every output correctly. The minima:

* ``units_min`` = the least d for which Z3 finds a correct network (SAT), every smaller width
  being UNSAT (Z3) or impossible for every output code (Sperner: each output is the only true
  output on some input, so the supports must be pairwise incomparable, and an antichain in a
  d-set has at most C(d, floor(d/2)) members);
* ``params_min`` = the least number of nonzero weights plus nonzero thresholds over every width
  (widths above m' only add unread units, so widths up to m' suffice), with UNSAT at one less at
  every width.

Each SAT witness is written as a ``superpose-circuit`` file, read back, replayed on every s-sparse
input with ``circuits.exhaustive``, and its counts are read from the loaded file. A solver
``unknown`` (a timeout) makes the result UNKNOWN, never a pass.
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from circuits import (And2, Circuit, Layer, Permutation, Problem, SupportCode, ThresholdNetwork,
                      construct, enumerate_sparse_inputs, exhaustive, identity_code,
                      load_circuit, save_circuit)
from circuits._inputs import PAD
from circuits._validate import check_int, check_positive
from theory import Evidence, Verdict
from theory.errors import InvalidArgument

__all__ = ["DEFAULT_MAX_WEIGHT", "DEFAULT_TABLE", "HEAVY_TABLE", "Instance", "MinimalResult",
           "M_MIN", "M_MAX", "exact_minimum", "family_minimum", "fixed_output_code",
           "minimal_evidence", "minimal_table", "sperner_width", "units_counting_bound",
           "params_counting_bound", "values_only_bound", "and2_order_representatives"]

DEFAULT_MAX_WEIGHT = 3
M_MIN, M_MAX = 3, 8
MAX_WEIGHT_LIMIT = 16
ALL_PERMS_MAX_M = 5
ALL_ORDERS_MAX_M = 4
CONSTRUCTION = "z3-minimal"
CHECK = "minimal-sizes"
STATEMENT = ("counting bound <= exact minimum <= naive on tiny instances (witness replayed, "
             "one less UNSAT); exact minimum vs construction vs naive reported")
STRICT_STATEMENT = ("counting bound <= exact minimum <= construction <= naive on tiny instances "
                    "(witness replayed, one less UNSAT)")


# --------------------------------------------------------------------------------------------
# The fixed output code and the bounds


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


# --------------------------------------------------------------------------------------------
# Instances


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


# --------------------------------------------------------------------------------------------
# The search


@dataclass
class _Witness:
    d: int
    weights: np.ndarray  # d x m, int64
    theta: np.ndarray    # d
    objective: str       # "units" or "params"
    solver_params: int   # nonzero count as the solver model gives it


class _Unknown(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Clock:
    def __init__(self, timeout: float):
        self.deadline = time.perf_counter() + timeout
        self.calls = 0

    def remaining_ms(self) -> int:
        left = self.deadline - time.perf_counter()
        if left <= 0:
            raise _Unknown("timeout before the search finished")
        return max(1, int(left * 1000))


def _truth_table(problem: Problem, sparsity: int) -> tuple[list[tuple[int, ...]],
                                                           list[frozenset[int]]]:
    """Every s-sparse input (as its active features) and the outputs that must read 1 on it,
    from the problem's own ground truth."""
    inputs, truths = [], []
    for chunk in enumerate_sparse_inputs(problem.m, sparsity):
        truth = problem.truth(chunk).tocsr()
        for b, row in enumerate(chunk):
            inputs.append(tuple(int(i) for i in row if i != PAD))
            truths.append(frozenset(truth.indices[truth.indptr[b]:truth.indptr[b + 1]].tolist()))
    return inputs, truths


class _Encoding:
    """Z3 constraints: width d, weights in [-B, B], thresholds in [-B s, B s + 1], every
    s-sparse input decoded correctly through the fixed output code of width d."""

    def __init__(self, z3, m: int, sparsity: int, max_weight: int, code: SupportCode,
                 inputs, truths):
        self.z3 = z3
        self.d, self.m = code.width, m
        d, big = self.d, max_weight * sparsity
        self.solver = z3.Solver()
        self.solver.set("random_seed", 0)
        self.w = [[z3.Int(f"w_{q}_{i}") for i in range(m)] for q in range(d)]
        self.theta = [z3.Int(f"theta_{q}") for q in range(d)]
        add = self.solver.add
        for q in range(d):
            for i in range(m):
                add(self.w[q][i] >= -max_weight, self.w[q][i] <= max_weight)
            add(self.theta[q] >= -big, self.theta[q] <= big + 1)
        rows = [code.row(k).tolist() for k in range(code.n_rows)]
        for n, (active, true) in enumerate(zip(inputs, truths, strict=True)):
            fire = [z3.Bool(f"fire_{q}_{n}") for q in range(d)]
            for q in range(d):
                pre = z3.Sum([self.w[q][i] for i in active]) if active else z3.IntVal(0)
                add(fire[q] == (pre >= self.theta[q]))
            for k, support in enumerate(rows):
                if k in true:
                    add(z3.And([fire[q] for q in support]))
                else:
                    add(z3.Or([z3.Not(fire[q]) for q in support]))
        self.nonzero = ([self.w[q][i] != 0 for q in range(d) for i in range(m)]
                        + [self.theta[q] != 0 for q in range(d)])

    def at_most(self, params: int) -> None:
        self.solver.add(self.z3.AtMost(*self.nonzero, params))

    def check(self, clock: _Clock) -> bool:
        """True for SAT, False for UNSAT; _Unknown on a timeout or a solver ``unknown``."""
        self.solver.set("timeout", clock.remaining_ms())
        clock.calls += 1
        result = self.solver.check()
        if result == self.z3.sat:
            return True
        if result == self.z3.unsat:
            return False
        raise _Unknown(f"z3 returned unknown at width {self.d} "
                       f"({self.solver.reason_unknown()})")

    def witness(self, objective: str) -> _Witness:
        model = self.solver.model()
        val = lambda v: model.eval(v, model_completion=True).as_long()  # noqa: E731
        w = np.array([[val(x) for x in row] for row in self.w], dtype=np.int64).reshape(
            self.d, self.m)
        theta = np.array([val(t) for t in self.theta], dtype=np.int64)
        return _Witness(self.d, w, theta, objective,
                        int(np.count_nonzero(w) + np.count_nonzero(theta)))


@dataclass
class _Search:
    order: tuple[int, ...]
    units_min: int | None = None
    units_below: str = ""          # "sperner", "z3" or "" (not established)
    params_min: int | None = None
    params_below: bool = False
    witnesses: dict = field(default_factory=dict)  # objective -> _Witness
    widths: list = field(default_factory=list)
    unknown: str = ""
    calls: int = 0
    seconds: float = 0.0


def _search(problem: Problem, order, sparsity: int, max_weight: int, clock: _Clock) -> _Search:
    import z3

    start = time.perf_counter()
    out = _Search(tuple(order))
    inputs, truths = _truth_table(problem, sparsity)
    m, m_prime = problem.m, problem.m_prime
    alone = {next(iter(t)) for t in truths if len(t) == 1}
    sperner_applies = len(alone) == m_prime
    first = sperner_width(m_prime)
    encodings: dict[int, _Encoding] = {}
    log = {d: {"d": d, "t": int(fixed_output_code(m_prime, d).sizes()[0]), "network": "",
               "params_min": None} for d in range(first, m_prime + 1)}
    try:
        for d in range(first, m_prime + 1):
            enc = _Encoding(z3, m, sparsity, max_weight, fixed_output_code(m_prime, d),
                            inputs, truths)
            if enc.check(clock):
                encodings[d] = enc
                out.units_min = d
                out.witnesses["units"] = enc.witness("units")
                log[d]["network"] = "sat"
                break
            log[d]["network"] = "unsat"
        if out.units_min is None:
            return out
        out.units_below = "sperner" if out.units_min == first and sperner_applies else (
            "z3" if out.units_min > first else "")
        best = None
        widths = [out.units_min] + [d for d in range(out.units_min + 1, m_prime + 1)]
        for d in widths:
            enc = encodings.get(d) or _Encoding(z3, m, sparsity, max_weight,
                                                fixed_output_code(m_prime, d), inputs, truths)
            if best is not None:
                enc.at_most(best - 1)
            local = None
            while enc.check(clock):
                wit = enc.witness("params")
                local = best = wit.solver_params
                out.witnesses["params"] = wit
                if d == out.units_min:  # the units witness: fewest parameters at that width
                    out.witnesses["units"] = _Witness(d, wit.weights, wit.theta, "units",
                                                      wit.solver_params)
                enc.at_most(best - 1)
            log[d]["params_min"] = local
            if not log[d]["network"]:
                log[d]["network"] = "sat" if local is not None else f"none with <= {best - 1}"
            encodings.pop(d, None)
        out.params_min = best
        out.params_below = best is not None
    except _Unknown as exc:
        out.unknown = exc.reason
    finally:
        out.widths = [log[d] for d in sorted(log)]
        out.calls = clock.calls
        out.seconds = time.perf_counter() - start
    return out


# --------------------------------------------------------------------------------------------
# Replay and comparison


def _witness_circuit(problem: Problem, sparsity: int, max_weight: int, wit: _Witness,
                     family: str) -> Circuit:
    code = fixed_output_code(problem.m_prime, wit.d)
    layer = Layer(sp.csr_matrix(wit.weights), wit.theta)
    network = ThresholdNetwork(identity_code(problem.m), (layer,), code)
    constants = {"max_weight": max_weight, "width": wit.d,
                 "code_t": int(code.sizes()[0]), "objective": wit.objective,
                 "model": "L=1, identity input code, first m' t-subsets of range(d) (lex)"}
    return Circuit(problem, network, CONSTRUCTION, sparsity, 0, constants, family)


def _replay(problem: Problem, sparsity: int, max_weight: int, wit: _Witness, family: str,
            path: Path) -> dict:
    """Write the witness, read it back, replay it on every s-sparse input; counts from the file.

    ``replayed`` is True only when the loaded circuit is in the tiny model (L = 1, identity
    input code, the fixed output code of its width, |w| <= B), is correct on every s-sparse
    input, and its counts equal the solver's (width and nonzero parameters).
    """
    save_circuit(_witness_circuit(problem, sparsity, max_weight, wit, family), path)
    loaded = load_circuit(path)
    report = exhaustive(loaded)
    counts = loaded.counts()
    net = loaded.network
    layer = net.layers[0] if len(net.layers) == 1 else None
    in_model = (layer is not None
                and net.input_code.same_as(identity_code(problem.m))
                and (code := fixed_output_code(problem.m_prime, net.widths[-1])) is not None
                and net.output_code.same_as(code)
                and (layer.weights.data.size == 0
                     or int(np.abs(layer.weights.data).max()) <= max_weight))
    agrees = counts.threshold_units == wit.d and counts.params == wit.solver_params
    ok = bool(in_model and agrees and report.complete and report.wrong_outputs == 0)
    return {"path": str(path), "replayed": ok, "in_model": bool(in_model),
            "counts_agree": bool(agrees), "inputs_checked": report.inputs_checked,
            "input_space": report.input_space, "wrong_outputs": report.wrong_outputs,
            "counterexamples": [e.as_dict() for e in report.examples],
            "threshold_units": counts.threshold_units, "params": counts.params,
            "neurons": counts.neurons, "max_abs_weight": counts.max_abs_weight,
            "width": wit.d, "weights": wit.weights.tolist(), "theta": wit.theta.tolist()}


def _reference_counts(problem: Problem, sparsity: int, construction: str | None) -> dict:
    circuit = construct(problem, sparsity, seed=0, construction=construction)
    counts = circuit.counts()
    report = exhaustive(circuit)
    return {"name": circuit.construction, "threshold_units": counts.threshold_units,
            "params": counts.params, "neurons": counts.neurons,
            "correct": bool(report.complete and report.wrong_outputs == 0)}


@dataclass(frozen=True)
class MinimalResult:
    """The exact minima of one table row, with the chain and the row's verdict.

    ``units_min``/``params_min`` are exact minima in the tiny model at weight range B (for a
    family row, the maximum over its instances, with ``*_min_best`` the minimum);
    ``params_at_units_min`` is the fewest parameters at width ``units_min`` (the units witness
    has that many; the two minima can need different widths); ``*_unsat_below``
    says one less was shown impossible (UNSAT, or Sperner for the width); ``counting_bound`` is
    the worst-case bound of the family (``params_counting_bound``, ``units_counting_bound``).
    ``construction``/``naive`` hold counts read from ``circuits.construct`` circuits (seed 0) and
    whether they are correct on every s-sparse input. ``links`` is the chain, one entry per
    inequality and quantity: its numbers, whether it holds, and whether it is decisive (a
    theorem in the model, whose failure refutes the row). Every count of a witness comes from
    its loaded circuit file.
    """

    problem: str
    label: str
    command: str
    m: int
    m_prime: int
    sparsity: int
    max_weight: int
    family_size: int
    instances: int
    worst_instance: dict
    units_min: int | None
    params_min: int | None
    units_min_best: int | None
    params_min_best: int | None
    params_at_units_min: int | None
    units_unsat_below: bool
    params_unsat_below: bool
    units_below_reason: str
    sperner_bound: int
    counting_bound: dict
    witness_units: dict | None
    witness_params: dict | None
    witnesses_replayed: int
    witnesses_failed: int
    construction: dict
    naive: dict
    links: tuple
    widths: tuple
    solver_calls: int
    seconds: float
    verdict: Verdict
    reason: str

    @property
    def witness_paths(self) -> tuple[str | None, str | None]:
        return (self.witness_units or {}).get("path"), (self.witness_params or {}).get("path")

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items()}
        out["verdict"] = self.verdict.value
        out["links"] = list(self.links)
        out["widths"] = list(self.widths)
        out["seconds"] = round(self.seconds, 3)
        return out


def _link(quantity: str, name: str, left, right, decisive: bool, why: str) -> dict:
    holds = None if left is None or right is None else bool(left <= right)
    return {"quantity": quantity, "link": name, "left": left, "right": right, "holds": holds,
            "decisive": decisive, "why": why}


def _links(inst: Instance, units: int | None, params: int | None, bound: dict,
           construction: dict, naive: dict, strict: bool) -> list[dict]:
    # The counting bound bounds the worst instance of the family. It is a theorem for the row
    # when the row is the maximum over the family, or for a permutation, whose minima are the
    # same for every permutation (input relabelling maps any permutation to any other).
    family_max = inst.all_instances or inst.problem == "perm"
    why_bound = ("theorem: the row is the family's maximum" if family_max else
                 "comparison: the bound is about the worst order; this row is one order")
    why_naive = "theorem: the naive network is in the tiny model (identity codes at d = m')"
    why_con = "comparison: the construction is outside the tiny model (random codes, L = 2)"
    why_cn = "comparison: the construction targets large m' (it beats naive only at scale)"
    out = []
    for q, exact in (("units", units), ("params", params)):
        out += [_link(q, "counting bound <= exact", bound[q], exact, family_max or strict,
                      why_bound),
                _link(q, "exact <= construction", exact, construction[_COUNT[q]], strict,
                      why_con),
                _link(q, "construction <= naive", construction[_COUNT[q]], naive[_COUNT[q]],
                      strict, why_cn),
                _link(q, "exact <= naive", exact, naive[_COUNT[q]], True, why_naive)]
    return out


_COUNT = {"units": "threshold_units", "params": "params"}


def _max_reference(refs: list[dict]) -> dict:
    """The largest counts over a family's instances, and whether all were correct."""
    return {"name": refs[0]["name"],
            "threshold_units": max(r["threshold_units"] for r in refs),
            "params": max(r["params"] for r in refs),
            "neurons": max(r["neurons"] for r in refs),
            "correct": all(r["correct"] for r in refs)}


def _derived_path(base: Path, tag: str) -> Path:
    return base.with_name(f"{base.stem}-{tag}{base.suffix or '.npz'}")


def family_minimum(inst: Instance, max_weight: int = DEFAULT_MAX_WEIGHT, timeout: float = 60.0,
                   witness_out: str | Path | None = None,
                   strict_chain: bool = False) -> MinimalResult:
    """Exact minima of every instance of ``inst`` (one, or a family), and the row's chain.

    For a family the row reports max over instances of ``units_min`` and of ``params_min``
    (the worst instance, which the counting bound is about), each with its witness and its
    UNSAT at one less. ``timeout`` (seconds) is the budget of the whole row; running out gives
    UNKNOWN. ``witness_out``: the units witness of the worst instance is written there and the
    params witness next to it with ``-params`` before the suffix; every other witness is
    written to a temporary folder, replayed and removed.
    """
    max_weight = check_int("max_weight", max_weight, minimum=1, maximum=MAX_WEIGHT_LIMIT)
    timeout = check_positive("timeout", timeout)
    start = time.perf_counter()
    clock = _Clock(timeout)
    family = inst.family()
    searches: list[tuple[Problem, _Search]] = []
    replays: dict[tuple[int, str], dict] = {}
    unknown = ""
    with tempfile.TemporaryDirectory(prefix="superpose-minimal-") as tmp:
        for n, order in enumerate(inst.orders()):
            problem = inst.problem_of(order)
            found = _search(problem, order, inst.sparsity, max_weight, clock)
            searches.append((problem, found))
            for objective, wit in found.witnesses.items():
                replays[(n, objective)] = _replay(problem, inst.sparsity, max_weight, wit,
                                                  family, Path(tmp) / f"w{n}-{objective}.npz")
            if found.unknown:
                unknown = f"{inst.label()} order {list(order)}: {found.unknown}"
                break
        decided = [(n, s) for n, (_, s) in enumerate(searches)
                   if s.units_min is not None and s.params_min is not None and not s.unknown]
        worst_u = max(decided, key=lambda x: x[1].units_min, default=None) \
            if len(decided) == len(searches) else None
        worst_p = max(decided, key=lambda x: x[1].params_min, default=None) \
            if len(decided) == len(searches) else None
        wit_u = wit_p = None
        if worst_u is not None and worst_p is not None:
            if witness_out is not None:
                base = Path(witness_out)
                nu, np_ = worst_u[0], worst_p[0]
                wit_u = _replay(searches[nu][0], inst.sparsity, max_weight,
                                worst_u[1].witnesses["units"], family, base)
                wit_p = _replay(searches[np_][0], inst.sparsity, max_weight,
                                worst_p[1].witnesses["params"], family,
                                _derived_path(base, "params"))
            else:
                wit_u = dict(replays[(worst_u[0], "units")], path=None)
                wit_p = dict(replays[(worst_p[0], "params")], path=None)
    all_replays = list(replays.values()) + [w for w in (wit_u, wit_p) if w is not None]
    failed = [r for r in all_replays if not r["replayed"]]
    refs_con = [_reference_counts(p, inst.sparsity, None) for p, _ in searches]
    refs_naive = [_reference_counts(p, inst.sparsity, "naive") for p, _ in searches]
    construction, naive = _max_reference(refs_con), _max_reference(refs_naive)
    n_family = inst.family_size()
    bound = {"units": units_counting_bound(n_family, inst.m, inst.sparsity, max_weight),
             "params": params_counting_bound(n_family, inst.m, inst.sparsity, max_weight,
                                             inst.m_prime),
             "params_values_only": values_only_bound(n_family, max_weight),
             "family_size": n_family,
             "applies_to": ("every instance (all permutations have the same minima)"
                            if inst.problem == "perm" else
                            "the worst order" + (" (this row)" if inst.all_instances else
                                                 ", not this one"))}
    complete = worst_u is not None and not unknown
    units = worst_u[1].units_min if complete else None
    params = worst_p[1].params_min if complete else None
    links = _links(inst, units, params, bound, construction, naive, strict_chain)
    units_below = complete and worst_u[1].units_below in ("sperner", "z3")
    params_below = complete and worst_p[1].params_below
    broken = [lk for lk in links if lk["decisive"] and lk["holds"] is False]
    if not naive["correct"]:  # the naive network is exact by construction: a bug if not
        broken.append({"quantity": "units", "link": "naive network correct", "left": None,
                       "right": None})
    if failed:
        verdict = Verdict.REFUTED
        reason = (f"{len(failed)} witness(es) failed replay: {failed[0]['path'] or 'witness'} "
                  f"(in model {failed[0]['in_model']}, counts agree "
                  f"{failed[0]['counts_agree']}, wrong outputs {failed[0]['wrong_outputs']})")
    elif broken:
        verdict = Verdict.REFUTED
        reason = "; ".join(f"{lk['quantity']}: {lk['link']} fails ({lk['left']} > {lk['right']})"
                           if lk["left"] is not None else f"{lk['link']} fails" for lk in broken)
    elif any(s.units_min is None and not s.unknown for _, s in searches):
        verdict = Verdict.REFUTED
        reason = ("z3 found no network at any width up to m', but the naive network is in the "
                  "model (an encoding error)")
    elif not complete:
        verdict = Verdict.UNKNOWN
        reason = unknown or "the search did not finish"
    elif not (units_below and params_below):
        verdict = Verdict.UNKNOWN
        reason = "one less was not shown impossible"
    elif strict_chain and not construction["correct"]:
        verdict = Verdict.UNKNOWN
        reason = (f"the {construction['name']} circuit (seed 0) is wrong on some s-sparse input, "
                  "so its counts cannot enter the chain")
    else:
        verdict = Verdict.PROVED
        fails = [lk for lk in links if lk["holds"] is False]
        reason = "every decisive link holds" + (
            "; not decisive and failing: " + "; ".join(
                f"{lk['quantity']} {lk['link']} ({lk['left']} > {lk['right']})" for lk in fails)
            if fails else "")
        if not construction["correct"]:
            reason += f"; the {construction['name']} circuit (seed 0) is wrong on some input"
    last = searches[-1][1] if searches else None
    worst_instance = {}
    if complete:
        worst_instance = {"units": _instance_json(searches[worst_u[0]][0]),
                          "params": _instance_json(searches[worst_p[0]][0])}
    return MinimalResult(
        problem=inst.problem, label=inst.label(), command=inst.command(max_weight, strict_chain),
        m=inst.m, m_prime=inst.m_prime, sparsity=inst.sparsity, max_weight=max_weight,
        family_size=n_family, instances=len(searches), worst_instance=worst_instance,
        units_min=units, params_min=params,
        units_min_best=min(s.units_min for _, s in decided) if complete else None,
        params_min_best=min(s.params_min for _, s in decided) if complete else None,
        params_at_units_min=(next(w["params_min"] for w in worst_u[1].widths
                                  if w["d"] == worst_u[1].units_min) if complete else None),
        units_unsat_below=bool(units_below), params_unsat_below=bool(params_below),
        units_below_reason=(worst_u[1].units_below if complete else ""),
        sperner_bound=sperner_width(inst.m_prime), counting_bound=bound,
        witness_units=wit_u, witness_params=wit_p,
        witnesses_replayed=len(all_replays) - len(failed), witnesses_failed=len(failed),
        construction=construction, naive=naive, links=tuple(links),
        widths=tuple(last.widths) if last is not None and len(searches) == 1 else (),
        solver_calls=clock.calls, seconds=time.perf_counter() - start, verdict=verdict,
        reason=reason)


def _instance_json(problem: Problem) -> dict:
    if isinstance(problem, Permutation):
        return {"perm": problem.perm.tolist()}
    return {"pairs": problem.pairs.tolist()}


def exact_minimum(problem: str, m: int, sparsity: int = 2, order: Sequence[int] | None = None,
                  all_instances: bool = False, max_weight: int = DEFAULT_MAX_WEIGHT,
                  timeout: float = 60.0, witness_out: str | Path | None = None,
                  strict_chain: bool = False) -> MinimalResult:
    """Exact minima of one tiny instance (or the maximum over a family) in the tiny model.

    ``problem`` is "and2" (the complete pair list of m features, in the order ``order``,
    default lexicographic) or "perm" (the permutation ``order``, default shift). See
    :func:`family_minimum` for the rest.
    """
    inst = Instance(problem, m, sparsity, tuple(order) if order is not None else None,
                    all_instances)
    return family_minimum(inst, max_weight, timeout, witness_out, strict_chain)


def minimal_table(instances: Sequence[Instance] = DEFAULT_TABLE,
                  max_weight: int = DEFAULT_MAX_WEIGHT, timeout: float = 60.0,
                  witness_dir: str | Path | None = None,
                  strict_chain: bool = False) -> list[MinimalResult]:
    """One :class:`MinimalResult` per instance; ``timeout`` is each row's budget.

    With ``witness_dir``, row r's witnesses are kept as ``row<r>.npz`` (units) and
    ``row<r>-params.npz`` there.
    """
    out = []
    for r, inst in enumerate(instances):
        path = Path(witness_dir) / f"row{r}.npz" if witness_dir is not None else None
        out.append(family_minimum(inst, max_weight, timeout, path, strict_chain))
    return out


def minimal_evidence(timeout: float = 30.0, instances: Sequence[Instance] = DEFAULT_TABLE,
                     max_weight: int = DEFAULT_MAX_WEIGHT,
                     strict_chain: bool = False) -> list[Evidence]:
    """One Evidence, check ``minimal-sizes``, over the rows of ``instances``.

    PROVED: every row found its exact minima with replayed witnesses and UNSAT (or Sperner) for
    one less, and every decisive link of its chain holds. REFUTED: a decisive link fails or a
    witness fails replay (the detail names the row and the numbers; ``replay`` is its
    ``superpose minimal`` command). UNKNOWN: a row timed out (``timeout`` seconds per row) or a
    solver said unknown. With ``strict_chain`` every link of counting bound <= exact <=
    construction <= naive is decisive.
    """
    timeout = check_positive("timeout", timeout)
    rows = minimal_table(instances, max_weight, timeout, strict_chain=strict_chain)
    refuted = [r for r in rows if r.verdict is Verdict.REFUTED]
    open_rows = [r for r in rows if r.verdict is Verdict.UNKNOWN]
    if refuted:
        verdict, bad = Verdict.REFUTED, refuted[0]
        detail = f"{bad.label}: {bad.reason}"
    elif open_rows:
        verdict, bad = Verdict.UNKNOWN, open_rows[0]
        detail = f"{bad.label}: {bad.reason}"
    else:
        verdict, bad = Verdict.PROVED, None
        detail = "; ".join(f"{r.label}: units {r.units_min}, params {r.params_min}" for r in rows)
        notes = sorted({f"{lk['link']}" for r in rows for lk in r.links
                        if lk["holds"] is False and not lk["decisive"]})
        if notes:
            detail += " (not decisive, failing on some row: " + ", ".join(notes) + ")"
    sizes = ", ".join(r.label for r in rows)
    return [Evidence(CHECK, verdict, STRICT_STATEMENT if strict_chain else STATEMENT,
                     f"Z3 synthesis in the tiny model (L=1, identity input code, fixed lex "
                     f"output code, |w| <= {max_weight}), witnesses replayed exhaustively",
                     sizes, detail, decisive=True,
                     data={"table": [r.as_dict() for r in rows]},
                     replay=bad.command if bad is not None else None)]
