"""The ``superpose`` command line. Every error is one line on stderr with a distinct exit code:
0 ok, 1 refuted (a claim, or a wrong output found), 2 bad input, 3 inconclusive, 4 a missing
optional dependency (an extra such as plot or onnx)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from superpose.checks.certification import (
    METHODS,
    certificate_from_dict,
    certify,
    certify_in_processes,
    merge_shards,
    parse_shard,
)
from superpose.checks.cli import export as _export_cmd
from superpose.checks.cli import minimal as _minimal_cmd
from superpose.checks.cli import plot as _plot_cmd
from superpose.checks.cli import problems as _problems_cmd
from superpose.checks.cli import repair as _repair_cmd
from superpose.checks.cli import selftest as _selftest_cmd
from superpose.checks.cli._args import Parser as _Parser
from superpose.checks.cli._args import integer as _integer
from superpose.checks.cli._args import positive_float as _positive_float
from superpose.checks.cli._progress import counter, steps
from superpose.checks.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_MISSING_EXTRA,
    EXIT_OK,
    EXIT_REFUTED,
    exit_for,
)
from superpose.checks.report import (
    render_junit,
    render_markdown,
    render_measurements,
    render_text,
    report_json,
    verify_replay,
)
from superpose.checks.sweep import SweepSettings, geometric_sizes, measure
from superpose.checks.verification import VerifyConfig, verify
from superpose.circuits import (
    FAMILIES,
    PROBLEM_NAMES,
    build,
    evaluate_input,
    exhaustive,
    fuzz,
    load_circuit,
    replays,
    save_circuit,
    shrink,
)
from superpose.circuits.model import check_sparsity
from superpose.circuits.validate import check_choice, check_int
from superpose.theory import CLAIMS, Verdict, load_claim_file
from superpose.theory.errors import InvalidArgument, MissingExtra, SuperposeError

__all__ = ["main"]


_PROBLEM_HELP = ("a registered problem: and2, perm, represent, or one a package adds "
                 "('superpose problems' lists them)")
_NO_REPAIR = ("measure the raw random draw: do not veto the false positives of a circuit found "
              "wrong (by default it is repaired, see 'superpose repair')")


def _shard_arg(text: str) -> tuple[int, int]:
    try:
        return parse_shard(text)
    except InvalidArgument as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _active_list(text: str) -> list[int]:
    parts = [p for p in text.replace(" ", "").split(",") if p]
    try:
        return [int(p, 10) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"active={text!r} must be comma-separated feature indices, e.g. 3,17") from None


def _constant(text: str) -> tuple[str, float | int]:
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"constant={text!r} must look like NAME=NUMBER, "
                                         "e.g. c_shared=2.5")
    for kind in (int, float):
        try:
            return name, kind(value)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"constant {name}={value!r} must be a number")


def _cmd_build(args) -> int:
    with steps(f"build {args.problem} m'={args.m_prime}", 2 if args.repair else 3, "stage",
               args.quiet) as step:
        step("building")
        circuit = build(args.problem, args.m_prime, args.family, args.instance_seed,
                        args.sparsity, args.seed, args.construction,
                        dict(args.constant or []) or None)
        if args.repair:
            step("certifying, repairing and saving")
            outcome = _repair_cmd.repair_and_save(circuit, args.output, args.timeout,
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
            print(_repair_cmd.describe(outcome, args.output))
        return exit_for([outcome.verdict])
    info = {"file": str(args.output), "problem": circuit.problem.name,
            "construction": circuit.construction, "family": circuit.family,
            "m": circuit.m, "m_prime": circuit.m_prime, "sparsity": circuit.sparsity,
            "seed": circuit.seed, "instance_seed": circuit.instance_seed, **counts.as_dict()}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"wrote {args.output}: {circuit.problem.name} ({circuit.construction}, "
              f"{circuit.family}) m={circuit.m} m'={circuit.m_prime} s={circuit.sparsity} "
              f"seed={circuit.seed}; neurons {counts.neurons}, params {counts.params}")
    return EXIT_OK


def _cmd_info(args) -> int:
    circuit = load_circuit(args.file)
    counts = circuit.counts()
    info = {"problem": circuit.problem.name, "construction": circuit.construction,
            "family": circuit.family, "m": circuit.m, "m_prime": circuit.m_prime,
            "sparsity": circuit.sparsity, "seed": circuit.seed, **counts.as_dict(),
            "constants": circuit.constants}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>22}: {value}")
    return EXIT_OK


def _cmd_fuzz(args) -> int:
    circuit = load_circuit(args.file)
    with counter(f"fuzz {args.file.name}", "input", args.quiet) as progress:
        if args.exhaustive:
            report = exhaustive(circuit, progress=progress)
        else:
            report = fuzz(circuit, args.samples, args.seed, progress=progress)
    if report.examples:
        report.examples[0] = shrink(circuit, report.examples[0])
    replay = (f"superpose fuzz {args.file} --exhaustive" if args.exhaustive else
              f"superpose fuzz {args.file} --samples {args.samples} --seed {args.seed}")
    if args.json:
        print(json.dumps(report.as_dict() | {"file": str(args.file), "replay": replay},
                         indent=2))
    else:
        notion = "every s-sparse input" if report.complete else "sampled inputs"
        status = "FAIL" if report.wrong_outputs else "PASS"
        print(f"{status}: {report.wrong_outputs} wrong outputs ({report.false_positives} false "
              f"positive, {report.false_negatives} false negative) on {report.wrong_inputs} of "
              f"{report.inputs_checked} inputs ({notion}, s={report.sparsity}"
              + ("" if args.exhaustive else f", seed {args.seed}") + f") "
              f"in {report.seconds:.2f}s: {report.inputs_per_second():,.0f} inputs/s"
              + (f" after a one-time gain table of {report.setup_seconds:.2f}s"
                 if report.setup_seconds >= 0.01 else ""))
        if report.by_strategy:
            print("  wrong inputs by strategy: " + ", ".join(
                f"{k} {v}" for k, v in report.by_strategy.items()))
        for ex in report.examples[:1]:
            print(f"  shrunk counterexample: active={list(ex.active)} output {ex.output} reads "
                  f"{ex.got}, expected {ex.expected}")
            print(f"  replay: {replay}; superpose eval {args.file} --active "
                  f"{','.join(map(str, ex.active))}")
        if not report.wrong_outputs and not report.complete:
            print("  (sampling can refute, not prove: 'superpose fuzz FILE --exhaustive' "
                  "enumerates every input)")
    return EXIT_REFUTED if report.wrong_outputs else EXIT_OK


def _cmd_certify(args) -> int:
    circuit = load_circuit(args.file)
    digest = _sha256(args.file)
    if sum(x is not None for x in (args.shard, args.jobs, args.merge)) > 1:
        raise InvalidArgument("--shard, --jobs and --merge exclude each other; use one")
    if args.merge is not None:
        cert = merge_shards([_shard_certificate(path, digest) for path in args.merge])
        if cert.counterexample is not None and not replays(circuit, cert.counterexample):
            raise InvalidArgument(f"the merged counterexample {list(cert.counterexample.active)} "
                                  f"does not replay against {args.file}; were the shards run "
                                  "on this file?")
    elif args.jobs is not None:
        check_int("jobs", args.jobs, minimum=1, fix="run at least one shard")
        cert = certify_in_processes(args.file, args.jobs, args.sparsity, args.timeout,
                                    args.method)
    else:
        with counter(f"certify {args.file.name}", "it", args.quiet) as progress:
            cert = certify(circuit, args.sparsity, args.timeout, args.method,
                           args.shard or (0, 1), progress=progress)
    replay = (f"superpose certify {args.file} --sparsity {cert.sparsity}"
              + (f" --timeout {args.timeout:g}" if args.timeout else "")
              + (f" --method {args.method}" if args.method != "auto" else "")
              + (f" --shard {args.shard[0]}/{args.shard[1]}" if args.shard else ""))
    if args.json:
        print(json.dumps(cert.as_dict() | {"file": str(args.file), "file_sha256": digest,
                                           "replay": replay}, indent=2))
    else:
        scope = f"{cert.input_space} inputs with at most {cert.sparsity} active features"
        i, n = cert.shard
        if n == 1:
            claim = f"every output of {args.file} is decoded correctly on all {scope}"
        elif cert.method == "exhaustive":
            claim = (f"(shard {i}/{n}) every output of {args.file} is decoded correctly on the "
                     f"{cert.inputs_covered} inputs at positions j = {i} mod {n} of the {scope}")
        else:
            claim = (f"(shard {i}/{n}) every output k = {i} mod {n} of {args.file} is decoded "
                     f"correctly on all {scope}")
        if cert.verdict is Verdict.PROVED:
            print(f"PROVED: {claim} ({cert.method}, {cert.seconds:.2f}s)")
        elif cert.verdict is Verdict.REFUTED:
            ex = cert.counterexample
            active = shlex.quote(",".join(map(str, ex.active)))
            print(f"REFUTED: on active={list(ex.active)} output {ex.output} reads {ex.got}, "
                  f"expected {ex.expected} (replayed through the plain evaluator; "
                  f"{cert.method}, {cert.seconds:.2f}s)")
            print(f"  replay: superpose eval {args.file} --sparsity {cert.sparsity} "
                  f"--active {active}")
        else:
            print(f"UNKNOWN: {cert.reason} ({cert.method}, {cert.seconds:.2f}s; "
                  f"{cert.inputs_covered} of {scope} evaluated explicitly)")
            print(f"  merge every shard 0..n-1 of one run, or rerun with a longer "
                  f"--timeout: {replay}" if args.merge else
                  f"  rerun with a longer --timeout: {replay}")
    return exit_for([cert.verdict])


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise InvalidArgument(f"cannot read {str(path)!r}: {exc.strerror}") from None


def _shard_certificate(path: Path, digest: str):
    """One shard's --json output, checked to be about the file being merged."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InvalidArgument(f"shard file {str(path)!r} is not readable JSON ({exc}); pass the "
                              "--json output of 'superpose certify FILE --shard i/n'") from None
    if not isinstance(doc, dict) or doc.get("file_sha256") != digest:
        raise InvalidArgument(f"shard file {str(path)!r} was not made from this circuit file "
                              "(file_sha256 differs); merge shards of the same file")
    return certificate_from_dict(doc)


