"""Benchmark superpose circuits: build cost, exact counts, and inputs verified per second.

Usage (from the repository root):

    python benchmarks/run.py [--sizes 10000 100000] [--problem and2] [--family random]
                             [--construction C] [--sparsity 2] [--inputs N] [--seed 0]
                             [--batch B] [--repeats R] [--min-pass-seconds P]
                             [--max-seconds T] [--budget-gb G]
                             [--evaluators NAME ...] [--json OUT] [--markdown]

(benchmarks/README.md explains every option and column.)

For each m' the circuit is built in a fresh subprocess (build time, exact counts, and the
peak resident set size of the build: VmHWM of /proc/self/status, reset to the current RSS after
the imports by writing 5 to /proc/self/clear_refs, so it is the RSS of interpreter and imports
plus the build's peak; ``ru_maxrss`` is not used on Linux because it keeps the parent's peak
across fork and exec) and saved with ``circuits.save_circuit``;
a second fresh subprocess loads that file with ``circuits.load_circuit`` and runs every
evaluator on the same batch of ``--inputs`` random s-sparse inputs
(``circuits.model.random_sparse_inputs`` with ``--seed``), decoding every output and comparing it
with ``circuit.problem.truth`` (the count of wrong outputs must be 0). Evaluators:

* ``event``: ``circuits.engine.EventEvaluator(network, sparsity=s)``, the package's event-driven
  evaluator with its gain-filtered first layer (its gain table is built once per circuit and
  timed apart: ``table_seconds``);
* ``event-no-filter``: the same evaluator with ``EvaluatorOptions(first_layer="events")``
  (every W_1^T column of every active input unit is read);
* ``plain``: ``network.evaluate`` (the package's CSR evaluator);
* ``dense-numpy``, ``scipy-csr``, ``torch-cpu``: the baselines of ``benchmarks/baselines.py``.

Rates count inputs per second of evaluation plus comparison (the truth is computed outside
the timer), the fastest of up to ``--repeats`` passes after a warm-up call, a pass going over
the inputs as many times as it takes to last ``--min-pass-seconds``; ``speed-up`` is the event
evaluator's rate over each one's, and ``vs scipy-csr`` each one's rate over the SciPy CSR
baseline's. The memory bandwidth is
a STREAM-style triad a = b + s c on three float64 arrays of 64 MiB, run as two NumPy passes
(a = s c, then a += b), so 40 bytes move per element; best of 5. ``bytes/input`` is
``EventEvaluator.bytes_read`` (the circuit arrays the event evaluator must read) per input, and
bytes/input / bandwidth is the floor on its time per input if those bytes come from memory.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import run_superpose  # noqa: E402

#: the two ``superpose fuzz`` runs of a file, and how the table names them: the first builds
#: the gain table and keeps it in the per-file cache, the second reads it back
FUZZ_RUNS = {"fuzz_command": "first", "fuzz_command_cached": "second"}
EVALUATORS = ("event", "event-no-filter", "plain", "dense-numpy", "scipy-csr", "torch-cpu")
EVENT_KINDS = {"event": "gains", "event-no-filter": "events"}
MIXES = ("random", "fuzz")
STREAM_N = 1 << 23


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value


def _nonnegative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be >= 0")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} must be > 0")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_positive, nargs="+", default=[10_000, 100_000],
                        help="values of m' to measure (default: 10000 100000)")
    parser.add_argument("--problem", default="and2", choices=("and2", "perm", "represent"))
    parser.add_argument("--family", default=None,
                        help="instance family (default: random for and2 and perm)")
    parser.add_argument("--construction", default=None, help="construction (default: its first)")
    parser.add_argument("--sparsity", type=_positive, default=2)
    parser.add_argument("--inputs", type=_positive, default=2000,
                        help="random s-sparse inputs per evaluator (default 2000)")
    parser.add_argument("--mix", choices=MIXES, default="random",
                        help="the evaluators' inputs: uniform random ones, or fuzz's "
                             "adversarial mix (circuits.correctness.adversarial_inputs; "
                             "default random)")
    parser.add_argument("--fuzz-samples", type=_nonnegative, default=0,
                        help="also time 'superpose fuzz FILE --engine vectorized --samples "
                             "N' end to end, in its own process (default 0: not run)")
    parser.add_argument("--seed", type=_nonnegative, default=0,
                        help="seed of the circuit and of the input batch")
    parser.add_argument("--batch", type=_positive, default=1024,
                        help="inputs per evaluate call (dense baselines may use fewer)")
    parser.add_argument("--repeats", type=_positive, default=3,
                        help="passes over the inputs per evaluator; the fastest is reported")
    parser.add_argument("--min-pass-seconds", type=_positive_float, default=0.5,
                        help="a pass repeats the inputs until it has lasted this long "
                             "(default 0.5 s), so fast evaluators are timed over as long")
    parser.add_argument("--max-seconds", type=_positive_float, default=60.0,
                        help="no further pass (or batch) once an evaluator has taken this long")
    parser.add_argument("--budget-gb", type=_positive_float, default=2.0,
                        help="memory budget of the dense arrays of a baseline (default 2 GB)")
    parser.add_argument("--evaluators", nargs="*", default=list(EVALUATORS), choices=EVALUATORS,
                        help="which to run (default: all; none: build and counts only)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args(argv)
    if args.family is None and args.problem in ("and2", "perm"):
        args.family = "random"
    return args


# --- machine ------------------------------------------------------------------------------------

def machine_info() -> dict:
    info = {"platform": platform.platform(), "processor": platform.processor(),
            "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__,
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        import torch
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = "not installed"
    return info


def stream_triad(n: int = STREAM_N, repeats: int = 5) -> dict:
    """Best-of-``repeats`` bandwidth of a = b + s c as two NumPy passes (40 bytes/element)."""
    rng = np.random.default_rng(0)
    b, c = rng.random(n), rng.random(n)
    a = np.empty(n)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.multiply(c, 3.0, out=a)
        a += b
        best = min(best, time.perf_counter() - start)
    moved = 40 * n
    return {"array_mib": 8 * n / 2 ** 20, "bytes_moved": moved, "best_seconds": best,
            "bytes_per_second": moved / best}


# --- workers (each in a fresh process) ----------------------------------------------------------

def _proc_status(field: str) -> int | None:
    """A ``/proc/self/status`` memory field (VmRSS, VmHWM) in bytes, or None off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _peak_rss() -> tuple[int, str]:
    """(peak RSS in bytes, how it was read). VmHWM where /proc has it; else ru_maxrss, which
    on Linux also holds the parent's peak inherited across fork and exec."""
    hwm = _proc_status("VmHWM")
    if hwm is not None:
        return hwm, "VmHWM"
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024), "ru_maxrss"


