"""Asymptotic bounds as objects: Omega(f), O(f) or Theta(f) of one quantity of one claim.

Expressions are SymPy over the positive symbols of :mod:`superpose.theory._symbols`. Relations
between bounds are decided by :func:`theory.is_big_o` (limits of ratios), never by SymPy's ``O()``.

>>> from superpose.theory._symbols import MP
>>> Bound("X", ("and2",), "params", "lower", MP**2, "mp^2").display
'Omega(mp^2)'
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from superpose.theory._symbols import MP, B, M, S

__all__ = ["Bound"]


@dataclass(frozen=True)
class Bound:
    """One asymptotic bound of one claim: ``kind`` is lower, upper or theta."""

    claim_id: str
    problems: tuple[str, ...]
    quantity: str
    kind: str
    expr: sympy.Expr
    text: str
    proved: bool = False  # established by the suite (a derivation or a construction)
    constant: float | None = None

    def in_mp(self, sparsity: int = 2) -> sympy.Expr | None:
        """The bound as a function of m' alone (m = m', s and b constants), or None."""
        expr = self.expr.subs({M: MP, S: sparsity, B: 1})
        return expr if expr.free_symbols <= {MP} else None

    @property
    def display(self) -> str:
        return {"lower": "Omega", "upper": "O", "theta": "Theta"}[self.kind] + f"({self.text})"
