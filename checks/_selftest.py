"""A planted-bug self-test of the certifier, in the manner of soundness benchmarks.

Small correct circuits (the *bases*, each checked correct on every s-sparse input first) are
mutated (``checks._mutants``): random edits that may or may not break them, planted false
positives that fire on exactly one s-sparse input, a bug that needs three active features, and
rewrites that keep the function. For every mutant:

* **ground truth**: ``circuits.exhaustive`` on every s-sparse input; the mutant is *really
  wrong* iff some output is wrong on some input, *equivalent* otherwise, whatever its kind
  intended (a random edit that does not matter is equivalent);
* **certifier**: ``checks._certify.certify(mutant, s, timeout)``. A really-wrong mutant is
  *caught* when the verdict is REFUTED and the counterexample replays through the plain
  evaluator; PROVED on it is a *miss* (completeness failure). REFUTED on an equivalent mutant
  is *unsound*. UNKNOWN is inconclusive; a crash is a failure;
* **fuzzer**: ``circuits.fuzz(mutant, samples, seed)`` catches a mutant when it finds any wrong
  output; its catch rate is reported beside the certifier's and never decides anything.

For ``s3-only`` mutants (built on a base of sparsity 3) both sparsities are decided: the
certifier must PROVE the circuit at s = 2 and REFUTE it at s = 3.

Every mutant is a deterministic function of (base, kind, run seed, index): its generator is
``np.random.default_rng(mutant_seed)`` with ``mutant_seed`` drawn from
``SeedSequence([seed, crc32(kind), index])``, and row ``index`` of a kind uses base
``eligible[index % len(eligible)]``. ``superpose selftest --seed S --only KIND:INDEX`` rebuilds
one mutant (``--save FILE`` writes it for ``superpose eval``).
"""

from __future__ import annotations

import dataclasses
import functools
import time
import zlib
from dataclasses import dataclass, field

import numpy as np

from checks._args import exit_for
from checks._mutants import (EQUIVALENT_KINDS, INTENT, KINDS, MUTATORS, Mutation,
                             NotApplicable, planted_candidates)
from circuits import (Circuit, CorrectnessReport, build, count_sparse_inputs, exhaustive, fuzz,
                      replays)
from circuits._validate import check_choice, check_int, check_positive
from theory import Evidence, Verdict
from theory.errors import InvalidArgument

__all__ = ["BaseSpec", "BASES", "MutantRow", "KindSummary", "SelftestReport", "run_selftest",
           "make_mutant", "build_mutant", "selftest_evidence", "parse_only", "STATEMENT",
           "DEFAULT_MUTANTS", "DEFAULT_SAMPLES", "DEFAULT_TIMEOUT"]

STATEMENT = "the certifier catches every planted bug and never refutes an equivalent mutant"
DEFAULT_MUTANTS = 6
DEFAULT_SAMPLES = 500
DEFAULT_TIMEOUT = 10.0
MAX_INPUT_SPACE = 50_000
PLANT_TRIES = 30


@dataclass(frozen=True)
class BaseSpec:
    """A base circuit: ``circuits.build(problem, m_prime, family, instance_seed, sparsity,
    seed)`` with the default construction."""

    problem: str
    m_prime: int
    family: str
    sparsity: int
    seed: int = 0
    instance_seed: int = 0
    construction: str | None = None

    @property
    def name(self) -> str:
        extra = f"-{self.construction}" if self.construction else ""
        return f"{self.problem}-{self.family}-m{self.m_prime}-s{self.sparsity}{extra}"

    def build(self) -> Circuit:
        return build(self.problem, self.m_prime, self.family, self.instance_seed,
                     self.sparsity, self.seed, self.construction)

    def command(self) -> str:
        extra = f" --construction {self.construction}" if self.construction else ""
        return (f"superpose build {self.problem} --m-prime {self.m_prime} --family "
                f"{self.family} --sparsity {self.sparsity} --seed {self.seed} "
                f"--instance-seed {self.instance_seed}{extra} -o base.npz")


