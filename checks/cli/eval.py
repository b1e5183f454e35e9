"""``superpose eval FILE --active I,J,...``: evaluate one input, to replay a counterexample.

Runs the plain evaluator on the input whose active features are given and prints the outputs
that read 1, the ones that should, and the wrong ones (``--json``: as an object). Exit 0 every
output correct, 1 a wrong output, 2 bad input (say more active features than the sparsity).
"""

from __future__ import annotations

import json
from dataclasses import replace

from superpose.checks.cli._args import add_file, add_int, add_json, index_list
from superpose.checks.exit_codes import EXIT_OK, EXIT_REFUTED
from superpose.circuits import evaluate_input, load_circuit
from superpose.circuits.model import check_sparsity

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="evaluate one input (to replay a counterexample)")
    add_file(p)
    p.add_argument("--active", type=index_list("active", "feature indices", "3,17"),
                   required=True, help="comma-separated active input features, e.g. 3,17")
    add_int(p, "--sparsity", help="accept up to this many active features (default: the file's)")
    add_json(p)
    p.set_defaults(run=run)


def run(args) -> int:
    circuit = load_circuit(args.file)
    if args.sparsity is not None:
        circuit = replace(circuit, sparsity=check_sparsity(args.sparsity, circuit.m))
    got, want = evaluate_input(circuit, args.active)
    wrong = sorted(got ^ want)
    out = {"active": sorted(args.active), "outputs_on": sorted(got),
           "expected_on": sorted(want), "wrong": wrong}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"active {out['active']}: outputs on {out['outputs_on']}, expected "
              f"{out['expected_on']}" + (f", WRONG at {wrong}" if wrong else ", correct"))
    return EXIT_REFUTED if wrong else EXIT_OK