def worker_build(args, size: int, path: Path) -> dict:
    from superpose import circuits
    imports_rss = _proc_status("VmRSS") or _peak_rss()[0]
    reset = _reset_peak()
    start = time.perf_counter()
    circuit = circuits.build(args.problem, size, args.family, 0, args.sparsity, args.seed,
                             args.construction)
    build_s = time.perf_counter() - start
    build_rss, how = _peak_rss()
    start = time.perf_counter()
    counts = circuit.counts().as_dict()
    counts_s = time.perf_counter() - start
    start = time.perf_counter()
    try:
        circuits.save_circuit(circuit, path)
        saved = {"file_bytes": path.stat().st_size}
    except MemoryError as exc:
        saved = {"file_bytes": None, "save_error": f"MemoryError: {exc}"}
    save_s = time.perf_counter() - start
    return {"m": circuit.m, "m_prime": circuit.m_prime, "construction": circuit.construction,
            "build_seconds": build_s, "counts_seconds": counts_s, "save_seconds": save_s,
            "counts": counts, **saved,
            "rss_bytes_after_imports": imports_rss, "peak_rss_bytes_of_build": build_rss,
            "peak_rss_method": how + (" reset after imports" if reset else " since start")}


def _pass(evaluate, batch, truth, chunk: int, dense_truth: bool, min_seconds: float,
          max_seconds: float):
    """One pass over ``batch`` in chunks, repeated until it has lasted ``min_seconds``:
    (inputs done, seconds, wrong outputs); stops after the chunk that passes ``max_seconds``.
    The truth is sliced outside the timer."""
    done = wrong = 0
    seconds = 0.0
    while True:
        for lo in range(0, len(batch), chunk):
            part = batch[lo:lo + chunk]
            want = truth[lo:lo + chunk]
            if dense_truth:
                want = want.toarray().astype(bool)
            start = time.perf_counter()
            got = evaluate(part)
            bad = int(np.count_nonzero(got != want)) if dense_truth else int((got != want).nnz)
            seconds += time.perf_counter() - start
            done += len(part)
            wrong += bad
            if seconds > max_seconds:
                return done, seconds, wrong
        if seconds >= min_seconds:
            return done, seconds, wrong