BASES: tuple[BaseSpec, ...] = (
    BaseSpec("and2", 100, "random", 2),    # m = 100: 5,051 inputs
    BaseSpec("and2", 40, "disjoint", 2),   # m = 80: 3,241 inputs
    BaseSpec("perm", 60, "random", 2),     # m = 60: 1,831 inputs
    BaseSpec("and2", 60, "nearcut", 3),    # m = 20: 1,351 inputs
    BaseSpec("perm", 40, "random", 3),     # m = 40: 10,701 inputs
    BaseSpec("and2", 40, "random", 2, construction="naive"),  # m = 40: 821 inputs
)


@dataclass
class MutantRow:
    """One mutant: what it is, whether it is really wrong, and who caught it.

    ``outcome`` is the certifier's, against the ground truth: ``caught`` (really wrong,
    REFUTED with a replaying counterexample), ``missed`` (really wrong, PROVED), ``unsound``
    (equivalent, REFUTED), ``proved`` (equivalent, PROVED), ``bad-counterexample`` (REFUTED
    with a counterexample that does not replay), ``unknown`` (UNKNOWN), ``error`` (certify
    raised). For ``s3-only`` rows the s = 2 check (``lower``) must also be PROVED.
    """

    kind: str
    index: int
    base: str
    seed: int
    mutant_seed: int
    intent: str
    description: str
    sparsity: int
    input_space: int
    really_wrong: bool
    wrong_inputs: int
    wrong_outputs: int
    certifier: str
    certifier_seconds: float
    certifier_method: str
    outcome: str
    fuzzer_caught: bool
    fuzzer_wrong_inputs: int
    fuzzer_seconds: float
    ground_truth_seconds: float
    replay: str
    counterexample: dict | None = None
    counterexample_replays: bool | None = None
    reason: str = ""
    lower: dict | None = None
    details: dict = field(default_factory=dict)
    generator_ok: bool = True

    @property
    def failed(self) -> bool:
        if self.outcome in ("missed", "unsound", "bad-counterexample", "error"):
            return True
        return self.lower is not None and self.lower["outcome"] in ("unsound", "missed",
                                                                    "bad-counterexample",
                                                                    "error")

    @property
    def inconclusive(self) -> bool:
        """Not failed, but not decided either: the certifier said UNKNOWN, or the mutant is
        not what its kind promises (``generator_ok`` False), so it tests something else."""
        return not self.failed and (self.outcome == "unknown" or not self.generator_ok or (
            self.lower is not None and self.lower["outcome"] == "unknown"))

    def as_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["certifier_seconds"] = round(self.certifier_seconds, 4)
        out["fuzzer_seconds"] = round(self.fuzzer_seconds, 4)
        out["ground_truth_seconds"] = round(self.ground_truth_seconds, 4)
        out["failed"] = self.failed
        out["inconclusive"] = self.inconclusive
        return out


@dataclass
class KindSummary:
    """Counts over the mutants of one kind."""

    kind: str
    intent: str
    mutants: int = 0
    really_wrong: int = 0
    equivalent: int = 0
    certifier_caught: int = 0
    certifier_missed: int = 0
    certifier_refuted_equivalent: int = 0
    certifier_proved_equivalent: int = 0
    certifier_unknown: int = 0
    certifier_errors: int = 0
    generator_mismatches: int = 0
    fuzzer_caught: int = 0
    certifier_seconds: float = 0.0
    fuzzer_seconds: float = 0.0

    @property
    def fuzzer_rate(self) -> float | None:
        return self.fuzzer_caught / self.really_wrong if self.really_wrong else None

    @property
    def certifier_rate(self) -> float | None:
        return self.certifier_caught / self.really_wrong if self.really_wrong else None

    def add(self, row: MutantRow) -> None:
        self.mutants += 1
        self.certifier_seconds += row.certifier_seconds
        self.fuzzer_seconds += row.fuzzer_seconds
        if row.really_wrong:
            self.really_wrong += 1
            self.fuzzer_caught += row.fuzzer_caught
        else:
            self.equivalent += 1
        outcomes = [row.outcome] + ([row.lower["outcome"]] if row.lower else [])
        self.certifier_caught += row.outcome == "caught" and all(
            o in ("caught", "proved") for o in outcomes)
        self.certifier_missed += any(o in ("missed", "bad-counterexample") for o in outcomes)
        self.certifier_refuted_equivalent += "unsound" in outcomes
        self.certifier_proved_equivalent += row.outcome == "proved"
        self.certifier_unknown += "unknown" in outcomes
        self.generator_mismatches += not row.generator_ok
        self.certifier_errors += "error" in outcomes

    def as_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["certifier_seconds"] = round(self.certifier_seconds, 3)
        out["fuzzer_seconds"] = round(self.fuzzer_seconds, 3)
        out["fuzzer_rate"] = self.fuzzer_rate
        out["certifier_rate"] = self.certifier_rate
        return out


