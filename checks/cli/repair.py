"""``superpose repair FILE -o OUT``: certify a circuit file and veto its false positives.

Also the shared wording of ``superpose build --repair``. The exit code is that of the repaired
circuit's certificate: 0 PROVED, 1 REFUTED, 3 UNKNOWN (2 for bad input, as everywhere).
"""

from __future__ import annotations

import json
from pathlib import Path

from superpose.checks.certification import MAX_VETOES, Repair, repair
from superpose.checks.cli._args import (
    add_file,
    add_int,
    add_json,
    check_not_an_input,
    positive_float,
)
from superpose.checks.exit_codes import exit_for
from superpose.circuits import Circuit, load_circuit, save_circuit
from superpose.theory import Verdict

__all__ = ["add_parser", "add_repair_options", "describe", "repair_and_save", "run"]


def repair_and_save(circuit: Circuit, output: Path, timeout: float | None,
                    max_vetoes: int) -> Repair:
    """Repair ``circuit`` and write the result, even when it is not PROVED (no work is lost;
    the verdict says what the file is)."""
    outcome = repair(circuit, timeout, max_vetoes)
    save_circuit(outcome.circuit, output)
    return outcome


def describe(outcome: Repair, output: Path) -> str:
    """One paragraph: the verdict of the written file, the vetoes, how to replay."""
    cert = outcome.certificate
    counts = outcome.circuit.counts()
    lines = [f"{cert.verdict.value}: wrote {output} after {len(outcome.vetoes)} veto(es), "
             f"{outcome.rejected} rejected trial(s) ({outcome.seconds:.2f}s); "
             f"neurons {counts.neurons}, params {counts.params}"]
    for v in outcome.vetoes:
        lines.append(f"  veto: output unit {v.unit} off when {list(v.active)} are active "
                     f"(false positive of output {v.output})")
    if cert.verdict is not Verdict.PROVED:
        ex = cert.counterexample
        if ex is not None:
            lines.append(f"  still wrong: on active={list(ex.active)} output {ex.output} reads "
                         f"{ex.got}, expected {ex.expected}")
        lines.append(f"  reason: {outcome.reason or cert.reason}")
    lines.append(f"  replay: superpose certify {output}")
    return "\n".join(lines)


def run(args) -> int:
    check_not_an_input("-o", args.output, {"FILE": args.file})
    outcome = repair_and_save(load_circuit(args.file).materialized(), args.output, args.timeout,
                              args.max_vetoes)
    if args.json:
        print(json.dumps(outcome.as_dict() | {"file": str(args.file),
                                              "output": str(args.output)}, indent=2))
    else:
        print(describe(outcome, args.output))
    return exit_for([outcome.verdict])


def add_repair_options(p) -> None:
    """--repair-timeout and --max-vetoes, shared by ``repair`` and ``build --repair``."""
    p.add_argument("--timeout", type=positive_float("timeout"), default=None,
                   help="seconds for the whole repair, certification included (default: none)")
    add_int(p, "--max-vetoes", MAX_VETOES,
            help=f"give up after this many vetoes (default {MAX_VETOES})")


def add_parser(sub) -> None:
    p = sub.add_parser("repair", help="certify a circuit and veto its false positives until "
                       "PROVED (exit 0 PROVED, 1 REFUTED, 3 UNKNOWN)")
    add_file(p)
    p.add_argument("-o", "--output", type=Path, required=True)
    add_repair_options(p)
    add_json(p)
    p.set_defaults(run=run)