def _measure(evaluate, batch, truth, chunk: int, dense_truth: bool, args) -> dict:
    """A warm-up call on the first inputs, then up to ``args.repeats`` passes (fewer when
    they take ``args.max_seconds`` in all); the rate is that of the fastest pass."""
    evaluate(batch[:min(len(batch), chunk, 64)])
    passes, total = [], 0.0
    while len(passes) < args.repeats and total <= args.max_seconds:
        done, seconds, wrong = _pass(evaluate, batch, truth, chunk, dense_truth,
                                     args.min_pass_seconds, args.max_seconds - total)
        passes.append((done / seconds if seconds > 0 else float("inf"), done, seconds, wrong))
        total += seconds
    rate, done, seconds, wrong = max(passes)
    return {"status": "ok", "inputs": done, "seconds": seconds, "batch": chunk,
            "passes": len(passes), "inputs_per_second": rate,
            "wrong_outputs": max(p[3] for p in passes)}


def worker_evaluate(args, path: Path) -> dict:
    from superpose import circuits
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import baselines

    start = time.perf_counter()
    circuit = circuits.load_circuit(path)
    load_s = time.perf_counter() - start
    rng = np.random.default_rng(args.seed)
    if args.mix == "fuzz":  # fuzz's strategies in fuzz's shares, in one shuffled batch
        batch = np.concatenate(list(circuits.correctness.adversarial_inputs(circuit, args.inputs,
                                                                rng).values()))
        batch = batch[rng.permutation(len(batch))]
    else:
        batch = circuits.model.random_sparse_inputs(circuit.m, args.sparsity, args.inputs, rng)
    truth = circuit.problem.truth(batch)
    start = time.perf_counter()
    transposes = [layer.weights_t for layer in circuit.network.layers]  # cached on each layer
    transpose_s = time.perf_counter() - start
    del transposes
    budget = int(args.budget_gb * baselines.GIB)
    results = {}
    extra = {"load_seconds": load_s, "transpose_seconds": transpose_s,
             "truth_ones": int(truth.nnz)}
    for name in args.evaluators:
        gc.collect()
        start = time.perf_counter()
        try:
            if name in EVENT_KINDS:
                options = circuits.engine.EvaluatorOptions(first_layer=EVENT_KINDS[name])
                evaluator = circuits.engine.EventEvaluator(circuit.network, args.sparsity, options)
                evaluate, chunk, dense = evaluator.evaluate, args.batch, False
            elif name == "plain":
                evaluate, chunk, dense = circuit.network.evaluate, args.batch, False
            else:
                kind = {"dense-numpy": baselines.DenseBaseline,
                        "scipy-csr": baselines.CsrBaseline,
                        "torch-cpu": baselines.TorchBaseline}[name]
                evaluator = kind(circuit, budget, args.batch)
                evaluate, chunk, dense = evaluator.evaluate, evaluator.batch, True
        except baselines.Skipped as why:
            results[name] = {"status": str(why)}
            continue
        setup = time.perf_counter() - start
        results[name] = _measure(evaluate, batch, truth, chunk, dense, args)
        results[name]["setup_seconds"] = setup
        if name in EVENT_KINDS:
            stats = {}
            evaluator.evaluate(batch, stats)
            results[name].update(first_layer=evaluator.first_layer,
                                 table_seconds=evaluator.table_seconds,
                                 table_entries=getattr(evaluator, "table_entries", 0),
                                 stats=stats,
                                 bytes_per_input=evaluator.bytes_read(stats) / len(batch))
        evaluate = evaluator = None
    return {"evaluators": results, **extra}


