"""A planted-bug self-test of the certifier, in the manner of soundness benchmarks.

Small correct circuits (the *bases*, each checked correct on every s-sparse input first) are
mutated (``superpose.checks.selftest._mutants``): random edits that may or may not break them,
planted false positives that fire on exactly one s-sparse input, a bug that needs three active
features, and rewrites that keep the function. For every mutant:

* **ground truth**: ``circuits.exhaustive`` on every s-sparse input; the mutant is *really
  wrong* iff some output is wrong on some input, *equivalent* otherwise, whatever its kind
  intended (a random edit that does not matter is equivalent);
* **certifier**: ``superpose.checks.certification.certify(mutant, s, timeout)``. A
  really-wrong mutant is *caught* when the verdict is REFUTED and the counterexample replays
  through the plain evaluator; PROVED on it is a *miss* (completeness failure). REFUTED on an
  equivalent mutant is *unsound*. UNKNOWN is inconclusive; a crash is a failure;
* **fuzzers**: ``circuits.fuzz(mutant, samples, seed)`` (vectorised) and
  ``circuits.hypothesis_fuzz(mutant, E, seed)`` (Hypothesis, E examples taking the same wall
  time as the ``samples`` inputs: ``_report.hypothesis_examples``) catch a mutant when they find
  any wrong output; their catch rates are reported beside the certifier's and never decide
  anything.

For ``s3-only`` mutants (built on a base of sparsity 3) both sparsities are decided: the
certifier must PROVE the circuit at s = 2 and REFUTE it at s = 3.

Every mutant is a deterministic function of (base, kind, run seed, index): its generator is
``np.random.default_rng(mutant_seed)`` with ``mutant_seed`` drawn from
``SeedSequence([seed, crc32(kind), index])``, and row ``index`` of a kind uses base
``eligible[index % len(eligible)]``. ``superpose selftest --seed S --only KIND:INDEX`` rebuilds
one mutant (``--save FILE`` writes it for ``superpose eval``).

Where it lives: the rows, summaries, report and replay commands in
``superpose.checks.selftest._report``, the bases and mutant building in
``superpose.checks.selftest._bases``, deciding and running in ``superpose.checks.selftest._run``;
the Evidence for ``superpose verify`` here.
"""

from __future__ import annotations

from superpose.checks.selftest._bases import (
    BASES,
    BaseSpec,
    _check_bases,
    build_mutant,
    make_mutant,
)
from superpose.checks.selftest._report import (
    DEFAULT_MUTANTS,
    DEFAULT_SAMPLES,
    DEFAULT_TIMEOUT,
    STATEMENT,
    KindSummary,
    MutantRow,
    SelftestReport,
    hypothesis_examples,
    parse_only,
    replay_command,
)
from superpose.checks.selftest._run import run_selftest
from superpose.theory import Evidence

__all__ = ["BaseSpec", "BASES", "MutantRow", "KindSummary", "SelftestReport", "run_selftest",
           "make_mutant", "build_mutant", "selftest_evidence", "parse_only", "STATEMENT",
           "DEFAULT_MUTANTS", "DEFAULT_SAMPLES", "DEFAULT_TIMEOUT", "_check_bases"]


def _failure_text(row: MutantRow) -> str:
    what = {"missed": "PROVED a really-wrong mutant",
            "unsound": "REFUTED an equivalent mutant",
            "bad-counterexample": "gave a counterexample that does not replay",
            "error": "crashed"}
    if row.outcome in what:
        outcome, prefix = row.outcome, ""
    else:
        outcome, prefix = row.lower["outcome"], "at s=2 "
    return (f"{row.kind}:{row.index} on {row.base} (seed {row.seed}, mutant seed "
            f"{row.mutant_seed}): the certifier {prefix}{what.get(outcome, outcome)} "
            f"({row.description}; {row.wrong_inputs} wrong inputs); replay: {row.replay}")


def selftest_evidence(seed: int = 0, mutants_per_kind: int = DEFAULT_MUTANTS,
                      samples: int = DEFAULT_SAMPLES,
                      timeout: float = DEFAULT_TIMEOUT) -> list[Evidence]:
    """One Evidence ``selftest``: PROVED when the report is ok, REFUTED when the certifier
    missed a really-wrong mutant or refuted an equivalent one, UNKNOWN when it did not
    decide one (a timeout)."""
    report = run_selftest(seed, mutants_per_kind, samples, timeout)
    t = report.totals()
    rate = (f"{t['fuzzer_caught']}/{t['really_wrong']}" if t["really_wrong"] else "0/0")
    s3 = next((s for s in report.summary if s.kind == "s3-only"), None)
    base_text = (f"certifier caught {t['certifier_caught']}/{t['really_wrong']} really-wrong "
                 f"mutants, refuted {t['certifier_refuted_equivalent']} of {t['equivalent']} "
                 f"equivalent ones"
                 + (f"; s3-only {s3.certifier_caught}/{s3.mutants} PROVED at s=2 and REFUTED "
                    f"at s=3" if s3 else "")
                 + f"; fuzzer ({report.samples} samples) caught {rate}"
                 + f", hypothesis ({hypothesis_examples(report.samples)} examples, the same "
                   f"wall time) caught {t['hypothesis_caught']}/{t['really_wrong']}")
    if report.failures:
        detail = base_text + "; " + "; ".join(_failure_text(r) for r in report.failures[:3])
        replay = report.failures[0].replay
    elif not report.ok:
        undecided = [f"{r.kind}:{r.index} {r.certifier} ({r.reason or 'undecided'})"
                     for r in report.inconclusive[:3]]
        detail = base_text + "; undecided: " + "; ".join(
            undecided + [f"no mutant of {k}" for k in report.empty_kinds])
        replay = report.inconclusive[0].replay if report.inconclusive else None
    else:
        detail = base_text
        replay = None
    sizes = ", ".join(sorted({f"{b['problem']} m'={b['m_prime']} s={b['sparsity']}"
                              for b in report.bases}))
    data = {"totals": t, "fuzz_budget": report.budget(),
            "summary": [s.as_dict() for s in report.summary],
            "bases": report.bases, "notes": report.notes, "seed": seed,
            "replay": replay_command(seed, mutants_per_kind, samples, timeout)}
    return [Evidence("selftest", report.verdict, STATEMENT,
                     "planted-bug mutants: exhaustive ground truth, certify, both fuzzers "
                     "beside it",
                     f"{t['mutants']} mutants of {len(report.bases)} bases ({sizes})", detail,
                     decisive=True, data=data,
                     replay=replay or replay_command(seed, mutants_per_kind, samples,
                                                     timeout))]
