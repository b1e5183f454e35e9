"""Three problems registered through the plugin API (entry point group ``superpose.problems``,
``pyproject.toml``), each written against the public API of ``circuits`` and ``theory`` only:

* ``or2``: pairwise OR, ``problems/_or.py``;
* ``and3``: 3-AND over triples, ``problems/_and3.py``;
* ``uand``: all pairwise ANDs of m features, with Hänni et al.'s random pair-detector
  construction (arXiv:2408.05451, reconstructed), ``problems/_uand.py``.

See ``paper_notes/problems.md``.

``superpose.problems`` is also the façade's ``problems``: called, this package returns the specs
of every registered problem, built-in or added by a plugin (``superpose.problems()``, what
``superpose problems`` lists).
"""

import sys
import types

from superpose.circuits import ProblemSpec, problem_specs
from superpose.problems._and3 import SPEC as AND3
from superpose.problems._or import SPEC as OR2
from superpose.problems._uand import SPEC as UAND

__all__ = ["AND3", "OR2", "UAND"]


class _RegisteredProblems(types.ModuleType):
    """This package's class: a module that, called, returns the registered problem specs."""

    def __call__(self) -> tuple[ProblemSpec, ...]:
        return problem_specs()


sys.modules[__name__].__class__ = _RegisteredProblems
