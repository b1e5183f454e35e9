"""Running the self-test: decide every mutant by ground truth, certify it, fuzz it.

For each mutant: ``circuits.exhaustive`` on every s-sparse input says whether it is really
wrong; ``superpose.checks.certification.certify`` is judged against that (caught only with a
counterexample that replays through the plain evaluator); ``circuits.fuzz`` and
``circuits.hypothesis_fuzz`` run beside it, at the same wall-time budget
(``hypothesis_examples``), and decide nothing. ``s3-only`` mutants are also certified at
s = 2, where they must be PROVED.
"""

from __future__ import annotations

import dataclasses
import time

from superpose.checks.selftest._bases import BASES, BaseSpec, _check_bases, make_mutant
from superpose.checks.selftest._mutants import EQUIVALENT_KINDS, INTENT, KINDS, Mutation
from superpose.checks.selftest._report import (
    DEFAULT_MUTANTS,
    DEFAULT_SAMPLES,
    DEFAULT_TIMEOUT,
    KindSummary,
    MutantRow,
    SelftestReport,
    _row_replay,
    hypothesis_examples,
    mutant_seed,
    parse_only,
)
from superpose.circuits import (
    Circuit,
    CorrectnessReport,
    exhaustive,
    fuzz,
    hypothesis_fuzz,
    replays,
)
from superpose.circuits.validate import check_choice, check_int, check_positive
from superpose.theory import Verdict

__all__ = ["run_selftest"]


# --- deciding one mutant ----------------------------------------------------------------------

def _certify_outcome(circuit: Circuit, sparsity: int, timeout: float, really_wrong: bool):
    """The record of one certify run (verdict, seconds, counterexample, whether it replays)
    and its outcome judged against the ground truth (see :class:`MutantRow`)."""
    from superpose.checks.certification import certify

    record = {"sparsity": sparsity, "verdict": "ERROR", "seconds": 0.0, "method": "",
              "counterexample": None, "replays": None, "reason": "", "outcome": "error"}
    start = time.perf_counter()
    try:
        cert = certify(circuit, sparsity=sparsity, timeout=timeout)
    except Exception as exc:  # a crash on a valid circuit is a certifier failure, reported
        record["seconds"] = time.perf_counter() - start
        record["reason"] = f"certify raised {type(exc).__name__}: {exc}"
        return record
    record.update(verdict=cert.verdict.value, seconds=float(cert.seconds),
                  method=cert.method, reason=cert.reason)
    if cert.verdict is Verdict.REFUTED:
        ex = cert.counterexample
        if ex is not None:
            record["counterexample"] = ex.as_dict()
            try:
                record["replays"] = bool(replays(dataclasses.replace(circuit,
                                                                     sparsity=sparsity), ex))
            except (ValueError, IndexError) as err:
                record["replays"] = False
                record["reason"] = f"counterexample does not evaluate: {err}"
        else:
            record["replays"] = False
        if not really_wrong:
            record["outcome"] = "unsound"
        else:
            record["outcome"] = "caught" if record["replays"] else "bad-counterexample"
    elif cert.verdict is Verdict.PROVED:
        record["outcome"] = "missed" if really_wrong else "proved"
    else:
        record["outcome"] = "unknown"
    return record


@dataclasses.dataclass(frozen=True)
class _Judged:
    """The ground truth of one mutant and the certifier judged against it: ``truth`` at the
    mutant's sparsity, ``main`` its certify record there (:func:`_certify_outcome`), and for
    an ``s3-only`` mutant ``lower``, the record at s = 2 with its ``wrong_inputs``.
    ``ground_truth_seconds`` is the time the exhaustive runs took (0 for a truth given)."""

    truth: CorrectnessReport
    ground_truth_seconds: float
    main: dict
    lower: dict | None


def _judge(kind: str, circuit: Circuit, truth: CorrectnessReport | None,
           timeout: float) -> _Judged:
    """Decide the mutant on every s-sparse input (unless ``truth`` is known) and certify it;
    an ``s3-only`` mutant also at s = 2."""
    start = time.perf_counter()
    if truth is None:
        truth = exhaustive(circuit)
    gt_seconds = time.perf_counter() - start
    main = _certify_outcome(circuit, circuit.sparsity, timeout, truth.wrong_outputs > 0)
    lower = None
    if kind == "s3-only":
        start = time.perf_counter()
        low_truth = exhaustive(circuit, 2)
        gt_seconds += time.perf_counter() - start
        lower = _certify_outcome(circuit, 2, timeout, low_truth.wrong_outputs > 0)
        lower["wrong_inputs"] = low_truth.wrong_inputs
    return _Judged(truth, gt_seconds, main, lower)


