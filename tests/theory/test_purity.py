"""theory/ stays free of NumPy and Z3: it takes measured counts as plain numbers."""

from __future__ import annotations

import subprocess
import sys


def test_importing_theory_loads_neither_numpy_nor_z3():
    code = ("import sys, theory; theory.derivations; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'z3', 'scipy'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
