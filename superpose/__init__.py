"""superpose: proof checks and property tests for neural computation in superposition.

The Python API, for notebooks and scripts (the ``superpose`` command line does the same)::

    import superpose
    c = superpose.build("and2", 1000, family="random", sparsity=2, seed=1)
    superpose.certify(c).verdict          # PROVED, REFUTED or UNKNOWN
    superpose.fuzz(c, samples=2000)       # a CorrectnessReport
    superpose.check_claim("mp*log(mp)", problem="and2", quantity="params", kind="lower")
    superpose.verify(problems=["or2"])    # a VerifyReport (Markdown tables in Jupyter)

``build``, ``load``, ``save``, ``fuzz``, ``certify``, ``repair``, ``verify``, ``check_claim``,
``claims`` and ``problems`` live in :mod:`superpose._api`; ``Verdict``, ``Claim``, ``Kind`` and
``InvalidArgument`` in :mod:`superpose.theory`, ``Circuit`` in :mod:`superpose.circuits`. A
plugin imports what it needs from :mod:`superpose.plugin`. Importing ``superpose`` loads none of
them: each name is imported on first use (PEP 562).

``superpose.problems`` is both the package of the problems this repository adds (or2, and3,
uand) and, called, the registered problem specs: ``superpose.problems()``.
``superpose.strategies`` holds Hypothesis strategies for property tests of circuits (s-sparse
and adversarial inputs, instances, circuits).
"""

from __future__ import annotations

import importlib as _importlib

_EXPORTS = {
    "superpose._api": ("build", "certify", "claims", "fuzz", "load", "repair", "save", "verify"),
    "superpose._check_claim": ("ClaimCheck", "check_claim"),
    "superpose.theory": ("Claim", "InvalidArgument", "Kind", "Verdict"),
    "superpose.circuits": ("Circuit",),
}
_SOURCE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = ["Circuit", "Claim", "ClaimCheck", "InvalidArgument", "Kind", "Verdict", "build",
           "certify", "check_claim", "claims", "fuzz", "load", "problems", "repair", "save",
           "strategies", "verify"]


def __getattr__(name: str):
    if name == "problems":  # the sub-package; called, it returns the registered specs
        return _importlib.import_module("superpose.problems")
    if name == "strategies":  # the module of Hypothesis strategies
        return _importlib.import_module("superpose.strategies")
    module = _SOURCE.get(name)
    if module is None:
        raise AttributeError(f"module 'superpose' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
