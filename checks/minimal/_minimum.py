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

Where it lives: the output code and the counting bounds in ``superpose.checks.minimal._bounds``, the
instances and tables in ``superpose.checks.minimal._instances``, the Z3 encoding and search in
``superpose.checks.minimal._z3``; the replay, the results and the public functions here.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from superpose.checks.minimal._bounds import (
    fixed_output_code,
    params_counting_bound,
    sperner_width,
    units_counting_bound,
    values_only_bound,
)
from superpose.checks.minimal._instances import (
    DEFAULT_MAX_WEIGHT,
    DEFAULT_TABLE,
    HEAVY_TABLE,
    M_MAX,
    M_MIN,
    Instance,
    and2_order_representatives,
)
from superpose.checks.minimal._z3 import _Clock, _Search, _search, _Witness
from superpose.circuits import (
    Circuit,
    Layer,
    Permutation,
    Problem,
    ThresholdNetwork,
    construct,
    exhaustive,
    identity_code,
    load_circuit,
    save_circuit,
)
from superpose.circuits.validate import check_int, check_positive
from superpose.theory import Evidence, Verdict

__all__ = ["DEFAULT_MAX_WEIGHT", "DEFAULT_TABLE", "HEAVY_TABLE", "Instance", "MinimalResult",
           "M_MIN", "M_MAX", "MAX_WEIGHT_LIMIT", "exact_minimum", "family_minimum",
           "fixed_output_code", "minimal_evidence", "minimal_table", "sperner_width",
           "units_counting_bound", "params_counting_bound", "values_only_bound",
           "and2_order_representatives"]

MAX_WEIGHT_LIMIT = 16
CONSTRUCTION = "z3-minimal"
CHECK = "minimal-sizes"
STATEMENT = ("counting bound <= exact minimum <= naive on tiny instances (witness replayed, "
             "one less UNSAT); exact minimum vs construction vs naive reported")
STRICT_STATEMENT = ("counting bound <= exact minimum <= construction <= naive on tiny instances "
                    "(witness replayed, one less UNSAT)")


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


@dataclass
class _Searches:
    """The Z3 searches of one row, one per instance in ``inst.orders()`` order (stopped at the
    first that runs out of time), with every witness replayed (``replays``, keyed by
    (instance, objective)).

    ``worst_units``/``worst_params``: (instance index, search) of the largest ``units_min`` and
    ``params_min``, set only when every instance was decided; ``witness_units`` and
    ``witness_params`` are their replays (written to ``witness_out`` when given).
    """

    runs: list[tuple[Problem, _Search]]
    replays: dict[tuple[int, str], dict]
    unknown: str
    decided: list[tuple[int, _Search]]
    worst_units: tuple[int, _Search] | None
    worst_params: tuple[int, _Search] | None
    witness_units: dict | None
    witness_params: dict | None

    @property
    def complete(self) -> bool:
        """Every instance decided, none out of time."""
        return self.worst_units is not None and not self.unknown

    def all_replays(self) -> list[dict]:
        return list(self.replays.values()) + [w for w in (self.witness_units,
                                                          self.witness_params) if w is not None]


def _search_instances(inst: Instance, max_weight: int, clock: _Clock,
                      witness_out: str | Path | None) -> _Searches:
    """Search every instance of the row (sharing ``clock``), replay each witness from a
    temporary folder, and pick and replay the worst instance's witnesses."""
    family = inst.family()
    runs: list[tuple[Problem, _Search]] = []
    replays: dict[tuple[int, str], dict] = {}
    unknown = ""
    with tempfile.TemporaryDirectory(prefix="superpose-minimal-") as tmp:
        for n, order in enumerate(inst.orders()):
            problem = inst.problem_of(order)
            found = _search(problem, order, inst.sparsity, max_weight, clock)
            runs.append((problem, found))
            for objective, wit in found.witnesses.items():
                replays[(n, objective)] = _replay(problem, inst.sparsity, max_weight, wit,
                                                  family, Path(tmp) / f"w{n}-{objective}.npz")
            if found.unknown:
                unknown = f"{inst.label()} order {list(order)}: {found.unknown}"
                break
    decided = [(n, s) for n, (_, s) in enumerate(runs)
               if s.units_min is not None and s.params_min is not None and not s.unknown]
    every = len(decided) == len(runs)
    worst_u = max(decided, key=lambda x: x[1].units_min, default=None) if every else None
    worst_p = max(decided, key=lambda x: x[1].params_min, default=None) if every else None
    wit_u = wit_p = None
    if worst_u is not None and worst_p is not None:
        if witness_out is not None:
            base = Path(witness_out)
            wit_u = _replay(runs[worst_u[0]][0], inst.sparsity, max_weight,
                            worst_u[1].witnesses["units"], family, base)
            wit_p = _replay(runs[worst_p[0]][0], inst.sparsity, max_weight,
                            worst_p[1].witnesses["params"], family,
                            _derived_path(base, "params"))
        else:
            wit_u = dict(replays[(worst_u[0], "units")], path=None)
            wit_p = dict(replays[(worst_p[0], "params")], path=None)
    return _Searches(runs, replays, unknown, decided, worst_u, worst_p, wit_u, wit_p)


