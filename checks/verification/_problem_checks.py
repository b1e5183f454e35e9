"""The generic checks a registered problem's own claims may name
(``circuits.registry.GENERIC_CHECKS``).

A plugin's claim is data: a ``theory.Claim`` whose ``checks`` come from this list, measured the
same way as the built-ins' (exact counts read off the circuits, correctness by enumeration,
certify and fuzzing, growth by slope fits):

* ``<problem>-correct``:
  :func:`superpose.checks.verification._construction_checks.correctness_checks` over the
  problem's measured circuits (certified: decisive; fuzzed: refute-only);
* ``<problem>-neurons`` / ``-params``:
  :func:`superpose.checks.verification._construction_checks.size_check` against the default
  construction's stated constants (``Construction.stated``);
* ``measured``: each of the claim's ``bounds`` (claim-file grammar) against the counts, by
  :func:`superpose.checks.verification._theory_checks.measured_evidence` (top-decade slope;
  decisive for upper bounds unless the default construction declares count formulas, whose
  ``<problem>-count-formula`` check then decides);
* ``<problem>-count-formula``, ``<problem>-failure-bound``: as for the ledger
  (:mod:`superpose.checks.verification._formula_checks`);
* ``<problem>-error``: an approximate construction's error rates against its stated epsilon
  (:func:`error_evidence`);
* ``<problem>-peers``: the default construction beside the plan's peer constructions at the
  same sizes (:func:`peers_evidence`; information, never decisive).
"""

from __future__ import annotations

from dataclasses import replace

from superpose.checks.sweep import Measurement
from superpose.checks.verification._construction_checks import correctness_checks, size_check
from superpose.checks.verification._theory_checks import measured_evidence
from superpose.circuits import ProblemSpec, problem_spec
from superpose.theory import Bound, Claim, Evidence, Verdict, parse_bound

__all__ = ["generic_evidence", "error_evidence", "peers_evidence"]


def generic_evidence(name: str, claim: Claim, run) -> list[Evidence]:
    """The evidence of generic check ``name`` for ``claim``; ``run`` gives the measurements
    (``run.measurements(problem, construction=None)``) and the config."""
    tolerance = run.config.slope_tolerance
    if name == "measured":
        out = []
        for quantity, text in claim.bounds:
            bound = Bound(claim.id, claim.problems, quantity, claim.kind,
                          parse_bound(text, claim.id), text)
            ms = [m for p in claim.problems for m in run.measurements(p)]
            found = measured_evidence(bound, ms, tolerance)
            if any(problem_spec(p).default_construction.counts is not None
                   for p in claim.problems):  # the count formula decides the class
                found = replace(found, decisive=False)
            out.append(found)
        return out or [Evidence("measured", Verdict.UNKNOWN, "the claim's bounds against "
                                "the counts", "construction counts", "none",
                                "the claim lists no bounds", decisive=False)]
    problem, _, kind = name.rpartition("-")
    ms = run.measurements(problem)
    if kind == "correct":
        return correctness_checks(name, ms)
    if kind in ("neurons", "params"):
        return [size_check(name, ms, kind, tolerance)]
    if kind == "error":
        return [error_evidence(name, problem_spec(problem), ms)]
    if kind == "peers":
        return [peers_evidence(name, problem_spec(problem), run)]
    return [Evidence(name, Verdict.UNKNOWN, "a generic check", "none", "none",
                     f"check {name!r} is not known")]


