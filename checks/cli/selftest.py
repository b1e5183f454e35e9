"""`superpose selftest`: plant bugs in correct circuits and report who catches them.

Prints one line per mutant kind (mutants, really wrong by exhaustive ground truth, caught by the
certifier, equivalent ones it refuted, caught by the vectorised fuzzer and by the Hypothesis
engine at the same wall-time budget per mutant), then every failure with its replay command.
Exit 0 when the certifier caught every really-wrong mutant and refuted no equivalent one, 1
when it missed one or refuted one (or crashed), 3 when it left one undecided, 2 on bad input.
"""

from __future__ import annotations

import json

from superpose.checks.cli._args import add_int, add_json, positive_float
from superpose.checks.selftest import (
    DEFAULT_MUTANTS,
    DEFAULT_SAMPLES,
    DEFAULT_TIMEOUT,
    MAX_MUTANTS,
    KindSummary,
    MutantRow,
    SelftestReport,
    build_mutant,
    hypothesis_examples,
    parse_only,
    run_selftest,
)
from superpose.circuits import save_circuit
from superpose.circuits.validate import check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["add_parser", "render_selftest", "run"]

_HEADER = ("KIND", "MUTANTS", "REALLY WRONG", "CERTIFIER CAUGHT",
           "CERTIFIER REFUTED-EQUIVALENT", "UNDECIDED", "FUZZER CAUGHT (RATE)",
           "HYPOTHESIS CAUGHT (RATE)", "SECONDS")


def _fraction(part: int, whole: int) -> str:
    return f"{part}/{whole}"


def _rate(part: int, whole: int) -> str:
    if not whole:
        return "0/0 (-)"
    return f"{part}/{whole} ({100 * part / whole:.0f}%)"


def _table_row(s: KindSummary) -> tuple[str, ...]:
    return (s.kind, str(s.mutants), str(s.really_wrong),
            _fraction(s.certifier_caught, s.really_wrong),
            _fraction(s.certifier_refuted_equivalent, s.equivalent),
            str(s.certifier_unknown + s.certifier_errors + s.generator_mismatches),
            _rate(s.fuzzer_caught, s.really_wrong), _rate(s.hypothesis_caught, s.really_wrong),
            f"{s.certifier_seconds:.2f}")


def _row_text(row: MutantRow) -> list[str]:
    truth = (f"really wrong on {row.wrong_inputs} of {row.input_space} inputs"
             if row.really_wrong else f"equivalent on all {row.input_space} inputs")
    cex = row.counterexample
    cert = f"certifier {row.certifier} ({row.outcome}, {row.certifier_seconds:.2f}s"
    if cex is not None:
        cert += (f"; active={cex['active']} output {cex['output']} reads {cex['got']}"
                 + (", replays" if row.counterexample_replays else ", DOES NOT REPLAY"))
    cert += ")"
    if row.lower is not None:
        cert += (f"; at s=2: {row.lower['verdict']} ({row.lower['outcome']}, "
                 f"{row.lower['wrong_inputs']} wrong inputs)")
    fuzz = ("fuzzer caught it" if row.fuzzer_caught else "fuzzer found nothing") + (
        "; hypothesis caught it" if row.hypothesis_caught else "; hypothesis found nothing")
    lines = [f"  {row.kind}:{row.index} on {row.base} (mutant seed {row.mutant_seed}): "
             f"{row.description}",
             f"    s={row.sparsity}: {truth}; {cert}; {fuzz}"]
    if row.reason:
        lines.append(f"    reason: {row.reason}")
    lines.append(f"    replay: {row.replay}")
    return lines


