"""What a construction declares about itself: count formulas and a failure bound, as text.

A declaration is data, written in the claim-file grammar (:func:`superpose.theory.parse_bound`)
so that a plugin can declare one without code: a list of :class:`FormulaStep` records, each
naming an expression over m' (``mp``), m, s, the construction's constants and the earlier
steps, with the statement it rests on and its premises. Parsing substitutes every step into
the later ones, so each named step becomes a SymPy expression in mp, m, s and the constants
alone (positive symbols). Nothing in a declaration is ever evaluated as code.

* :class:`CountFormulas`: upper bounds on the exact counts of every circuit the construction
  builds, for every instance. The steps named ``neurons`` and ``params`` (and ``bits``, if
  given) bound the totals of :class:`superpose.circuits.Counts`; a step may also bound one
  layer's width or nonzero weights (``bounds="width[1]"``, ``"weights[2]"``), so that a
  circuit that breaks the total is traced to the step that failed.
* :class:`FailureBound`: F, an upper bound on the probability over the seed that the raw draw
  decodes some s-sparse input wrong, exact at finite sizes (last step ``F``), and a smooth
  envelope F_env >= F for m' >= ``m0`` (last step ``F_env``, no ceil/floor/max/min) whose
  exponent lim log F_env / log m' decides for which constants F -> 0.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from superpose.theory.errors import ClaimFileError

if TYPE_CHECKING:
    import sympy

# SymPy (and the grammar built on it) is imported when a declaration is first parsed, not when
# one is declared: constructions declare theirs at import, and loading a circuit file must not
# pay for SymPy

__all__ = ["COUNT_QUANTITIES", "CountFormulas", "FailureBound", "FormulaStep", "Formulas"]

#: Totals a count formula must bound (``bits`` is optional).
COUNT_QUANTITIES = ("neurons", "params", "bits")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_COMPONENT = re.compile(r"^(width|weights|thresholds)\[(\d{1,3})\]$")


@dataclass(frozen=True)
class FormulaStep:
    """One step: ``name = text``, because ``why``, given ``premises``.

    ``bounds`` names the circuit quantity the step bounds from above (``neurons``, ``params``,
    ``bits``, ``width[l]``, ``weights[l]`` or ``thresholds[l]``), or None for a definition or an
    intermediate bound. A step named ``neurons``, ``params`` or ``bits`` bounds that total.
    """

    name: str
    text: str
    why: str = ""
    premises: tuple[str, ...] = ()
    bounds: str | None = None

    @property
    def quantity(self) -> str | None:
        """The circuit quantity this step bounds, if any."""
        if self.bounds is not None:
            return self.bounds
        return self.name if self.name in COUNT_QUANTITIES else None


def _as_step(item) -> FormulaStep:
    """A FormulaStep from itself or a ``(name, text, why, premises[, bounds])`` tuple."""
    if isinstance(item, FormulaStep):
        return item
    if isinstance(item, tuple) and 2 <= len(item) <= 5:
        name, text, *rest = item
        why = rest[0] if rest else ""
        premises = tuple(rest[1]) if len(rest) > 1 else ()
        bounds = rest[2] if len(rest) > 2 else None
        return FormulaStep(name, text, why, premises, bounds)
    raise ClaimFileError(f"step {item!r} must be a FormulaStep or a (name, text, why, "
                         "premises) tuple")


@dataclass(frozen=True)
class Formulas:
    """Parsed steps: ``exprs[name]`` is the step's SymPy value in mp, m, s and the constants
    (``symbols[name]``, positive), ``regime`` the value of m used for asymptotics; ``local[name]``
    is the step with its earlier steps left as symbols named after them (evaluated in order at
    a circuit's values, which is much faster than substituting the expanded expressions)."""

    steps: tuple[FormulaStep, ...]
    exprs: dict[str, sympy.Expr]
    symbols: dict[str, sympy.Symbol]
    regime: sympy.Expr
    local: dict[str, sympy.Expr] = field(default_factory=dict)  # earlier steps as symbols

    def asymptotic(self, name: str) -> sympy.Expr:
        """Step ``name`` with m replaced by the regime (a function of m' alone)."""
        from superpose.theory import M

        return self.exprs[name].subs(M, self.regime)


def _parse_steps(steps, constants, regime: str, where: str) -> Formulas:
    import sympy

    from superpose.theory import FORMULA_FUNCTIONS, MP, SYMBOLS, parse_bound

    steps = tuple(_as_step(s) for s in steps)
    symbols = {}
    for name in constants:
        if not isinstance(name, str) or not _NAME.match(name) or name in SYMBOLS \
                or name in FORMULA_FUNCTIONS:
            raise ClaimFileError(f"{where}: constant name {name!r} must be an identifier that "
                                 "is not a symbol (mp m n s b) nor a function; rename it")
        symbols[name] = sympy.Symbol(name, positive=True)
    names: dict[str, sympy.Expr] = dict(symbols)
    local_names: dict[str, sympy.Expr] = dict(symbols)
    exprs: dict[str, sympy.Expr] = {}
    local: dict[str, sympy.Expr] = {}
    for step in steps:
        if not isinstance(step.name, str) or not _NAME.match(step.name) or step.name in names \
                or step.name in SYMBOLS or step.name in FORMULA_FUNCTIONS:
            raise ClaimFileError(f"{where}: step name {step.name!r} must be a new identifier, "
                                 "not a symbol, constant, function or earlier step; rename it")
        if step.bounds is not None and step.bounds not in COUNT_QUANTITIES \
                and not _COMPONENT.match(str(step.bounds)):
            raise ClaimFileError(f"{where}: step {step.name!r} bounds={step.bounds!r} must be "
                                 "neurons, params, bits, width[l], weights[l] or thresholds[l]")
        label = f"{where} step {step.name!r}"
        expr = parse_bound(step.text, names=names, where=label)
        exprs[step.name] = expr
        names[step.name] = expr
        local[step.name] = parse_bound(step.text, names=local_names, where=label)
        local_names[step.name] = sympy.Symbol(f"step_{step.name}")
    regime_expr = parse_bound(regime, names={}, where=f"{where} regime")
    if not regime_expr.free_symbols <= {MP}:
        raise ClaimFileError(f"{where}: regime {regime!r} must be m written in mp alone, e.g. "
                             "'mp' or '2*mp'")
    return Formulas(steps, exprs, symbols, regime_expr, local)


@dataclass(frozen=True)
class CountFormulas:
    """Upper bounds on a construction's counts, for every instance (see the module docstring).

    ``regime`` is m as a function of m' for the asymptotic class (the claim's regime; ``mp``
    by default).

    >>> f = CountFormulas(("c",), (("neurons", "c*mp"), ("params", "mp^2"))).parsed("demo")
    >>> f.exprs["neurons"]
    c*mp
    """

    constants: tuple[str, ...]
    steps: tuple
    regime: str = "mp"

    def parsed(self, where: str) -> Formulas:
        """The parsed steps; ClaimFileError (naming ``where`` and the token) if malformed."""
        formulas = _parsed(self, where)
        missing = [q for q in COUNT_QUANTITIES[:2] if q not in formulas.exprs]
        if missing:
            raise ClaimFileError(f"{where}: count formulas have no step named {missing[0]!r}; "
                                 "add one bounding that total")
        return formulas


@dataclass(frozen=True)
class FailureBound:
    """A bound F on the probability that the raw draw decodes some s-sparse input wrong.

    ``steps`` end with ``F`` (exact at finite sizes); ``envelope`` ends with ``F_env`` (in mp,
    s and the constants, no rounding), with F <= F_env for m' >= ``m0``; ``thresholds`` names
    the constants raised, in order, until every term of F_env's exponent is negative (their
    threshold values are reported).
    """

    constants: tuple[str, ...]
    steps: tuple
    envelope: tuple
    thresholds: tuple[str, ...]
    m0: int = 1
    regime: str = "mp"

    def parsed(self, where: str) -> tuple[Formulas, Formulas]:
        """(steps, envelope), parsed; ClaimFileError if malformed."""
        import sympy

        from superpose.theory import M

        exact, smooth = _parsed(self, where)
        if "F" not in exact.exprs or "F_env" not in smooth.exprs:
            raise ClaimFileError(f"{where}: a failure bound needs a step named 'F' and an "
                                 "envelope step named 'F_env'")
        unknown = [c for c in self.thresholds if c not in self.constants]
        if unknown or not self.thresholds:
            raise ClaimFileError(f"{where}: thresholds={self.thresholds!r} must name some of "
                                 f"the constants {', '.join(self.constants)}")
        rounding = smooth.exprs["F_env"].atoms(sympy.ceiling, sympy.floor, sympy.Max, sympy.Min)
        if rounding or M in smooth.exprs["F_env"].free_symbols:
            raise ClaimFileError(f"{where}: F_env must be smooth and in mp, s and the "
                                 "constants (no ceil, floor, max, min or m)")
        return exact, smooth


def _parsed(declaration, where: str):
    """Parsed once per (declaration, where) when the declaration is hashable (tuples)."""
    try:
        return _parsed_cached(declaration, where)
    except TypeError:  # a plugin gave lists: parse without the cache
        return _parse(declaration, where)


@functools.lru_cache(maxsize=64)
def _parsed_cached(declaration, where: str):
    return _parse(declaration, where)


def _parse(declaration, where: str):
    if isinstance(declaration, CountFormulas):
        return _parse_steps(declaration.steps, declaration.constants, declaration.regime, where)
    return (_parse_steps(declaration.steps, declaration.constants, declaration.regime, where),
            _parse_steps(declaration.envelope, declaration.constants, declaration.regime,
                         where + " envelope"))