@dataclass
class SelftestReport:
    """Everything one self-test run saw (returned, never printed)."""

    seed: int
    mutants_per_kind: int
    samples: int
    timeout: float
    bases: list[dict]
    rows: list[MutantRow]
    summary: list[KindSummary]
    seconds: float
    only: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[MutantRow]:
        return [r for r in self.rows if r.failed]

    @property
    def inconclusive(self) -> list[MutantRow]:
        return [r for r in self.rows if r.inconclusive]

    @property
    def empty_kinds(self) -> list[str]:
        return [s.kind for s in self.summary if not s.mutants]

    @property
    def ok(self) -> bool:
        """The certifier caught every really-wrong mutant (replayed), refuted no equivalent
        one, decided every s3-only mutant PROVED at s = 2 and REFUTED at s = 3, and nothing was
        left undecided."""
        return (bool(self.rows) and not self.failures and not self.inconclusive
                and not self.empty_kinds)

    @property
    def verdict(self) -> Verdict:
        if self.failures:
            return Verdict.REFUTED
        return Verdict.PROVED if self.ok else Verdict.UNKNOWN

    @property
    def exit_code(self) -> int:
        return exit_for([self.verdict])

    def totals(self) -> dict:
        wrong = sum(s.really_wrong for s in self.summary)
        caught = sum(s.certifier_caught for s in self.summary)
        fuzzed = sum(s.fuzzer_caught for s in self.summary)
        equivalent = sum(s.equivalent for s in self.summary)
        return {"mutants": len(self.rows), "really_wrong": wrong, "equivalent": equivalent,
                "certifier_caught": caught,
                "certifier_refuted_equivalent": sum(s.certifier_refuted_equivalent
                                                    for s in self.summary),
                "certifier_unknown": len(self.inconclusive), "failures": len(self.failures),
                "fuzzer_caught": fuzzed,
                "certifier_rate": caught / wrong if wrong else None,
                "fuzzer_rate": fuzzed / wrong if wrong else None,
                "certifier_seconds": round(sum(s.certifier_seconds for s in self.summary), 3),
                "fuzzer_seconds": round(sum(s.fuzzer_seconds for s in self.summary), 3)}

    def as_dict(self) -> dict:
        return {"statement": STATEMENT, "verdict": self.verdict.value, "ok": self.ok,
                "exit_code": self.exit_code, "seed": self.seed,
                "mutants_per_kind": self.mutants_per_kind, "samples": self.samples,
                "timeout": self.timeout, "only": self.only,
                "seconds": round(self.seconds, 3), "totals": self.totals(),
                "bases": self.bases, "summary": [s.as_dict() for s in self.summary],
                "failures": [r.as_dict() for r in self.failures],
                "inconclusive": [r.as_dict() for r in self.inconclusive],
                "notes": list(self.notes), "rows": [r.as_dict() for r in self.rows],
                "replay": replay_command(self.seed, self.mutants_per_kind, self.samples,
                                         self.timeout)}


# --- seeds and replay -------------------------------------------------------------------------

def mutant_seed(seed: int, kind: str, index: int) -> int:
    """The generator seed of mutant ``index`` of ``kind`` in run ``seed`` (stable across
    versions: the kind enters through its name's CRC-32, not its position)."""
    state = np.random.SeedSequence([seed, zlib.crc32(kind.encode()), index]).generate_state(1)
    return int(state[0])


def _options(samples: int, timeout: float) -> str:
    out = ""
    if samples != DEFAULT_SAMPLES:
        out += f" --samples {samples}"
    if timeout != DEFAULT_TIMEOUT:
        out += f" --timeout {timeout:g}"
    return out


