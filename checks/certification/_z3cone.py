"""One output's correctness as a Z3 query over the cone of units that can reach it.

For output k, the cone is Q_k in layer L and, layer by layer downwards, every unit with a
nonzero weight into the cone; its features are the holders of the cone's input units plus the
sources T(k) of k's ground truth. The query asks for x over those features with

    AtMost(x, s)  and  decode_k(x) != truth_k(x & T(k)),

with a_0[p] = Or(x_e : p in P_e), a_l[u] = PbGe(sum_v W[u, v] a_{l-1}[v], theta_u) (integer
weights of any sign, thresholds of any sign), decode_k = And(a_L[q] : q in Q_k) and truth_k the
problem's own ground truth on each subset of T(k), tabulated. Features outside the cone cannot
change output k, so sat/unsat here decides output k on every s-sparse input.
"""

from __future__ import annotations

import itertools

import numpy as np

from superpose.circuits import PAD, Circuit
from superpose.circuits.correctness import output_sources

__all__ = ["z3_output"]


def z3_output(circuit: Circuit, k: int, s: int, timeout: float) -> tuple[str, tuple[int, ...]]:
    """("sat", active features of a wrong input), ("unsat", ()) or ("unknown", ()).

    ``timeout`` is in seconds; a solver ``unknown`` (a timeout included) is never a pass.
    """
    import z3

    net = circuit.network
    cone = [np.unique(net.output_code.row(k)).astype(np.int64)]
    for layer in reversed(net.layers):
        rows = layer.weights[cone[-1]]
        cone.append(np.unique(rows.indices[rows.data != 0]).astype(np.int64))
    cone.reverse()
    holders = net.input_code.matrix_t().tocsr()
    sources = [int(f) for f in _sources(circuit, k)]
    feats = np.union1d(holders[cone[0]].indices, sources).astype(np.int64)
    x = {int(e): z3.Bool(f"x{e}") for e in feats}
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    if len(x) > s:
        solver.add(z3.AtMost(*x.values(), s))
    state = {int(p): z3.Or([x[int(e)] for e in holders[p].indices] or [z3.BoolVal(False)])
             for p in cone[0]}
    for l, layer in enumerate(net.layers, start=1):
        w = layer.weights
        nxt = {}
        for u in cone[l]:
            lo, hi = w.indptr[u], w.indptr[u + 1]
            terms = [(state[int(v)], int(c)) for v, c in zip(w.indices[lo:hi], w.data[lo:hi])
                     if c != 0]
            theta = int(layer.theta[u])
            nxt[int(u)] = _at_least(terms, theta, z3)
        state = nxt
    decode = z3.And([state[int(q)] for q in cone[-1]] or [z3.BoolVal(True)])
    solver.add(decode != _truth_formula(circuit, k, sources, s, x, z3))
    answer = solver.check()
    if answer == z3.sat:
        model = solver.model()
        return "sat", tuple(sorted(e for e, var in x.items()
                                   if z3.is_true(model.eval(var, model_completion=True))))
    return ("unsat", ()) if answer == z3.unsat else ("unknown", ())


_PB_LIMIT = 2 ** 31  # Z3's pseudo-Boolean constraints take coefficients and k below this


def _at_least(terms: list, theta: int, z3):
    """[sum_i c_i b_i >= theta] for (b_i, c_i) in ``terms``: a pseudo-Boolean constraint when
    Z3 takes its numbers, else the same sum over exact (unbounded) integers."""
    if not terms:
        return z3.BoolVal(0 >= theta)
    if abs(theta) < _PB_LIMIT and all(abs(c) < _PB_LIMIT for _, c in terms):
        return z3.PbGe(terms, theta)
    return z3.Sum([z3.If(b, z3.IntVal(c), z3.IntVal(0)) for b, c in terms]) >= z3.IntVal(theta)


def _sources(circuit: Circuit, k: int) -> np.ndarray:
    row = np.asarray(output_sources(circuit)[k], dtype=np.int64)
    return np.unique(row[row != PAD])


def _truth_formula(circuit: Circuit, k: int, sources: list[int], s: int, x, z3):
    """truth_k as a formula: the problem's truth on every subset tau of T(k), |tau| <= s."""
    subsets = [tau for j in range(min(s, len(sources)) + 1)
               for tau in itertools.combinations(sources, j)]
    batch = np.full((len(subsets), s), PAD, dtype=np.int64)
    for i, tau in enumerate(subsets):
        batch[i, :len(tau)] = tau
    truth = circuit.problem.truth(batch).tocsr()
    cases = []
    for i, tau in enumerate(subsets):
        if truth[i, k]:
            cases.append(z3.And([x[f] if f in tau else z3.Not(x[f]) for f in sources]
                                or [z3.BoolVal(True)]))
    return z3.Or(cases) if cases else z3.BoolVal(False)
