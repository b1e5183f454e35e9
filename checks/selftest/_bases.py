"""The self-test's bases and the mutants built from them.

A base is a small correct circuit (``circuits.build`` with fixed seeds), checked correct on
every s-sparse input before use; a base whose input space exceeds ``MAX_INPUT_SPACE`` is
refused, since the ground truth enumerates it. Mutant ``index`` of a kind uses base
``eligible[index % len(eligible)]`` (or the next one the kind applies to) and the generator
``np.random.default_rng(mutant_seed(seed, kind, index))``. Planted false positives are redrawn
(at most ``PLANT_TRIES`` times) until the planted input is the only wrong one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from superpose.checks.selftest._mutants import MUTATORS, NotApplicable, planted_candidates
from superpose.checks.selftest._report import mutant_seed, parse_only
from superpose.circuits import Circuit, build, exhaustive
from superpose.circuits.model import count_sparse_inputs
from superpose.circuits.validate import check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["BASES", "BaseSpec", "_check_bases", "build_mutant", "make_mutant"]

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


# --- checking the bases -----------------------------------------------------------------------

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