def _decide(kind: str, index: int, seed: int, spec: BaseSpec, mutation: Mutation,
            truth: CorrectnessReport | None, note: str, samples: int,
            timeout: float) -> MutantRow:
    """One row: the mutant judged by ground truth and certify (:func:`_judge`), fuzzed with
    its own seed beside them by both engines (Hypothesis without its shrinker: only the catch
    counts here), and checked to be what its kind promises."""
    circuit = mutation.circuit
    judged = _judge(kind, circuit, truth, timeout)
    truth, main, lower = judged.truth, judged.main, judged.lower
    mseed = mutant_seed(seed, kind, index)
    fz_seed = mseed % (2 ** 31)
    fz = fuzz(circuit, samples, fz_seed)
    hz = hypothesis_fuzz(circuit, hypothesis_examples(samples), fz_seed, shrink_phase=False)
    generator_ok = _as_intended(kind, truth, lower, mutation)
    reasons = [r for r in (note, main["reason"]) if r]
    if lower is not None and lower["reason"]:
        reasons.append(f"s=2: {lower['reason']}")
    if not generator_ok:
        reasons.append(f"the mutant is not what {kind} promises (see notes)")
    return MutantRow(
        kind=kind, index=index, base=spec.name, seed=seed, mutant_seed=mseed,
        intent=INTENT[kind], description=mutation.description, sparsity=circuit.sparsity,
        input_space=truth.input_space, really_wrong=truth.wrong_outputs > 0,
        wrong_inputs=truth.wrong_inputs, wrong_outputs=truth.wrong_outputs,
        certifier=main["verdict"], certifier_seconds=main["seconds"],
        certifier_method=main["method"], outcome=main["outcome"],
        fuzzer_caught=fz.wrong_outputs > 0, fuzzer_wrong_inputs=fz.wrong_inputs,
        fuzzer_seconds=fz.seconds, ground_truth_seconds=judged.ground_truth_seconds,
        replay=_row_replay(seed, kind, index, samples, timeout, main["counterexample"]),
        counterexample=main["counterexample"], counterexample_replays=main["replays"],
        reason="; ".join(reasons), lower=lower,
        details=mutation.details | {"fuzz_seed": fz_seed}, generator_ok=generator_ok,
        hypothesis_caught=hz.wrong_outputs > 0, hypothesis_wrong_inputs=hz.wrong_inputs,
        hypothesis_seconds=hz.seconds)


def _as_intended(kind: str, truth: CorrectnessReport, lower: dict | None,
                 mutation: Mutation) -> bool:
    """Whether the ground truth agrees with what the kind promises: equivalent kinds are
    equivalent; a planted false positive is wrong on exactly its planted input (an s3-only one
    also on no input with 2 active features); random edits may be either."""
    if kind in EQUIVALENT_KINDS:
        return truth.wrong_outputs == 0
    if kind in ("planted-rare-false-positive", "s3-only"):
        y = tuple(mutation.details["active"])
        exactly = (truth.wrong_inputs == 1 and bool(truth.examples)
                   and truth.examples[0].active == y)
        return exactly and (lower is None or lower["wrong_inputs"] == 0)
    return True


# --- the run ----------------------------------------------------------------------------------

def run_selftest(seed: int = 0, mutants_per_kind: int = DEFAULT_MUTANTS,
                 samples: int = DEFAULT_SAMPLES, timeout: float = DEFAULT_TIMEOUT,
                 kinds: tuple[str, ...] | None = None, only: str | None = None,
                 bases: tuple[BaseSpec, ...] = BASES) -> SelftestReport:
    """Mutate the bases, decide every mutant exhaustively, certify and fuzz it (with both
    engines).

    ``kinds`` restricts the run to some kinds; ``only="KIND:INDEX"`` runs that one mutant.
    """
    start = time.perf_counter()
    seed = check_int("seed", seed, minimum=0)
    mutants_per_kind = check_int("mutants_per_kind", mutants_per_kind, minimum=1)
    samples = check_int("samples", samples, minimum=1)
    timeout = check_positive("timeout", timeout)
    if kinds is None:
        kinds = KINDS
    for kind in kinds:
        check_choice("kind", kind, KINDS)
    plan = [(kind, i) for kind in kinds for i in range(mutants_per_kind)]
    if only is not None:
        kind, index = parse_only(only)
        kinds, plan = (kind,), [(kind, index)]
    good, info, notes = _check_bases(bases)
    if good:  # Hypothesis reads the loaded modules' literals (once, at its first draw of one):
        hypothesis_fuzz(good[0][1], 30, 0)  # a cost of the process, not of a mutant's budget
    rows = []
    for kind, index in plan:
        made = make_mutant(kind, index, seed, good)
        if made is None:
            continue
        spec, mutation, truth, note = made
        rows.append(_decide(kind, index, seed, spec, mutation, truth, note, samples,
                            timeout))
    summary = {kind: KindSummary(kind, INTENT[kind]) for kind in kinds}
    for row in rows:
        summary[row.kind].add(row)
    for s in summary.values():
        if not s.mutants:
            notes.append(f"kind {s.kind}: no mutant (no correct base it applies to)")
    for row in rows:
        if not row.generator_ok:
            notes.append(f"{row.kind}:{row.index} on {row.base} is not what its kind promises "
                         f"({row.wrong_inputs} wrong inputs"
                         + (f", {row.lower['wrong_inputs']} at s=2" if row.lower else "")
                         + "): a bug in the mutant generator; the ground truth decided it")
    return SelftestReport(seed, mutants_per_kind, samples, timeout, info, rows,
                          list(summary.values()), time.perf_counter() - start, only, notes)
