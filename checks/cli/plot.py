"""``superpose plot [-o FILE]``: measure each problem's default construction over m' and draw
its exact neurons and parameters on log-log axes beside the claimed bounds
(:mod:`superpose.checks.report`, ``paper_notes/plots.md``).

Exit codes: 0 written; 1 written, but a circuit of a construction that claims exact correctness
decoded an output wrong (its replay command is printed); 2 bad input (a suffix other than .png
or .svg, an unknown problem or family, ...); 4 matplotlib missing (``pip install
'superpose[plot]'``), checked before anything is measured.
"""

from __future__ import annotations

import sys
from pathlib import Path

from superpose import circuits
from superpose.checks.cli import _progress
from superpose.checks.cli._args import (
    add_int,
    add_no_repair,
    add_quiet,
    add_seeds,
    check_not_an_input,
    check_sweep,
    check_writable,
    sweep_settings,
)
from superpose.checks.exit_codes import EXIT_OK, EXIT_REFUTED
from superpose.checks.report import (
    draw,
    output_format,
    plot_data,
    plot_plan,
    plot_sizes,
    write_data,
)
from superpose.checks.sweep import measure
from superpose.circuits.io import require
from superpose.circuits.registry import find_construction
from superpose.circuits.validate import check_choice, check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("plot", help="draw the measured neurons and parameters of each "
                       "construction against m' (log-log) with the claimed bounds; PNG or SVG")
    p.add_argument("-o", "--output", type=Path, default=Path("superpose-plot.png"),
                   help="the figure; .png or .svg (default superpose-plot.png)")
    p.add_argument("--problem", metavar="P[,P...]",
                   help="comma-separated problems (default: every registered one)")
    p.add_argument("--families", metavar="F[,F...]",
                   help="families to measure, each kept for the problems that have it (a "
                        "problem with none of them keeps its default); default: every "
                        "family of a built-in problem, the planned ones of a plugin")
    add_int(p, "--max-m-prime", 10_000,
            help="largest m' (built-ins: 100 to this, two sizes per decade; plugins: their "
            "planned sizes up to this); default 10000")
    add_int(p, "--sparsity",
            help="sparsity s of every problem (default: 2, or a plugin's planned one)")
    add_seeds(p, seed_help="seed of the codes and weights of every circuit")
    add_int(p, "--samples", 2000, help="fuzzing inputs per circuit too large to enumerate")
    add_no_repair(p, help="plot the raw random draw: do not veto the false positives of a "
                  "circuit found wrong (by default it is repaired, as in sweep)")
    p.add_argument("--data", type=Path, metavar="FILE.json",
                   help="also write the plotted numbers (counts, fitted constants, curves) "
                        "as JSON")
    add_quiet(p)
    p.set_defaults(run=run)


def _names(text: str | None, flag: str) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise InvalidArgument(f"{flag}={text!r} names nothing; give comma-separated names")
    return names


def run(args) -> int:
    output_format(args.output)
    check_writable("-o", args.output)
    if args.data is not None:
        check_writable("--data", args.data)
        check_not_an_input("-o", args.output, {"--data": args.data})
    require("matplotlib", "plot", "superpose plot")
    check_sweep(args, "a plot measures")
    if args.sparsity is not None:
        check_int("sparsity", args.sparsity, minimum=1)
    problems = _names(args.problem, "--problem")
    for name in problems or ():
        check_choice("problem", name, tuple(circuits.PROBLEM_NAMES))
    if problems is None:  # every registered problem that has a size to measure
        problems = tuple(circuits.PROBLEM_NAMES)
        for name in problems:
            if not plot_sizes(name, args.max_m_prime):
                print(f"superpose plot: {name} left out: none of its planned sizes is <= "
                      f"--max-m-prime {args.max_m_prime}", file=sys.stderr)
        problems = tuple(p for p in problems if plot_sizes(p, args.max_m_prime))
    plan = plot_plan(problems, _names(args.families, "--families"), args.sparsity,
                     args.max_m_prime)
    settings = sweep_settings(args)
    ms = []
    with _progress.steps("plot: measuring", len(plan), "circuit", args.quiet) as step:
        for problem, family, s, m_prime in plan:
            step(f"{problem}/{family} s={s} m'={m_prime}")
            ms.append(measure(problem, family, s, m_prime, settings))
    data = plot_data(ms, settings={"seed": args.seed, "instance_seed": args.instance_seed,
                                   "samples": args.samples, "repair": not args.no_repair,
                                   "max_m_prime": args.max_m_prime,
                                   "replay": _replay(args, problems)})
    draw(data, args.output)
    if args.data is not None:
        write_data(data, args.data)
    print(_summary(data, args, len(ms)))
    wrong = [m for m in ms if m.correctness.wrong_outputs
             and find_construction(m.problem, m.construction).notion != "epsilon"]
    for m in wrong:
        print(f"WRONG: {m.label()} decodes {m.correctness.wrong_outputs} output(s) wrong "
              f"({m.correctness.method}); replay: {m.replay_command()}")
    return EXIT_REFUTED if wrong else EXIT_OK


def _replay(args, problems: tuple[str, ...]) -> str:
    parts = [f"superpose plot -o {args.output} --problem {','.join(problems)}",
             f"--max-m-prime {args.max_m_prime}", f"--seed {args.seed}",
             f"--instance-seed {args.instance_seed}", f"--samples {args.samples}"]
    if args.families:
        parts.append(f"--families {args.families}")
    if args.sparsity is not None:
        parts.append(f"--sparsity {args.sparsity}")
    if args.no_repair:
        parts.append("--no-repair")
    return " ".join(parts)


def _summary(data, args, measured: int) -> str:
    sizes = sorted({m for p in data.panels for s in p.series for m in s.m_prime})
    lines = [f"wrote {args.output}: {measured} circuits, m'={sizes[0]}..{sizes[-1]}, seed "
             f"{args.seed}" + (f", data in {args.data}" if args.data is not None else "")]
    for panel in data.panels:
        fits = "; ".join(
            f"{c.label}" + ("" if c.ratio_slope is None else
                            f", steepest family's slope of count/f {c.ratio_slope:+.3f}")
            for c in panel.curves) or "no claimed bound"
        lines.append(f"  {panel.problem} {panel.quantity} (s={panel.sparsity}): {fits}"
                     + (f" [{panel.note}]" if panel.note else ""))
    lines.append(f"  ({data.as_dict()['fit']})")
    lines.append(f"  replay: {data.settings['replay']}")
    return "\n".join(lines)