def replay_command(seed: int, mutants: int, samples: int, timeout: float) -> str:
    text = f"superpose selftest --seed {seed}"
    if mutants != DEFAULT_MUTANTS:
        text += f" --mutants {mutants}"
    return text + _options(samples, timeout)


def _row_replay(seed: int, kind: str, index: int, samples: int, timeout: float,
                example: dict | None) -> str:
    text = (f"superpose selftest --seed {seed} --only {kind}:{index}"
            f"{_options(samples, timeout)} --save mutant.npz")
    if example is not None and example.get("active") is not None:
        text += f"; superpose eval mutant.npz --active {','.join(map(str, example['active']))}"
    return text


def parse_only(text: str) -> tuple[str, int]:
    """``KIND:INDEX`` as (kind, index); InvalidArgument in one line otherwise."""
    kind, sep, index = str(text).rpartition(":")
    if not sep:
        raise InvalidArgument(f"only={text!r} must look like KIND:INDEX, e.g. "
                              "weight-changed:3")
    check_choice("kind", kind, KINDS)
    try:
        value = int(index, 10)
    except ValueError:
        raise InvalidArgument(f"only={text!r}: index {index!r} must be an integer") from None
    return kind, check_int("index", value, minimum=0)


# --- building mutants -------------------------------------------------------------------------

def _eligible(kind: str, bases: list[tuple[BaseSpec, Circuit]]):
    if kind == "s3-only":
        return [(spec, c) for spec, c in bases if spec.sparsity >= 3]
    return list(bases)


def _plant(circuit: Circuit, size: int, exact: bool, rng, lower: int | None):
    """A planted mutant whose only wrong input at the circuit's sparsity is the planted one
    (and, with ``lower``, none at that sparsity), with its ground truth; or the last attempt
    and a note."""
    attempts = planted_candidates(circuit, size, exact, rng)
    mutation, truth = None, None
    for tries in range(1, PLANT_TRIES + 1):
        mutation = next(attempts)
        truth = exhaustive(mutation.circuit)
        y = tuple(mutation.details["active"])
        exactly = (truth.wrong_inputs == 1 and truth.examples
                   and truth.examples[0].active == y)
        clean_lower = lower is None or exhaustive(mutation.circuit, lower).wrong_outputs == 0
        if exactly and clean_lower:
            mutation.details["tries"] = tries
            return mutation, truth, ""
    mutation.details["tries"] = PLANT_TRIES
    return mutation, truth, (f"no exact plant in {PLANT_TRIES} tries; the last one is wrong "
                             f"on {truth.wrong_inputs} inputs")


def make_mutant(kind: str, index: int, seed: int, bases: list[tuple[BaseSpec, Circuit]]):
    """(base spec, mutation, ground truth or None, note) for mutant ``index`` of ``kind``, or
    None when no base applies. The base is ``eligible[index % len(eligible)]``, or the next
    one that the kind can mutate."""
    eligible = _eligible(kind, bases)
    skipped = []
    for step in range(len(eligible)):
        spec, base = eligible[(index + step) % len(eligible)]
        rng = np.random.default_rng(mutant_seed(seed, kind, index))
        try:
            if kind == "planted-rare-false-positive":
                mutation, truth, note = _plant(base, base.sparsity, True, rng, None)
            elif kind == "s3-only":
                mutation, truth, note = _plant(base, 3, False, rng, 2)
            else:
                mutation, truth, note = MUTATORS[kind](base, rng), None, ""
        except NotApplicable as exc:
            skipped.append(f"{spec.name}: {exc}")
            continue
        if skipped:
            note = "; ".join([note] * bool(note) + [f"base {s} skipped" for s in skipped])
        return spec, mutation, truth, note
    return None


def build_mutant(only: str, seed: int = 0, bases: tuple[BaseSpec, ...] = BASES):
    """(base spec, Mutation) of ``only="KIND:INDEX"`` in run ``seed``: the circuit a row's
    replay command rebuilds (``superpose selftest --only KIND:INDEX --save FILE``)."""
    kind, index = parse_only(only)
    good, _, _ = _check_bases(bases)
    made = make_mutant(kind, index, check_int("seed", seed, minimum=0), good)
    if made is None:
        raise InvalidArgument(f"only={only!r}: no correct base that {kind} applies to")
    return made[0], made[1]


