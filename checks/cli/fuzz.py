"""``superpose fuzz FILE``: check a circuit file against its exact ground truth.

Two engines (``--engine``, default ``both``, run in this order):

* ``vectorized``: ``--samples`` seeded random and adversarial s-sparse inputs, checked in
  batches (volume); the first counterexample is shrunk through the plain evaluator;
* ``hypothesis``: at most ``--examples`` inputs drawn by Hypothesis from
  ``superpose.strategies``, steered towards the smallest margin between a wrong decoded output
  and its threshold (``circuits.correctness.hypothesis_fuzz``); its shrunk counterexample is
  replayed through the plain evaluator. Its example database is
  ``cache_dir()/hypothesis/<sha256 of FILE>``, so a counterexample found once is replayed first
  next time (Hypothesis's own cache of source literals lives beside it, in
  ``cache_dir()/hypothesis``); ``--no-cache`` uses none and writes nothing.

The vectorised engine's gain table (built once per file and sparsity) is kept in the per-file
cache (``circuits.cache.DerivedCache``, under ``cache_dir()/derived``, keyed by the file's
sha256), so a later run of the same file reads it instead of building it; ``--no-cache``
neither reads nor writes it.

``--exhaustive`` enumerates every s-sparse input instead (no engine). Sampling can refute, not
prove. Exit 0 no wrong output found, 1 one found (by either engine), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor

from superpose.checks.cli._allocator import tune_allocator
from superpose.checks.cli._args import add_file, add_int, add_json, add_quiet
from superpose.checks.cli._progress import counter
from superpose.checks.exit_codes import EXIT_OK, EXIT_REFUTED
from superpose.theory.errors import InvalidArgument, SuperposeError
from superpose.theory.files import FileDigest

__all__ = ["ENGINES", "EXAMPLES", "add_parser", "run"]

ENGINES = ("vectorized", "hypothesis", "both")
#: --examples' default: ``superpose.circuits.correctness.HYPOTHESIS_EXAMPLES`` (a test keeps
#: them equal), written here so that parsing the command line imports no NumPy: ``run``
#: starts hashing the file first and imports the engines while the hash runs
EXAMPLES = 300


def _engine(text: str) -> str:
    if text not in ENGINES:
        raise argparse.ArgumentTypeError(f"engine={text!r} must be vectorized, hypothesis or "
                                         "both")
    return text


def add_parser(sub) -> None:
    p = sub.add_parser("fuzz", help="check a circuit file against its exact ground truth")
    add_file(p)
    p.add_argument("--engine", type=_engine, default=None, metavar="vectorized|hypothesis|both",
                   help="vectorized: many seeded inputs in batches; hypothesis: inputs steered "
                        "towards the smallest margin, shrunk; both (default): one, then the "
                        "other")
    add_int(p, "--samples", 10_000, help="inputs of the vectorized engine (default 10000)")
    add_int(p, "--examples", EXAMPLES,
            help=f"most examples of the hypothesis engine (default {EXAMPLES})")
    add_int(p, "--seed", 0)
    p.add_argument("--no-cache", action="store_true",
                   help="keep nothing between runs (no gain table kept, no Hypothesis example "
                        "database)")
    p.add_argument("--exhaustive", action="store_true",
                   help="enumerate every s-sparse input instead of sampling")
    add_json(p)
    add_quiet(p)
    p.set_defaults(run=run)


def run(args) -> int:
    if args.exhaustive and args.engine is not None:
        raise InvalidArgument(f"--exhaustive enumerates every input and runs no engine; drop "
                              f"--engine {args.engine} or --exhaustive")
    engine = args.engine or "both"
    tune_allocator()  # its checking threads allocate large arrays (checks/cli/_allocator.py)
    # the file's sha256 (the key of its cache entries) is computed by a thread of its own
    # while NumPy, SciPy and the engines are imported; the loader maps that same open file
    hashing = _start_hashing(args.file)
    from superpose.circuits import exhaustive, fuzz, hypothesis_fuzz, shrink
    from superpose.circuits.correctness import example_database
    from superpose.circuits.io import load_circuit_and_digest

    with ThreadPoolExecutor(1) as early:
        # once the file's sha256 is known, the kept gain table is read and checksummed while
        # the file is loaded (the table is used only once it also fits the loaded circuit)
        wanted = hashing is not None and not args.no_cache and engine != "hypothesis"
        prefetched = early.submit(_prefetch_table, hashing, args.file) if wanted else None
        circuit, digest = load_circuit_and_digest(args.file, hashing=hashing)
        # the gain table, derived from these very bytes, is kept between runs (--no-cache:
        # not)
        cache = None if args.no_cache else _cache_of(digest, prefetched)
    if args.exhaustive:
        with counter(f"fuzz {args.file.name}", "input", args.quiet) as progress:
            report = exhaustive(circuit, progress=progress, cache=cache)
        return _show_vectorized(args, circuit, report, f"superpose fuzz {args.file} --exhaustive")
    database = None
    if engine != "vectorized" and not args.no_cache:
        # a bad cache directory fails before any run
        database = example_database(args.file, digest)
    reports, replays = {}, {}
    if engine != "hypothesis":
        with counter(f"fuzz {args.file.name}", "input", args.quiet) as progress:
            reports["vectorized"] = fuzz(circuit, args.samples, args.seed, progress=progress,
                                         cache=cache)
        replays["vectorized"] = (f"superpose fuzz {args.file} --samples {args.samples} "
                                 f"--seed {args.seed}")
        if engine == "both":
            replays["vectorized"] += " --engine vectorized"
    if engine == "vectorized":
        return _show_vectorized(args, circuit, reports["vectorized"], replays["vectorized"])
    with counter(f"hypothesis {args.file.name}", "example", args.quiet) as progress:
        reports["hypothesis"] = hypothesis_fuzz(
            circuit, args.examples, args.seed, database=database, progress=progress,
            home=None if database is None else database.parent)
    replays["hypothesis"] = (f"superpose fuzz {args.file} --engine hypothesis --examples "
                             f"{args.examples} --seed {args.seed}"
                             + (" --no-cache" if args.no_cache else ""))
    if "vectorized" in reports and reports["vectorized"].examples:
        vec = reports["vectorized"]
        vec.examples[0] = shrink(circuit, vec.examples[0])
    if args.json:
        print(json.dumps(_json(args, reports, replays), indent=2))
    else:
        for name, report in reports.items():
            lines = _vectorized_lines if name == "vectorized" else _hypothesis_lines
            first, *rest = lines(args, report, replays[name])
            print("\n".join([f"{name}: {first}"] + rest))
        if not any(r.wrong_outputs for r in reports.values()):
            print("  (sampling can refute, not prove: 'superpose fuzz FILE --exhaustive' "
                  "enumerates every input)")
    return EXIT_REFUTED if any(r.wrong_outputs for r in reports.values()) else EXIT_OK


def _prefetch_table(hashing: FileDigest, path):
    """A :class:`DerivedCache` of the file's sha256 (once ``hashing`` has it) that has
    started reading the gain table of the sparsity the file records; None where any of that
    cannot be had (the run then reads the table, or builds it, as it would have). A run too
    short for the table to pay (``gain_filter_pays``) leaves a prefetched entry unused: only
    an entry an earlier run kept is read, and then for nothing."""
    from superpose.circuits.cache import DerivedCache
    from superpose.circuits.engine import gain_table_kind
    from superpose.circuits.io import stored_sparsity

    sparsity = stored_sparsity(path)
    try:
        cache = DerivedCache(hashing.result())
    except (OSError, SuperposeError):  # (said again, in one line, where the run needs it)
        return None
    if sparsity is not None:
        cache.prefetch(gain_table_kind(), sparsity)
    return cache


def _cache_of(digest: str, prefetched):
    """The :class:`DerivedCache` of the file whose bytes have sha256 ``digest``: the
    prefetching one when it is of those very bytes, else a new one."""
    from superpose.circuits.cache import DerivedCache

    early = None if prefetched is None else prefetched.result()
    return early if early is not None and early.digest == digest else DerivedCache(digest)


def _start_hashing(path) -> FileDigest | None:
    """A :class:`FileDigest` of ``path``, or None when it cannot be opened as a regular file
    (the loader then says why, in the one line it always has)."""
    try:
        return FileDigest(path, zip_members=True)  # (with the CRC-32 the loader checks)
    except OSError:
        return None


def _json(args, reports: dict, replays: dict) -> dict:
    """The first engine's report at the top level (as ``--engine vectorized`` prints it), and
    every engine's report, with its replay command, under ``engines``."""
    first = next(iter(reports))
    engine = args.engine or "both"
    replay = replays[first] if len(reports) == 1 else (
        f"superpose fuzz {args.file} --samples {args.samples} --examples {args.examples} "
        f"--seed {args.seed}" + (" --no-cache" if args.no_cache else ""))
    return reports[first].as_dict() | {
        "file": str(args.file), "replay": replay, "engine": engine,
        "engines": {name: r.as_dict() | {"replay": replays[name]}
                    for name, r in reports.items()}}


