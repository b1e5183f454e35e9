"""``superpose verify``: check every claim of the ledger (and of every registered problem).

Measures each problem's constructions over m' and the sparsities, certifies or fuzzes every
circuit, runs the checks each claim names and prints one row per claim with its verdict
(``--report``: as JSON, Markdown or JUnit XML; ``-o``: to a file, the text table still on
stdout). ``--claims FILE`` adds the claims of a TOML file. Exit 0 no claim refuted, 1 one
refuted, 3 with ``--strict`` one UNKNOWN, 2 bad input. ``--dask [ADDRESS]`` measures each
circuit as a Dask task (the other checks run here); a circuit whose task was lost is exit 3.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from superpose.checks.cli._args import (
    add_dask,
    add_int,
    add_json,
    add_no_repair,
    add_quiet,
    add_seeds,
    check_not_an_input,
    check_sweep,
    check_writable,
    dask_session,
    integer,
    positive_float,
    problem_constant,
    sweep_settings,
    verify_config,
)
from superpose.checks.cli._progress import steps
from superpose.checks.report import (
    render_junit,
    render_markdown,
    render_text,
    report_json,
    verify_replay,
)
from superpose.checks.sweep import SweepSettings
from superpose.checks.verification import verify
from superpose.circuits.io import write_text_atomically
from superpose.circuits.validate import check_int
from superpose.theory import load_claim_file
from superpose.theory.errors import InvalidArgument

__all__ = ["add_parser", "run"]

_REPORTS = {"json": report_json, "md": render_markdown, "junit": render_junit}
_SPARSITIES = [2, 3]  # without --sparsity


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="check every claim of the ledger")
    add_int(p, "--max-m-prime", 10_000,
            help="largest m' at s = 2 (s = 3 stops at 1000); default 10000")
    add_int(p, "--sparsity", action="append",
            help="sparsity to sweep (repeatable); default 2 and 3")
    add_int(p, "--samples", 2000, help="fuzzing inputs per circuit too large to enumerate")
    add_int(p, "--exhaustive-limit", 50_000,
            help="enumerate every input when there are at most this many")
    add_int(p, "--certify-max-m-prime", SweepSettings.certify_max_m_prime,
            help="certify (search + Z3) every circuit up to this m' (default "
            f"{SweepSettings.certify_max_m_prime}); larger ones are fuzzed only")
    p.add_argument("--certify-timeout", type=positive_float("certify_timeout"),
                   default=SweepSettings.certify_timeout,
                   help="seconds per circuit before its certificate is UNKNOWN (default "
                   f"{SweepSettings.certify_timeout:g})")
    add_no_repair(p)
    add_seeds(p)
    add_int(p, "--fuzz-seed", 0,
            help="seed of the fuzzing inputs drawn for circuits too large to enumerate "
            "(default 0; printed with the report and with every failure)")
    p.add_argument("--problem", action="append", metavar="NAME",
                   help="check only the claims about this registered problem (repeatable; "
                        "default: every problem)")
    p.add_argument("--failure-constant", type=problem_constant, action="append",
                   metavar="PROBLEM:NAME=NUMBER", default=[],
                   help="use this constant in PROBLEM's failure-bound check (its decision and "
                   "its raw draws), e.g. and2:c_r=0.5 (repeatable)")
    p.add_argument("--failure-seeds", type=integer("failure_seeds"), default=100,
                   help="raw draws per sparsity counted against the failure bound (default 100)")
    p.add_argument("--claims", type=Path, metavar="FILE",
                   help="a TOML file of [[claim]] tables to check with the ledger")
    p.add_argument("--strict", action="store_true",
                   help="exit 3 if any claim is UNKNOWN, 'not yet checked' included")
    p.add_argument("-v", "--verbose", action="store_true")
    add_json(p, help="the report as JSON (= --report json)")
    p.add_argument("--report", choices=tuple(_REPORTS), help="the report as JSON, Markdown "
                   "(a PR comment or a paper appendix) or JUnit XML; see paper_notes/reports.md")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write the report to FILE (the text table still goes to stdout)")
    add_dask(p, "circuit measured")
    add_quiet(p)
    p.set_defaults(run=run)


def run(args) -> int:
    if args.sparsity is None:
        args.sparsity = list(_SPARSITIES)
    for s in args.sparsity:
        check_int("sparsity", s, minimum=1)
    check_sweep(args)
    check_int("exhaustive_limit", args.exhaustive_limit, minimum=1)
    check_int("certify_max_m_prime", args.certify_max_m_prime, minimum=0,
              fix="use 0 to certify nothing beyond enumerable sizes")
    settings = sweep_settings(args, fuzz_seed=args.fuzz_seed,
                              exhaustive_limit=args.exhaustive_limit,
                              certify_max_m_prime=args.certify_max_m_prime,
                              certify_timeout=args.certify_timeout)
    check_int("failure_seeds", args.failure_seeds, minimum=1)
    config = verify_config(settings=settings, max_m_prime=args.max_m_prime,
                           sparsities=args.sparsity, problems=args.problem,
                           failure_constants=args.failure_constant)
    config = replace(config, failure_seeds=args.failure_seeds)
    if args.json and args.report not in (None, "json"):
        raise InvalidArgument(f"--json and --report {args.report} exclude each other; use "
                              "--report json (or drop --json)")
    fmt = "json" if args.json else args.report
    if args.output is not None:
        check_writable("-o", args.output, "name a file to write the report to")
        check_not_an_input("-o", args.output, {"--claims": args.claims})
    specs = tuple(load_claim_file(args.claims)) if args.claims else ()
    with dask_session(args) as client, \
            steps("verify: measuring", None, "circuit", args.quiet) as step:
        report = verify(config, progress=step, claim_specs=specs,
                        measure_all=None if client is None else _on_dask(client, step, args))
    replay = verify_replay(config, args.claims, args.strict)
    text = (render_text(report, args.verbose) if fmt is None else
            _REPORTS[fmt](report, strict=args.strict, replay=replay))
    if args.output is None:
        print(text)
    else:
        if fmt is not None:  # the file gets the report, the terminal the usual table
            print(render_text(report, args.verbose))
        write_text_atomically(args.output, text if text.endswith("\n") else text + "\n",
                              InvalidArgument)
        print(f"wrote the {fmt or 'text'} report to {args.output}", file=sys.stderr)
    return report.exit_code(args.strict)


def _on_dask(client, step, args):
    """verify's ``measure_all``: each circuit a task of ``client``."""
    from superpose.checks.cluster import CONNECT_TIMEOUT, measure_on_dask

    wait = args.dask_timeout or CONNECT_TIMEOUT
    return lambda calls: measure_on_dask(client, calls, progress=step, wait=wait)