# --- deciding one mutant ----------------------------------------------------------------------

def _certify_outcome(circuit: Circuit, sparsity: int, timeout: float, really_wrong: bool):
    """The record of one certify run (verdict, seconds, counterexample, whether it replays)
    and its outcome judged against the ground truth (see :class:`MutantRow`)."""
    from checks._certify import certify

    record = {"sparsity": sparsity, "verdict": "ERROR", "seconds": 0.0, "method": "",
              "counterexample": None, "replays": None, "reason": "", "outcome": "error"}
    start = time.perf_counter()
    try:
        cert = certify(circuit, sparsity=sparsity, timeout=timeout)
    except Exception as exc:  # a crash on a valid circuit is a certifier failure, reported
        record["seconds"] = time.perf_counter() - start
        record["reason"] = f"certify raised {type(exc).__name__}: {exc}"
        return record
    record.update(verdict=cert.verdict.value, seconds=float(cert.seconds),
                  method=cert.method, reason=cert.reason)
    if cert.verdict is Verdict.REFUTED:
        ex = cert.counterexample
        if ex is not None:
            record["counterexample"] = ex.as_dict()
            try:
                record["replays"] = bool(replays(dataclasses.replace(circuit,
                                                                     sparsity=sparsity), ex))
            except (ValueError, IndexError) as err:
                record["replays"] = False
                record["reason"] = f"counterexample does not evaluate: {err}"
        else:
            record["replays"] = False
        if not really_wrong:
            record["outcome"] = "unsound"
        else:
            record["outcome"] = "caught" if record["replays"] else "bad-counterexample"
    elif cert.verdict is Verdict.PROVED:
        record["outcome"] = "missed" if really_wrong else "proved"
    else:
        record["outcome"] = "unknown"
    return record


def _decide(kind: str, index: int, seed: int, spec: BaseSpec, mutation: Mutation,
            truth: CorrectnessReport | None, note: str, samples: int,
            timeout: float) -> MutantRow:
    circuit = mutation.circuit
    s = circuit.sparsity
    start = time.perf_counter()
    if truth is None:
        truth = exhaustive(circuit)
    gt_seconds = time.perf_counter() - start
    really_wrong = truth.wrong_outputs > 0
    main = _certify_outcome(circuit, s, timeout, really_wrong)
    lower = None
    if kind == "s3-only":
        start = time.perf_counter()
        low_truth = exhaustive(circuit, 2)
        gt_seconds += time.perf_counter() - start
        lower = _certify_outcome(circuit, 2, timeout, low_truth.wrong_outputs > 0)
        lower["wrong_inputs"] = low_truth.wrong_inputs
    fz_seed = mutant_seed(seed, kind, index) % (2 ** 31)
    fz = fuzz(circuit, samples, fz_seed)
    reasons = [r for r in (note, main["reason"]) if r]
    if lower is not None and lower["reason"]:
        reasons.append(f"s=2: {lower['reason']}")
    mseed = mutant_seed(seed, kind, index)
    generator_ok = _as_intended(kind, truth, lower, mutation)
    if not generator_ok:
        reasons.append(f"the mutant is not what {kind} promises (see notes)")
    return MutantRow(
        kind=kind, index=index, base=spec.name, seed=seed, mutant_seed=mseed,
        intent=INTENT[kind], description=mutation.description, sparsity=s,
        input_space=truth.input_space, really_wrong=really_wrong,
        wrong_inputs=truth.wrong_inputs, wrong_outputs=truth.wrong_outputs,
        certifier=main["verdict"], certifier_seconds=main["seconds"],
        certifier_method=main["method"], outcome=main["outcome"],
        fuzzer_caught=fz.wrong_outputs > 0, fuzzer_wrong_inputs=fz.wrong_inputs,
        fuzzer_seconds=fz.seconds, ground_truth_seconds=gt_seconds,
        replay=_row_replay(seed, kind, index, samples, timeout, main["counterexample"]),
        counterexample=main["counterexample"], counterexample_replays=main["replays"],
        reason="; ".join(reasons), lower=lower,
        details=mutation.details | {"fuzz_seed": fz_seed}, generator_ok=generator_ok)