def _worker_main(argv) -> int:
    kind, rest = argv[0], argv[1:]
    path = Path(rest[0])
    args = parse_args(rest[2:])
    sys.path.insert(0, str(REPO))
    from superpose.theory.errors import SuperposeError
    try:
        out = worker_build(args, int(rest[1]), path) if kind == "build" \
            else worker_evaluate(args, path)
    except SuperposeError as exc:
        print(f"run.py: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


def fuzz_environment(cache: Path, pycache: Path) -> dict:
    """The environment of the ``superpose fuzz`` runs: ``SUPERPOSE_CACHE_DIR=cache``, and
    Python's own bytecode cache on (``PYTHONDONTWRITEBYTECODE`` dropped) in a folder of the
    run's (``PYTHONPYCACHEPREFIX=pycache``), as an installed package has it: a checkout with
    bytecode off compiles every superpose module on each start (about 0.05 s here)."""
    env = dict(os.environ, SUPERPOSE_CACHE_DIR=str(cache), PYTHONPYCACHEPREFIX=str(pycache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_bytecode(path: Path, pycache: Path) -> None:
    """Compile what ``superpose fuzz`` imports into ``pycache``, by a run on one input that
    keeps nothing (``--no-cache``: no gain table kept, so the timed runs start as before)."""
    run_superpose(["fuzz", str(path), "--engine", "vectorized", "--samples", "1", "--json",
                   "-q", "--no-cache"], env=fuzz_environment(pycache / "unused", pycache))


def run_fuzz_command(path: Path, samples: int, seed: int, cache: Path, pycache: Path) -> dict:
    """``superpose fuzz FILE --engine vectorized --samples N --seed S --json -q`` in a fresh
    process (the package from this checkout, :func:`fuzz_environment`): its JSON report, the
    process's wall time and its peak RSS. The vectorised engine alone: the Hypothesis one
    checks few inputs by design."""
    done = run_superpose(["fuzz", str(path), "--engine", "vectorized", "--samples", str(samples),
                          "--seed", str(seed), "--json", "-q"],
                         env=fuzz_environment(cache, pycache))
    if done["exit_code"] not in (0, 1):  # 1: it found wrong outputs, which the report shows
        sys.stderr.write(done["stderr"])
        raise SystemExit(done["exit_code"])
    return {"command": done["command"], "exit_code": done["exit_code"],
            "wall_seconds": done["wall_seconds"], "peak_rss_bytes": done["peak_rss_bytes"],
            "report": json.loads(done["stdout"])}


def _run_worker(kind: str, path: Path, size: int, argv) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "_worker", kind, str(path), str(size),
           *argv]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report -------------------------------------------------------------------------------------

def summarise(size_result: dict, bandwidth: float) -> None:
    """Add the speed-ups of the event evaluator, every rate over the SciPy CSR baseline's, the
    event evaluators' distance from the bandwidth floor, and the inputs after which the event
    evaluator's one-time setup (its gain table, mostly) has paid for itself against the SciPy
    CSR baseline: setup / (1 / csr rate - 1 / event rate)."""
    evals = size_result["evaluators"]
    event = evals.get("event", {})
    scipy_csr = evals.get("scipy-csr", {})
    ratios, over_csr = {}, {}
    for name, res in evals.items():
        if res.get("status") != "ok":
            continue
        if name != "event" and event.get("status") == "ok":
            ratios[name] = event["inputs_per_second"] / res["inputs_per_second"]
        if scipy_csr.get("status") == "ok":
            over_csr[name] = res["inputs_per_second"] / scipy_csr["inputs_per_second"]
        if name in EVENT_KINDS and "bytes_per_input" in res:
            floor = res["bytes_per_input"] / bandwidth
            measured = 1.0 / res["inputs_per_second"]
            res["floor_seconds_per_input"] = floor
            res["seconds_per_input"] = measured
            res["over_floor"] = measured / floor if floor > 0 else None
    size_result["event_speedup_over"] = ratios
    size_result["rate_over_scipy_csr"] = over_csr
    for key in FUZZ_RUNS:
        _fuzz_ratios(size_result.get(key), scipy_csr)
    if event.get("status") == "ok" and scipy_csr.get("status") == "ok":
        saved = 1 / scipy_csr["inputs_per_second"] - 1 / event["inputs_per_second"]
        size_result["event_break_even_inputs"] = (event["setup_seconds"] / saved
                                                  if saved > 0 else None)


def _fuzz_ratios(fuzzed: dict | None, scipy_csr: dict) -> None:
    """A ``superpose fuzz`` run's rates over the SciPy CSR baseline's, without and with its
    table, and counting its whole process (start-up, loading, the table, saving it)."""
    if fuzzed is not None and scipy_csr.get("status") == "ok":
        csr_rate = scipy_csr["inputs_per_second"]
        rep = fuzzed["report"]
        fuzzed["rate_over_scipy_csr"] = rep["inputs_per_second"] / csr_rate
        fuzzed["end_to_end_over_scipy_csr"] = (rep["inputs_checked"] / rep["seconds"]
                                               / csr_rate if rep["seconds"] > 0 else None)
        fuzzed["wall_over_scipy_csr"] = (rep["inputs_checked"] / fuzzed["wall_seconds"]
                                         / csr_rate)


def _fmt(value, digits=3) -> str:
    if isinstance(value, float):
        return f"{value:,.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def tables(report: dict) -> str:
    lines = [("| m' | m | build s | neurons | params | bits | file MB | RSS after imports MB | "
              "peak RSS of build MB |"), "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for res in report["sizes"]:
        b = res["build"]
        c = b["counts"]
        size_mb = "save failed" if b["file_bytes"] is None else f"{b['file_bytes'] / 1e6:.1f}"
        lines.append(f"| {b['m_prime']:,} | {b['m']:,} | {b['build_seconds']:.2f} | "
                     f"{c['neurons']:,} | {c['params']:,} | {c['bits']:,} | "
                     f"{size_mb} | "
                     f"{b['rss_bytes_after_imports'] / 1e6:,.0f} | "
                     f"{b['peak_rss_bytes_of_build'] / 1e6:,.0f} |")
    lines += ["", ("| m' | evaluator | batch | inputs x passes | inputs/s | wrong outputs | "
                   "event speed-up | vs scipy-csr |"), "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for res in report["sizes"]:
        for name, ev in res["evaluators"].items():
            if ev.get("status") != "ok":
                lines.append(f"| {res['m_prime']:,} | {name} | | | {ev['status']} | | | |")
                continue
            ratio = res["event_speedup_over"].get(name)
            csr = res["rate_over_scipy_csr"].get(name)
            lines.append(f"| {res['m_prime']:,} | {name} | {ev['batch']:,} | "
                         f"{ev['inputs']:,} x {ev['passes']} | "
                         f"{_fmt(ev['inputs_per_second'])} | {ev['wrong_outputs']} | "
                         f"{'' if ratio is None else f'{ratio:.2f}x'} | "
                         f"{'' if csr is None else f'{csr:.2f}x'} |")
    lines += ["", ("| m' | event setup s | of which gain table s | table entries | "
                   "event-no-filter setup s | break-even inputs vs scipy-csr |"),
              "|---:|---:|---:|---:|---:|---:|"]
    for res in report["sizes"]:
        event = res["evaluators"].get("event", {})
        if event.get("status") != "ok":
            continue
        unfiltered = res["evaluators"].get("event-no-filter", {})
        even = res.get("event_break_even_inputs")
        lines.append(f"| {res['m_prime']:,} | {event['setup_seconds']:.2f} | "
                     f"{event['table_seconds']:.2f} | {event['table_entries']:,} | "
                     + (f"{unfiltered['setup_seconds']:.2f}"
                        if unfiltered.get("status") == "ok" else "")
                     + f" | {'' if even is None else f'{even:,.0f}'} |")
    fuzz_rows = [(res, key) for res in report["sizes"] for key in FUZZ_RUNS if key in res]
    if fuzz_rows:
        lines += ["", ("| m' | run | `superpose fuzz` inputs | wrong outputs | gain table | "
                       "table s | checking s | inputs/s after the table | vs scipy-csr | "
                       "with the table | process wall s | with start-up and load | "
                       "peak RSS MB |"),
                  "|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for res, key in fuzz_rows:
        fz = res[key]
        rep = fz["report"]

        def times(key):
            return "" if fz.get(key) is None else f"{fz[key]:.1f}x"

        lines.append(f"| {res['m_prime']:,} | {FUZZ_RUNS[key]} | {rep['inputs_checked']:,} | "
                     f"{rep['wrong_outputs']} | {rep.get('table_source', '')} | "
                     f"{rep['setup_seconds']:.2f} | "
                     f"{rep['seconds'] - rep['setup_seconds']:.2f} | "
                     f"{_fmt(float(rep['inputs_per_second']))} | "
                     f"{times('rate_over_scipy_csr')} | {times('end_to_end_over_scipy_csr')} | "
                     f"{fz['wall_seconds']:.1f} | {times('wall_over_scipy_csr')} | "
                     f"{fz['peak_rss_bytes'] / 1e6:,.0f} |")
    bw = report["bandwidth"]["bytes_per_second"]
    lines += ["", f"Memory bandwidth (triad, best of 5): {bw / 1e9:.2f} GB/s", "",
              "| m' | evaluator | bytes/input | floor us/input | us/input | over floor |",
              "|---:|---|---:|---:|---:|---:|"]
    for res in report["sizes"]:
        for name in EVENT_KINDS:
            ev = res["evaluators"].get(name, {})
            if "floor_seconds_per_input" not in ev:
                continue
            lines.append(f"| {res['m_prime']:,} | {name} | {ev['bytes_per_input']:,.0f} | "
                         f"{ev['floor_seconds_per_input'] * 1e6:.2f} | "
                         f"{ev['seconds_per_input'] * 1e6:.1f} | "
                         f"{ev['over_floor']:.1f}x |")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "_worker":
        return _worker_main(argv[1:])
    args = parse_args(argv)
    report = {"machine": machine_info(), "args": {k: (str(v) if isinstance(v, Path) else v)
                                                  for k, v in vars(args).items()}}
    report["bandwidth"] = stream_triad()
    report["sizes"] = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="superpose-bench-") as tmp:
            path = Path(tmp) / "circuit.npz"
            build = _run_worker("build", path, size, argv)
            print(f"m'={size}: built in {build['build_seconds']:.1f} s", file=sys.stderr)
            if build["file_bytes"] is None:
                print(f"m'={size}: save_circuit failed ({build['save_error']}); "
                      "no evaluation", file=sys.stderr)
            measured = _run_worker("evaluate", path, size, argv) \
                if args.evaluators and build["file_bytes"] is not None else {"evaluators": {}}
            result = {"m_prime": size, "build": build, **measured}
            if args.fuzz_samples and build["file_bytes"] is not None:
                # twice, with a cache of its own: the first run builds the gain table and
                # keeps it, the second reads it back
                cache, pycache = Path(tmp) / "cache", Path(tmp) / "pycache"
                warm_bytecode(path, pycache)
                for key in FUZZ_RUNS:
                    result[key] = run_fuzz_command(path, args.fuzz_samples, args.seed, cache,
                                                   pycache)
                    fuzzed = result[key]["report"]
                    print(f"m'={size}: superpose fuzz ({key}): {fuzzed['inputs_per_second']:,.0f}"
                          f" inputs/s after a {fuzzed['setup_seconds']:.1f} s table "
                          f"({fuzzed['table_source']}), {fuzzed['wrong_outputs']} wrong",
                          file=sys.stderr)
        summarise(result, report["bandwidth"]["bytes_per_second"])
        report["sizes"].append(result)
        for name, ev in result["evaluators"].items():
            rate = ev.get("inputs_per_second")
            print(f"m'={size}: {name}: " + (f"{rate:,.0f} inputs/s, {ev['wrong_outputs']} wrong"
                                            if rate is not None else ev["status"]),
                  file=sys.stderr)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    if args.markdown:
        print(tables(report))
    else:
        print(json.dumps(report, indent=2))
    wrong = sum(ev.get("wrong_outputs", 0) for res in report["sizes"]
                for ev in res["evaluators"].values())
    wrong += sum(res[key]["report"]["wrong_outputs"] for res in report["sizes"]
                 for key in FUZZ_RUNS if key in res)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
