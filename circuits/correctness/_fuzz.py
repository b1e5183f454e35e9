"""Comparing a circuit with its problem's ground truth: exhaustively, or on sampled inputs.

``exhaustive`` decides correctness on every s-sparse input (the *certified* notion) when the
input space is small enough to enumerate; ``fuzz`` samples random and adversarial s-sparse
inputs and can only ever refute. Both return a :class:`CorrectnessReport`; neither prints.
``fuzz`` checks its batches on several threads (NumPy releases the GIL in its array passes)
and adds each batch's counts and first counterexamples to the report in the batches' order,
so a seed gives the same report on any number of threads.

Adversarial inputs (each a share of the samples):

* ``random``: 1..s uniform distinct features;
* ``sources``: every source feature of a random output (both ends of a pair), filled up;
* ``near-miss``: a random output's sources but one, plus features whose input supports share
  units with the missing one (the leak a threshold must resist);
* ``neighbours``: a feature with random neighbours in the pair graph, or its neighbours alone.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp

from superpose.circuits.engine import event_evaluator
from superpose.circuits.io import markdown_table
from superpose.circuits.model import (
    PAD,
    Circuit,
    count_sparse_inputs,
    enumerate_sparse_inputs,
    normalize_active,
    random_sparse_inputs,
)
from superpose.circuits.validate import check_int, check_shard
from superpose.theory.errors import InvalidArgument

__all__ = ["Counterexample", "CorrectnessReport", "compare", "evaluate_input", "exhaustive", "fuzz",
           "gain_filter_pays", "replays", "shrink",
           "adversarial_inputs", "output_sources"]

MAX_EXAMPLES = 5
CHUNK = 2048  # inputs a thread checks at once in an enumeration
#: inputs a thread checks at once in fuzz (at most the evaluator's block; a gain-filtered
#: block of 4,096 costs less per input than two of 2,048)
FUZZ_BATCH = 4096
MAX_THREADS = 4
DRAW_ROUND = 1 << 20  # inputs drawn at once by fuzz (bounds its memory for any --samples)
#: What the plain event path pays per W_1^T entry it reads, over what the gain table pays per
#: multiply-add of its build (about 7 ns against 0.3 to 0.5 ns on the machine of
#: benchmarks/README.md); ``gain_filter_pays`` weighs the two with it.
FILTER_COST_RATIO = 16


@dataclass(frozen=True)
class Counterexample:
    """An input (its active features) on which output ``output`` reads ``got``, not ``expected``."""

    active: tuple[int, ...]
    output: int
    expected: int
    got: int

    def as_dict(self) -> dict:
        return {"active": list(self.active), "output": self.output,
                "expected": self.expected, "got": self.got}


@dataclass
class CorrectnessReport:
    """Outcome of comparing a circuit with its ground truth on a set of inputs."""

    method: str  # "exhaustive" or "fuzz"
    sparsity: int
    inputs_checked: int
    input_space: int
    wrong_inputs: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    examples: list[Counterexample] = field(default_factory=list)
    seed: int | None = None
    seconds: float = 0.0
    setup_seconds: float = 0.0  # of ``seconds``: building the evaluator's gain table (once)
    by_strategy: dict[str, int] = field(default_factory=dict)
    #: where the evaluator's gain table came from when it was made: "built", "cache" (the
    #: per-file cache), "none" (no table: the plain event path)
    table_source: str = "none"

    @property
    def wrong_outputs(self) -> int:
        return self.false_positives + self.false_negatives

    def inputs_per_second(self) -> float:
        """Inputs checked per second after the one-time setup (0.0 when nothing was timed)."""
        checking = self.seconds - self.setup_seconds
        return self.inputs_checked / checking if checking > 0 else 0.0

    @property
    def complete(self) -> bool:
        """True when every s-sparse input was checked."""
        return self.method == "exhaustive" and self.inputs_checked == self.input_space

    def as_dict(self) -> dict:
        return {"method": self.method, "sparsity": self.sparsity,
                "inputs_checked": self.inputs_checked, "input_space": self.input_space,
                "complete": self.complete, "wrong_inputs": self.wrong_inputs,
                "wrong_outputs": self.wrong_outputs, "false_positives": self.false_positives,
                "false_negatives": self.false_negatives, "seed": self.seed,
                "seconds": round(self.seconds, 3),
                "setup_seconds": round(self.setup_seconds, 3), "table_source": self.table_source,
                "inputs_per_second": round(self.inputs_per_second(), 1),
                "by_strategy": self.by_strategy,
                "counterexamples": [e.as_dict() for e in self.examples]}

    def _repr_markdown_(self) -> str:
        """The report as a two-column Markdown table (how Jupyter shows it), with one row per
        counterexample kept."""
        outcome = (f"**{self.wrong_inputs:,} wrong inputs**" if self.wrong_inputs
                   else "no wrong output")
        rows = [("outcome", outcome), ("method", self.method), ("sparsity", str(self.sparsity)),
                ("inputs", f"{self.inputs_checked:,} checked of {self.input_space:,}"
                           + (" (every input)" if self.complete else "")),
                ("false positives", f"{self.false_positives:,}"),
                ("false negatives", f"{self.false_negatives:,}"),
                ("seconds", f"{self.seconds:.3g}")]
        if self.seed is not None:
            rows.append(("seed", str(self.seed)))
        for ex in self.examples:
            rows.append(("counterexample", f"active {list(ex.active)}: output {ex.output} "
                                           f"reads {ex.got}, expected {ex.expected}"))
        return markdown_table(self.method, rows)


def compare(circuit: Circuit, active: np.ndarray, report: CorrectnessReport,
            filtered: bool = False) -> None:
    """Evaluate one batch (with the event evaluator) and add its mismatches to ``report``.

    ``filtered``: use the gain-filtered first layer (the cached evaluator for the circuit's
    sparsity, or the batch's width when that is larger), which costs a table build once per
    circuit and then far less per input; otherwise the plain event path."""
    _add(report, _mismatches(circuit, _batch_evaluator(circuit, active, filtered), active))


def _batch_evaluator(circuit: Circuit, active, filtered: bool):
    """The evaluator ``compare`` uses for a batch ``active`` (:func:`_evaluator`)."""
    if filtered:
        sparsity = max(circuit.sparsity, np.shape(active)[1] if np.ndim(active) == 2 else 0)
        return _evaluator(circuit.network, sparsity)
    return _evaluator(circuit.network)


@dataclass
class _Mismatches:
    """What one batch adds to a report: its inputs, its wrong inputs, false positives and
    false negatives, and its first ``MAX_EXAMPLES`` counterexamples in (input, output) order
    (all that a report keeps from one batch)."""

    inputs: int
    wrong_inputs: int
    false_positives: int
    false_negatives: int
    examples: list[Counterexample]


def _mismatches(circuit: Circuit, evaluator, active: np.ndarray) -> _Mismatches:
    """One batch evaluated by ``evaluator`` and compared with the truth (threads may run it
    for several batches at once)."""
    got = evaluator.evaluate(active)
    want = circuit.problem.truth(active)
    if _same_ones(got, want):  # (almost every batch of a correct circuit)
        return _Mismatches(len(active), 0, 0, 0, [])
    diff = (got - want).tocoo()
    mask = diff.data != 0
    rows, cols, vals = diff.row[mask], diff.col[mask], diff.data[mask]
    examples = [Counterexample(tuple(int(i) for i in active[b] if i != PAD), int(k), int(v < 0),
                               int(v > 0))
                for b, k, v in zip(rows[:MAX_EXAMPLES], cols[:MAX_EXAMPLES],
                                   vals[:MAX_EXAMPLES], strict=True)]
    return _Mismatches(len(active), len(np.unique(rows)), int(np.count_nonzero(vals > 0)),
                       int(np.count_nonzero(vals < 0)), examples)


def _same_ones(a, b) -> bool:
    """Whether two CSR matrices of ones (with no stored zeros) are equal, from their index
    arrays alone when both are canonical (sorted, distinct indices per row); False when that
    cannot be told so cheaply (the caller then subtracts them)."""
    return (a.shape == b.shape and a.has_canonical_format and b.has_canonical_format
            and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and bool(np.all(a.data == 1)) and bool(np.all(b.data == 1)))


def _add(report: CorrectnessReport, found: _Mismatches) -> None:
    """Add a batch's mismatches to ``report`` (batches added in order give the report of one
    pass over them all)."""
    report.inputs_checked += found.inputs
    report.false_positives += found.false_positives
    report.false_negatives += found.false_negatives
    report.wrong_inputs += found.wrong_inputs
    report.examples.extend(found.examples[:max(0, MAX_EXAMPLES - len(report.examples))])


def check_threads() -> int:
    """Threads that check batches at once by default: the CPUs this process may use, at most
    ``MAX_THREADS`` (NumPy releases the GIL in its array passes, so they overlap)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_THREADS))


