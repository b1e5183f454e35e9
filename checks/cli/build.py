"""``superpose build PROBLEM --m-prime N -o FILE``: build a circuit and write it as a
superpose-circuit file.

Prints the file, the problem, construction, family, sizes, seed and the exact neuron and
parameter counts (``--json``: as an object). With ``--repair`` the circuit is certified and its
false positives vetoed until PROVED before it is written (see ``superpose repair``). Exit 0
written (with ``--repair``: 0 PROVED, 1 REFUTED, 3 UNKNOWN), 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

from superpose.checks.cli import repair as repair_cmd
from superpose.checks.cli._args import (
    add_instance_seed,
    add_int,
    add_json,
    add_problem,
    add_quiet,
    constant_override,
)
from superpose.checks.cli._progress import steps
from superpose.checks.exit_codes import EXIT_OK, exit_for
from superpose.circuits import build, save_circuit

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("build", help="build a circuit and write it as a superpose-circuit file")
    add_problem(p)
    add_int(p, "--m-prime", required=True)
    p.add_argument("--family", help="instance family (and2: disjoint, complete, random, star, "
                   "nearcut, mixed; perm: random, identity, shift; 'superpose problems' lists "
                   "every problem's)")
    add_instance_seed(p)
    add_int(p, "--sparsity", 2)
    add_int(p, "--seed", 0,
            help="seed of the codes and weights (codes never depend on the instance)")
    p.add_argument("--construction", help="default: the problem's first (and2: three-channel, "
                   "perm: bloom, represent: bloom; 'superpose problems' lists them)")
    p.add_argument("--constant", type=constant_override, action="append", metavar="NAME=NUMBER",
                   help="override a construction constant (repeatable), e.g. r_min=15")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--implicit", action="store_true",
                   help="keep the first layer as its factors (W1 = A S_P, never stored): a "
                        "file about 9 times smaller with the same counts; three-channel only")
    p.add_argument("--repair", action="store_true",
                   help="certify the circuit and veto its false positives until PROVED "
                        "(see 'superpose repair'); exit 0 PROVED, 1 REFUTED, 3 UNKNOWN")
    repair_cmd.add_repair_options(p)
    add_json(p)
    add_quiet(p)
    p.set_defaults(run=run)


def run(args) -> int:
    if args.implicit and args.repair:
        from superpose.theory.errors import InvalidArgument

        raise InvalidArgument("--implicit and --repair exclude each other: a repair vetoes "
                              "outputs in the plain layers; build plain to repair")
    with steps(f"build {args.problem} m'={args.m_prime}", 2 if args.repair else 3, "stage",
               args.quiet) as step:
        step("building")
        circuit = build(args.problem, args.m_prime, args.family, args.instance_seed,
                        args.sparsity, args.seed, args.construction,
                        dict(args.constant or []) or None, implicit=args.implicit)
        if args.repair:
            step("certifying, repairing and saving")
            outcome = repair_cmd.repair_and_save(circuit, args.output, args.timeout,
                                                 args.max_vetoes)
        else:
            step("saving")
            save_circuit(circuit, args.output)
            step("counting")
            counts = circuit.counts()
    if args.repair:
        if args.json:
            print(json.dumps(outcome.as_dict() | {"file": str(args.output),
                                                  **outcome.circuit.counts().as_dict()},
                             indent=2))
        else:
            print(repair_cmd.describe(outcome, args.output))
        return exit_for([outcome.verdict])
    info = {"file": str(args.output), "problem": circuit.problem.name,
            "construction": circuit.construction, "family": circuit.family,
            "m": circuit.m, "m_prime": circuit.m_prime, "sparsity": circuit.sparsity,
            "seed": circuit.seed, "instance_seed": circuit.instance_seed,
            "implicit": circuit.network.implicit, **counts.as_dict()}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"wrote {args.output}: {'implicit ' if circuit.network.implicit else ''}"
              f"{circuit.problem.name} ({circuit.construction}, "
              f"{circuit.family}) m={circuit.m} m'={circuit.m_prime} s={circuit.sparsity} "
              f"seed={circuit.seed}; neurons {counts.neurons}, params {counts.params}")
    return EXIT_OK