def _counting_bound(inst: Instance, max_weight: int) -> dict:
    """The counting lower bounds of the row's family (``units_counting_bound``,
    ``params_counting_bound``, ``values_only_bound``) and which instance they are about."""
    n_family = inst.family_size()
    return {"units": units_counting_bound(n_family, inst.m, inst.sparsity, max_weight),
            "params": params_counting_bound(n_family, inst.m, inst.sparsity, max_weight,
                                            inst.m_prime),
            "params_values_only": values_only_bound(n_family, max_weight),
            "family_size": n_family,
            "applies_to": ("every instance (all permutations have the same minima)"
                           if inst.problem == "perm" else
                           "the worst order" + (" (this row)" if inst.all_instances else
                                                ", not this one"))}


def _row_verdict(found: _Searches, links: list[dict], construction: dict, naive: dict,
                 strict_chain: bool) -> tuple[Verdict, str]:
    """The row's verdict and reason, first rule that applies: REFUTED if a witness fails
    replay, a decisive link fails, the naive network is wrong, or Z3 found no network at any
    width (the naive one is in the model); UNKNOWN if the search did not finish, one less was
    not shown impossible, or (``strict_chain``) the construction is wrong; else PROVED."""
    failed = [r for r in found.all_replays() if not r["replayed"]]
    complete = found.complete
    units_below = complete and found.worst_units[1].units_below in ("sperner", "z3")
    params_below = complete and found.worst_params[1].params_below
    broken = [lk for lk in links if lk["decisive"] and lk["holds"] is False]
    if not naive["correct"]:  # the naive network is exact by construction: a bug if not
        broken.append({"quantity": "units", "link": "naive network correct", "left": None,
                       "right": None})
    if failed:
        return Verdict.REFUTED, (
            f"{len(failed)} witness(es) failed replay: {failed[0]['path'] or 'witness'} "
            f"(in model {failed[0]['in_model']}, counts agree "
            f"{failed[0]['counts_agree']}, wrong outputs {failed[0]['wrong_outputs']})")
    if broken:
        return Verdict.REFUTED, "; ".join(
            f"{lk['quantity']}: {lk['link']} fails ({lk['left']} > {lk['right']})"
            if lk["left"] is not None else f"{lk['link']} fails" for lk in broken)
    if any(s.units_min is None and not s.unknown for _, s in found.runs):
        return Verdict.REFUTED, ("z3 found no network at any width up to m', but the naive "
                                 "network is in the model (an encoding error)")
    if not complete:
        return Verdict.UNKNOWN, found.unknown or "the search did not finish"
    if not (units_below and params_below):
        return Verdict.UNKNOWN, "one less was not shown impossible"
    if strict_chain and not construction["correct"]:
        return Verdict.UNKNOWN, (f"the {construction['name']} circuit (seed 0) is wrong on some "
                                 "s-sparse input, so its counts cannot enter the chain")
    fails = [lk for lk in links if lk["holds"] is False]
    reason = "every decisive link holds" + (
        "; not decisive and failing: " + "; ".join(
            f"{lk['quantity']} {lk['link']} ({lk['left']} > {lk['right']})" for lk in fails)
        if fails else "")
    if not construction["correct"]:
        reason += f"; the {construction['name']} circuit (seed 0) is wrong on some input"
    return Verdict.PROVED, reason


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
    found = _search_instances(inst, max_weight, clock, witness_out)
    construction = _max_reference([_reference_counts(p, inst.sparsity, None)
                                   for p, _ in found.runs])
    naive = _max_reference([_reference_counts(p, inst.sparsity, "naive") for p, _ in found.runs])
    bound = _counting_bound(inst, max_weight)
    complete = found.complete
    worst_u, worst_p = found.worst_units, found.worst_params
    units = worst_u[1].units_min if complete else None
    params = worst_p[1].params_min if complete else None
    links = _links(inst, units, params, bound, construction, naive, strict_chain)
    verdict, reason = _row_verdict(found, links, construction, naive, strict_chain)
    all_replays = found.all_replays()
    failed = sum(not r["replayed"] for r in all_replays)
    last = found.runs[-1][1] if found.runs else None
    worst_instance = {}
    if complete:
        worst_instance = {"units": _instance_json(found.runs[worst_u[0]][0]),
                          "params": _instance_json(found.runs[worst_p[0]][0])}
    return MinimalResult(
        problem=inst.problem, label=inst.label(), command=inst.command(max_weight, strict_chain),
        m=inst.m, m_prime=inst.m_prime, sparsity=inst.sparsity, max_weight=max_weight,
        family_size=bound["family_size"], instances=len(found.runs),
        worst_instance=worst_instance, units_min=units, params_min=params,
        units_min_best=min(s.units_min for _, s in found.decided) if complete else None,
        params_min_best=min(s.params_min for _, s in found.decided) if complete else None,
        params_at_units_min=(next(w["params_min"] for w in worst_u[1].widths
                                  if w["d"] == worst_u[1].units_min) if complete else None),
        units_unsat_below=bool(complete and worst_u[1].units_below in ("sperner", "z3")),
        params_unsat_below=bool(complete and worst_p[1].params_below),
        units_below_reason=(worst_u[1].units_below if complete else ""),
        sperner_bound=sperner_width(inst.m_prime), counting_bound=bound,
        witness_units=found.witness_units, witness_params=found.witness_params,
        witnesses_replayed=len(all_replays) - failed, witnesses_failed=failed,
        construction=construction, naive=naive, links=tuple(links),
        widths=tuple(last.widths) if last is not None and len(found.runs) == 1 else (),
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