def _in_order(work, items, threads: int):
    """work(item) for each of ``items``, yielded in order, computed by ``threads`` threads
    at most ``2 threads`` items ahead of what was yielded."""
    if threads <= 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(threads) as pool:
        pending = collections.deque()
        try:
            for item in items:
                pending.append(pool.submit(work, item))
                if len(pending) > 2 * threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # closed early (a deadline, a first wrong input): drop what has not begun
            for future in pending:
                future.cancel()


def exhaustive(circuit: Circuit, sparsity: int | None = None, deadline: float | None = None,
               stop_at_first: bool = False, shard: tuple[int, int] = (0, 1),
               progress: Callable[[int, int], None] | None = None,
               cache=None, threads: int | None = None) -> CorrectnessReport:
    """Check every input with at most ``sparsity`` (default: the circuit's) active features.

    With a ``deadline`` (a ``time.perf_counter()`` value) or ``stop_at_first`` the enumeration
    may end early; the report is then not ``complete``. ``shard = (i, n)`` checks only the
    inputs whose position j in the enumeration order has j mod n = i, so the n shards
    partition the input space. ``progress(done, total)``, if given, is called after each chunk
    with the inputs checked so far and the size of the (shard's) input space. ``cache``: a
    :class:`superpose.circuits.cache.DerivedCache` of the circuit's file for the gain table.
    Chunks are checked by ``threads`` threads at once (default :func:`check_threads`) and
    added to the report in enumeration order, so the report is the same for any number of
    threads (a deadline or ``stop_at_first`` may leave a few chunks ahead checked and unused).
    """
    s = circuit.sparsity if sparsity is None else check_int("sparsity", sparsity, minimum=1,
                                                             maximum=circuit.m)
    threads = check_threads() if threads is None else check_int("threads", threads, minimum=1)
    index, count = check_shard(shard)
    start = time.perf_counter()
    space = count_sparse_inputs(circuit.m, s)
    report = CorrectnessReport("exhaustive", s, 0, (space - index + count - 1) // count)
    width = max(s, circuit.sparsity)
    filtered = gain_filter_pays(circuit.network, width, report.input_space)
    evaluator = _prepare(circuit, width if filtered else None, report, cache)

    def mine():
        """This shard's inputs, chunk by chunk, until the deadline."""
        offset = 0
        for chunk in enumerate_sparse_inputs(circuit.m, s, CHUNK):
            if deadline is not None and time.perf_counter() > deadline:
                return
            part = chunk if count == 1 else \
                chunk[(offset + np.arange(len(chunk))) % count == index]
            offset += len(chunk)
            yield part

    def check(active):
        return _mismatches(circuit, evaluator, active) if len(active) else None

    with contextlib.closing(_in_order(check, mine(), threads)) as checked:
        for found in checked:
            if found is not None:
                _add(report, found)
            if progress is not None:
                progress(report.inputs_checked, report.input_space)
            if stop_at_first and report.examples:
                break
    _flush(cache)
    report.seconds = time.perf_counter() - start
    return report


def gain_filter_pays(network, sparsity: int, inputs: int) -> bool:
    """Whether a check of ``inputs`` inputs should build the gain-filtered first layer.

    The table costs about d_1 (nnz(P) + m) multiply-adds once (circuits/engine/_gains.py); without
    it, an input of s features reads about s (nnz(P) / m) (nnz(W_1) / d_0) entries of W_1^T
    (its supports' columns), each ``FILTER_COST_RATIO`` times as dear, and with it almost
    none. The filter pays when the second cost, over every input, reaches the first. Either
    way the verdicts are the same; only the time differs.
    """
    if not network.layers or network.implicit:
        return False
    code, weights = network.input_code, network.layers[0].stored_weights
    d1, d0 = weights.shape
    m, nnz_p = code.n_rows, len(code.indices)
    per_input = sparsity * (nnz_p / max(m, 1)) * (weights.nnz / max(d0, 1))
    return inputs * per_input * FILTER_COST_RATIO >= d1 * (nnz_p + m)


def _prepare(circuit: Circuit, sparsity: int | None, report: CorrectnessReport,
             cache=None):
    """The event evaluator that ``compare`` will use (its gain table, for a ``sparsity``:
    from ``cache``, a :class:`superpose.circuits.cache.DerivedCache` of the circuit's file,
    when it holds it) and record in ``report`` the seconds it took (about 0 when this process
    had made it already) and where its table came from; returns it."""
    start = time.perf_counter()
    evaluator = _evaluator(circuit.network, sparsity, cache)
    report.setup_seconds = time.perf_counter() - start
    report.table_source = evaluator.table_source
    return evaluator


class _PlainEvaluator:
    """The plain evaluator (``network.evaluate``) in sub-batches of at most ``rows`` inputs,
    each holding B x max(d_l) int64 pre-activations at most: what ``compare`` uses for an
    implicit network, whose factored first layer the event evaluator does not read. Safe to
    share between threads once made: everything it caches is made in the constructor."""

    table_source = "none"
    BYTES = 1 << 28

    def __init__(self, network):
        self.network = network
        self.rows = max(1, self.BYTES // (16 * max(network.widths)))
        # the empty input builds the network's transposes once, here, before threads share it
        network.evaluate(np.full((1, 1), PAD, dtype=np.int64))

    def evaluate(self, active: np.ndarray):
        parts = [self.network.evaluate(active[lo:lo + self.rows])
                 for lo in range(0, len(active), self.rows)]
        return sp.vstack(parts, format="csr") if len(parts) != 1 else parts[0]


def _evaluator(network, sparsity: int | None = None, cache=None):
    """The event evaluator of ``network`` (circuits.engine), or :class:`_PlainEvaluator` for
    an implicit network."""
    if network.implicit:
        return _PlainEvaluator(network)
    return event_evaluator(network, sparsity, cache=cache)


def output_sources(circuit: Circuit) -> np.ndarray:
    """For each output k, the input features its ground truth reads: row k of an m' x w int64
    array, padded with PAD (``circuit.problem.sources()``)."""
    return np.asarray(circuit.problem.sources(), dtype=np.int64)


def adversarial_inputs(circuit: Circuit, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` inputs split between the strategies of the module docstring, by name."""
    s, m = circuit.sparsity, circuit.m
    shares = {"random": n - 3 * (n // 4), "sources": n // 4, "near-miss": n // 4,
              "neighbours": n // 4}
    sources = output_sources(circuit)
    out = {"random": random_sparse_inputs(m, s, shares["random"], rng)}
    out["sources"] = _with_fill(sources[rng.integers(0, len(sources), shares["sources"])], m, s,
                                None, rng)
    out["near-miss"] = _near_misses(circuit, sources, shares["near-miss"], rng)
    out["neighbours"] = _neighbours(circuit, shares["neighbours"], rng)
    return out


def _with_fill(base: np.ndarray, m: int, s: int, draw, rng) -> np.ndarray:
    """Rows of ``base`` (PAD allowed) filled up to a random size <= s.

    ``draw(rows)`` proposes one feature for each row index in ``rows`` (PAD where a row has no
    candidate, which then gets a uniform feature); a proposal the row already holds is
    dropped and the row asks again, up to 8 s times, after which uniform features fill it.
    Every round is one vectorised step over the rows still short.
    """
    rows = np.full((len(base), s), PAD, dtype=np.int64)
    width = min(base.shape[1], s)
    rows[:, :width] = base[:, :width]
    rows = normalize_active(rows, m, s)  # padding last
    have = np.count_nonzero(rows != PAD, axis=1)
    want = np.minimum(rng.integers(have, s + 1), m)
    for tries in itertools.count():
        short = np.flatnonzero(have < want)
        if not short.size:
            break
        uniform = rng.integers(0, m, short.size)
        proposal = draw(short) if draw is not None and tries < 8 * s else uniform
        proposal = np.where(proposal == PAD, uniform, proposal)
        new = ~(rows[short] == proposal[:, None]).any(axis=1)
        taken = short[new]
        rows[taken, have[taken]] = proposal[new]
        have[taken] += 1
    return normalize_active(rows, m, s)


def _pick(indptr: np.ndarray, indices: np.ndarray, owners: np.ndarray, rng) -> np.ndarray:
    """One uniform entry of CSR row ``owners[j]`` for each j (PAD for an empty row or a PAD
    owner)."""
    owners = np.asarray(owners, dtype=np.int64)
    valid = owners != PAD
    safe = np.where(valid, owners, 0)
    lens = np.where(valid, indptr[safe + 1] - indptr[safe], 0)
    offset = (rng.random(owners.size) * lens).astype(np.int64)
    picked = indices[np.minimum(indptr[safe] + offset, max(len(indices) - 1, 0))] \
        if len(indices) else np.zeros(owners.size, dtype=np.int64)
    return np.where(lens > 0, picked, PAD).astype(np.int64)


def _near_misses(circuit: Circuit, sources, n: int, rng) -> np.ndarray:
    """Sources of an output but one, plus features that share input units with the missing one:
    a random unit of the missing feature's support, then a random feature whose support holds it.
    """
    code = circuit.network.input_code
    holders = code.transposed()
    ks = rng.integers(0, len(sources), n)
    drop = rng.integers(0, sources.shape[1], n)
    base = sources[ks].copy()
    missing = base[np.arange(n), drop]
    base[np.arange(n), drop] = PAD

    def draw(rows):
        units = _pick(code.indptr, code.indices, missing[rows], rng)
        return _pick(holders.indptr, holders.indices, units, rng)

    return _with_fill(base, circuit.m, circuit.sparsity, draw, rng)


def _neighbours(circuit: Circuit, n: int, rng) -> np.ndarray:
    """A feature with random neighbours in the pair graph, or (half the time) without it."""
    graph = circuit.problem.related_features().tocsr()
    centres = rng.integers(0, circuit.m, n)
    keep_centre = rng.random(n) < 0.5
    base = np.where(keep_centre, centres, PAD)[:, None]

    def draw(rows):
        return _pick(graph.indptr, graph.indices, centres[rows], rng)

    return _with_fill(base, circuit.m, circuit.sparsity, draw, rng)


def fuzz(circuit: Circuit, samples: int = 10_000, seed: int = 0,
         progress: Callable[[int, int], None] | None = None,
         cache=None, threads: int | None = None) -> CorrectnessReport:
    """Compare on ``samples`` random and adversarial inputs drawn from ``seed``;
    ``progress(done, samples)``, if given, is called after each batch evaluated; ``cache``: a
    :class:`superpose.circuits.cache.DerivedCache` of the circuit's file for the gain table.
    Batches are checked by ``threads`` threads at once (default :func:`check_threads`) and
    added to the report in order, so the report is the same for any number of threads."""
    samples = check_int("samples", samples, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    threads = check_threads() if threads is None else check_int("threads", threads, minimum=1)
    start = time.perf_counter()
    s = circuit.sparsity
    report = CorrectnessReport("fuzz", s, 0, count_sparse_inputs(circuit.m, s), seed=seed)
    filtered = gain_filter_pays(circuit.network, s, samples)
    # a network too wide for this machine is refused (as the evaluator would) before the
    # inputs are drawn: drawing builds the input code's transpose
    circuit.network.check_fits_evaluation()
    rng = np.random.default_rng(seed)
    # drawn DRAW_ROUND inputs at a time, so any number of samples fits in memory (one round,
    # the same inputs as a single draw, when samples <= DRAW_ROUND); each round is drawn by a
    # thread of its own while the evaluator is set up or the round before is checked (the
    # rounds are drawn in order from the one generator, so the inputs are the same)
    sizes = [min(DRAW_ROUND, samples - first) for first in range(0, samples, DRAW_ROUND)]
    with ThreadPoolExecutor(1) as drawer:
        drawn = drawer.submit(adversarial_inputs, circuit, sizes[0], rng)
        _prepare(circuit, s if filtered else None, report, cache)
        for later in [*sizes[1:], 0]:
            batches = drawn.result()
            if later:
                drawn = drawer.submit(adversarial_inputs, circuit, later, rng)
            _check_round(circuit, batches, filtered, threads, report, progress, samples)
    _flush(cache)
    report.seconds = time.perf_counter() - start
    return report


def _flush(cache) -> None:
    """Wait for the gain table the evaluator may be writing to ``cache`` while inputs were
    checked (:meth:`superpose.circuits.cache.DerivedCache.put_later`)."""
    if cache is not None:
        cache.flush()


def _check_round(circuit: Circuit, batches: dict, filtered: bool, threads: int,
                 report: CorrectnessReport, progress, samples: int) -> None:
    """Check a round of inputs (by strategy) in batches, by ``threads`` threads, adding each
    batch to ``report`` in order. A batch is as many inputs as the evaluator takes at once
    (``block_rows``; at most ``FUZZ_BATCH``), so none is cut into a full block and a short one;
    the report does not depend on the batches."""
    widths = {batch.shape[1] for batch in batches.values()}
    # got here, before any thread asks for one (by batch width)
    evaluators = {w: _batch_evaluator(circuit, np.zeros((0, w), np.int64), filtered)
                  for w in widths}
    jobs = []
    for name, batch in batches.items():
        size = min(FUZZ_BATCH, getattr(evaluators[batch.shape[1]], "block_rows", FUZZ_BATCH))
        jobs += [(name, batch[lo:lo + size]) for lo in range(0, len(batch), size)]
    for name in batches:
        report.by_strategy.setdefault(name, 0)

    def check(job):
        name, active = job
        return name, _mismatches(circuit, evaluators[active.shape[1]], active)

    for name, found in _in_order(check, jobs, threads):
        report.by_strategy[name] = report.by_strategy.get(name, 0) + found.wrong_inputs
        _add(report, found)
        if progress is not None:
            progress(report.inputs_checked, samples)


def evaluate_input(circuit: Circuit, active) -> tuple[set[int], set[int]]:
    """One input, given as its active features: (outputs that read 1, outputs that should).

    Evaluated by the plain ``network.evaluate``, not the event evaluator that ``compare``
    uses: the plain evaluator is the reference every counterexample is replayed through
    (``replays``, ``shrink``), so a bug in the faster one cannot confirm itself.

    Raises InvalidArgument for more than s features, a repeated one, or one outside [0, m).
    """
    active = [int(i) for i in active]
    if len(active) > circuit.sparsity:
        raise InvalidArgument(f"active has {len(active)} features but the circuit's sparsity "
                              f"is {circuit.sparsity}; pass at most that many")
    bad = [i for i in active if not 0 <= i < circuit.m]
    if bad:
        raise InvalidArgument(f"active feature {bad[0]} must lie in [0, m={circuit.m})")
    if len(set(active)) != len(active):
        raise InvalidArgument(f"active={active} repeats a feature; list each once")
    row = normalize_active([active + [PAD] * (circuit.sparsity - len(active))], circuit.m,
                           circuit.sparsity)
    return (set(circuit.network.evaluate(row).indices.tolist()),
            set(circuit.problem.truth(row).indices.tolist()))


def replays(circuit: Circuit, example: Counterexample) -> bool:
    """True when evaluating ``example.active`` alone really gives the reported wrong output."""
    got, want = evaluate_input(circuit, example.active)
    k = example.output
    return (k in got) == bool(example.got) and (k in want) == bool(example.expected) \
        and example.got != example.expected


def shrink(circuit: Circuit, example: Counterexample) -> Counterexample:
    """Drop active features one at a time while output ``example.output`` stays wrong."""
    k = example.output
    changed = True
    while changed and example.active:
        changed = False
        for f in example.active:
            trial = tuple(g for g in example.active if g != f)
            got, want = evaluate_input(circuit, trial)
            if (k in got) != (k in want):
                example = Counterexample(trial, k, int(k in want), int(k in got))
                changed = True
                break
    return example

