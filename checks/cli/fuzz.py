"""``superpose fuzz FILE``: check a circuit file against its exact ground truth.

Evaluates ``--samples`` seeded s-sparse inputs (``--exhaustive``: every one) and counts the
wrong outputs; the first counterexample is shrunk and printed with the commands that replay it.
Sampling can refute, not prove. Exit 0 no wrong output found, 1 one found, 2 bad input.
"""

from __future__ import annotations

import json

from superpose.checks.cli._args import add_file, add_int, add_json, add_quiet
from superpose.checks.cli._progress import counter
from superpose.checks.exit_codes import EXIT_OK, EXIT_REFUTED
from superpose.circuits import exhaustive, fuzz, load_circuit, shrink

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("fuzz", help="check a circuit file against its exact ground truth")
    add_file(p)
    add_int(p, "--samples", 10_000)
    add_int(p, "--seed", 0)
    p.add_argument("--exhaustive", action="store_true",
                   help="enumerate every s-sparse input instead of sampling")
    add_json(p)
    add_quiet(p)
    p.set_defaults(run=run)


def run(args) -> int:
    circuit = load_circuit(args.file)
    with counter(f"fuzz {args.file.name}", "input", args.quiet) as progress:
        if args.exhaustive:
            report = exhaustive(circuit, progress=progress)
        else:
            report = fuzz(circuit, args.samples, args.seed, progress=progress)
    if report.examples:
        report.examples[0] = shrink(circuit, report.examples[0])
    replay = (f"superpose fuzz {args.file} --exhaustive" if args.exhaustive else
              f"superpose fuzz {args.file} --samples {args.samples} --seed {args.seed}")
    if args.json:
        print(json.dumps(report.as_dict() | {"file": str(args.file), "replay": replay},
                         indent=2))
    else:
        notion = "every s-sparse input" if report.complete else "sampled inputs"
        status = "FAIL" if report.wrong_outputs else "PASS"
        print(f"{status}: {report.wrong_outputs} wrong outputs ({report.false_positives} false "
              f"positive, {report.false_negatives} false negative) on {report.wrong_inputs} of "
              f"{report.inputs_checked} inputs ({notion}, s={report.sparsity}"
              + ("" if args.exhaustive else f", seed {args.seed}") + f") "
              f"in {report.seconds:.2f}s: {report.inputs_per_second():,.0f} inputs/s"
              + (f" after a one-time gain table of {report.setup_seconds:.2f}s"
                 if report.setup_seconds >= 0.01 else ""))
        if report.by_strategy:
            print("  wrong inputs by strategy: " + ", ".join(
                f"{k} {v}" for k, v in report.by_strategy.items()))
        for ex in report.examples[:1]:
            print(f"  shrunk counterexample: active={list(ex.active)} output {ex.output} reads "
                  f"{ex.got}, expected {ex.expected}")
            print(f"  replay: {replay}; superpose eval {args.file} --active "
                  f"{','.join(map(str, ex.active))}")
        if not report.wrong_outputs and not report.complete:
            print("  (sampling can refute, not prove: 'superpose fuzz FILE --exhaustive' "
                  "enumerates every input)")
    return EXIT_REFUTED if report.wrong_outputs else EXIT_OK
