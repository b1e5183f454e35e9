"""Every circuit against its construction's declared count formulas, at its own sizes.

``construct`` calls :func:`formula_checks` on every circuit it builds (the raw draw, before any
repair) and raises :class:`superpose.theory.errors.CountAboveFormula` when a count exceeds its
bound, so no build, sweep, verify run or test can make a circuit that breaks its formula
unnoticed. verify and sweep ask for the checks without raising and report them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from superpose.circuits.model import Circuit
from superpose.theory.errors import CountAboveFormula

if TYPE_CHECKING:
    from superpose.theory.constructions import StepCheck

__all__ = ["formula_checks", "formula_values", "raise_if_exceeded", "replay_line"]


def formula_values(circuit: Circuit) -> dict:
    """The values a formula is evaluated at: the circuit's m', m, s and resolved constants."""
    return {**circuit.constants, "mp": circuit.m_prime, "m": circuit.m, "s": circuit.sparsity}


def formula_checks(circuit: Circuit, construction) -> list[StepCheck] | None:
    """Each bounded quantity of ``circuit`` against ``construction``'s count formulas; None
    when the construction declares none."""
    from superpose.theory.constructions import check_counts  # SymPy, needed from here on

    if construction.counts is None:
        return None
    formulas = construction.counts.parsed(f"{circuit.problem.name}/{construction.name} counts")
    return check_counts(formulas, circuit.network.quantities(), formula_values(circuit))


def raise_if_exceeded(circuit: Circuit, construction, checks: list[StepCheck] | None) -> None:
    """CountAboveFormula naming the circuit, the first step broken and the replay line."""
    broken = [c for c in checks or () if not c.holds]
    if not broken:
        return
    first = broken[0]
    raise CountAboveFormula(
        f"{circuit!r}: {first.quantity} = {first.count} exceeds its count formula step "
        f"{first.step!r} = {first.bound:.6g} ({len(broken)} step(s) broken); rebuild with: "
        f"{replay_line(circuit, construction)}")


def replay_line(circuit: Circuit, construction) -> str:
    """The ``superpose build`` command that rebuilds ``circuit``: its family, seeds and the
    constants its construction's count formula and failure bound name."""
    family = f" --family {circuit.family}" if circuit.family else ""
    instance = f" --instance-seed {circuit.instance_seed}" if circuit.instance_seed >= 0 else ""
    names = dict.fromkeys(
        name for declared in (construction.counts, construction.failure) if declared is not None
        for name in declared.constants)
    constants = "".join(f" --constant {k}={circuit.constants[k]}" for k in names
                        if k in circuit.constants)
    return (f"superpose build {circuit.problem.name} --m-prime {circuit.m_prime}{family}"
            f"{instance} --sparsity {circuit.sparsity} --seed {circuit.seed} "
            f"--construction {circuit.construction}{constants} -o c.npz")