def _as_intended(kind: str, truth: CorrectnessReport, lower: dict | None,
                 mutation: Mutation) -> bool:
    """Whether the ground truth agrees with what the kind promises: equivalent kinds are
    equivalent; a planted false positive is wrong on exactly its planted input (an s3-only one
    also on no input with 2 active features); random edits may be either."""
    if kind in EQUIVALENT_KINDS:
        return truth.wrong_outputs == 0
    if kind in ("planted-rare-false-positive", "s3-only"):
        y = tuple(mutation.details["active"])
        exactly = (truth.wrong_inputs == 1 and bool(truth.examples)
                   and truth.examples[0].active == y)
        return exactly and (lower is None or lower["wrong_inputs"] == 0)
    return True


# --- the run ----------------------------------------------------------------------------------

def _check_bases(bases) -> tuple[list[tuple[BaseSpec, Circuit]], list[dict], list[str]]:
    """The correct bases (spec, circuit), a record per base, and a note per skipped one."""
    good, info, notes = _checked_bases(tuple(bases))
    return list(good), [dict(entry) for entry in info], list(notes)


@functools.lru_cache(maxsize=4)
def _checked_bases(bases: tuple[BaseSpec, ...]):
    """Built and enumerated once per process: bases are deterministic and circuits are never
    modified in place (every mutant copies the arrays it changes)."""
    good, info, notes = [], [], []
    for spec in bases:
        circuit = spec.build()
        space = count_sparse_inputs(circuit.m, circuit.sparsity)
        if space > MAX_INPUT_SPACE:
            raise InvalidArgument(f"base {spec.name} has {space} {circuit.sparsity}-sparse "
                                  f"inputs; a self-test base must have at most "
                                  f"{MAX_INPUT_SPACE} (the ground truth enumerates them)")
        truth = exhaustive(circuit)
        correct = truth.wrong_outputs == 0
        entry = {"name": spec.name, "problem": spec.problem, "m_prime": spec.m_prime,
                 "family": spec.family, "sparsity": spec.sparsity, "seed": spec.seed,
                 "instance_seed": spec.instance_seed, "m": circuit.m,
                 "widths": list(circuit.network.widths), "input_space": space,
                 "correct": correct, "wrong_inputs": truth.wrong_inputs,
                 "build": spec.command()}
        info.append(entry)
        if correct:
            good.append((spec, circuit))
        else:
            ex = truth.examples[0]
            notes.append(f"base {spec.name} skipped: it is wrong on {truth.wrong_inputs} of "
                         f"{space} inputs (e.g. active={list(ex.active)}, output {ex.output}); "
                         f"replay: {spec.command()}; superpose fuzz base.npz --exhaustive")
    return good, info, notes


def run_selftest(seed: int = 0, mutants_per_kind: int = DEFAULT_MUTANTS,
                 samples: int = DEFAULT_SAMPLES, timeout: float = DEFAULT_TIMEOUT,
                 kinds: tuple[str, ...] | None = None, only: str | None = None,
                 bases: tuple[BaseSpec, ...] = BASES) -> SelftestReport:
    """Mutate the bases, decide every mutant exhaustively, certify and fuzz it.

    ``kinds`` restricts the run to some kinds; ``only="KIND:INDEX"`` runs that one mutant.
    """
    start = time.perf_counter()
    seed = check_int("seed", seed, minimum=0)
    mutants_per_kind = check_int("mutants_per_kind", mutants_per_kind, minimum=1)
    samples = check_int("samples", samples, minimum=1)
    timeout = check_positive("timeout", timeout)
    if kinds is None:
        kinds = KINDS
    for kind in kinds:
        check_choice("kind", kind, KINDS)
    plan = [(kind, i) for kind in kinds for i in range(mutants_per_kind)]
    if only is not None:
        kind, index = parse_only(only)
        kinds, plan = (kind,), [(kind, index)]
    good, info, notes = _check_bases(bases)
    rows = []
    for kind, index in plan:
        made = make_mutant(kind, index, seed, good)
        if made is None:
            continue
        spec, mutation, truth, note = made
        rows.append(_decide(kind, index, seed, spec, mutation, truth, note, samples,
                            timeout))
    summary = {kind: KindSummary(kind, INTENT[kind]) for kind in kinds}
    for row in rows:
        summary[row.kind].add(row)
    for s in summary.values():
        if not s.mutants:
            notes.append(f"kind {s.kind}: no mutant (no correct base it applies to)")
    for row in rows:
        if not row.generator_ok:
            notes.append(f"{row.kind}:{row.index} on {row.base} is not what its kind promises "
                         f"({row.wrong_inputs} wrong inputs"
                         + (f", {row.lower['wrong_inputs']} at s=2" if row.lower else "")
                         + "): a bug in the mutant generator; the ground truth decided it")
    return SelftestReport(seed, mutants_per_kind, samples, timeout, info, rows,
                          list(summary.values()), time.perf_counter() - start, only, notes)


