"""Time ``superpose certify`` end to end on large circuits, one fresh process per command.

    python benchmarks/certify.py --markdown --json benchmarks/results-certify.json

For each case it runs ``superpose build PROBLEM --m-prime M --family F --sparsity S --seed N
-o FILE`` and then ``superpose certify FILE --json`` (benchmarks/_timing.py: wall time of the
whole process, start-up and loading the file included, and its peak RSS), and reports the
verdict, the certifier's own ``seconds`` (the work after loading: tables and search) beside the
process's wall time, the method and the search's node counts (``--timeout T`` passes certify's
own limit: a case past it is UNKNOWN). Exit 1 if a case is not PROVED or a command fails, 2 on
a bad argument.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import run_superpose  # noqa: E402

#: (problem, family, m', s): every and2 family and perm at m' = 10^5, s = 2, and and2 at
#: m' = 10^4, s = 3 (the targets of issue 15: 60 s and 5 minutes wall)
CASES = [("and2", family, 100_000, 2)
         for family in ("random", "star", "disjoint", "complete", "nearcut", "mixed")] \
    + [("perm", "random", 100_000, 2), ("and2", "random", 10_000, 3)]


def parse_case(text: str) -> tuple[str, str, int, int]:
    parts = text.split(":")
    if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
        raise argparse.ArgumentTypeError(f"case={text!r} must be PROBLEM:FAMILY:M_PRIME:S, "
                                         "e.g. and2:star:100000:2")
    return parts[0], parts[1], int(parts[2]), int(parts[3])


def run_case(case, seed: int, folder: Path, timeout: float | None) -> dict:
    problem, family, m_prime, s = case
    path = folder / f"{problem}-{family}-{m_prime}-s{s}.npz"
    build = run_superpose(["build", problem, "--m-prime", str(m_prime), "--family", family,
                           "--sparsity", str(s), "--seed", str(seed), "-o", str(path), "-q"])
    row = {"problem": problem, "family": family, "m_prime": m_prime, "sparsity": s,
           "seed": seed, "build_wall_seconds": round(build["wall_seconds"], 2)}
    if build["exit_code"] != 0:
        return row | {"error": build["stderr"].strip()[-500:]}
    row["file_mb"] = round(path.stat().st_size / 1e6, 1)
    limit = [] if timeout is None else ["--timeout", str(timeout)]
    cert = run_superpose(["certify", str(path), "--json", "-q", *limit])
    path.unlink()
    row |= {"certify_command": f"superpose certify {path.name}",
            "certify_wall_seconds": round(cert["wall_seconds"], 2),
            "peak_rss_mb": round(cert["peak_rss_bytes"] / 2**20), "exit_code": cert["exit_code"]}
    try:
        report = json.loads(cert["stdout"])
    except json.JSONDecodeError:
        return row | {"error": cert["stderr"].strip()[-500:]}
    return row | {"verdict": report["verdict"], "certify_seconds": report["seconds"],
                  "method": report["method"], "input_space": report["input_space"],
                  "stats": report["stats"]}


def table(rows: list[dict]) -> str:
    lines = ["| problem | family | m' | s | verdict | method | build s | certify s | wall s "
             "| peak RSS MB | nodes by level |", "|---|---|---:|---:|---|---|---:|---:|---:"
             "|---:|---|"]
    for r in rows:
        levels = r.get("stats", {}).get("frontier_by_level", "")
        lines.append(f"| {r['problem']} | {r['family']} | {r['m_prime']:,} | {r['sparsity']} "
                     f"| {r.get('verdict', r.get('error', '?'))} | {r.get('method', '')} "
                     f"| {r['build_wall_seconds']} | {r.get('certify_seconds', '')} "
                     f"| {r.get('certify_wall_seconds', '')} | {r.get('peak_rss_mb', '')} "
                     f"| {levels} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", type=parse_case, action="append", metavar="P:F:M:S",
                        help="a case to run instead of the default list (repeatable)")
    parser.add_argument("--seed", type=int, default=3, help="seed of every build (3)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="certify's --timeout for every case (default: none)")
    parser.add_argument("--json", type=Path, help="write the rows and the machine here")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for case in args.case or CASES:
            rows.append(run_case(case, args.seed, Path(folder), args.timeout))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    result = {"started": started, "machine": platform.platform(), "cpus": os.cpu_count(),
              "load_average_at_end": [round(x, 2) for x in os.getloadavg()], "rows": rows}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(table(rows) if args.markdown else json.dumps(result, indent=2))
    return 0 if all(r.get("verdict") == "PROVED" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
