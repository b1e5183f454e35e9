"""Build, count and fuzz one large circuit; print time and peak memory as JSON.

    python benchmarks/scale.py and2 1000000 random --fuzz 2000

Peak memory is the process's maximum resident set size (``ru_maxrss``), read after the build
and counts, and again after fuzzing. Fuzzing uses ``circuits.fuzz`` (random and adversarial
inputs, every output decoded and compared with the exact ground truth).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time

from superpose import circuits


def _peak_gib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem", choices=circuits.PROBLEM_NAMES)
    parser.add_argument("m_prime", type=int)
    parser.add_argument("family", nargs="?")
    parser.add_argument("--sparsity", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fuzz", type=int, default=0, metavar="N", help="fuzz N inputs")
    args = parser.parse_args()
    start = time.perf_counter()
    circuit = circuits.build(args.problem, args.m_prime, args.family, sparsity=args.sparsity,
                             seed=args.seed)
    built = time.perf_counter()
    counts = circuit.counts()
    counted = time.perf_counter()
    result = {"problem": args.problem, "m_prime": args.m_prime, "family": circuit.family,
              "sparsity": args.sparsity, "seed": args.seed, "machine": platform.platform(),
              "build_s": round(built - start, 2), "counts_s": round(counted - built, 2),
              "peak_gib_after_build": _peak_gib(), "neurons": counts.neurons,
              "params": counts.params}
    if args.fuzz:
        report = circuits.fuzz(circuit, samples=args.fuzz, seed=args.seed)
        result |= {"fuzz_inputs": report.inputs_checked, "fuzz_s": round(report.seconds, 2),
                   "wrong_outputs": report.wrong_outputs, "peak_gib_after_fuzz": _peak_gib()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
