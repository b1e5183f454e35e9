"""``superpose materialize FILE -o OUT``: an implicit circuit file as a plain (version 1) one.

The factored first layer W_1 = A S_P is multiplied out (``Circuit.materialized``) and the
circuit written with every layer's weights, as ``superpose build`` without ``--implicit`` writes
it: the same counts, outputs and verdicts, and for a circuit superpose built, the same bytes.
A plain file is written again unchanged. Exit 0 written, 2 bad input (or too large to hold).
"""

from __future__ import annotations

from pathlib import Path

from superpose.checks.cli._args import add_file, check_not_an_input
from superpose.checks.exit_codes import EXIT_OK
from superpose.circuits import load_circuit, save_circuit

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("materialize", help="write an implicit circuit file with its weights "
                                           "(a plain version 1 file)")
    add_file(p)
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="the plain file to write (never FILE itself)")
    p.set_defaults(run=run)


def run(args) -> int:
    check_not_an_input("-o", args.output, {"FILE": args.file})
    circuit = load_circuit(args.file)
    implicit = circuit.network.implicit
    plain = circuit.materialized()
    save_circuit(plain, args.output)
    counts = plain.counts()  # (W_1's counts read off W_1 itself, not summed from the factors)
    print(f"wrote {args.output}: {'materialised' if implicit else 'already plain;'} "
          f"{circuit.problem.name} m'={circuit.m_prime}; neurons {counts.neurons}, "
          f"params {counts.params}")
    return EXIT_OK
