"""The record of a self-test run: one row per mutant, one summary per kind, the report.

A row's ``outcome`` is the certifier's verdict judged against the exhaustive ground truth
(``caught``, ``missed``, ``unsound``, ``proved``, ``bad-counterexample``, ``unknown``,
``error``); the report is PROVED when every really-wrong mutant was caught with a replaying
counterexample, no equivalent one was refuted and nothing was left undecided, REFUTED on any
failure, UNKNOWN otherwise. Also the seeds and replay commands: mutant ``index`` of ``kind`` in
run ``seed`` draws its generator seed from ``SeedSequence([seed, crc32(kind), index])``.

The two fuzzers get the same wall-time budget per mutant, in a deterministic form: the
vectorised ``fuzz`` checks ``samples`` inputs, and ``hypothesis_fuzz`` runs
E = max(1, round(samples / INPUTS_PER_EXAMPLE)) examples, where one Hypothesis example (the
plain evaluator on one input, the margin, Hypothesis's own work) costs about the wall time of
``INPUTS_PER_EXAMPLE`` vectorised inputs on the self-test's bases. A budget in seconds would
make the catch rates depend on the machine's speed; the report gives both engines' measured
seconds, so that the equality can be checked.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass, field

import numpy as np

from superpose.checks.exit_codes import exit_for
from superpose.checks.selftest._mutants import KINDS
from superpose.circuits.validate import check_choice, check_int
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument

__all__ = ["DEFAULT_MUTANTS", "MAX_MUTANTS", "DEFAULT_SAMPLES", "DEFAULT_TIMEOUT",
           "INPUTS_PER_EXAMPLE", "KindSummary", "MutantRow", "STATEMENT", "SelftestReport",
           "_row_replay", "hypothesis_examples", "mutant_seed", "parse_only", "replay_command"]

STATEMENT = "the certifier catches every planted bug and never refutes an equivalent mutant"
DEFAULT_MUTANTS = 6
MAX_MUTANTS = 1000  # per kind: each is certified, so more would run for days
DEFAULT_SAMPLES = 500
DEFAULT_TIMEOUT = 10.0
#: The wall time of one ``hypothesis_fuzz`` example over that of one input of the vectorised
#: ``fuzz``, on the self-test's bases: about 1.5 ms per example and 3 to 5 ms per run, against
#: about 9 ms for 500 inputs (3 to 25 ms by base; 2 cores; each run's measured seconds are in
#: its report). Hypothesis's first runs in a process also read the literals of the loaded modules
#: (0.2 to 0.4 s, once; the self-test does that before the first mutant).
INPUTS_PER_EXAMPLE = 125


def hypothesis_examples(samples: int) -> int:
    """The Hypothesis examples that take the wall time of ``samples`` vectorised inputs:
    max(1, round(samples / INPUTS_PER_EXAMPLE)).

    >>> hypothesis_examples(500)
    4
    """
    return max(1, round(samples / INPUTS_PER_EXAMPLE))


@dataclass
class MutantRow:
    """One mutant: what it is, whether it is really wrong, and who caught it.

    ``outcome`` is the certifier's, against the ground truth: ``caught`` (really wrong,
    REFUTED with a replaying counterexample), ``missed`` (really wrong, PROVED), ``unsound``
    (equivalent, REFUTED), ``proved`` (equivalent, PROVED), ``bad-counterexample`` (REFUTED
    with a counterexample that does not replay), ``unknown`` (UNKNOWN), ``error`` (certify
    raised). For ``s3-only`` rows the s = 2 check (``lower``) must also be PROVED.
    ``fuzzer_*`` are the vectorised fuzzer's, ``hypothesis_*`` the Hypothesis engine's at the
    same wall-time budget (module docstring); neither decides anything.
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
    hypothesis_caught: bool = False
    hypothesis_wrong_inputs: int = 0
    hypothesis_seconds: float = 0.0

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
        out["hypothesis_seconds"] = round(self.hypothesis_seconds, 4)
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
    hypothesis_caught: int = 0
    certifier_seconds: float = 0.0
    fuzzer_seconds: float = 0.0
    hypothesis_seconds: float = 0.0

    @property
    def fuzzer_rate(self) -> float | None:
        return self.fuzzer_caught / self.really_wrong if self.really_wrong else None

    @property
    def hypothesis_rate(self) -> float | None:
        return self.hypothesis_caught / self.really_wrong if self.really_wrong else None

    @property
    def certifier_rate(self) -> float | None:
        return self.certifier_caught / self.really_wrong if self.really_wrong else None

    def add(self, row: MutantRow) -> None:
        self.mutants += 1
        self.certifier_seconds += row.certifier_seconds
        self.fuzzer_seconds += row.fuzzer_seconds
        self.hypothesis_seconds += row.hypothesis_seconds
        if row.really_wrong:
            self.really_wrong += 1
            self.fuzzer_caught += row.fuzzer_caught
            self.hypothesis_caught += row.hypothesis_caught
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
        out["hypothesis_seconds"] = round(self.hypothesis_seconds, 3)
        out["fuzzer_rate"] = self.fuzzer_rate
        out["hypothesis_rate"] = self.hypothesis_rate
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
        targeted = sum(s.hypothesis_caught for s in self.summary)
        equivalent = sum(s.equivalent for s in self.summary)
        return {"mutants": len(self.rows), "really_wrong": wrong, "equivalent": equivalent,
                "certifier_caught": caught,
                "certifier_refuted_equivalent": sum(s.certifier_refuted_equivalent
                                                    for s in self.summary),
                "certifier_unknown": len(self.inconclusive), "failures": len(self.failures),
                "fuzzer_caught": fuzzed, "hypothesis_caught": targeted,
                "certifier_rate": caught / wrong if wrong else None,
                "fuzzer_rate": fuzzed / wrong if wrong else None,
                "hypothesis_rate": targeted / wrong if wrong else None,
                "certifier_seconds": round(sum(s.certifier_seconds for s in self.summary), 3),
                "fuzzer_seconds": round(sum(s.fuzzer_seconds for s in self.summary), 3),
                "hypothesis_seconds": round(sum(s.hypothesis_seconds for s in self.summary),
                                            3)}

    def budget(self) -> dict:
        """The fuzzers' equal wall-time budget per mutant (module docstring) and the seconds
        each engine took in all."""
        t = self.totals()
        return {"per_mutant": "equal wall time", "vectorized_inputs": self.samples,
                "hypothesis_examples": hypothesis_examples(self.samples),
                "inputs_per_example": INPUTS_PER_EXAMPLE,
                "vectorized_seconds": t["fuzzer_seconds"],
                "hypothesis_seconds": t["hypothesis_seconds"]}

    def as_dict(self) -> dict:
        return {"statement": STATEMENT, "verdict": self.verdict.value, "ok": self.ok,
                "exit_code": self.exit_code, "seed": self.seed,
                "mutants_per_kind": self.mutants_per_kind, "samples": self.samples,
                "timeout": self.timeout, "only": self.only,
                "seconds": round(self.seconds, 3), "totals": self.totals(),
                "fuzz_budget": self.budget(),
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