def error_evidence(name: str, spec: ProblemSpec, ms: list[Measurement]) -> Evidence:
    """Decisive: every measured circuit's error rates (every readout) within the default
    construction's stated epsilon. An exact rate above epsilon REFUTES (it is a count over every
    input, reproducible by the replay command); a sampled rate is within epsilon only when its
    99% upper confidence bound is, and a sampled rate never refutes (UNKNOWN: enumerate)."""
    construction = spec.default_construction
    eps = construction.epsilon
    statement = (f"{construction.name}: wrong output bits / (inputs * m') <= {eps} on inputs "
                 "with exactly s active features, for every readout (exact where enumerated, "
                 "else at 99% confidence)")
    method = ("exact enumeration of every input with s active features, or sampling with a "
              "99% Chernoff-Hoeffding upper bound")
    rows = [(m, e) for m in ms for e in m.errors]
    if eps is None or not rows:
        why = ("the default construction states no epsilon" if eps is None else
               "no error rate was measured")
        return Evidence(name, Verdict.UNKNOWN, statement, method, "none", why)
    over = [(m, e) for m, e in rows if e.exact and e.bit_rate > eps]
    open_ = [(m, e) for m, e in rows if not e.exact and e.bit_upper > eps]
    sizes = _sizes(ms)
    worst = max(rows, key=lambda row: row[1].bit_upper)
    table = [_error_row(m, e) for m, e in rows]
    exact = sum(e.exact for _, e in rows)
    last = ms[-1]
    shown = "; ".join(f"{e.readout} {e.bit_rate:.2g}" for e in last.errors)
    summary = (f"{exact} of {len(rows)} rates exact; largest {worst[1].bit_upper:.3g} "
               f"({worst[1].readout}, {worst[0].label()}); at {last.label()}: {shown}")
    if over:
        m, e = over[0]
        ex = e.example
        detail = (f"{e.readout} readout wrong on {e.bit_rate:.3g} of the output bits > {eps} "
                  f"at {m.label()} ({e.wrong_bits} bits on {e.wrong_inputs} of all {e.inputs} "
                  f"inputs)" + (f", e.g. active={list(ex.active)} output {ex.output} reads "
                                f"{ex.got}" if ex is not None else "") + f"; {summary}")
        return Evidence(name, Verdict.REFUTED, statement, method, sizes, detail,
                        data={"rates": table}, replay=m.replay_command())
    if open_:
        m, e = open_[0]
        return Evidence(name, Verdict.UNKNOWN, statement, method, sizes,
                        f"{e.readout} at {m.label()}: measured {e.bit_rate:.3g} on "
                        f"{e.inputs} sampled inputs, {e.confidence:.0%} upper bound "
                        f"{e.bit_upper:.3g} > {eps} (sample or enumerate more); {summary}",
                        data={"rates": table})
    return Evidence(name, Verdict.PROVED, statement, method, sizes,
                    f"every rate within {eps}: {summary}", data={"rates": table})


def _error_row(m: Measurement, e) -> dict:
    return {"label": m.label(), "construction": m.construction,
            "neurons": m.counts.neurons} | e.as_dict()


def peers_evidence(name: str, spec: ProblemSpec, run) -> Evidence:
    """Information: the default construction and each peer construction of the plan, side by
    side at the same sizes (exact counts; error rates or certified correctness)."""
    default = spec.default_construction.name
    columns = [(default, run.measurements(spec.name))]
    columns += [(peer, run.measurements(spec.name, peer)) for peer in spec.plan.peers]
    table, lines = [], []
    keyed = {c: {(m.sparsity, m.m_prime): m for m in ms} for c, ms in columns}
    for key in sorted(keyed[default]):
        cells = []
        for construction, _ in columns:
            m = keyed[construction].get(key)
            if m is None:
                continue
            row = _peer_row(m)
            table.append(row)
            cells.append(f"{construction} {row['neurons']} neurons, {row['params']} params, "
                         f"{row['correctness']}")
        lines.append(f"s={key[0]} m'={key[1]}: " + " | ".join(cells))
    statement = f"{default} beside {', '.join(spec.plan.peers) or 'no peer'} at the same sizes"
    return Evidence(name, Verdict.UNKNOWN, statement, "construction, exact counts from the "
                    "circuit; error rates or certification", _sizes(columns[0][1]),
                    "; ".join(lines) + " (side by side, for information)", decisive=False,
                    data={"peers": table})


def _peer_row(m: Measurement) -> dict:
    c = m.correctness
    if m.errors:
        correctness = "error " + ", ".join(f"{e.readout} {e.bit_rate:.2g}" for e in m.errors)
    elif m.certificate is not None:
        correctness = f"certified {m.certificate.verdict.value}"
    elif c.complete:
        correctness = f"certified {'REFUTED' if c.wrong_outputs else 'PROVED'} (exhaustive)"
    else:
        correctness = f"fuzzed, {c.wrong_outputs} wrong outputs"
    if m.vetoes:
        correctness += f" ({m.vetoes} vetoes)"
    return {"label": m.label(), "construction": m.construction, "neurons": m.counts.neurons,
            "params": m.counts.params, "correctness": correctness,
            "errors": [e.as_dict() for e in m.errors]}


def _sizes(ms: list[Measurement]) -> str:
    if not ms:
        return "none"
    sizes = sorted({m.m_prime for m in ms})
    sps = sorted({m.sparsity for m in ms})
    return f"m'={sizes[0]}..{sizes[-1]} ({len(sizes)} sizes), s={','.join(map(str, sps))}"
