"""``superpose sweep PROBLEM``: measure one problem's construction over m' (a table).

Builds the problem's default construction for each family (``--families``) at m' = 100 up to
``--max-m-prime``, two sizes per decade, checks each circuit (exhaustively when its input space
is small enough, else fuzzed and, up to a size, certified) and prints one row per circuit with
its exact counts and correctness (``--markdown``: as a Markdown table). Exit 0 no wrong
output and every count within its construction's count formula, 1 otherwise (named on stderr
with its replay line), 2 bad input. ``--dask [ADDRESS]`` measures each circuit as a Dask task
(the same table; a circuit whose task was lost is exit 3).
"""

from __future__ import annotations

import sys

from superpose.checks.cli._args import (
    add_dask,
    add_int,
    add_no_repair,
    add_problem,
    add_quiet,
    add_seeds,
    check_sweep,
    dask_session,
    sweep_settings,
)
from superpose.checks.cli._progress import steps
from superpose.checks.exit_codes import EXIT_OK, EXIT_REFUTED
from superpose.checks.report import render_measurements
from superpose.checks.sweep import geometric_sizes, measure
from superpose.circuits import FAMILIES
from superpose.circuits.validate import check_choice

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("sweep", help="measure one problem's construction over m' (a table)")
    add_problem(p)
    add_int(p, "--max-m-prime", 10_000)
    p.add_argument("--families", help="comma-separated; default all of the problem's")
    add_int(p, "--sparsity", 2)
    add_int(p, "--samples", 2000)
    add_seeds(p)
    add_no_repair(p)
    p.add_argument("--markdown", action="store_true")
    add_dask(p, "circuit")
    add_quiet(p)
    p.set_defaults(run=run)


def run(args) -> int:
    families = args.families.split(",") if args.families else list(FAMILIES[args.problem])
    for family in families:
        check_choice("family", family, FAMILIES[args.problem])
    check_sweep(args)
    settings = sweep_settings(args)
    sizes = geometric_sizes(100, args.max_m_prime)
    calls = [(args.problem, family, args.sparsity, m_prime, settings)
             for family in families for m_prime in sizes]
    with dask_session(args) as client, \
            steps(f"sweep {args.problem}", len(calls), "circuit", args.quiet) as step:
        if client is not None:
            from superpose.checks.cluster import CONNECT_TIMEOUT, measure_on_dask

            ms = measure_on_dask(client, calls, progress=step,
                                 wait=args.dask_timeout or CONNECT_TIMEOUT)
        else:
            ms = []
            for call in calls:
                step(f"{args.problem}/{call[1]} m'={call[3]}")
                ms.append(measure(*call))
    print(render_measurements(ms, markdown=args.markdown))
    over = [(m, c) for m in ms for c in m.formula or () if not c.holds]
    for m, c in over:
        print(f"REFUTED: {m.label()}: {c.quantity} = {c.count} exceeds its count formula step "
              f"{c.step!r} = {c.bound:.6g}; replay: {m.replay_command()}", file=sys.stderr)
    wrong = any(m.correctness.wrong_outputs for m in ms)
    return EXIT_REFUTED if wrong or over else EXIT_OK
