"""Fuzzing with Hypothesis: few inputs, each steered towards a wrong output, then shrunk.

Where ``fuzz`` checks many inputs at once (volume), ``hypothesis_fuzz`` runs the property "no
output is decoded wrong" on one input at a time, drawn from :mod:`superpose.strategies` (the
mixture of uniform s-sparse inputs and the adversarial ones: every source of an output, an
output's sources but one plus features that leak into the missing one, a feature and its
neighbours), and steers its search with ``hypothesis.target`` towards the smallest *margin*:

With z the last layer's pre-activations under the plain evaluator (``network.trace``: z_q =
(W_L a_{L-1})_q and threshold theta_q for each unit q of layer L; for a network with no
computing layer, z_p = the number of active features whose input support holds unit p and
theta_p = 1, so that a_0 = [z >= theta]), and y = truth(x), output k is at distance

* d_k = sum_{q in Q_k} max(0, theta_q - z_q) from reading 1, when y_k = 0 (the units of Q_k
  still short of their thresholds; 0 for an empty Q_k, which always reads 1);
* d_k = min_{q in Q_k} max(0, z_q - theta_q + 1) from reading 0, when y_k = 1 (the unit of
  Q_k closest to dropping below its threshold; +inf for an empty Q_k);

and margin(x) = min_k d_k over all m' outputs. Output k is read wrong iff d_k = 0, so margin(x)
= 0 iff some output of x is wrong. Every d_k is computed at once: its value at z = 0, kept per
network, corrected through the output code's transpose for the units the input moved, then
the y_k = 1 rows (at most a few per s-sparse input); the work is the moved units' fan-out, not
nnz(Q), which at m' = 10^7 is 2.4 x 10^8. Hypothesis maximises
``target(-margin)``.

A failing input is shrunk by Hypothesis (minimal in its order: fewer and smaller features),
then replayed and shrunk again through the plain evaluator (``replays``, ``shrink``) before it
is reported. With a ``database`` folder (a ``DirectoryBasedExampleDatabase``), the reported
counterexample's active features are saved there and replayed first, as an explicit example,
on the next run (Hypothesis's own replay of failures is off under ``hypothesis.seed``, and
features, unlike Hypothesis's choice sequences, stay valid when the strategies change); a run
that finds nothing clears it. The run is reproducible: ``hypothesis.seed(seed)`` fixes the
draws, so the same seed and the same database state give the same report in a fresh process
(Hypothesis also draws, now and then, integer literals of the source modules loaded so far).
Hypothesis's own files (its cache of those literals, which saves a few tenths of a second per
process) go to ``home``, or to a temporary folder removed after the run, never to
``./.hypothesis``. ``seconds`` bounds the run's wall time.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
import weakref
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from superpose.circuits.cache import cache_dir
from superpose.circuits.correctness._fuzz import (
    CorrectnessReport,
    Counterexample,
    replays,
    shrink,
)
from superpose.circuits.model import (
    PAD,
    Circuit,
    active_matrix,
    count_sparse_inputs,
    expand_ranges,
    normalize_active,
)
from superpose.circuits.validate import check_int, check_positive
from superpose.theory.errors import InvalidArgument

__all__ = ["HYPOTHESIS_EXAMPLES", "HypothesisReport", "decode_margin", "example_database",
           "hypothesis_fuzz"]

HYPOTHESIS_EXAMPLES = 300
#: The strategies of superpose.strategies, under the names fuzz's report uses for its own.
STRATEGY_NAMES = ("random", "sources", "near-miss", "neighbours")
_FAR = np.iinfo(np.int64).max
#: The database key under which the last counterexample's active features are kept.
DATABASE_KEY = b"superpose.counterexample"


@dataclass
class HypothesisReport(CorrectnessReport):
    """A :class:`CorrectnessReport` of ``hypothesis_fuzz`` (method ``"hypothesis"``).

    ``inputs_checked`` counts distinct inputs evaluated and ``wrong_inputs`` the distinct wrong
    ones (with their false positives and negatives); ``examples_run`` counts the property's
    calls (database replays, generated and targeted examples, shrink attempts).
    ``examples[0]`` is the shrunk counterexample; ``replayed`` says whether it replays through
    the plain evaluator. ``min_margin`` is the smallest margin seen (module docstring) and
    ``closest`` an input that has it; ``first_wrong_at`` the call at which a wrong input was
    first seen (1: the database's replay found it). ``stopped``: ``"examples"`` (the budget of
    examples ran out), ``"exhausted"`` (Hypothesis ran out of new inputs first), ``"found"``
    (a wrong output) or ``"seconds"`` (the time budget).
    """

    examples_budget: int = HYPOTHESIS_EXAMPLES
    examples_run: int = 0
    min_margin: int | None = None
    closest: tuple[int, ...] | None = None
    first_wrong_at: int | None = None
    replayed: bool | None = None
    database: str | None = None
    seconds_budget: float | None = None
    stopped: str = "examples"

    def as_dict(self) -> dict:
        return super().as_dict() | {
            "examples": self.examples_budget, "examples_run": self.examples_run,
            "min_margin": self.min_margin,
            "closest": None if self.closest is None else list(self.closest),
            "first_wrong_at": self.first_wrong_at, "replayed": self.replayed,
            "database": self.database, "seconds_budget": self.seconds_budget,
            "stopped": self.stopped}


def decode_margin(circuit: Circuit, active) -> int:
    """margin(x) of the module docstring for one input x (its active features): 0 iff some
    output is read wrong by the plain evaluator (the largest int64 stands for +inf).

    Raises InvalidArgument for more than s features, a repeated one, or one outside [0, m).
    """
    row = _row(circuit, active)
    pre, _ = circuit.network.trace(row)
    return _margin(circuit, row, pre, circuit.problem.truth(row).indices)


def _row(circuit: Circuit, active) -> np.ndarray:
    """``active`` as one padded row; InvalidArgument unless it is an s-sparse input."""
    active = [int(i) for i in active]
    try:
        return normalize_active([active + [PAD] * max(0, circuit.sparsity - len(active))],
                                circuit.m, circuit.sparsity)
    except ValueError as exc:
        raise InvalidArgument(f"active={active} is not an input of this circuit ({exc}); pass "
                              f"at most s={circuit.sparsity} distinct features in [0, "
                              f"m={circuit.m})") from None


def _margin(circuit: Circuit, row: np.ndarray, pre: list, true_outputs: np.ndarray) -> int:
    """min_k d_k from the last layer's pre-activations ``pre[-1]`` (module docstring).

    d_k for y_k = 0 is formed as base_k, its value at z = 0 (:func:`_base_distances`, once per
    network), minus what each unit whose shortfall max(0, theta_q - z_q) differs from
    max(0, theta_q) takes off, through the output code's transpose: the work is the fan-out of
    the units the input moved, not nnz(Q)."""
    net = circuit.network
    if net.layers:
        z, theta = pre[-1].toarray().ravel(), net.layers[-1].theta
    else:
        z = (active_matrix(row, circuit.m) @ net.input_code.matrix()).toarray().ravel()
        theta = np.ones(len(z), dtype=np.int64)
    at_zero = np.maximum(theta, 0)
    short = np.maximum(theta - z, 0)
    changed = np.flatnonzero(short != at_zero)
    dist = _base_distances(net, at_zero).copy()
    if changed.size:
        qt = net.output_code.transposed()
        owner, pos = expand_ranges(qt.indptr[changed], qt.indptr[changed + 1])
        np.add.at(dist, qt.indices[pos], (short - at_zero)[changed][owner])
    drop = np.maximum(z - theta + 1, 0)
    code = net.output_code
    for k in np.asarray(true_outputs, dtype=np.int64):
        units = code.indices[code.indptr[k]:code.indptr[k + 1]]
        dist[k] = drop[units].min() if len(units) else _FAR
    return int(dist.min()) if len(dist) else _FAR


_BASE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BASE_ROWS = 1 << 20


def _base_distances(net, at_zero: np.ndarray) -> np.ndarray:
    """base_k = sum_{q in Q_k} max(0, theta_q) for every output k (d_k at z = 0), computed once
    per network (kept weakly), rows in blocks of ``_BASE_ROWS``: a difference of cumulative
    sums of the gathered values, so an empty Q_k gets 0."""
    base = _BASE.get(net)
    if base is None:
        code = net.output_code
        ptr = np.asarray(code.indptr, dtype=np.int64)
        base = np.zeros(code.n_rows, dtype=np.int64)
        for lo in range(0, code.n_rows, _BASE_ROWS):
            hi = min(lo + _BASE_ROWS, code.n_rows)
            sums = np.concatenate([[0], np.cumsum(at_zero[code.indices[ptr[lo]:ptr[hi]]])])
            base[lo:hi] = sums[ptr[lo + 1:hi + 1] - ptr[lo]] - sums[ptr[lo:hi] - ptr[lo]]
        _BASE[net] = base
    return base


class _WrongOutput(AssertionError):
    """The property's failure: ``active`` has wrong outputs (output, expected, got)."""

    def __init__(self, active: tuple[int, ...], wrong: list[tuple[int, int, int]]):
        super().__init__(f"active={list(active)}: output {wrong[0][0]} reads {wrong[0][2]}, "
                         f"expected {wrong[0][1]}")
        self.active, self.wrong = active, wrong


