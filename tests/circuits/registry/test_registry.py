"""The problem registry: built-ins first, plugins by entry point, broken plugins reported in one
line without breaking the others, and every part of the suite reading the registry."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import superpose.circuits.registry._spec
from superpose import circuits
from superpose.circuits import (
    CONSTRUCTIONS,
    FAMILIES,
    PROBLEM_NAMES,
    And2,
    Permutation,
    ProblemSpec,
    broken_plugins,
    build,
    exhaustive,
    load_circuit,
    problem_names,
    problem_spec,
    save_circuit,
)
from superpose.circuits.constructions import and2_instance, perm_instance
from superpose.circuits.correctness import output_sources
from superpose.circuits.registry import make_problem
from superpose.theory.errors import CircuitFormatError, InvalidArgument
from tests.plugins import REPO_ROOT, installed
from tests.strategies import as_batch, examples


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    yield from installed(tmp_path, monkeypatch)


# A plugin module: a threshold problem ("at least two of four") in the public API only.
TWO_OF_FOUR = '''
from dataclasses import dataclass, field
import numpy as np
from superpose.circuits import Construction, Problem, ProblemSpec, VerifyPlan, naive
from superpose.theory import Claim

@dataclass(frozen=True, eq=False)
class TwoOfFour(Problem):
    m: int
    quads: np.ndarray
    name: str = field(default="{name}", init=False)
    naive_theta = 2

    @property
    def m_prime(self):
        return len(self.quads)

    def sources(self):
        return np.asarray(self.quads, dtype=np.int64)

    def to_arrays(self):
        return {{"quads": self.sources()}}

    @classmethod
    def from_arrays(cls, m, arrays):
        return cls(m, arrays["quads"])

def disjoint(m_prime, rng):
    return TwoOfFour(4 * m_prime, np.arange(4 * m_prime).reshape(m_prime, 4))

SPEC = ProblemSpec("{name}", "two of four", TwoOfFour, {{"disjoint": disjoint}},
                   (Construction("naive", "{name}", naive, None, "certified"),),
                   (Claim(id="{claim}", statement="two of four in O(m') neurons",
                          source="a test plugin", kind="upper", quantity="neurons",
                          problem="{name}", bound="O(m')", checks=("{name}-correct", "measured"),
                          bounds=(("neurons", "mp"),)),),
                   VerifyPlan(sizes=(10, 30), sparsities=(2,)))

def several():
    return [SPEC]
'''


def _module(name: str = "two4", claim: str = "TWO4-NEURONS") -> str:
    return TWO_OF_FOUR.format(name=name, claim=claim)


def test_the_built_in_problems_come_first_and_the_compatibility_views_follow_the_registry():
    names = problem_names()
    assert names[:3] == ("and2", "perm", "represent")
    assert tuple(PROBLEM_NAMES) == names and "and2" in PROBLEM_NAMES
    assert set(FAMILIES) == set(names) and set(CONSTRUCTIONS) == set(names)
    assert FAMILIES["and2"][0] == "disjoint" and CONSTRUCTIONS["perm"][0].name == "bloom"
    with pytest.raises(KeyError):
        FAMILIES["no-such-problem"]


def test_this_repository_registers_its_three_problems_through_the_entry_point_group():
    for name in ("or2", "and3", "uand"):
        spec = problem_spec(name)
        assert spec.provider.startswith("superpose ") and spec.claims
    assert not broken_plugins()


def test_importing_circuits_reads_no_entry_point():
    code = ("import circuits, superpose.circuits.registry._registry as r; assert not r._CACHE; "
            "circuits.problem_names(); assert r._CACHE")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


def test_an_unknown_problem_is_a_one_line_error_naming_the_known_ones():
    with pytest.raises(InvalidArgument) as info:
        build("xor", 10)
    message = str(info.value)
    assert "\n" not in message and "'xor'" in message and "and2" in message
    assert "install the package" in message


@pytest.mark.parametrize("problem, family, draw", [
    ("and2", "star", lambda mp, seed: and2_instance("star", mp, seed)[1]),
    ("perm", "shift", lambda mp, seed: perm_instance("shift", mp, seed)),
    ("perm", "random", lambda mp, seed: perm_instance("random", mp, seed)),
])
def test_the_built_in_families_give_the_instances_of_the_family_functions(problem, family, draw):
    made = make_problem(problem, 50, family, 7)
    got = made.pairs if isinstance(made, And2) else made.perm
    assert np.array_equal(got, draw(50, 7))


def test_a_plugin_registers_a_problem_that_builds_certifies_and_round_trips(plugins, tmp_path):
    plugins("two-of-four", {"two4": "two4_mod:SPEC"}, {"two4_mod": _module()})
    spec = problem_spec("two4")
    assert spec.provider == "two-of-four 0.1.0" and "two4" in PROBLEM_NAMES
    circuit = build("two4", 6, sparsity=3)
    assert circuit.counts().neurons == 24 + 6
    assert exhaustive(circuit).wrong_outputs == 0 and exhaustive(circuit).complete
    path = save_circuit(circuit, tmp_path / "c.npz")
    back = load_circuit(path)
    assert back.problem.name == "two4" and np.array_equal(back.problem.quads, circuit.problem.quads)
    assert np.array_equal(output_sources(back), circuit.problem.quads)


def test_a_callable_entry_point_may_return_several_specs(plugins):
    plugins("two-of-four", {"two4": "two4_mod:several"}, {"two4_mod": _module()})
    assert "two4" in problem_names() and not broken_plugins()


@pytest.mark.parametrize("value, module, reason", [
    ("missing_mod:SPEC", None, "ModuleNotFoundError"),
    ("bad_mod:SPEC", "SPEC = 42\n", "not a circuits.ProblemSpec"),
    ("bad_mod:SPEC", _module(name="and2", claim="X-1"), "already registered"),
    ("bad_mod:SPEC", _module(claim="UB-PERM"), "already used"),
    ("bad_mod:SPEC", _module() + "SPEC = __import__('dataclasses').replace(SPEC, "
                                "families={'disjoint': 3})\n", "callable"),
    ("bad_mod:SPEC", _module().replace('"two4-correct"', '"selftest"'), "names check"),
    ("bad_mod:SPEC", _module().replace('Construction("naive", "two4"',
                                       'Construction("naive", "and2"'), "made for problem"),
    ("bad_mod:SPEC", _module().replace('bounds=(("neurons", "mp"),)',
                                       'bounds=(("neurons", "mp"),), construction="other"'),
     "its checks measure the default construction 'naive'"),
])
def test_a_broken_plugin_is_reported_in_one_line_and_the_others_still_work(
        plugins, value, module, reason):
    plugins("broken-dist", {"two4": value}, {"bad_mod": module} if module else {})
    (broken,) = broken_plugins()
    assert reason in broken.reason and broken.provider == "broken-dist 0.1.0"
    message = broken.message()
    assert "\n" not in message and "two4" in message and "broken-dist" in message
    assert "fix or uninstall" in message
    assert "and2" in problem_names() and "two4" not in problem_names()
    assert build("and2", 20).m_prime == 20
    with pytest.raises(InvalidArgument, match="broken"):
        problem_spec("two4")


def test_a_file_of_a_problem_that_is_not_installed_names_it_and_the_fix(plugins, tmp_path):
    plugins("two-of-four", {"two4": "two4_mod:SPEC"}, {"two4_mod": _module()})
    path = save_circuit(build("two4", 5, sparsity=2), tmp_path / "c.npz")
    plugins.monkeypatch.undo()  # uninstall: the folder leaves sys.path
    circuits.registry.reload_problems()
    with pytest.raises(CircuitFormatError) as info:
        load_circuit(path)
    message = str(info.value)
    assert "\n" not in message and "problem='two4'" in message
    assert "install the package that provides it" in message


def test_a_problem_may_not_store_a_field_the_format_reserves(plugins, tmp_path):
    source = _module().replace('{"quads": self.sources()}', '{"m": self.sources()}')
    plugins("two-of-four", {"two4": "two4_mod:SPEC"}, {"two4_mod": source})
    with pytest.raises(InvalidArgument, match="reserves"):
        save_circuit(build("two4", 5), tmp_path / "c.npz")


def test_a_family_that_returns_the_wrong_problem_is_named(plugins):
    source = _module() + (
        "def wrong(m_prime, rng):\n"
        "    from circuits import Permutation\n"
        "    return Permutation(np.arange(m_prime))\n"
        "SPEC = __import__('dataclasses').replace(SPEC, families={'disjoint': wrong})\n")
    plugins("two-of-four", {"two4": "two4_mod:SPEC"}, {"two4_mod": source})
    with pytest.raises(InvalidArgument, match="fix the family function"):
        make_problem("two4", 5)


@examples(30)
@given(data=st.data(), theta=st.integers(1, 3), s=st.integers(1, 3))
def test_the_default_truth_is_the_threshold_of_the_sources_on_every_sparse_input(data, theta, s):
    m = data.draw(st.integers(3, 8))
    rows = data.draw(st.lists(st.lists(st.integers(0, m - 1), min_size=3, max_size=3,
                                       unique=True), min_size=1, max_size=6))
    problem = _Threshold(m, np.array(rows, dtype=np.int64), theta)
    inputs = [c for j in range(s + 1) for c in itertools.combinations(range(m), j)]
    got = problem.truth(as_batch(inputs, s)).toarray()
    want = [[int(len(set(r) & set(x)) >= theta) for r in rows] for x in inputs]
    assert got.tolist() == want
    related = problem.related_features().toarray()
    pairs = {(a, b) for r in rows for a in r for b in r if a != b}
    assert {(int(a), int(b)) for a, b in zip(*np.nonzero(related))} == pairs


class _Threshold(circuits.Problem):
    """A problem defined only by sources and a threshold (every default method in use)."""

    name = "threshold"

    def __init__(self, m, rows, theta):
        self.m, self.rows, self.naive_theta = m, rows, theta

    @property
    def m_prime(self):
        return len(self.rows)

    def sources(self):
        return self.rows


def test_the_naive_construction_is_exact_for_any_threshold_problem():
    problem = _Threshold(7, np.array([[0, 1, 2], [2, 3, 4], [4, 5, 6]]), 2)
    network, _ = circuits.naive(problem, 3, ())
    inputs = [c for j in range(4) for c in itertools.combinations(range(7), j)]
    batch = as_batch(inputs, 3)
    assert (network.evaluate(batch) != problem.truth(batch)).nnz == 0
    assert network.counts().neurons == 7 + 3 and network.counts().params == 9 + 3


def test_a_spec_is_checked_before_it_is_registered():
    spec = problem_spec("and2")
    assert superpose.circuits.registry._spec.check_spec(spec, {"and2"}, set()) == \
        "problem name 'and2' is already registered"
    assert superpose.circuits.registry._spec.check_spec(spec, set(), set()) is None
    assert "lower-case" in superpose.circuits.registry._spec.check_spec(
        ProblemSpec("Bad Name", "", And2, spec.families, spec.constructions), set(), set())
    assert isinstance(Permutation(np.arange(3)).sources(), np.ndarray)


@pytest.mark.parametrize("seeds", [{"seed": 2 ** 63}, {"instance_seed": 2 ** 63}])
def test_a_seed_beyond_int64_is_refused_before_building_since_files_store_int64(seeds):
    from superpose.circuits import build

    with pytest.raises(InvalidArgument, match="must be <= 9223372036854775807; a circuit file"):
        build("and2", 20, "random", seeds.get("instance_seed", 0), sparsity=2,
              seed=seeds.get("seed", 0))