def render_selftest(report: SelftestReport, verbose: bool = False) -> str:
    """The per-kind table, the verdict, then failures, undecided rows and notes."""
    out = [f"superpose selftest: seed {report.seed}, "
           + (f"mutant {report.only}" if report.only else
              f"{report.mutants_per_kind} mutants per kind")
           + f" on {sum(b['correct'] for b in report.bases)} correct bases; fuzzer "
           f"{report.samples} samples per mutant, hypothesis "
           f"{hypothesis_examples(report.samples)} examples (the same wall time); certifier "
           f"timeout {report.timeout:g}s"]
    rows = [_HEADER] + [_table_row(s) for s in report.summary]
    t = report.totals()
    rows.append(("all", str(t["mutants"]), str(t["really_wrong"]),
                 _fraction(t["certifier_caught"], t["really_wrong"]),
                 _fraction(t["certifier_refuted_equivalent"], t["equivalent"]),
                 str(sum(_undecided(s) for s in report.summary)),
                 _rate(t["fuzzer_caught"], t["really_wrong"]),
                 _rate(t["hypothesis_caught"], t["really_wrong"]),
                 f"{t['certifier_seconds']:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADER))]
    for r in rows:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    budget = report.budget()
    out.append(f"(SECONDS: certifier time; fuzzer {t['fuzzer_seconds']:.2f}s, hypothesis "
               f"{t['hypothesis_seconds']:.2f}s; whole run {report.seconds:.1f}s)")
    out.append(f"(fuzz budget per mutant, equal wall time: vectorized {budget['vectorized_inputs']}"
               f" inputs, hypothesis {budget['hypothesis_examples']} examples, one example "
               f"costing about {budget['inputs_per_example']} inputs)")
    s3 = next((s for s in report.summary if s.kind == "s3-only"), None)
    out.append(f"{report.verdict.value}: the certifier catches every planted bug and never "
               "refutes an equivalent mutant")
    if s3 is not None and s3.mutants:
        out.append(f"  s3-only: {s3.certifier_caught}/{s3.mutants} PROVED at s=2 and REFUTED "
                   "at s=3")
    for base in report.bases:
        status = "correct" if base["correct"] else f"WRONG on {base['wrong_inputs']} inputs"
        out.append(f"  base {base['name']}: m={base['m']}, widths {base['widths']}, "
                   f"{base['input_space']} inputs, {status}")
    if report.failures:
        out.append("FAILURES")
        for row in report.failures:
            out.extend(_row_text(row))
    if report.inconclusive:
        out.append("UNDECIDED")
        for row in report.inconclusive:
            out.extend(_row_text(row))
    if report.notes:
        out.append("NOTES")
        out.extend(f"  {n}" for n in report.notes)
    if verbose or report.only:
        out.append("MUTANTS")
        for row in report.rows:
            out.extend(_row_text(row))
    if not report.only:
        out.append(f"replay: {report.as_dict()['replay']}")
    return "\n".join(out)


def _undecided(s: KindSummary) -> int:
    return s.certifier_unknown + s.certifier_errors + s.generator_mismatches


def run(args) -> int:
    check_int("seed", args.seed, minimum=0)
    check_int("mutants", args.mutants, minimum=1, maximum=MAX_MUTANTS,
              fix="each mutant is certified, so more would take days; run several --seed "
                  "values instead")
    check_int("samples", args.samples, minimum=1)
    if args.only is not None:
        parse_only(args.only)
    if args.save is not None and args.only is None:
        raise InvalidArgument("--save writes one mutant; pass --only KIND:INDEX with it")
    if args.save is not None:
        _, mutation = build_mutant(args.only, args.seed)
        save_circuit(mutation.circuit, args.save)
    report = run_selftest(args.seed, args.mutants, args.samples, args.timeout,
                          only=args.only)
    if args.json:
        data = report.as_dict()
        if args.save is not None:
            data["saved"] = str(args.save)
        print(json.dumps(data, indent=2))
    else:
        print(render_selftest(report, args.verbose))
        if args.save is not None:
            print(f"wrote the mutant to {args.save} (superpose eval {args.save} --active ...)")
    return report.exit_code


def add_parser(sub) -> None:
    p = sub.add_parser("selftest", help="plant bugs in correct circuits; report whether the "
                       "certifier (and both fuzzers) catch them")
    add_int(p, "--seed", 0,
            help="run seed: every mutant is a function of it, its kind and its index")
    add_int(p, "--mutants", DEFAULT_MUTANTS, help=f"mutants per kind (default {DEFAULT_MUTANTS})")
    add_int(p, "--samples", DEFAULT_SAMPLES,
            help=f"fuzzer inputs per mutant (default {DEFAULT_SAMPLES}); the Hypothesis engine "
                 "gets the same wall time")
    p.add_argument("--timeout", type=positive_float("timeout"), default=DEFAULT_TIMEOUT,
                   help=f"certifier timeout per run, seconds (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--only", metavar="KIND:INDEX",
                   help="run one mutant (as a row's replay command does)")
    p.add_argument("--save", metavar="FILE",
                   help="with --only: write the mutant circuit, for 'superpose eval'")
    p.add_argument("-v", "--verbose", action="store_true", help="list every mutant")
    add_json(p)
    p.set_defaults(run=run)
