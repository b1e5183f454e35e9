"""Measuring constructions over a range of m': exact counts and correctness at each size.

A :class:`Measurement` is one built circuit: its exact counts (read off the network), and its
correctness on every s-sparse input when that space has at most ``exhaustive_limit`` inputs,
else on ``samples`` random and adversarial inputs. A wrong output is shrunk and replayed as a
single input through the plain evaluator before anyone may call it a counterexample.

Where a circuit is decided (enumerated, or certified up to ``certify_max_m_prime``) and found
wrong, the construction is completed by :func:`checks.repair` (``repair=True``): false positives
are vetoed until the circuit is PROVED, and the counts are those of the repaired circuit.

An approximate construction (notion "epsilon", e.g. uand's ``hanni-uand``) is never certified
or repaired: besides its correctness report, its error rates (:func:`circuits.error_rates`, for
the model's decode and every readout the construction names) are measured on inputs with
exactly s active features, exactly where there are at most ``exhaustive_limit`` of them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

from superpose.checks.certification import Certificate, certify, repair
from superpose.circuits import (
    CorrectnessReport,
    Counterexample,
    Counts,
    ErrorRate,
    build,
    error_rates,
    exhaustive,
    fuzz,
    problem_spec,
    replays,
    shrink,
)
from superpose.circuits.model import count_sparse_inputs
from superpose.circuits.registry import find_construction, formula_checks
from superpose.theory import Verdict
from superpose.theory.constructions import StepCheck

__all__ = ["SweepSettings", "Measurement", "measure", "geometric_sizes"]


@dataclass(frozen=True)
class SweepSettings:
    """How each circuit of a sweep is built and checked."""

    seed: int = 0
    instance_seed: int = 0
    samples: int = 2000
    fuzz_seed: int = 0
    exhaustive_limit: int = 50_000
    certify_max_m_prime: int = 1_000
    certify_timeout: float = 120.0
    repair: bool = True


@dataclass
class Measurement:
    """One built circuit of a sweep, with its counts and correctness evidence."""

    problem: str
    construction: str
    family: str
    sparsity: int
    m_prime: int
    m: int
    counts: Counts
    correctness: CorrectnessReport
    build_seconds: float
    settings: SweepSettings
    counterexample: Counterexample | None = None
    replay_confirmed: bool = False
    certificate: Certificate | None = None
    constants: dict = field(default_factory=dict)
    overrides: dict = field(default_factory=dict)
    vetoes: int = 0
    errors: tuple[ErrorRate, ...] = ()
    formula: tuple[StepCheck, ...] | None = None  # the raw draw against its count formula

    def ratio(self, quantity: str) -> float:
        """neurons / (sqrt(m') log2 m'), params / (m' log2^2 m'), or width / log2 m'."""
        log_mp = math.log2(self.m_prime)
        if quantity == "neurons":
            return self.counts.neurons / (math.sqrt(self.m_prime) * log_mp)
        if quantity == "params":
            return self.counts.params / (self.m_prime * log_mp ** 2)
        if quantity == "width":
            return self.counts.neurons / log_mp
        raise ValueError(f"quantity={quantity!r} must be neurons, params or width")

    @property
    def superposition(self) -> float:
        """m' / neurons: outputs per unit; above 1 the circuit beats one unit per output."""
        return self.m_prime / self.counts.neurons

    def build_command(self) -> str:
        """The ``superpose build`` command that writes this very circuit to ``c.npz``."""
        s = self.settings
        return (f"superpose build {self.problem} --m-prime {self.m_prime} "
                f"--family {self.family} --instance-seed {s.instance_seed} "
                f"--sparsity {self.sparsity} --seed {s.seed}"
                + self._construction_flag()
                + "".join(f" --constant {k}={v}" for k, v in sorted(self.overrides.items()))
                + (" --repair" if self.vetoes else "") + " -o c.npz")

    def counts_command(self) -> str:
        """Rebuild the circuit and read its exact counts off the file."""
        return f"{self.build_command()}; superpose info c.npz"

    def replay_command(self) -> str:
        """Rebuild the circuit and rerun the check that decided its correctness."""
        s = self.settings
        build_cmd = self.build_command()
        if self.certificate is not None:
            check = f"superpose certify c.npz --timeout {s.certify_timeout:g}"
        elif self.correctness.method == "fuzz":
            check = f"superpose fuzz c.npz --samples {s.samples} --seed {s.fuzz_seed}"
        else:
            check = "superpose fuzz c.npz --exhaustive"
        if self.counterexample is not None:
            active = ",".join(str(i) for i in self.counterexample.active) or "''"
            check += f"; superpose eval c.npz --active {active}"
        return f"{build_cmd}; {check}"

    def label(self) -> str:
        return f"{self.problem}/{self.family} s={self.sparsity} m'={self.m_prime}"

    def _construction_flag(self) -> str:
        default = problem_spec(self.problem).default_construction.name
        return "" if self.construction == default else f" --construction {self.construction}"


def _repaired(circuit, settings: SweepSettings):
    """The outcome of :func:`checks.repair` when repair is on and kept a veto, else None."""
    if not settings.repair:
        return None
    outcome = repair(circuit, timeout=settings.certify_timeout)
    return outcome if outcome.vetoes else None


def geometric_sizes(lo: int, hi: int, per_decade: int = 2) -> tuple[int, ...]:
    """Sizes from lo to hi, ``per_decade`` per factor of ten, rounded to integers.

    >>> geometric_sizes(100, 10000)
    (100, 316, 1000, 3162, 10000)
    """
    if hi < lo:
        return ()
    steps = round(math.log10(hi / lo) * per_decade)
    sizes = {round(lo * 10 ** (i / per_decade)) for i in range(steps + 1)}
    return tuple(sorted(x for x in sizes | {hi} if lo <= x <= hi))


def measure(problem: str, family: str, sparsity: int, m_prime: int,
            settings: SweepSettings, construction: str | None = None,
            constants: dict | None = None) -> Measurement:
    """Build one circuit, count it, and check it: exhaustively when the input space is small
    enough; otherwise fuzzed, and certified (:func:`checks.certify`) up to
    ``settings.certify_max_m_prime``. The raw draw's counts are checked against the
    construction's count formula (``Measurement.formula``), never raised on: verify reports."""
    start = time.perf_counter()
    circuit = build(problem, m_prime, family, settings.instance_seed, sparsity, settings.seed,
                    construction, constants, check_formulas=False)
    built = time.perf_counter() - start
    chosen = find_construction(problem, construction)
    checked = formula_checks(circuit, chosen)  # the raw draw, before any repair
    # an approximate construction is measured, never certified or repaired
    rules = (settings if chosen.notion != "epsilon" else
             replace(settings, repair=False, certify_max_m_prime=0))
    certificate = None
    vetoes = 0
    errors = ()
    if chosen.notion == "epsilon":
        errors = tuple(error_rates(circuit, chosen.readouts, settings.samples,
                                   settings.fuzz_seed, settings.exhaustive_limit))
    if count_sparse_inputs(circuit.m, sparsity) <= settings.exhaustive_limit:
        report = exhaustive(circuit)
        fixed = _repaired(circuit, rules) if report.wrong_outputs else None
        if fixed is not None:
            circuit, vetoes = fixed.circuit, len(fixed.vetoes)
            report = exhaustive(circuit)
    else:
        report = fuzz(circuit, settings.samples, settings.fuzz_seed)
        if m_prime <= rules.certify_max_m_prime:
            certificate = certify(circuit, timeout=settings.certify_timeout)
            fixed = (_repaired(circuit, rules) if certificate.verdict is Verdict.REFUTED
                     else None)
            if fixed is not None:
                circuit, vetoes, certificate = fixed.circuit, len(fixed.vetoes), fixed.certificate
                report = fuzz(circuit, settings.samples, settings.fuzz_seed)
    # the circuit's own m' (a family may round the requested one, as uand does to C(m, 2))
    result = Measurement(problem, circuit.construction, circuit.family, sparsity, circuit.m_prime,
                         circuit.m, circuit.counts(), report, built, settings,
                         constants=dict(circuit.constants), overrides=dict(constants or {}),
                         certificate=certificate, vetoes=vetoes, errors=errors,
                         formula=None if checked is None else tuple(checked))
    if certificate is not None and certificate.counterexample is not None:
        result.counterexample = certificate.counterexample
        result.replay_confirmed = True  # certify replays before it says REFUTED
    elif report.examples:
        example = shrink(circuit, report.examples[0])
        result.counterexample = example
        result.replay_confirmed = replays(circuit, example)
    return result