# --- evidence ---------------------------------------------------------------------------------

def _failure_text(row: MutantRow) -> str:
    what = {"missed": "PROVED a really-wrong mutant",
            "unsound": "REFUTED an equivalent mutant",
            "bad-counterexample": "gave a counterexample that does not replay",
            "error": "crashed"}
    if row.outcome in what:
        outcome, prefix = row.outcome, ""
    else:
        outcome, prefix = row.lower["outcome"], "at s=2 "
    return (f"{row.kind}:{row.index} on {row.base} (seed {row.seed}, mutant seed "
            f"{row.mutant_seed}): the certifier {prefix}{what.get(outcome, outcome)} "
            f"({row.description}; {row.wrong_inputs} wrong inputs); replay: {row.replay}")


def selftest_evidence(seed: int = 0, mutants_per_kind: int = DEFAULT_MUTANTS,
                      samples: int = DEFAULT_SAMPLES,
                      timeout: float = DEFAULT_TIMEOUT) -> list[Evidence]:
    """One Evidence ``selftest``: PROVED when the report is ok, REFUTED when the certifier
    missed a really-wrong mutant or refuted an equivalent one, UNKNOWN when it did not
    decide one (a timeout)."""
    report = run_selftest(seed, mutants_per_kind, samples, timeout)
    t = report.totals()
    rate = (f"{t['fuzzer_caught']}/{t['really_wrong']}" if t["really_wrong"] else "0/0")
    s3 = next((s for s in report.summary if s.kind == "s3-only"), None)
    base_text = (f"certifier caught {t['certifier_caught']}/{t['really_wrong']} really-wrong "
                 f"mutants, refuted {t['certifier_refuted_equivalent']} of {t['equivalent']} "
                 f"equivalent ones"
                 + (f"; s3-only {s3.certifier_caught}/{s3.mutants} PROVED at s=2 and REFUTED "
                    f"at s=3" if s3 else "")
                 + f"; fuzzer ({report.samples} samples) caught {rate}")
    if report.failures:
        detail = base_text + "; " + "; ".join(_failure_text(r) for r in report.failures[:3])
        replay = report.failures[0].replay
    elif not report.ok:
        undecided = [f"{r.kind}:{r.index} {r.certifier} ({r.reason or 'undecided'})"
                     for r in report.inconclusive[:3]]
        detail = base_text + "; undecided: " + "; ".join(
            undecided + [f"no mutant of {k}" for k in report.empty_kinds])
        replay = report.inconclusive[0].replay if report.inconclusive else None
    else:
        detail = base_text
        replay = None
    sizes = ", ".join(sorted({f"{b['problem']} m'={b['m_prime']} s={b['sparsity']}"
                              for b in report.bases}))
    data = {"totals": t, "summary": [s.as_dict() for s in report.summary],
            "bases": report.bases, "notes": report.notes, "seed": seed,
            "replay": replay_command(seed, mutants_per_kind, samples, timeout)}
    return [Evidence("selftest", report.verdict, STATEMENT,
                     "planted-bug mutants: exhaustive ground truth, certify, fuzz beside it",
                     f"{t['mutants']} mutants of {len(report.bases)} bases ({sizes})", detail,
                     decisive=True, data=data,
                     replay=replay or replay_command(seed, mutants_per_kind, samples,
                                                     timeout))]
