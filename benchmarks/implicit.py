"""Time and peak memory of implicit circuits end to end, as a user runs them.

    python benchmarks/implicit.py --sizes 100000 1000000 --samples 10000 --markdown

For each m', in fresh processes: ``superpose build and2 --m-prime M --sparsity 2 --seed 3
--implicit -o FILE`` (build, exact counts, save), then ``superpose fuzz FILE --samples N
--json -q`` (load, both engines, report). Each row gives the process's wall time (start-up
included) and its peak resident set size (``ru_maxrss`` of the child), the file's size, the
exact parameter count and fuzz's own figures (inputs checked, wrong outputs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(argv: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in GB, stdout) of one command in a fresh process; the peak is
    that child's own ``ru_maxrss``, read by ``os.wait4``."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        if code not in (0, 1):
            err.seek(0)
            sys.exit(f"{' '.join(argv)} exited {code}: {err.read().strip()}")
    return wall, usage.ru_maxrss * 1024 / 1e9, out  # (ru_maxrss is in KiB; GB = 10^9 bytes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = []
    for m_prime in args.sizes:
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
            path = Path(tmp) / "c.npz"
            build_wall, build_gb, out = _timed(
                ["superpose", "build", "and2", "--m-prime", str(m_prime), "--sparsity", "2",
                 "--seed", "3", "--implicit", "-o", str(path), "--json", "-q"])
            built = json.loads(out)
            fuzz_wall, fuzz_gb, out = _timed(
                ["superpose", "fuzz", str(path), "--samples", str(args.samples), "--json",
                 "-q"])
            fuzzed = json.loads(out)
            rows.append({"m_prime": m_prime, "params": built["params"],
                         "file_bytes": path.stat().st_size,
                         "build_wall_s": round(build_wall, 1),
                         "fuzz_wall_s": round(fuzz_wall, 1),
                         "fuzz": {name: {k: r.get(k) for k in ("inputs_checked",
                                                               "wrong_outputs", "seconds")}
                                  for name, r in fuzzed["engines"].items()},
                         "build_peak_gb": round(build_gb, 2),
                         "fuzz_peak_gb": round(fuzz_gb, 2)})
            print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    if args.markdown:
        print("| m' | params | file GB | build s | build peak GB | fuzz s | fuzz peak GB |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['m_prime']:,} | {r['params']:,} | {r['file_bytes'] / 1e9:.2f} | "
                  f"{r['build_wall_s']} | {r['build_peak_gb']} | {r['fuzz_wall_s']} | "
                  f"{r['fuzz_peak_gb']} |")


if __name__ == "__main__":
    main()