def _show_vectorized(args, circuit, report, replay: str) -> int:
    """The report of ``--engine vectorized`` or ``--exhaustive``, as it has always been."""
    from superpose.circuits import shrink

    if report.examples:
        report.examples[0] = shrink(circuit, report.examples[0])
    if args.json:
        print(json.dumps(report.as_dict() | {"file": str(args.file), "replay": replay},
                         indent=2))
    else:
        print("\n".join(_vectorized_lines(args, report, replay)))
        if not report.wrong_outputs and not report.complete:
            print("  (sampling can refute, not prove: 'superpose fuzz FILE --exhaustive' "
                  "enumerates every input)")
    return EXIT_REFUTED if report.wrong_outputs else EXIT_OK


def _vectorized_lines(args, report, replay: str) -> list[str]:
    notion = "every s-sparse input" if report.complete else "sampled inputs"
    status = "FAIL" if report.wrong_outputs else "PASS"
    lines = [f"{status}: {report.wrong_outputs} wrong outputs ({report.false_positives} false "
             f"positive, {report.false_negatives} false negative) on {report.wrong_inputs} of "
             f"{report.inputs_checked} inputs ({notion}, s={report.sparsity}"
             + ("" if args.exhaustive else f", seed {args.seed}") + f") "
             f"in {report.seconds:.2f}s: {report.inputs_per_second():,.0f} inputs/s"
             + _table_note(report)]
    if report.by_strategy:
        lines.append("  wrong inputs by strategy: " + ", ".join(
            f"{k} {v}" for k, v in report.by_strategy.items()))
    for ex in report.examples[:1]:
        lines.append(f"  shrunk counterexample: active={list(ex.active)} output {ex.output} "
                     f"reads {ex.got}, expected {ex.expected}")
        lines.append(f"  replay: {replay}; superpose eval {args.file} --active "
                     f"{','.join(map(str, ex.active))}")
    return lines


