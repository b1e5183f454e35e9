"""Installing a plugin distribution in-process, without pip, for the registry's tests.

``install(tmp_path, dist, entry_points, modules)`` writes what pip would: the modules (a file
per name, or a copied package directory) and ``<dist>-<version>.dist-info/`` with ``METADATA``
and an ``entry_points.txt`` for the group ``superpose.problems``; the ``plugins`` fixture puts
the folder on ``sys.path`` and forgets the cached registry, and undoes both (and the imported
modules) afterwards. A test module makes it a fixture:

    @pytest.fixture
    def plugins(tmp_path, monkeypatch):
        yield from installed(tmp_path, monkeypatch)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from superpose.circuits.registry import ENTRY_POINT_GROUP, reload_problems

REPO_ROOT = Path(__file__).resolve().parents[1]


class Installer:
    def __init__(self, root: Path, monkeypatch):
        self.root, self.monkeypatch, self.modules = root, monkeypatch, []

    def __call__(self, dist: str, entry_points: dict[str, str],
                 modules: dict[str, str | Path] | None = None, version: str = "0.1.0") -> Path:
        """Install ``dist`` with ``entry_points`` (name -> "module:attr") and ``modules``
        (module name -> source text, or a package directory to copy)."""
        site = self.root / dist
        site.mkdir()
        for name, source in (modules or {}).items():
            if isinstance(source, Path):
                shutil.copytree(source, site / name)
            else:
                (site / f"{name}.py").write_text(source)
            self.modules.append(name)
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\n"
                                       f"Version: {version}\n")
        lines = [f"[{ENTRY_POINT_GROUP}]"] + [f"{k} = {v}" for k, v in entry_points.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        self.monkeypatch.syspath_prepend(str(site))
        reload_problems()
        return site


def installed(tmp_path, monkeypatch):
    """Yield an :class:`Installer`; restore the registry and sys.modules afterwards."""
    installer = Installer(tmp_path, monkeypatch)
    yield installer
    for name in installer.modules:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
    reload_problems()


# A plugin module with a declared count formula ({neurons} is its neurons step): two of four,
# built by naive (m + m' units, 5 m' parameters), in the public plugin API only.
COUNTED_TWO_OF_FOUR = '''
from dataclasses import dataclass, field
import numpy as np
from superpose.plugin import (Claim, Construction, CountFormulas, Problem, ProblemSpec,
                              VerifyPlan, naive)

@dataclass(frozen=True, eq=False)
class TwoOfFour(Problem):
    m: int
    quads: np.ndarray
    name: str = field(default="two4", init=False)
    naive_theta = 2
    source_field = "quads"

def disjoint(m_prime, rng):
    return TwoOfFour(4 * m_prime, np.arange(4 * m_prime).reshape(m_prime, 4))

COUNTS = CountFormulas((), (("neurons", "{neurons}", "one unit per input and output"),
                            ("params", "5*mp", "four weights and a threshold per output")))

SPEC = ProblemSpec("two4", "two of four", TwoOfFour, {{"disjoint": disjoint}},
                   (Construction("naive", "two4", naive, None, "certified", counts=COUNTS),),
                   (Claim(id="TWO4-NEURONS", statement="two of four in O(m') neurons",
                          source="a test plugin", kind="upper", quantity="neurons",
                          problem="two4", bound="O(m')",
                          checks=("two4-count-formula", "two4-correct"),
                          bounds=(("neurons", "mp"),)),),
                   VerifyPlan(sizes=(10, 30), sparsities=(2,)))
'''


# A plugin whose random construction (the permutation one, too narrow: c_d = 0.8) declares a
# failure bound F = 1/m'^3 that its raw draws break: the measured cross-check must refute it.
WRONG_FAILURE_BOUND = '''
from dataclasses import dataclass, field
import numpy as np
from superpose.circuits import PermConstants, Permutation, bloom_permutation
from superpose.plugin import Claim, Construction, FailureBound, ProblemSpec, VerifyPlan

@dataclass(frozen=True, eq=False)
class Perm2(Permutation):
    name: str = field(default="perm2", init=False)

@dataclass(frozen=True)
class Narrow(PermConstants):
    c_d: float = 0.8
    t_min: int = 3

FAILURE = FailureBound(("c_d", "t_min"), (("F", "1/mp^3", "claimed"),),
                       (("F_env", "1/mp^3", "claimed"),), ("c_d",))

SPEC = ProblemSpec("perm2", "a permutation", Perm2,
                   {"random": lambda m_prime, rng: Perm2(rng.permutation(m_prime))},
                   (Construction("narrow", "perm2", bloom_permutation, Narrow, "certified",
                                 failure=FAILURE),),
                   (Claim(id="PERM2-CORRECT", statement="narrow permutations are correct",
                          source="a test plugin", kind="upper", quantity="neurons",
                          problem="perm2", bound="O(m')",
                          checks=("perm2-failure-bound",)),),
                   VerifyPlan(sizes=(30,), sparsities=(2,)))
'''
