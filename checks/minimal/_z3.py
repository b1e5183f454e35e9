"""The Z3 synthesis behind the exact minima: the encoding of the tiny model and the search.

Unknowns of width d: integer weights ``W[q, i]`` in [-B, B] and thresholds ``theta_q`` in
[-B s, B s + 1]. On every s-sparse input (active features A), unit q fires iff
``sum_{i in A} W[q, i] >= theta_q``; through the fixed output code of width d, output k reads
``AND_{q in Q_k} fire_q``, so an output that must read 1 needs every unit of its support firing
and one that must read 0 needs one of them silent. The parameter count is an ``AtMost`` over
``W[q, i] != 0`` and ``theta_q != 0``.

The search (``_search``): widths from ``sperner_width(m')`` up to m'; the first SAT width is
``units_min`` (every smaller one UNSAT, or impossible by Sperner). Then at each width from
``units_min`` up to m' the bound ``AtMost(best - 1)`` is tightened until UNSAT: ``params_min``
is the last SAT count, with UNSAT at one less. A timeout or a solver ``unknown`` ends the
search with its reason (``_Search.unknown``), never a pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from superpose.checks.minimal._bounds import fixed_output_code, sperner_width
from superpose.circuits import Problem, SupportCode
from superpose.circuits.model import PAD, enumerate_sparse_inputs

__all__ = ["_Clock", "_Encoding", "_Search", "_Witness", "_search"]


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
        why = self.solver.reason_unknown()
        if why in ("timeout", "canceled") or clock.remaining_ms() <= 1:
            # Z3 reports a soft timeout as "timeout" or, when it interrupts a tactic, "canceled"
            raise _Unknown(f"timeout at width {self.d} (z3: {why})")
        raise _Unknown(f"z3 returned unknown at width {self.d} ({why})")

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