def _table_note(report) -> str:
    """Where the gain table came from and what it cost; without one, what the evaluator's
    set-up (the transposed layers) cost, when it is worth saying."""
    if report.table_source == "cache":
        return f" after reading its gain table from the cache in {report.setup_seconds:.2f}s"
    if report.table_source == "built":
        return f" after a one-time gain table of {report.setup_seconds:.2f}s"
    if report.setup_seconds >= 0.01:
        return f" after a one-time set-up (no gain table) of {report.setup_seconds:.2f}s"
    return ""


def _hypothesis_lines(args, report, replay: str) -> list[str]:
    status = "FAIL" if report.wrong_outputs else "PASS"
    closest = ("" if report.min_margin is None else
               f"; smallest margin {report.min_margin} at active={list(report.closest)}")
    stopped = {"examples": "", "found": "", "seconds": ", stopped by its time budget",
               "exhausted": ", Hypothesis ran out of new inputs"}[report.stopped]
    database = ("no example database" if report.database is None
                else f"example database {report.database}")
    lines = [f"{status}: {report.wrong_outputs} wrong outputs ({report.false_positives} false "
             f"positive, {report.false_negatives} false negative) on {report.wrong_inputs} of "
             f"{report.inputs_checked} distinct inputs ({report.examples_run} examples of at "
             f"most {report.examples_budget}{stopped}, steered to the smallest margin, "
             f"s={report.sparsity}, seed {report.seed}) in {report.seconds:.2f}s{closest}",
             f"  {database}"]
    for ex in report.examples[:1]:
        lines.append(f"  shrunk counterexample: active={list(ex.active)} output {ex.output} "
                     f"reads {ex.got}, expected {ex.expected} ("
                     + ("replays through the plain evaluator" if report.replayed
                        else "DOES NOT REPLAY through the plain evaluator") + ")")
        lines.append(f"  replay: {replay}; superpose eval {args.file} --active "
                     f"{','.join(map(str, ex.active))}")
    return lines