def _cmd_eval(args) -> int:
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


def _cmd_verify(args) -> int:
    for s in args.sparsity:
        check_int("sparsity", s, minimum=1)
    check_int("max_m_prime", args.max_m_prime, minimum=100,
              fix="the smallest size a sweep measures is 100")
    check_int("samples", args.samples, minimum=1)
    check_int("exhaustive_limit", args.exhaustive_limit, minimum=1)
    check_int("certify_max_m_prime", args.certify_max_m_prime, minimum=0,
              fix="use 0 to certify nothing beyond enumerable sizes")
    settings = SweepSettings(seed=args.seed, instance_seed=args.instance_seed,
                             samples=args.samples, fuzz_seed=args.fuzz_seed,
                             exhaustive_limit=args.exhaustive_limit,
                             certify_max_m_prime=args.certify_max_m_prime,
                             certify_timeout=args.certify_timeout, repair=not args.no_repair)
    config = replace(VerifyConfig(), max_m_prime=args.max_m_prime,
                     sparsities=tuple(sorted(set(args.sparsity))), settings=settings,
                     problems=tuple(args.problem) if args.problem else None)
    if args.json and args.report not in (None, "json"):
        raise InvalidArgument(f"--json and --report {args.report} exclude each other; use "
                              "--report json (or drop --json)")
    fmt = "json" if args.json else args.report
    if args.output is not None:
        _check_writable(args.output)
    specs = tuple(load_claim_file(args.claims)) if args.claims else ()
    with steps("verify: measuring", None, "circuit", args.quiet) as step:
        report = verify(config, progress=step, claim_specs=specs)
    replay = verify_replay(config, args.claims, args.strict)
    text = (render_text(report, args.verbose) if fmt is None else
            _REPORTS[fmt](report, strict=args.strict, replay=replay))
    if args.output is None:
        print(text)
    else:
        if fmt is not None:  # the file gets the report, the terminal the usual table
            print(render_text(report, args.verbose))
        try:
            args.output.write_text(text if text.endswith("\n") else text + "\n",
                                   encoding="utf-8")
        except OSError as exc:
            raise InvalidArgument(f"cannot write the report to {str(args.output)!r}: "
                                  f"{exc.strerror}; choose a writable file") from None
        print(f"wrote the {fmt or 'text'} report to {args.output}", file=sys.stderr)
    return report.exit_code(args.strict)


