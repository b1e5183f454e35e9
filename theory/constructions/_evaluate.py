"""Formulas at one circuit's own m, m', s and constants, in exact arithmetic.

Values are substituted exactly (a float constant such as 1.5 becomes the rational 3/2, from its
shortest decimal form) and SymPy rounds ``ceiling`` and ``floor`` exactly, so a formula that
copies the construction's sizes (``ceil(c_r*log(mp))``) gives the integers the construction
used. A count is compared with its bound exactly: ``count <= bound`` as real numbers.

>>> from superpose.theory.constructions._declare import CountFormulas
>>> f = CountFormulas(("c",), (("neurons", "ceil(c*log(mp))"), ("params", "mp"))).parsed("d")
>>> int(value_at(f, "neurons", {"mp": 1024, "m": 1024, "s": 2, "c": 1.5}))
15
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from numbers import Real

import sympy

from superpose.theory import MP, M, S
from superpose.theory.constructions._declare import Formulas
from superpose.theory.errors import InvalidArgument

__all__ = ["StepCheck", "check_counts", "exact_number", "value_at"]


def exact_number(name: str, value) -> sympy.Rational:
    """``value`` as an exact SymPy rational (floats through their shortest decimal form)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidArgument(f"{name}={value!r} must be a number; give the construction's "
                              "resolved constants")
    if isinstance(value, float):
        fraction = Fraction(repr(value))
        return sympy.Rational(fraction.numerator, fraction.denominator)
    return sympy.Integer(int(value)) if float(value).is_integer() else \
        sympy.Rational(Fraction(str(value)))


def _substitution(formulas: Formulas, values: dict) -> dict:
    subs = {MP: exact_number("m_prime", values["mp"]), M: exact_number("m", values["m"]),
            S: exact_number("s", values["s"])}
    for name, symbol in formulas.symbols.items():
        if name not in values or values[name] is None:
            raise InvalidArgument(f"constant {name!r} has no value at this circuit; the "
                                  "construction must resolve it in its constants")
        subs[symbol] = exact_number(name, values[name])
    return subs


_CACHE: dict[tuple, tuple[Formulas, dict]] = {}
_CACHE_SIZE = 4096


def _step_values(formulas: Formulas, values: dict, last: str | None = None) -> dict:
    """Every step (up to ``last``) at ``values``, exactly, each from the values of the earlier
    ones. Bounds depend on the sizes and constants only (not on the seed or the instance), so
    they are remembered per (formulas, values) for the process."""
    used = ("mp", "m", "s", *formulas.symbols)
    key = (id(formulas), tuple(repr(values.get(k)) for k in used), last)
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not formulas:  # the id of a collected object may recur
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        cached = _CACHE[key] = (formulas, _evaluate_steps(formulas, values, last))
    return cached[1]


def _evaluate_steps(formulas: Formulas, values: dict, last: str | None) -> dict:
    subs = _substitution(formulas, values)
    out: dict[str, sympy.Expr] = {}
    for step in formulas.steps:
        out[step.name] = formulas.local[step.name].xreplace(subs)
        subs[sympy.Symbol(f"step_{step.name}")] = out[step.name]
        if step.name == last:
            break
    return out


def value_at(formulas: Formulas, name: str, values: dict) -> sympy.Expr:
    """Step ``name`` at ``values`` (keys mp, m, s and every constant): an exact number."""
    return _step_values(formulas, values, name)[name]


@dataclass(frozen=True)
class StepCheck:
    """One bounded quantity of one circuit: its exact count against the step's value."""

    step: str
    quantity: str
    count: int
    bound: float
    holds: bool

    @property
    def slack(self) -> float:
        """bound / count (inf for a zero count): how loose the formula is here."""
        return self.bound / self.count if self.count else float("inf")


def check_counts(formulas: Formulas, counts: dict[str, int], values: dict) -> list[StepCheck]:
    """Every step that bounds a quantity present in ``counts``, compared exactly."""
    at = _step_values(formulas, values)
    out = []
    for step in formulas.steps:
        quantity = step.quantity
        if quantity is None or quantity not in counts:
            continue
        bound = at[step.name]
        if not (bound.is_number and bound.is_finite and bound.is_extended_real):
            shown = ", ".join(f"{k}={values[k]!r}" for k in ("mp", "m", "s"))
            raise InvalidArgument(f"count formula step {step.name!r} = {bound} is not a finite "
                                  f"real number at {shown}; fix the formula (it must bound "
                                  "every circuit the construction builds)")
        count = int(counts[quantity])
        holds = bool(sympy.Integer(count) <= bound)
        out.append(StepCheck(step.name, quantity, count, float(bound), holds))
    return out
