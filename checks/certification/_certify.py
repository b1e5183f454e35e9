"""Certification: does a circuit decode every output correctly on every s-sparse input?

Three exact methods, one verdict object:

* ``exhaustive``: evaluate every input with at most s active features (cheap when m is small);
* ``search``: the pruned structural search of :mod:`superpose.checks.certification._search`
  from every (output, subset of its sources), with Z3
  (:mod:`superpose.checks.certification._z3cone`) deciding any output whose search grew past a
  cap;
* ``z3``: one Z3 query per output over the cone of units that can reach it.

``auto`` enumerates when the input space has at most ``EXHAUSTIVE_LIMIT`` inputs, or not much
more than the search has roots, and searches otherwise. Any circuit file is accepted: weights
of any sign, thresholds <= 0, any depth. A counterexample is shrunk (no active feature can be
dropped) and replayed through the plain evaluator before REFUTED is reported; a timeout or a
solver ``unknown`` is UNKNOWN, never PROVED. ``Certificate._repr_markdown_`` shows a
certificate as a table in Jupyter.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from superpose.checks.certification._search import search
from superpose.checks.certification._z3cone import z3_output
from superpose.circuits import Circuit, Counterexample, evaluate_input, exhaustive, replays, shrink
from superpose.circuits.correctness import output_sources
from superpose.circuits.io import markdown_table
from superpose.circuits.model import check_sparsity, count_sparse_inputs
from superpose.circuits.validate import check_choice, check_shard
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument

__all__ = ["Certificate", "certify", "METHODS", "EXHAUSTIVE_LIMIT"]

METHODS = ("auto", "exhaustive", "search", "z3")
EXHAUSTIVE_LIMIT = 20_000


@dataclass(frozen=True)
class Certificate:
    """The verdict of :func:`certify` on one circuit at one sparsity.

    PROVED: every output is decoded correctly on every input with at most ``sparsity`` active
    features (``inputs_covered == input_space``). REFUTED: ``counterexample`` is an input on
    which one output is wrong, replayed through the plain evaluator. UNKNOWN: ``reason`` says
    why (a timeout, a solver ``unknown``); ``inputs_covered`` then counts the inputs evaluated
    explicitly before it stopped.
    """

    verdict: Verdict
    sparsity: int
    input_space: int
    inputs_covered: int
    seconds: float
    method: str
    counterexample: Counterexample | None = None
    reason: str = ""
    stats: dict = field(default_factory=dict)
    shard: tuple[int, int] = (0, 1)

    def as_dict(self) -> dict:
        ex = self.counterexample
        return {"verdict": self.verdict.value,
                "counterexample": list(ex.active) if ex is not None else None,
                "wrong_output": ({"output": ex.output, "expected": ex.expected, "got": ex.got}
                                 if ex is not None else None),
                "sparsity": self.sparsity, "inputs_covered": self.inputs_covered,
                "input_space": self.input_space, "seconds": round(self.seconds, 3),
                "method": self.method, "reason": self.reason, "stats": self.stats,
                "shard": f"{self.shard[0]}/{self.shard[1]}"}

    def _repr_markdown_(self) -> str:
        """The certificate as a two-column Markdown table (how Jupyter shows it)."""
        ex = self.counterexample
        rows = [("verdict", f"**{self.verdict.value}**"), ("sparsity", str(self.sparsity)),
                ("inputs", f"{self.inputs_covered:,} covered of {self.input_space:,}"),
                ("method", self.method), ("seconds", f"{self.seconds:.3g}")]
        if ex is not None:
            rows.append(("counterexample", f"active {list(ex.active)}: output {ex.output} "
                                           f"reads {ex.got}, expected {ex.expected}"))
        if self.reason:
            rows.append(("reason", self.reason))
        if self.shard != (0, 1):
            rows.append(("shard", f"{self.shard[0]}/{self.shard[1]}"))
        return markdown_table("certify", rows)


def certify(circuit: Circuit, sparsity: int | None = None, timeout: float | None = None,
            method: str = "auto", shard: tuple[int, int] = (0, 1),
            progress: Callable[[int, int], None] | None = None) -> Certificate:
    """Decide correctness of ``circuit`` on every input with at most ``sparsity`` active
    features (default: the circuit's own), within ``timeout`` seconds (None: no limit). An
    implicit circuit is certified as :meth:`Circuit.materialized` (the same weights).

    ``shard = (i, n)`` decides one of n parts that together cover everything: enumeration
    takes the inputs at positions j = i mod n of the enumeration order, the search and Z3 the
    outputs k = i mod n on every input. The method is chosen from the whole circuit, so every
    shard uses the same one; :func:`checks.merge_shards` combines the n certificates.
    ``progress(done, total)``, if given, is told the inputs enumerated, the search nodes of the
    current level expanded, or the outputs given to Z3 so far (``done`` restarts at 0 on each
    search level and when the search hands outputs to Z3).
    """
    s = circuit.sparsity if sparsity is None else check_sparsity(sparsity, circuit.m)
    check_choice("method", method, METHODS)
    shard = check_shard(shard)
    if timeout is not None and (isinstance(timeout, bool)
                                or not isinstance(timeout, (int, float))
                                or not 0 < timeout < math.inf):
        raise InvalidArgument(f"timeout={timeout!r} must be a finite number of seconds > 0, "
                              "or None for no limit")
    circuit.network.check_fits_evaluation()  # before any index or table is allocated
    # an implicit circuit is decided as the plain one with the same weights (its exact W_1)
    circuit = replace(circuit.materialized(), sparsity=s)
    start = time.perf_counter()
    deadline = math.inf if timeout is None else start + timeout
    space = count_sparse_inputs(circuit.m, s)
    if method == "auto":
        # the search starts from every (output, subset of its sources): when there are about
        # as many inputs as that, plain enumeration is the cheaper exact method
        roots = circuit.m_prime * 2 ** min(s, output_sources(circuit).shape[1])
        method = "exhaustive" if space <= max(EXHAUSTIVE_LIMIT, 2 * roots) else "search"
    run = {"exhaustive": _exhaustive, "search": _search, "z3": _z3}[method]
    found, covered, stats, reason = run(circuit, s, deadline, shard, progress)
    seconds = time.perf_counter() - start
    if found is not None:
        found = shrink(circuit, found)
        if replays(circuit, found):
            return Certificate(Verdict.REFUTED, s, space, covered, seconds, method, found,
                               stats=stats, shard=shard)
        got, want = evaluate_input(circuit, found.active)
        reason = (f"the {method} counterexample {list(found.active)} did not replay through "
                  f"the plain evaluator (outputs on {sorted(got)}, expected {sorted(want)}): "
                  "an evaluator disagreement, not a verdict")
    if reason:
        return Certificate(Verdict.UNKNOWN, s, space, covered, seconds, method, reason=reason,
                           stats=stats, shard=shard)
    # an enumeration shard covers its share of the inputs (every output); a search or Z3
    # shard covers every input for its share of the outputs
    covered = covered if method == "exhaustive" and shard[1] > 1 else space
    return Certificate(Verdict.PROVED, s, space, covered, seconds, method, stats=stats,
                       shard=shard)


def _exhaustive(circuit: Circuit, s: int, deadline: float, shard, progress=None):
    report = exhaustive(circuit, s, deadline, stop_at_first=True, shard=shard,
                        progress=progress)
    if report.examples:
        return report.examples[0], report.inputs_checked, {}, ""
    if not report.complete:
        return None, report.inputs_checked, {}, (
            f"timed out after enumerating {report.inputs_checked} of {report.input_space} "
            "inputs")
    return None, report.inputs_checked, {}, ""


def _search(circuit: Circuit, s: int, deadline: float, shard, progress=None):
    outcome = search(circuit, s, deadline, shard=shard, progress=progress)
    stats = {"nodes": outcome.nodes, "frontier_by_level": outcome.levels,
             "outputs_to_z3": int(len(outcome.deferred))}
    if outcome.counterexample is not None:
        return outcome.counterexample, outcome.inputs_evaluated, stats, ""
    if outcome.timed_out:
        return None, outcome.inputs_evaluated, stats, (
            f"timed out during the search after {outcome.nodes} nodes")
    found, reason = _z3_outputs(circuit, s, outcome.deferred.tolist(), deadline, stats,
                                progress)
    return found, outcome.inputs_evaluated, stats, reason


def _z3(circuit: Circuit, s: int, deadline: float, shard, progress=None):
    stats: dict = {}
    found, reason = _z3_outputs(circuit, s, range(shard[0], circuit.m_prime, shard[1]),
                                deadline, stats, progress)
    return found, 0, stats, reason


def _z3_outputs(circuit: Circuit, s: int, outputs, deadline: float, stats: dict,
                progress: Callable[[int, int], None] | None = None):
    """Z3 on each output in turn: the first wrong input, or the reason some output is open.
    ``progress(done, len(outputs))`` is called after each output."""
    start = time.perf_counter()
    undecided = []
    done = 0
    for k in outputs:
        left = deadline - time.perf_counter()
        if left <= 0:
            stats.update(z3_outputs=done, z3_seconds=round(time.perf_counter() - start, 3))
            return None, f"timed out with {len(outputs) - done} outputs left for Z3"
        answer, active = z3_output(circuit, int(k), s, min(left, 1e6))
        done += 1
        if progress is not None:
            progress(done, len(outputs))
        if answer == "sat":
            stats.update(z3_outputs=done, z3_seconds=round(time.perf_counter() - start, 3))
            got, want = evaluate_input(circuit, active)
            return Counterexample(active, int(k), int(int(k) in want), int(int(k) in got)), ""
        if answer == "unknown":
            undecided.append(int(k))
    stats.update(z3_outputs=done, z3_seconds=round(time.perf_counter() - start, 3))
    if undecided:
        return None, f"Z3 answered unknown for outputs {undecided[:5]}"
    return None, ""
