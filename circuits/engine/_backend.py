"""The array module the event evaluator runs on: NumPy (always) or CuPy (with a GPU).

``array_backend("numpy")`` is NumPy; ``array_backend("cupy")`` is CuPy or a one-line
InvalidArgument when CuPy does not import or sees no device; ``array_backend("auto")`` is CuPy
when it imports and ``cupy.cuda.runtime.getDeviceCount() > 0``, else NumPy. CuPy is optional:
nothing in the package imports it unless asked.
"""

from __future__ import annotations

import importlib

import numpy as np

from superpose.circuits.validate import check_choice
from superpose.theory.errors import InvalidArgument

__all__ = ["BACKENDS", "array_backend"]

BACKENDS = ("auto", "numpy", "cupy")


def array_backend(name: str = "auto"):
    """The array module named ``name`` (one of BACKENDS); see the module docstring."""
    check_choice("backend", name, BACKENDS)
    if name == "numpy":
        return np
    cupy, why = _cupy_with_device()
    if cupy is not None:
        return cupy
    if name == "auto":
        return np
    raise InvalidArgument(f"backend='cupy' is unavailable ({why}); it needs CuPy and a CUDA "
                          "device: install cupy for your CUDA version or use backend='numpy'")


def _cupy_with_device():
    """(cupy, "") when CuPy imports and sees a device, else (None, the reason)."""
    try:
        cupy = importlib.import_module("cupy")
    except Exception as exc:  # ImportError, or a broken CUDA install raising anything
        return None, f"import cupy failed: {type(exc).__name__}: {exc}".splitlines()[0]
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:  # cupy raises CUDARuntimeError when no driver is present
        return None, f"no CUDA device: {type(exc).__name__}: {exc}".splitlines()[0]
    if count <= 0:
        return None, "no CUDA device: getDeviceCount() = 0"
    return cupy, ""
