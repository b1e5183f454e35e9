"""The positive symbols every bound is written in: m' (``mp``), m, n, s and b."""

from __future__ import annotations

import sympy

__all__ = ["MP", "M", "N", "S", "B", "SYMBOLS"]

MP = sympy.Symbol("mp", positive=True)  # m', the number of output features computed
M = sympy.Symbol("m", positive=True)  # input features
N = sympy.Symbol("n", positive=True)  # neurons
S = sympy.Symbol("s", positive=True)  # sparsity
B = sympy.Symbol("b", positive=True)  # bits per parameter

#: Names a claim file may use, and the symbol each stands for.
SYMBOLS: dict[str, sympy.Symbol] = {"mp": MP, "m": M, "n": N, "s": S, "b": B}
