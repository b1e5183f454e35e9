"""``superpose info FILE``: the exact counts of a circuit file.

Prints the problem, construction, family, sizes, seed, the exact neuron, unit and parameter
counts and the construction constants, one per line (``--json``: as an object). Exit 0, 2 bad
input (an unreadable or malformed file).
"""

from __future__ import annotations

import json

from superpose.checks.cli._args import add_file, add_json
from superpose.checks.exit_codes import EXIT_OK
from superpose.circuits import load_circuit

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="exact counts of a circuit file")
    add_file(p)
    add_json(p)
    p.set_defaults(run=run)


def run(args) -> int:
    circuit = load_circuit(args.file)
    counts = circuit.counts()
    info = {"problem": circuit.problem.name, "construction": circuit.construction,
            "family": circuit.family, "m": circuit.m, "m_prime": circuit.m_prime,
            "sparsity": circuit.sparsity, "seed": circuit.seed,
            "implicit": circuit.network.implicit, **counts.as_dict(),
            "constants": circuit.constants}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>22}: {value}")
    return EXIT_OK
