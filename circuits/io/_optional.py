"""Optional dependencies, imported only when a feature that needs them runs."""

from __future__ import annotations

import importlib
from types import ModuleType

from superpose.theory.errors import MissingExtra

__all__ = ["require"]


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtra` naming the fix in one line.

    >>> require("math", "none", "a doctest").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        fix = (f"pip install 'superpose[{extra}]'" if extra != "torch" else
               "pip install torch (the CPU build: --index-url "
               "https://download.pytorch.org/whl/cpu)")
        raise MissingExtra(f"{purpose} needs the optional module {module!r}, which is not "
                           f"installed; {fix}") from None