class _OutOfTime(BaseException):
    """Raised by the property once the time budget is spent. A BaseException, as
    KeyboardInterrupt is, so that Hypothesis stops at once instead of shrinking it."""


@dataclass
class _Run:
    """What the property saw over the run."""

    circuit: Circuit
    report: HypothesisReport
    deadline: float | None
    progress: Callable[[int, int], None] | None
    seen: set = field(default_factory=set)
    smallest_wrong: tuple[int, ...] | None = None

    def check(self, name: str, active: tuple[int, ...]) -> tuple[list, int]:
        """(wrong outputs, margin) of one input, recorded in the report."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise _OutOfTime
        circuit, report = self.circuit, self.report
        report.examples_run += 1
        row = _row(circuit, active)
        pre, acts = circuit.network.trace(row)
        got = set(circuit.network.decode(acts[-1]).indices.tolist())
        truth = circuit.problem.truth(row).indices
        want = set(truth.tolist())
        wrong = sorted((k, int(k in want), int(k in got)) for k in got ^ want)
        margin = _margin(circuit, row, pre, truth)
        if report.min_margin is None or margin < report.min_margin:
            report.min_margin, report.closest = margin, active
        if active not in self.seen:
            self.seen.add(active)
            report.inputs_checked += 1
            if wrong:
                report.wrong_inputs += 1
                report.false_positives += sum(got for _, _, got in wrong)
                report.false_negatives += sum(1 - got for _, _, got in wrong)
                report.by_strategy[name] = report.by_strategy.get(name, 0) + 1
        if wrong:
            if report.first_wrong_at is None:
                report.first_wrong_at = report.examples_run
            if self.smallest_wrong is None or (len(active), active) < (
                    len(self.smallest_wrong), self.smallest_wrong):
                self.smallest_wrong = active
        if self.progress is not None:
            self.progress(min(report.examples_run, report.examples_budget),
                          report.examples_budget)
        return wrong, margin


def example_database(path: Path, digest: str | None = None) -> Path:
    """The folder of Hypothesis's example database for the circuit file ``path``:
    ``cache_dir() / "hypothesis" / sha256(the file's bytes)``, so that an edited file starts
    afresh (its parent is the ``home`` for Hypothesis's own files). ``digest``: that sha256
    when the caller has it already (``circuits.io.load_circuit_and_digest``). InvalidArgument
    when the cache directory is bad or the file cannot be read."""
    if digest is None:
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError as exc:
            raise InvalidArgument(f"file {str(path)!r} cannot be read ({exc.strerror}); pass "
                                  "a readable circuit file") from None
    return cache_dir() / "hypothesis" / digest


def _create(what: str, folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidArgument(f"{what} {str(folder)!r} cannot be created ({exc.strerror}); set "
                              "SUPERPOSE_CACHE_DIR to a writable directory or pass --no-cache"
                              ) from None
    return folder


def _open_database(folder: Path):
    from hypothesis.database import DirectoryBasedExampleDatabase

    return DirectoryBasedExampleDatabase(str(_create("the example database", folder)))


def _saved(db, circuit: Circuit) -> list[tuple[int, ...]]:
    """The counterexamples kept in ``db`` that are inputs of ``circuit`` (sorted); any other
    value under the key is dropped."""
    kept = []
    for value in sorted(db.fetch(DATABASE_KEY)):
        try:
            active = tuple(sorted(int(f) for f in json.loads(value)["active"]))
            _row(circuit, active)
        except (ValueError, KeyError, TypeError):
            db.delete(DATABASE_KEY, value)
            continue
        kept.append(active)
    return kept


def _keep(db, found: tuple[int, ...] | None) -> None:
    """Keep ``found`` as the only counterexample in ``db`` (none: clear it)."""
    for value in list(db.fetch(DATABASE_KEY)):
        db.delete(DATABASE_KEY, value)
    if found is not None:
        db.save(DATABASE_KEY, json.dumps({"active": list(found)}).encode())


@contextmanager
def _hypothesis_home(folder: Path | None):
    """Hypothesis's home directory moved to ``folder`` (None: a temporary folder, removed
    afterwards) for the run, then restored."""
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

    previous = storage_directory(intent_to_write=False).home_directory
    with (tempfile.TemporaryDirectory(prefix="superpose-hypothesis-") if folder is None
          else nullcontext(str(folder))) as where:
        set_hypothesis_home_dir(where)
        try:
            yield
        finally:
            set_hypothesis_home_dir(previous)


def hypothesis_fuzz(circuit: Circuit, examples: int = HYPOTHESIS_EXAMPLES, seed: int = 0, *,
                    database: Path | str | None = None, home: Path | str | None = None,
                    seconds: float | None = None, shrink_phase: bool = True,
                    progress: Callable[[int, int], None] | None = None) -> HypothesisReport:
    """Run the property "every output of x is decoded right" on at most ``examples`` inputs
    (module docstring), steered by ``target(-margin)``; return a :class:`HypothesisReport`.

    ``seed`` fixes Hypothesis's draws; ``database`` is the folder of its example database (None:
    none, nothing is written); ``home`` is the folder for Hypothesis's own files (None: a
    temporary one); ``seconds`` stops the run after that much wall time (the
    report says ``stopped="seconds"``; a wrong input already seen is still reported, shrunk
    by ``shrink`` alone); ``shrink_phase=False`` skips Hypothesis's shrinker (``shrink`` still
    runs). ``progress(done, examples)`` is called after each example.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings, target
    from hypothesis import seed as fix_seed
    from hypothesis import strategies as st

    from superpose import strategies

    examples = check_int("examples", examples, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if seconds is not None:
        seconds = check_positive("seconds", seconds)
    circuit.network.check_fits_evaluation()  # before the strategies index the input code
    db = None if database is None else _open_database(Path(database))
    home = None if home is None else _create("Hypothesis's home directory", Path(home))
    start = time.perf_counter()
    report = HypothesisReport("hypothesis", circuit.sparsity, 0,
                              count_sparse_inputs(circuit.m, circuit.sparsity), seed=seed,
                              examples_budget=examples, seconds_budget=seconds,
                              database=None if database is None else str(database))
    run = _Run(circuit, report, None if seconds is None else start + seconds, progress)
    drawn = (strategies.uniform_inputs(circuit.m, circuit.sparsity),
             strategies.both_ends_inputs(circuit), strategies.leak_inputs(circuit),
             strategies.neighbour_inputs(circuit))
    tagged = st.one_of(*(s.map(lambda active, name=name: (name, active))
                         for name, s in zip(STRATEGY_NAMES, drawn, strict=True)))
    phases = [Phase.explicit, Phase.generate, Phase.target] + [Phase.shrink] * shrink_phase
    config = settings(parent=settings.get_profile("default"), max_examples=examples,
                      deadline=None, database=None, derandomize=False, phases=phases,
                      verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False,
                      suppress_health_check=list(HealthCheck))

    def no_output_is_wrong(drawn_input):
        name, active = drawn_input
        wrong, margin = run.check(name, active)
        target(-margin, label="-margin")
        if wrong:
            raise _WrongOutput(active, wrong)

    test = given(tagged)(no_output_is_wrong)
    saved = [] if db is None else _saved(db, circuit)
    for active in reversed(saved):
        test = example(("database", active))(test)
    test = fix_seed(seed)(config(test))
    found = None
    with _hypothesis_home(home):
        try:
            test()
        except _WrongOutput as exc:
            found, report.stopped = exc.active, "found"
        except _OutOfTime:
            found, report.stopped = run.smallest_wrong, "seconds"
    if report.stopped == "examples" and report.examples_run - len(saved) < examples:
        report.stopped = "exhausted"
    if found is not None:
        _report_counterexample(circuit, report, found)
    if db is not None:
        _keep(db, report.examples[0].active if report.examples else None)
    report.seconds = time.perf_counter() - start
    return report


def _report_counterexample(circuit: Circuit, report: HypothesisReport,
                           active: tuple[int, ...]) -> None:
    """The first wrong output of ``active``, replayed and shrunk through the plain evaluator."""
    row = _row(circuit, active)
    got = set(circuit.network.evaluate(row).indices.tolist())
    want = set(circuit.problem.truth(row).indices.tolist())
    k = min(got ^ want)
    example = Counterexample(tuple(active), k, int(k in want), int(k in got))
    example = shrink(circuit, example)
    report.replayed = replays(circuit, example)
    report.examples.append(example)