_REPORTS = {"json": report_json, "md": render_markdown, "junit": render_junit}


def _check_writable(path: Path) -> None:
    """Fail before a long run, not after it, when the report file cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InvalidArgument(f"-o {str(path)!r} is a directory; name a file to write the "
                              "report to")
    if not parent.is_dir():
        raise InvalidArgument(f"-o {str(path)!r}: the folder {str(parent)!r} does not exist; "
                              "create it or choose another path")
    if not os.access(path if path.exists() else parent, os.W_OK):
        raise InvalidArgument(f"-o {str(path)!r} is not writable; choose a writable file")


def _cmd_claims(args) -> int:
    rows = [{"id": c.id, "kind": c.kind, "quantity": c.quantity, "problem": c.problem,
             "bound": c.bound, "statement": c.statement, "source": c.source,
             "assumptions": list(c.assumptions), "checks": list(c.checks),
             "bounds": [{"quantity": q, "bound": b} for q, b in c.bounds]} for c in CLAIMS]
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    print(f"{'ID':<16} {'KIND':<9} {'QUANTITY':<9} {'PROBLEM':<16} {'BOUND':<34} SOURCE")
    for r in rows:
        print(f"{r['id']:<16} {r['kind']:<9} {r['quantity']:<9} {r['problem']:<16} "
              f"{r['bound']:<34} {r['source']}")
    return EXIT_OK


def _cmd_sweep(args) -> int:
    families = args.families.split(",") if args.families else list(FAMILIES[args.problem])
    for family in families:
        check_choice("family", family, FAMILIES[args.problem])
    check_int("max_m_prime", args.max_m_prime, minimum=100,
              fix="the smallest size a sweep measures is 100")
    check_int("samples", args.samples, minimum=1)
    settings = SweepSettings(seed=args.seed, instance_seed=args.instance_seed,
                             samples=args.samples, repair=not args.no_repair)
    sizes = geometric_sizes(100, args.max_m_prime)
    ms = []
    with steps(f"sweep {args.problem}", len(families) * len(sizes), "circuit",
               args.quiet) as step:
        for family in families:
            for m_prime in sizes:
                step(f"{args.problem}/{family} m'={m_prime}")
                ms.append(measure(args.problem, family, args.sparsity, m_prime, settings))
    print(render_measurements(ms, markdown=args.markdown))
    return EXIT_REFUTED if any(m.correctness.wrong_outputs for m in ms) else EXIT_OK


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="superpose", description="Proof checks and property tests for neural "
                "computation in superposition (Adler & Shavit, arXiv:2409.15318).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("build", help="build a circuit and write it as a superpose-circuit file")
    b.add_argument("problem", choices=PROBLEM_NAMES, metavar="PROBLEM", help=_PROBLEM_HELP)
    b.add_argument("--m-prime", type=_integer("m_prime"), required=True)
    b.add_argument("--family", help="instance family (and2: disjoint, complete, random, star, "
                   "nearcut, mixed; perm: random, identity, shift; 'superpose problems' lists "
                   "every problem's)")
    b.add_argument("--instance-seed", type=_integer("instance_seed"), default=0)
    b.add_argument("--sparsity", type=_integer("sparsity"), default=2)
    b.add_argument("--seed", type=_integer("seed"), default=0,
                   help="seed of the codes and weights (codes never depend on the instance)")
    b.add_argument("--construction", help="default: the problem's first (and2: three-channel, "
                   "perm: bloom, represent: bloom; 'superpose problems' lists them)")
    b.add_argument("--constant", type=_constant, action="append", metavar="NAME=NUMBER",
                   help="override a construction constant (repeatable), e.g. r_min=15")
    b.add_argument("-o", "--output", type=Path, required=True)
    b.add_argument("--repair", action="store_true",
                   help="certify the circuit and veto its false positives until PROVED "
                        "(see 'superpose repair'); exit 0 PROVED, 1 REFUTED, 3 UNKNOWN")
    _repair_cmd.add_repair_options(b)
    b.add_argument("--json", action="store_true")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.set_defaults(run=_cmd_build)

    f = sub.add_parser("fuzz", help="check a circuit file against its exact ground truth")
    f.add_argument("file", type=Path)
    f.add_argument("--samples", type=_integer("samples"), default=10_000)
    f.add_argument("--seed", type=_integer("seed"), default=0)
    f.add_argument("--exhaustive", action="store_true",
                   help="enumerate every s-sparse input instead of sampling")
    f.add_argument("--json", action="store_true")
    f.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    f.set_defaults(run=_cmd_fuzz)

    e = sub.add_parser("eval", help="evaluate one input (to replay a counterexample)")
    e.add_argument("file", type=Path)
    e.add_argument("--active", type=_active_list, required=True,
                   help="comma-separated active input features, e.g. 3,17")
    e.add_argument("--sparsity", type=_integer("sparsity"),
                   help="accept up to this many active features (default: the file's)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=_cmd_eval)

    r = sub.add_parser("certify", help="decide correctness on every s-sparse input (exit 0 "
                       "proved, 1 refuted, 3 unknown)")
    r.add_argument("file", type=Path)
    r.add_argument("--sparsity", type=_integer("sparsity"),
                   help="at most this many active features (default: the file's)")
    r.add_argument("--timeout", type=_positive_float("timeout"),
                   help="seconds before giving up with UNKNOWN (default: no limit)")
    r.add_argument("--method", choices=METHODS, default="auto",
                   help="auto (default): enumerate small input spaces, else search + Z3")
    r.add_argument("--shard", type=_shard_arg, metavar="I/N",
                   help="decide only part I of N (0-based); merge the N --json outputs with "
                        "--merge")
    r.add_argument("--jobs", type=_integer("jobs"), metavar="N",
                   help="run N shards in a process pool and merge them")
    r.add_argument("--merge", type=Path, nargs="+", metavar="SHARD_JSON",
                   help="merge the --json outputs of shards 0..N-1 of FILE into one verdict")
    r.add_argument("--json", action="store_true")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r.set_defaults(run=_cmd_certify)

    i = sub.add_parser("info", help="exact counts of a circuit file")
    i.add_argument("file", type=Path)
    i.add_argument("--json", action="store_true")
    i.set_defaults(run=_cmd_info)

    v = sub.add_parser("verify", help="check every claim of the ledger")
    v.add_argument("--max-m-prime", type=_integer("max_m_prime"), default=10_000,
                   help="largest m' at s = 2 (s = 3 stops at 1000); default 10000")
    v.add_argument("--sparsity", type=_integer("sparsity"), action="append",
                   help="sparsity to sweep (repeatable); default 2 and 3")
    v.add_argument("--samples", type=_integer("samples"), default=2000,
                   help="fuzzing inputs per circuit too large to enumerate")
    v.add_argument("--exhaustive-limit", type=_integer("exhaustive_limit"), default=50_000,
                   help="enumerate every input when there are at most this many")
    v.add_argument("--certify-max-m-prime", type=_integer("certify_max_m_prime"),
                   default=SweepSettings.certify_max_m_prime,
                   help="certify (search + Z3) every circuit up to this m' (default "
                   f"{SweepSettings.certify_max_m_prime}); larger ones are fuzzed only")
    v.add_argument("--certify-timeout", type=_positive_float("certify_timeout"),
                   default=SweepSettings.certify_timeout,
                   help="seconds per circuit before its certificate is UNKNOWN (default "
                   f"{SweepSettings.certify_timeout:g})")
    v.add_argument("--no-repair", action="store_true", help=_NO_REPAIR)
    v.add_argument("--seed", type=_integer("seed"), default=0)
    v.add_argument("--instance-seed", type=_integer("instance_seed"), default=0)
    v.add_argument("--fuzz-seed", type=_integer("fuzz_seed"), default=0)
    v.add_argument("--problem", action="append", metavar="NAME",
                   help="check only the claims about this registered problem (repeatable; "
                        "default: every problem)")
    v.add_argument("--claims", type=Path, metavar="FILE",
                   help="a TOML file of [[claim]] tables to check with the ledger")
    v.add_argument("--strict", action="store_true",
                   help="exit 3 if any claim is UNKNOWN, 'not yet checked' included")
    v.add_argument("-v", "--verbose", action="store_true")
    v.add_argument("--json", action="store_true", help="the report as JSON (= --report json)")
    v.add_argument("--report", choices=tuple(_REPORTS), help="the report as JSON, Markdown "
                   "(a PR comment or a paper appendix) or JUnit XML; see paper_notes/reports.md")
    v.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write the report to FILE (the text table still goes to stdout)")
    v.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    v.set_defaults(run=_cmd_verify)

    c = sub.add_parser("claims", help="list the claims ledger")
    c.add_argument("--json", action="store_true")
    c.set_defaults(run=_cmd_claims)

    w = sub.add_parser("sweep", help="measure one problem's construction over m' (a table)")
    w.add_argument("problem", choices=PROBLEM_NAMES, metavar="PROBLEM", help=_PROBLEM_HELP)
    w.add_argument("--max-m-prime", type=_integer("max_m_prime"), default=10_000)
    w.add_argument("--families", help="comma-separated; default all of the problem's")
    w.add_argument("--sparsity", type=_integer("sparsity"), default=2)
    w.add_argument("--samples", type=_integer("samples"), default=2000)
    w.add_argument("--seed", type=_integer("seed"), default=0)
    w.add_argument("--instance-seed", type=_integer("instance_seed"), default=0)
    w.add_argument("--no-repair", action="store_true", help=_NO_REPAIR)
    w.add_argument("--markdown", action="store_true")
    w.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    w.set_defaults(run=_cmd_sweep)

    for register in (_minimal_cmd.add_parser, _repair_cmd.add_parser,
                     _selftest_cmd.add_parser, _export_cmd.add_parser,
                     _plot_cmd.add_parser, _problems_cmd.add_parser):
        register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 refuted, 2 bad input, 3 unknown)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return int(exc.code or 0)
    if getattr(args, "sparsity", None) is None and args.command == "verify":
        args.sparsity = [2, 3]
    try:
        return args.run(args)
    except MissingExtra as exc:
        print(f"superpose: error: {exc}", file=sys.stderr)
        return EXIT_MISSING_EXTRA
    except SuperposeError as exc:
        print(f"superpose: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("superpose: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
