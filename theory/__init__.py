"""Claims, verdicts and the symbolic asymptotics of the suite.

Pure Python, SymPy and mpmath only: no NumPy, no Z3. Measured counts come in as plain numbers.
Asymptotic relations are decided by limits of ratios at infinity (``limit`` and ``gruntz``
cross-checked, confirmed numerically), never by SymPy's ``O()``.
"""

import importlib

# name -> the module that defines it; loaded on first use (PEP 562), so that importing
# superpose.theory.errors or the claims registry (as every command does) does not import SymPy
_HOMES = {
    "superpose.theory._asymptotic": ("RatioLimit", "is_big_o", "is_big_omega", "is_theta",
                                     "ratio_limit", "relation", "run_within"),
    "superpose.theory._bounds": ("Bound",),
    "superpose.theory._claimfile": ("ClaimSpec", "load_claim_file", "parse_claims"),
    "superpose.theory._claims": ("CLAIMS", "Claim", "Kind", "claim_by_id"),
    "superpose.theory._derivations": ("Step", "derivations"),
    "superpose.theory._expr": ("FORMULA_FUNCTIONS", "parse_bound"),
    "superpose.theory._symbols": ("MP", "SYMBOLS", "M", "S"),
    "superpose.theory._verdict": ("Evidence", "Verdict", "combine"),
    "superpose.theory.errors": ("CircuitFormatError", "ClaimFileError", "InvalidArgument",
                                "MissingExtra", "RunIncomplete", "SuperposeError"),
}
__all__ = [
    "Bound", "CLAIMS", "Claim", "ClaimFileError", "ClaimSpec", "CircuitFormatError", "Evidence",
    "FORMULA_FUNCTIONS", "InvalidArgument", "Kind", "M", "MP", "MissingExtra", "RatioLimit",
    "RunIncomplete", "S", "SYMBOLS", "Step", "SuperposeError", "Verdict",
    "claim_by_id", "combine", "derivations", "is_big_o", "is_big_omega", "is_theta",
    "lazy_exports", "load_claim_file", "parse_bound", "parse_claims", "ratio_limit", "relation",
    "run_within",
]


def lazy_exports(namespace: dict, homes: dict[str, tuple[str, ...]]):
    """(``__getattr__``, ``__dir__``) for a package whose public names live in the modules
    ``homes`` maps to them: a name is imported from its module on first use and kept in
    ``namespace`` (the package's ``globals()``, holding its ``__all__``), as PEP 562 allows.
    Importing the package itself then imports none of them (superpose.theory defers SymPy so)."""
    home = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str):
        if name not in home:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace["__all__"]))

    return __getattr__, __dir__


__getattr__, __dir__ = lazy_exports(globals(), _HOMES)
