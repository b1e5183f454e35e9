"""The certifier: its three exact methods agree with enumeration (and with the independent
oracles of tests/strategies.py) on random and perturbed circuits, its counterexamples replay
and are shrunk, a timeout is never a proof, and the bound tables it prunes with are exact."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import event, given, note
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

import superpose.checks.certification._certify as certify_module
import superpose.checks.certification._search as search_module
from superpose import circuits
from superpose.checks.certification._certify import EXHAUSTIVE_LIMIT, METHODS, Certificate, certify
from superpose.checks.certification._search import search
from superpose.checks.certification._z3cone import z3_output
from superpose.circuits import (
    And2,
    Circuit,
    Layer,
    Permutation,
    SupportCode,
    ThresholdNetwork,
    exhaustive,
    replays,
)
from superpose.circuits.engine import event_evaluator
from superpose.circuits.engine._gains import FirstLayerGains, GainTable, expand_ranges
from superpose.circuits.model import count_sparse_inputs, enumerate_sparse_inputs
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument
from tests.strategies import (
    SLOW_M_PRIME_MAX,
    built,
    describe,
    examples,
    layers,
    random_circuits,
    random_problems,
    reference_activations,
    reference_outputs,
    reference_truth,
    support_codes,
)

PERTURBED_KINDS = [("and2", "random"), ("and2", "nearcut"), ("and2", "star"),
                   ("and2", "disjoint"), ("perm", "random"), ("represent", None)]


def _with_layers(circuit: Circuit, layer_list, output_code=None, changes=()) -> Circuit:
    """A copy with new layers (and output code); ``changes`` are recorded in ``constants``
    under "perturbed", so :func:`tests.strategies.describe` reproduces them."""
    net = circuit.network
    network = ThresholdNetwork(net.input_code, tuple(layer_list),
                               net.output_code if output_code is None else output_code)
    constants = {**circuit.constants,
                 "perturbed": circuit.constants.get("perturbed", []) + list(changes)}
    return dataclasses.replace(circuit, network=network, constants=constants)


@st.composite
def perturbations(draw, circuit: Circuit) -> Circuit:
    """``circuit`` with 1..3 weight entries set to values in [-6, 6] (an existing
    entry or any position, so negative weights and new edges both occur) and one threshold
    shifted by [-8, 2]. A network without a computing layer (``represent``) has only its codes
    as parameters: there 1..3 units are dropped from random output supports."""
    net = circuit.network
    if not net.layers:
        code = net.output_code
        rows = [list(code.row(k)) for k in range(code.n_rows)]
        changes = []
        for _ in range(draw(st.integers(1, 3))):
            k = draw(st.integers(0, len(rows) - 1))
            if rows[k]:
                unit = rows[k].pop(draw(st.integers(0, len(rows[k]) - 1)))
                changes.append(f"drop unit {int(unit)} from Q_{k}")
        indptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
        indices = np.array([u for r in rows for u in r], dtype=np.int64)
        return _with_layers(circuit, (), SupportCode(indptr, indices, code.width), changes)
    layer_list = list(net.layers)
    changes = []
    for _ in range(draw(st.integers(1, 3))):
        l = draw(st.integers(0, len(layer_list) - 1))
        w = layer_list[l].weights.tolil()
        if draw(st.booleans()) and layer_list[l].weights.nnz:
            coo = layer_list[l].weights.tocoo()
            i = draw(st.integers(0, coo.nnz - 1))
            row, col = int(coo.row[i]), int(coo.col[i])
        else:
            row = draw(st.integers(0, w.shape[0] - 1))
            col = draw(st.integers(0, w.shape[1] - 1))
        value = draw(st.integers(-6, 6))
        w[row, col] = value
        layer_list[l] = Layer(w.tocsr(), layer_list[l].theta.copy())
        changes.append(f"W_{l + 1}[{row}, {col}] = {value}")
    l = draw(st.integers(0, len(layer_list) - 1))
    theta = layer_list[l].theta.copy()
    unit, shift = draw(st.integers(0, len(theta) - 1)), draw(st.integers(-8, 2))
    theta[unit] += shift
    layer_list[l] = Layer(layer_list[l].weights, theta)
    changes.append(f"theta_{l + 1}[{unit}] += {shift}")
    return _with_layers(circuit, layer_list, changes=changes)


@st.composite
def perturbed_circuits(draw):
    """A small default construction (and2 random/nearcut/star/disjoint, perm random,
    represent; m' = 5..40, s = 2..3, random seed), perturbed by :func:`perturbations`."""
    problem, family = draw(st.sampled_from(PERTURBED_KINDS))
    s = draw(st.sampled_from([2, 3]))
    # s = 3 enumeration over m = 2 m' features costs ~C(2 m', 3): keep it below ~20k inputs
    m_prime = draw(st.integers(5, 40 if s == 2 else 24))
    seed = draw(st.integers(0, 2**16))
    return draw(perturbations(built(problem, m_prime, family, 0, s, seed)))


@st.composite
def perturbed_small_circuits(draw):
    """A construction (the default or ``naive``) for a random problem over m = 2..7 features,
    at s = 1..min(3, m), optionally with an extra identity layer (theta = 1) on top so that the
    search's deeper-layer bounds are exercised, then perturbed (0..3 changes: mostly nearly
    correct circuits, wrong on few inputs if at all; half are left unperturbed)."""
    m = draw(st.integers(2, 7))
    problem = draw(random_problems(m))
    s = draw(st.integers(1, min(3, m)))
    name = draw(st.sampled_from([None, "naive"]))
    circuit = circuits.construct(problem, s, draw(st.integers(0, 2**16)), name)
    net = circuit.network
    if net.layers and draw(st.booleans()):
        d = net.widths[-1]
        eye = Layer(sp.identity(d, dtype=np.int64, format="csr"), np.ones(d, dtype=np.int64))
        circuit = _with_layers(circuit, net.layers + (eye,), changes=["identity layer on top"])
    if draw(st.booleans()):
        return circuit
    return draw(perturbations(circuit))


# --- oracles ----------------------------------------------------------------------------------

def _all_inputs(m: int, s: int) -> list[tuple[int, ...]]:
    return [c for j in range(min(s, m) + 1) for c in itertools.combinations(range(m), j)]


def _reference_wrong(circuit: Circuit, s: int) -> np.ndarray:
    """B x m' booleans over every input with at most s features: where the dense reference
    network differs from the brute-force truth (no code shared with ``circuits``)."""
    inputs = _all_inputs(circuit.m, s)
    return reference_outputs(circuit.network, inputs) != reference_truth(circuit.problem, inputs)


def _wrong_outputs_by_enumeration(circuit: Circuit, s: int) -> set[int]:
    """Every output that is wrong on some input with at most s features (vectorised)."""
    wrong: set[int] = set()
    for chunk in enumerate_sparse_inputs(circuit.m, s, 4096):
        diff = (circuit.network.evaluate(chunk) - circuit.problem.truth(chunk)).tocoo()
        wrong.update(int(k) for k in diff.col[diff.data != 0])
    return wrong


def _reference_at(circuit: Circuit, active, k: int) -> tuple[int, int]:
    """(got, expected) of output k on ``active`` by the dense reference oracles."""
    return (int(reference_outputs(circuit.network, [tuple(active)])[0, k]),
            int(reference_truth(circuit.problem, [tuple(active)])[0, k]))


def _assert_refutation(circuit: Circuit, cert: Certificate) -> None:
    """The counterexample replays through the package evaluator and the dense reference, has
    at most s features, and is shrunk: dropping any feature makes output k right again."""
    ex = cert.counterexample
    s = cert.sparsity
    at_s = dataclasses.replace(circuit, sparsity=s)
    assert ex is not None, cert
    assert len(ex.active) <= s and len(set(ex.active)) == len(ex.active)
    assert all(0 <= f < circuit.m for f in ex.active)
    assert replays(at_s, ex), f"{ex} does not replay"
    got, want = _reference_at(circuit, ex.active, ex.output)
    assert (got, want) == (ex.got, ex.expected), f"{ex}: the reference reads {(got, want)}"
    assert got != want
    for f in ex.active:
        trial = tuple(g for g in ex.active if g != f)
        got, want = _reference_at(circuit, trial, ex.output)
        assert got == want, f"{ex} is not shrunk: without {f} output {ex.output} is still wrong"


def _check_against_truth(circuit: Circuit, cert: Certificate, wrong_somewhere: bool) -> None:
    s = cert.sparsity
    if currently_in_test_context():
        event(f"{cert.method}: {cert.verdict.value}")
    assert cert.input_space == count_sparse_inputs(circuit.m, s)
    if wrong_somewhere:
        assert cert.verdict is Verdict.REFUTED, f"{cert.method}: {cert}"
        _assert_refutation(circuit, cert)
    else:
        assert cert.verdict is Verdict.PROVED, f"{cert.method}: {cert}"
        assert cert.counterexample is None and cert.reason == ""
        assert cert.inputs_covered == cert.input_space


def _describe_random(circuit: Circuit) -> str:
    net = circuit.network
    rows = lambda code: [code.row(i).tolist() for i in range(code.n_rows)]
    problem = circuit.problem
    inst = (problem.pairs.tolist() if isinstance(problem, And2)
            else problem.perm.tolist() if isinstance(problem, Permutation) else "represent")
    return (f"problem={problem.name} {inst} m={circuit.m} s={circuit.sparsity} "
            f"input_code={rows(net.input_code)} (width {net.input_code.width}) "
            f"layers={[(l.weights.toarray().tolist(), l.theta.tolist()) for l in net.layers]} "
            f"output_code={rows(net.output_code)}")


# --- agreement with enumeration ---------------------------------------------------------------

@examples(40)
@given(circuit=random_circuits())
def test_search_z3_and_enumeration_agree_on_random_circuits(circuit):
    note(_describe_random(circuit))
    s = circuit.sparsity
    wrong = _reference_wrong(circuit, s)
    assert (exhaustive(circuit).wrong_outputs > 0) == bool(wrong.any())
    for method in METHODS:
        cert = certify(circuit, method=method)
        if method == "auto":  # tiny input spaces are enumerated
            assert cert.input_space > EXHAUSTIVE_LIMIT or cert.method == "exhaustive"
        else:
            assert cert.method == method
        _check_against_truth(circuit, cert, bool(wrong.any()))


@examples(25)
@given(circuit=random_circuits(), node_cap=st.integers(0, 3))
def test_outputs_the_search_gives_up_on_are_decided_by_z3(circuit, node_cap):
    """With a tiny node cap most outputs are handed to Z3; the verdict must not change."""
    note(_describe_random(circuit))
    wrong = _reference_wrong(circuit, circuit.sparsity)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(certify_module, "search", functools.partial(search, node_cap=node_cap))
        cert = certify(circuit, method="search")
    _check_against_truth(circuit, cert, bool(wrong.any()))


@examples(20)
@given(circuit=perturbed_circuits())
def test_search_agrees_with_enumeration_on_perturbed_constructions(circuit):
    note(describe(circuit))
    report = exhaustive(circuit)
    cert = certify(circuit, method="search")
    note(f"enumeration: {report.examples}; certificate: {cert.as_dict()}")
    _check_against_truth(circuit, cert, report.wrong_outputs > 0)


@examples(30)
@given(circuit=perturbed_small_circuits())
def test_search_z3_and_enumeration_agree_on_perturbed_small_constructions(circuit):
    note(describe(circuit))
    note(_describe_random(circuit))
    wrong = _reference_wrong(circuit, circuit.sparsity)
    event(f"wrong on {int(wrong.any(axis=1).sum())} of {len(wrong)} inputs"
          if wrong.any() else "correct")
    for method in ("exhaustive", "search", "z3"):
        _check_against_truth(circuit, certify(circuit, method=method), bool(wrong.any()))


@pytest.mark.parametrize("s", [1, 2, 3])
@examples(10)
@given(circuit=random_circuits())
def test_every_method_agrees_with_enumeration_at_any_sparsity_it_is_asked_for(s, circuit):
    if s > circuit.m:
        return
    note(_describe_random(circuit))
    wrong = _reference_wrong(circuit, s)
    for method in ("exhaustive", "search", "z3"):
        cert = certify(circuit, sparsity=s, method=method)
        assert cert.sparsity == s
        _check_against_truth(circuit, cert, bool(wrong.any()))


# --- counterexamples --------------------------------------------------------------------------

KNOWN_BAD = [  # (problem, family, m', instance_seed, s, seed): wrong by exhaustive enumeration
    ("and2", "nearcut", 200, 0, 2, 11), ("and2", "nearcut", 300, 0, 2, 22),
    ("and2", "random", 58, 1, 3, 1),
]


@pytest.mark.parametrize("method", ["exhaustive", "search", "z3"])
@pytest.mark.parametrize("problem, family, m_prime, instance_seed, s, seed", KNOWN_BAD)
def test_a_refuted_certificate_carries_a_shrunk_counterexample_that_replays(
        problem, family, m_prime, instance_seed, s, seed, method):
    circuit = built(problem, m_prime, family, instance_seed, s, seed)
    if method == "z3" and m_prime > 100:
        # one Z3 query per output: read the network at a few outputs and the first wrong one
        circuit = _restrict_outputs(circuit, _few_outputs_and_a_wrong_one(circuit, s))
    cert = certify(circuit, method=method)
    _assert_refutation(circuit, cert)


def _few_outputs_and_a_wrong_one(circuit: Circuit, s: int) -> np.ndarray:
    first_bad = min(_wrong_outputs_by_enumeration(circuit, s))
    return np.array(sorted({0, 1, 2, 3, first_bad}), dtype=np.int64)


def _restrict_outputs(circuit: Circuit, keep: np.ndarray) -> Circuit:
    """The same network read only at outputs ``keep`` (an and2 circuit)."""
    code = circuit.network.output_code
    rows = [code.row(int(k)) for k in keep]
    indptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    out = SupportCode(indptr, np.concatenate(rows).astype(np.int64), code.width)
    net = circuit.network
    network = ThresholdNetwork(net.input_code, net.layers, out)
    return dataclasses.replace(circuit, problem=And2(circuit.m, circuit.problem.pairs[keep]),
                               network=network)


def test_known_bad_seed_is_refuted_by_the_search():
    circuit = circuits.build("and2", 200, "nearcut", sparsity=2, seed=11)
    report = exhaustive(circuit)
    assert report.complete and report.wrong_outputs > 0, "the known bad seed is correct now"
    cert = certify(circuit, method="search")
    assert cert.verdict is Verdict.REFUTED
    _assert_refutation(circuit, cert)
    assert {cert.counterexample.output} <= {e.output for e in report.examples}
    auto = certify(circuit)
    assert auto.verdict is Verdict.REFUTED
    _assert_refutation(circuit, auto)


@examples(15)
@given(circuit=perturbed_circuits())
def test_every_refutation_of_a_perturbed_construction_is_minimal(circuit):
    note(describe(circuit))
    cert = certify(circuit, method="search")
    assert cert.verdict is not Verdict.UNKNOWN, cert.reason
    if cert.verdict is Verdict.REFUTED:
        _assert_refutation(circuit, cert)


# --- default constructions --------------------------------------------------------------------

DEFAULT_GRID = (
    [("and2", fam, 300, 2) for fam in sorted(circuits.constructions.AND2_FAMILIES)]
    + [("and2", fam, 150, 3) for fam in sorted(circuits.constructions.AND2_FAMILIES)]
    + [("perm", fam, 300, s) for fam in sorted(circuits.constructions.PERM_FAMILIES)
       for s in (2, 3)]
    + [("represent", None, 300, s) for s in (2, 3)]
)


@pytest.mark.parametrize("problem, family, m_prime, s", DEFAULT_GRID)
def test_default_constructions_are_proved_at_small_sizes(problem, family, m_prime, s):
    circuit = built(problem, m_prime, family, 0, s, 0)
    cert = certify(circuit, method="search")
    assert cert.verdict is Verdict.PROVED, f"{describe(circuit)}: {cert.as_dict()}"
    assert cert.inputs_covered == cert.input_space == count_sparse_inputs(circuit.m, s)
    assert cert.counterexample is None and cert.sparsity == s and cert.method == "search"


SLOW_GRID = (
    [("and2", fam, 1000, 2) for fam in sorted(circuits.constructions.AND2_FAMILIES)]
    + [("and2", fam, 1000, 3) for fam in ("complete", "disjoint", "nearcut", "random")]
    + [("and2", fam, 3000, 2) for fam in ("complete", "disjoint", "nearcut", "random")]
    + [(p, f, mp, s) for p, f in (("perm", "random"), ("represent", None))
       for mp in (1000, 3000) for s in (2, 3)]
    + [(p, f, SLOW_M_PRIME_MAX, 2) for p, f in (("perm", "random"), ("represent", None),
                                                 ("and2", "nearcut"))]
)


@pytest.mark.slow
@pytest.mark.parametrize("problem, family, m_prime, s", SLOW_GRID)
def test_default_constructions_are_proved_at_large_sizes(problem, family, m_prime, s):
    circuit = built(problem, m_prime, family, 0, s, 0)
    cert = certify(circuit, method="search", timeout=600)
    assert cert.verdict is Verdict.PROVED, f"{describe(circuit)}: {cert.as_dict()}"
    assert cert.inputs_covered == cert.input_space == count_sparse_inputs(circuit.m, s)


@pytest.mark.slow
@pytest.mark.parametrize("problem, family, m_prime, instance_seed, s, seed", KNOWN_BAD)
def test_known_bad_seeds_are_refuted_by_z3_over_every_output(problem, family, m_prime,
                                                             instance_seed, s, seed):
    circuit = built(problem, m_prime, family, instance_seed, s, seed)
    cert = certify(circuit, method="z3")
    _assert_refutation(circuit, cert)


@pytest.mark.slow
@examples(300)
@given(circuit=random_circuits(max_m=8, max_layers=3))
def test_search_z3_and_enumeration_agree_on_many_random_circuits(circuit):
    note(_describe_random(circuit))
    wrong = _reference_wrong(circuit, circuit.sparsity)
    for method in ("exhaustive", "search", "z3"):
        _check_against_truth(circuit, certify(circuit, method=method), bool(wrong.any()))


@pytest.mark.slow
@examples(150)
@given(circuit=perturbed_circuits())
def test_search_and_z3_agree_with_enumeration_on_many_perturbed_constructions(circuit):
    note(describe(circuit))
    wrong = exhaustive(circuit).wrong_outputs > 0
    for method in ("search", "z3"):
        _check_against_truth(circuit, certify(circuit, method=method), wrong)


# --- timeouts, sparsity, arguments, the dict ----------------------------------------------------

@pytest.mark.parametrize("method", ["exhaustive", "search", "z3", "auto"])
def test_a_timeout_is_unknown_never_proved(method):
    circuit = built("and2", 300, "random", 0, 3, 0)
    cert = certify(circuit, timeout=1e-9, method=method)
    assert cert.verdict is Verdict.UNKNOWN
    assert "timed out" in cert.reason
    assert cert.counterexample is None
    assert cert.inputs_covered < cert.input_space


def test_the_search_stops_in_the_evaluators_gain_table_at_its_timeout():
    # a network object of its own (``built`` is shared): no cached evaluator, so the search
    # must build the table itself; stopped at the deadline, it leaves no evaluator behind
    shared = built("and2", 3000, "random", 0, 2, 0)
    circuit = dataclasses.replace(shared, network=dataclasses.replace(shared.network))
    cert = certify(circuit, timeout=1e-9, method="search")
    assert cert.verdict is Verdict.UNKNOWN and "timed out" in cert.reason
    assert 2 not in event_evaluator.__globals__["_CACHE"].get(circuit.network, {})


@examples(10)
@given(timeout=st.floats(1e-6, 0.05), bad=st.booleans(),
       method=st.sampled_from(["exhaustive", "search", "z3"]))
def test_a_short_timeout_never_changes_a_verdict_it_reaches(timeout, bad, method):
    args = ("and2", 200, "nearcut", 0, 2, 11) if bad else ("and2", 200, "nearcut", 0, 2, 0)
    circuit = built(*args)
    cert = certify(circuit, timeout=timeout, method=method)
    if cert.verdict is Verdict.UNKNOWN:
        assert "timed out" in cert.reason
    else:
        assert cert.verdict is (Verdict.REFUTED if bad else Verdict.PROVED), cert
    if cert.verdict is Verdict.REFUTED:
        _assert_refutation(circuit, cert)


@pytest.mark.parametrize("problem, family", [("and2", "random"), ("represent", None),
                                             ("perm", "random")])
def test_certifying_at_a_higher_sparsity_than_built_is_allowed(problem, family):
    circuit = built(problem, 40, family, 0, 2, 0)
    truth = exhaustive(circuit, 3)
    for method in ("search", "exhaustive"):
        cert = certify(circuit, sparsity=3, method=method)
        assert cert.sparsity == 3
        assert cert.input_space == count_sparse_inputs(circuit.m, 3)
        _check_against_truth(circuit, cert, truth.wrong_outputs > 0)
    assert circuit.sparsity == 2  # certify works on a copy


def test_certifying_at_a_lower_sparsity_than_built_is_allowed():
    circuit = built("and2", 100, "random", 0, 3, 0)
    cert = certify(circuit, sparsity=1, method="search")
    assert (cert.verdict, cert.sparsity, cert.input_space) == (Verdict.PROVED, 1, circuit.m + 1)


@pytest.mark.parametrize("kwargs, named", [
    ({"sparsity": 0}, "sparsity=0"), ({"sparsity": -2}, "sparsity=-2"),
    ({"sparsity": 10**6}, "sparsity=1000000"), ({"sparsity": 2.5}, "sparsity=2.5"),
    ({"sparsity": "2"}, "sparsity='2'"), ({"sparsity": True}, "sparsity=True"),
    ({"method": "fast"}, "method='fast'"), ({"method": None}, "method=None"),
    ({"timeout": 0}, "timeout=0"), ({"timeout": -1.0}, "timeout=-1.0"),
    ({"timeout": "1"}, "timeout='1'"), ({"timeout": math.nan}, "timeout=nan"),
])
def test_bad_sparsity_method_and_timeout_are_rejected(kwargs, named):
    circuit = built("and2", 20, "random", 0, 2, 0)
    with pytest.raises(InvalidArgument) as err:
        certify(circuit, **kwargs)
    assert isinstance(err.value, ValueError)
    assert named in str(err.value)


@pytest.mark.parametrize("args", [("and2", 200, "nearcut", 0, 2, 11),
                                  ("and2", 200, "nearcut", 0, 2, 0)])
@pytest.mark.parametrize("method", ["search", "z3", "exhaustive"])
def test_as_dict_has_the_keys_the_cli_promises(args, method):
    circuit = built(*args)
    if method == "z3":  # one Z3 query per output: read the network at a few outputs
        circuit = _restrict_outputs(circuit, np.array([0, 1, 2, 3, 111]))
    cert = certify(circuit, method=method, timeout=120)
    d = cert.as_dict()
    assert {"verdict", "counterexample", "sparsity", "inputs_covered", "seconds"} <= set(d)
    assert json.loads(json.dumps(d)) == d  # plain JSON types only
    assert d["verdict"] == cert.verdict.value and d["sparsity"] == cert.sparsity == 2
    assert d["inputs_covered"] == cert.inputs_covered and d["method"] == method
    assert isinstance(d["seconds"], float) and d["seconds"] >= 0
    if cert.verdict is Verdict.REFUTED:
        assert d["counterexample"] == list(cert.counterexample.active)
        assert d["wrong_output"] == {"output": cert.counterexample.output,
                                     "expected": cert.counterexample.expected,
                                     "got": cert.counterexample.got}
    else:
        assert cert.verdict is Verdict.PROVED
        assert d["counterexample"] is None and d["wrong_output"] is None
        assert d["inputs_covered"] == d["input_space"]


# --- the bound tables (superpose.circuits.engine._gains) ------------------------------------------

@pytest.mark.parametrize("starts, ends, owner, position", [
    ([5, 0], [7, 1], [0, 0, 1], [5, 6, 0]),
    ([], [], [], []),
    ([3], [3], [], []),
    ([4], [2], [], []),  # an inverted range is empty
    ([0, 2, 2], [2, 2, 5], [0, 0, 2, 2, 2], [0, 1, 2, 3, 4]),
    ([7, 7], [8, 9], [0, 1, 1], [7, 7, 8]),
])
def test_expand_ranges_lists_every_position_of_every_range(starts, ends, owner, position):
    o, p = expand_ranges(np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64))
    assert (o.tolist(), p.tolist()) == (owner, position)


@examples(30)
@given(data=st.data())
def test_expand_ranges_matches_a_python_loop(data):
    n = data.draw(st.integers(0, 8))
    starts = np.array(data.draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)), np.int64)
    ends = np.array(data.draw(st.lists(st.integers(0, 25), min_size=n, max_size=n)), np.int64)
    o, p = expand_ranges(starts, ends)
    want = [(i, j) for i in range(n) for j in range(starts[i], ends[i])]
    assert list(zip(o.tolist(), p.tolist())) == want


@st.composite
def gain_problems(draw):
    """A random first layer (weights of any sign, explicit zeros), an input code, per-unit
    cutoffs, and one sign of the weights: (W, P, cutoff, sign)."""
    m = draw(st.integers(1, 7))
    d0 = draw(st.integers(1, 6))
    d = draw(st.integers(1, 5))
    layer = draw(layers(d0, d, max_weight=5))
    code = draw(support_codes(m, d0))
    cutoff = np.array(draw(st.lists(st.integers(-2, 12), min_size=d, max_size=d)), np.int64)
    return layer.weights, code, cutoff, draw(st.sampled_from([1, -1]))


def _dense_gains(w, code, sign):
    """g[u, e] = sum over p in P_e of max(sign W[u, p], 0): dense W+ @ P^T."""
    return np.maximum(sign * w.toarray(), 0) @ code.matrix().toarray().T


@examples(60)
@given(problem=gain_problems(), data=st.data())
def test_gain_table_at_least_matches_a_brute_force_gain_computation(problem, data):
    w, code, cutoff, sign = problem
    table = GainTable((sign * w).maximum(0), code.matrix_t().tocsr(), cutoff)
    gains = _dense_gains(w, code, sign)
    d = gains.shape[0]
    top = int(gains.max(initial=0)) + 2
    n = data.draw(st.integers(0, 10))
    units = np.array(data.draw(st.lists(st.integers(0, d - 1), min_size=n, max_size=n)), np.int64)
    # thresholds of 1.. above the largest gain, below and above each unit's stored cutoff
    h = np.array(data.draw(st.lists(st.integers(1, top), min_size=n, max_size=n)), np.int64)
    answer = table.at_least(units, h)
    q, f = answer[0], answer[1]
    got = sorted(zip(q.tolist(), f.tolist()))
    want = sorted((i, e) for i in range(n) for e in range(code.n_rows)
                  if gains[units[i], e] >= h[i])
    assert got == want
    if len(answer) > 2:  # (query, feature, gain): the gains are the true ones
        assert answer[2].tolist() == [int(gains[units[i], e]) for i, e in zip(q, f)]


@examples(60)
@given(problem=gain_problems(), data=st.data())
def test_gain_table_top_sum_bounds_the_b_largest_gains_and_is_exact_when_all_are_stored(
        problem, data):
    w, code, cutoff, sign = problem
    table = GainTable((sign * w).maximum(0), code.matrix_t().tocsr(), cutoff)
    gains = _dense_gains(w, code, sign)
    d = gains.shape[0]
    n = data.draw(st.integers(1, 10))
    units = np.array(data.draw(st.lists(st.integers(0, d - 1), min_size=n, max_size=n)), np.int64)
    b = np.array(data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)), np.int64)
    bound = table.top_sum(units, b)
    for i, (u, bi) in enumerate(zip(units, b)):
        true = int(np.sort(gains[u])[::-1][:bi].sum())
        assert bound[i] >= true, f"unit {u}, b={bi}: top_sum {bound[i]} < true {true}"
        if cutoff[u] <= 1:  # every positive gain is stored
            assert bound[i] == true


@examples(40)
@given(data=st.data())
def test_the_evaluators_one_pass_fills_the_same_search_tables_as_building_them_alone(data):
    """FirstLayerGains(search_divisor=D) forms each block's products once for both its own
    table and the search's per-sign tables; those equal GainTable built on its own from W+
    and W- with cutoffs ceil(theta / (s D)) and ceil((1 - theta) / (s D))."""
    m, d0, d = (data.draw(st.integers(1, n)) for n in (7, 6, 5))
    layer = data.draw(layers(d0, d, max_weight=5))
    code = data.draw(support_codes(m, d0))
    s, divisor = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    table = FirstLayerGains(layer.weights, layer.theta, code.indptr, code.indices, code.width,
                            s, divisor=2, search_divisor=divisor)
    holders = code.matrix_t().tocsr()
    w, theta, span = layer.weights, layer.theta, s * divisor
    alone = {"positive": GainTable(w.maximum(0), holders, -(-theta // span)),
             "negative": GainTable((-w).maximum(0), holders, -(-(1 - theta) // span))}
    if not (w.data < 0).any():
        assert table.negative is None
        del alone["negative"]
    for name, want in alone.items():
        got = getattr(table, name)
        assert got.indptr.tolist() == want.indptr.tolist(), name
        assert got.features.tolist() == want.features.tolist(), name
        assert got.gains.tolist() == want.gains.tolist(), name


@examples(40)
@given(circuit=random_circuits(max_layers=2), data=st.data())
def test_adding_features_moves_a_first_layer_unit_within_its_gain_bounds(circuit, data):
    """The inequality the search prunes with: z_u(y + R) - z_u(y) lies in
    [sum_{e in R} g-_u(e), sum_{e in R} g+_u(e)], checked on the dense reference network."""
    net = circuit.network
    if not net.layers:
        return
    m = circuit.m
    y = tuple(data.draw(st.lists(st.integers(0, m - 1), unique=True, max_size=m)))
    r = data.draw(st.lists(st.sampled_from([f for f in range(m) if f not in y] or [None]),
                           unique=True, max_size=m))
    r = tuple(f for f in r if f is not None)
    a0 = reference_activations(net, [y, y + r])[0]
    w = net.layers[0].weights.toarray()
    dz = w @ a0[1].astype(np.int64) - w @ a0[0].astype(np.int64)
    g_plus = _dense_gains(net.layers[0].weights, net.input_code, 1)
    g_minus = -_dense_gains(net.layers[0].weights, net.input_code, -1)
    idx = list(r)
    assert np.all(dz <= g_plus[:, idx].sum(axis=1))
    assert np.all(dz >= g_minus[:, idx].sum(axis=1))


@examples(40)
@given(circuit=random_circuits(max_layers=2), data=st.data())
def test_features_already_on_add_nothing_again_to_a_first_layer_unit(circuit, data):
    """The sharper bound: z_u(y + R) - z_u(y) <= sum_{e in R} sum_{p in P_e \\ A(y)} W+[u, p]
    (and >= the same sum of W-), where A(y) is the set of input units already on at y."""
    net = circuit.network
    if not net.layers:
        return
    m = circuit.m
    y = tuple(data.draw(st.lists(st.integers(0, m - 1), unique=True, max_size=m)))
    rest = [f for f in range(m) if f not in y]
    r = tuple(data.draw(st.lists(st.sampled_from(rest), unique=True, max_size=len(rest)))
              if rest else ())
    a0 = reference_activations(net, [y, y + r])[0].astype(np.int64)
    w = net.layers[0].weights.toarray()
    dz = w @ a0[1] - w @ a0[0]
    supports = net.input_code.matrix().toarray()[list(r)] * (1 - a0[0])[None, :]  # P_e \ A(y)
    assert np.all(dz <= (np.maximum(w, 0) @ supports.T).sum(axis=1))
    assert np.all(dz >= (np.minimum(w, 0) @ supports.T).sum(axis=1))


@examples(40)
@given(circuit=random_circuits(max_layers=2), data=st.data())
def test_the_already_on_discount_of_each_query_is_the_weight_of_its_features_on_units(
        circuit, data):
    """_already_on(sign, u, f, y) = sum over p in P_f & A(y) of max(sign W_1[u, p], 0), for
    every query, with (input, feature) pairs repeated across units as at a hub's input (their
    P_f & A(y) is found once per pair and shared)."""
    net = circuit.network
    if not net.layers:
        return
    m, s = circuit.m, circuit.sparsity
    index = search_module.ConeIndex(circuit, s)
    inputs = data.draw(st.lists(st.lists(st.integers(0, m - 1), unique=True, min_size=1,
                                         max_size=s), min_size=1, max_size=4))
    active = np.full((len(inputs), s), search_module.PAD, np.int64)
    for i, y in enumerate(inputs):
        active[i, :len(y)] = sorted(y)
    trace = search_module.EventTrace(index.evaluator, index.lookups, active, index.columns)
    d1 = net.layers[0].weights.shape[0]
    n = data.draw(st.integers(1, 30))
    rows = np.array(data.draw(st.lists(st.integers(0, len(inputs) - 1), min_size=n,
                                       max_size=n)), np.int64)
    units = np.array(data.draw(st.lists(st.integers(0, d1 - 1), min_size=n, max_size=n)),
                     np.int64)
    features = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=n, max_size=n)),
                        np.int64)
    sign = data.draw(st.sampled_from([1, -1]))
    w = net.layers[0].weights.toarray().astype(np.int64)
    supports = net.input_code.matrix().toarray() > 0
    on = reference_activations(net, [tuple(y) for y in inputs])[0] > 0
    want = [int(np.maximum(sign * w[u], 0)[supports[f] & on[r]].sum())
            for r, u, f in zip(rows, units, features)]
    assert index._already_on(sign, units, features, rows, trace).tolist() == want


def _first_layer_triggers_by_each_way(circuit: Circuit, active: np.ndarray, rows, units, b,
                                      discount=True):
    """The layer-1 triggers and "can change" flags of queries asked as the search asks them
    (a unit in the wrong state, moved towards the other), with full rows of gains (input
    units left out) for no query, for those below the stored cutoff, for all; and the last
    two again with the rise index's lists read by no query (they answer the queries below
    the cutoff and at or above their unit's floor otherwise)."""
    index = search_module.ConeIndex(circuit, circuit.sparsity)
    trace = search_module.EventTrace(index.evaluator, index.lookups, active, index.columns)
    dirs = np.where(trace.act(1, rows, units) > 0, -1, 1)
    answers = []
    for full, listed in ((False, True), (None, True), (True, True), (None, False),
                         (True, False)):
        with pytest.MonkeyPatch.context() as mp:
            for table in (index.pos, index.neg):
                if table is not None and full is not None:
                    mp.setattr(table, "below_cutoff",
                               lambda u, h, full=full: np.full(len(u), full))
            if not listed:
                mp.setattr(index, "_listed_complete", lambda u, h: np.zeros(len(u), bool))
            found, possible = index.triggers(1, rows, units, dirs, b, trace, discount)
        answers.append((found.toarray().tolist(), possible.tolist()))
    return answers


@examples(40)
@given(circuit=random_circuits(max_layers=2), data=st.data())
def test_discounted_first_layer_triggers_from_full_rows_equal_those_from_stored_gains(
        circuit, data):
    """With the discount, a layer-1 query below the stored cutoff reads its unit's full row
    of gains with the input's own units left out; the same triggers come from the stored
    gains (and full rows) less the "already on" part, for every query the search can ask,
    whichever queries take the full rows, and whether or not the rise index's lists answer
    the queries at or above their unit's floor (with or without the discount)."""
    note(describe(circuit))
    if not circuit.network.layers:
        return
    m, s = circuit.m, circuit.sparsity
    inputs = data.draw(st.lists(st.lists(st.integers(0, m - 1), unique=True, max_size=s),
                                min_size=1, max_size=4))
    active = np.full((len(inputs), s), search_module.PAD, np.int64)
    for i, y in enumerate(inputs):
        active[i, :len(y)] = sorted(y)
    d1 = circuit.network.layers[0].weights.shape[0]
    n = data.draw(st.integers(1, 30))
    rows = np.array(data.draw(st.lists(st.integers(0, len(inputs) - 1), min_size=n,
                                       max_size=n)), np.int64)
    units = np.array(data.draw(st.lists(st.integers(0, d1 - 1), min_size=n, max_size=n)))
    b = np.array(data.draw(st.lists(st.integers(1, s), min_size=n, max_size=n)))
    first, *others = _first_layer_triggers_by_each_way(circuit, active, rows, units, b,
                                                       data.draw(st.booleans()))
    assert all(other == first for other in others)


def test_discounted_first_layer_triggers_from_full_rows_agree_at_star_hubs():
    """and2 star at s = 3: at a hub's input the discount removes most triggers (every
    feature whose support meets the hub's); the whole first layer's triggers are the same
    whichever queries take the full rows, and the discount does prune there."""
    circuit = built("and2", 120, "star", 0, 3, 3)
    sources = np.asarray(circuits.correctness.output_sources(circuit))
    hubs = np.argsort(-np.bincount(sources.ravel(), minlength=circuit.m))[:2]
    active = np.full((2, 3), search_module.PAD, np.int64)
    active[:, 0] = hubs
    d1 = circuit.network.layers[0].weights.shape[0]
    rows = np.repeat(np.arange(2), d1)
    units = np.tile(np.arange(d1), 2)
    first, *others = _first_layer_triggers_by_each_way(circuit, active, rows, units,
                                                       np.full(rows.size, 2))
    assert all(other == first for other in others)
    index = search_module.ConeIndex(circuit, 3)
    trace = search_module.EventTrace(index.evaluator, index.lookups, active, index.columns)
    dirs = np.where(trace.act(1, rows, units) > 0, -1, 1)
    plain, _ = index.triggers(1, rows, units, dirs, np.full(rows.size, 2), trace, False)
    assert np.asarray(first[0]).sum() < plain.sum()


def _search_with_discount(circuit: Circuit, s: int, discount):
    """The search with the "already on" discount forced on (True) or off (False) in every
    pass, or as the module chooses (None: undiscounted first, discounted where children)."""
    if discount is None:
        return search(circuit, s, math.inf)
    children = search_module._children
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_children",
                   lambda *args: children(*args[:-2], discount, args[-1]))
        return search(circuit, s, math.inf)


def _same_search(a, b) -> None:
    assert a.levels == b.levels and a.nodes == b.nodes
    assert a.deferred.tolist() == b.deferred.tolist()
    assert a.counterexample == b.counterexample


@examples(30)
@given(circuit=st.one_of(random_circuits(), perturbed_circuits()))
def test_the_already_on_discount_only_removes_children_and_deferring_it_changes_nothing(
        circuit):
    """The discount subtracts weights from layer-1 gains, so it only removes triggers, and
    every later stage is monotone in them: the search with it everywhere has, level by level,
    a subset of the nodes of the search without it, and applying it only to the nodes that
    have children without it (what the search does) gives exactly the frontier of applying
    it everywhere."""
    note(describe(circuit))
    s = circuit.sparsity
    everywhere = _search_with_discount(circuit, s, True)
    _same_search(_search_with_discount(circuit, s, None), everywhere)
    nowhere = _search_with_discount(circuit, s, False)
    if everywhere.counterexample is None and nowhere.counterexample is None:
        assert len(everywhere.levels) <= len(nowhere.levels)
        assert all(a <= b for a, b in zip(everywhere.levels, nowhere.levels))


def test_deferring_the_already_on_discount_keeps_its_pruning_on_a_star_circuit():
    """and2 star at s = 3, where the discount prunes (without it the frontier grows): the
    search's frontier is that of the discount everywhere, and a planted wrong output is still
    refuted with a counterexample that replays."""
    circuit = built("and2", 120, "star", 0, 3, 3)
    _same_search(_search_with_discount(circuit, 3, None),
                 _search_with_discount(circuit, 3, True))
    assert sum(_search_with_discount(circuit, 3, None).levels) \
        < sum(_search_with_discount(circuit, 3, False).levels)
    layer = circuit.network.layers[-1]
    theta = layer.theta.copy()
    unit = int(circuit.network.output_code.row(7)[0])
    theta[unit] += 1000  # never on: output 7 (and any other output reading it) is wrong
    bad = _with_layers(circuit, circuit.network.layers[:-1] + (Layer(layer.weights, theta),),
                       changes=[f"theta_last[{unit}] += 1000"])
    cert = certify(bad, method="search")
    assert cert.verdict is Verdict.REFUTED
    assert unit in circuit.network.output_code.row(cert.counterexample.output)
    _assert_refutation(bad, cert)


def _search_with_whole_layer(circuit: Circuit, s: int, ratio: float):
    """The search with deeper layers' help taken from whole layers (``ratio`` 0: for every
    input) or from each query's own fan-in units (``ratio`` inf: never); no unit ruled out
    of reach (that needs whole layers: tests/checks/certification/test_reach.py)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_WHOLE_LAYER", ratio)
        mp.setattr(search_module, "_REACH_NODES", math.inf)
        return search(circuit, s, math.inf)


@examples(30)
@given(circuit=st.one_of(random_circuits(), perturbed_circuits()))
def test_help_from_whole_layers_and_from_each_querys_fan_in_give_the_same_search(circuit):
    """Both ways of summing a deeper unit's help ask the same (input, unit, direction,
    budget) triggers of the layer below and add the same weights, so the frontiers, the
    deferred outputs and the counterexample are identical."""
    note(describe(circuit))
    s = circuit.sparsity
    _same_search(_search_with_whole_layer(circuit, s, 0),
                 _search_with_whole_layer(circuit, s, math.inf))


def _drawn_queries(data, circuit: Circuit, layer: int, fewest: int, most: int):
    """1..4 evaluated inputs of ``fewest``..``most`` distinct features each (a padded
    array), and 1..12 queries on them: rows, units of ``layer``, directions and budgets."""
    s = circuit.sparsity
    inputs = data.draw(st.lists(st.lists(st.integers(0, circuit.m - 1), unique=True,
                                         min_size=fewest, max_size=most),
                                min_size=1, max_size=4))
    active = np.full((len(inputs), s), circuits.PAD, np.int64)
    for i, x in enumerate(inputs):
        active[i, :len(x)] = x
    width = circuit.network.layers[layer - 1].weights.shape[0]
    n = data.draw(st.integers(1, 12))
    rows = np.array(data.draw(st.lists(st.integers(0, len(inputs) - 1), min_size=n,
                                       max_size=n)))
    units = np.array(data.draw(st.lists(st.integers(0, width - 1), min_size=n, max_size=n)))
    dirs = np.array(data.draw(st.lists(st.sampled_from([-1, 1]), min_size=n, max_size=n)))
    b = np.array(data.draw(st.lists(st.integers(1, s), min_size=n, max_size=n)))
    return active, rows, units, dirs, b


@examples(60)
@given(circuit=random_circuits(max_layers=3, min_layers=2), data=st.data())
def test_deeper_triggers_from_whole_layers_equal_those_from_each_querys_fan_in(circuit, data):
    """Unit by unit: for random inputs, units, directions and budgets, the triggers and the
    "can change" flags of a layer >= 2 are the same matrix whichever way the help is summed
    (a whole layer's fan-in pairs read from W's rows or from its columns, or each query's own
    fan-in; weights of any sign, units on and off, several budgets per input), with the "already
    on" discount; without it, a whole layer (always discounted) gives a subset."""
    note(describe(circuit))
    index = search_module.ConeIndex(circuit, circuit.sparsity)
    layer = data.draw(st.integers(2, len(circuit.network.layers)))
    active, rows, units, dirs, b = _drawn_queries(data, circuit, layer, 0, circuit.sparsity)
    trace = search_module.EventTrace(index.evaluator, index.lookups, active, index.columns)
    discount = data.draw(st.booleans())
    answers = []
    # whole layers with the fan-in pairs found from W's rows, then from its columns; pairs
    for ratio, rows_over_columns in ((0, math.inf), (0, 0), (math.inf, 1)):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(search_module, "_WHOLE_LAYER", ratio)
            mp.setattr(search_module, "_ROWS_OVER_COLUMNS", rows_over_columns)
            found, possible = index.triggers(layer, rows, units, dirs, b, trace, discount)
        answers.append((found.toarray(), possible))
    *wholes, (pairs, pairs_possible) = answers
    for whole, whole_possible in wholes:
        if discount:
            assert whole.tolist() == pairs.tolist()
            assert whole_possible.tolist() == pairs_possible.tolist()
        else:  # a whole layer is always discounted: a subset of the undiscounted triggers
            assert np.all(whole <= pairs) and np.all(whole_possible <= pairs_possible)


def test_help_from_whole_layers_keeps_the_frontier_and_the_refutation_on_a_star_circuit():
    """and2 star at s = 3 (hubs reach many outputs through one input): the same frontier
    either way, and a planted wrong output is refuted with a counterexample that replays."""
    circuit = built("and2", 120, "star", 0, 3, 3)
    _same_search(_search_with_whole_layer(circuit, 3, 0),
                 _search_with_whole_layer(circuit, 3, math.inf))
    layer = circuit.network.layers[-1]
    theta = layer.theta.copy()
    unit = int(circuit.network.output_code.row(11)[0])
    theta[unit] += 1000
    bad = _with_layers(circuit, circuit.network.layers[:-1] + (Layer(layer.weights, theta),),
                       changes=[f"theta_last[{unit}] += 1000"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_WHOLE_LAYER", 0)
        cert = certify(bad, method="search")
    assert cert.verdict is Verdict.REFUTED
    _assert_refutation(bad, cert)


@examples(30)
@given(circuit=st.one_of(random_circuits(), perturbed_circuits()),
       node_chunk=st.integers(1, 8), input_chunk=st.integers(1, 40),
       cells=st.integers(1, 50))
def test_chunk_and_product_sizes_never_change_the_search(circuit, node_chunk, input_chunk,
                                                          cells):
    """Chunks of any size (one input's nodes kept together or not) and products cut into
    slices of any size give the same frontiers and deferred outputs; where a chunk holds a
    wrong output the search stops there, so both find one (it may be another one, from
    another chunk), and it is wrong."""
    note(describe(circuit))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "_NODE_CHUNK", node_chunk)
        mp.setattr(search_module, "_INPUT_CHUNK", input_chunk)
        mp.setattr(search_module, "_PRODUCT_CELLS", cells)
        small = search(circuit, circuit.sparsity, math.inf)
    usual = search(circuit, circuit.sparsity, math.inf)
    assert (small.counterexample is None) == (usual.counterexample is None)
    if usual.counterexample is None:
        _same_search(small, usual)
    else:
        ex = small.counterexample
        got, want = circuits.evaluate_input(circuit, ex.active)
        assert (ex.output in got) != (ex.output in want)


@given(runs=st.lists(st.integers(1, 3000), min_size=1, max_size=40))
def test_chunks_cover_the_frontier_in_order_and_keep_an_inputs_nodes_together(runs):
    """The chunks tile the frontier; a chunk is at most _NODE_CHUNK nodes unless it is one
    input's nodes (then at most _INPUT_CHUNK), and an input's nodes are split only where
    they are more than _INPUT_CHUNK."""
    inp = np.repeat(np.arange(len(runs)), runs)[:, None]
    bounds = list(search_module._chunks(inp))
    assert bounds[0][0] == 0 and bounds[-1][1] == len(inp)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    for lo, hi in bounds:
        assert hi > lo
        one_input = inp[lo, 0] == inp[hi - 1, 0]
        assert hi - lo <= (search_module._INPUT_CHUNK if one_input
                           else search_module._NODE_CHUNK)
    cuts = {lo for lo, _ in bounds}
    start = 0
    for length in runs:
        if length <= search_module._INPUT_CHUNK:
            assert not [c for c in cuts if start < c < start + length]
        start += length


# --- the per-output Z3 query (superpose.checks.certification._z3cone) -----------------------------

def _assert_z3_matches(circuit: Circuit, s: int, outputs) -> None:
    wrong = _wrong_outputs_by_enumeration(circuit, s)
    at_s = dataclasses.replace(circuit, sparsity=s)
    for k in outputs:
        answer, active = z3_output(circuit, int(k), s, 60.0)
        assert answer in ("sat", "unsat"), f"output {k}: {answer}"
        assert (answer == "sat") == (k in wrong), f"output {k}: z3 {answer}, enumeration " \
                                                  f"{'wrong' if k in wrong else 'right'}"
        if answer == "sat":
            assert len(active) <= s
            got, want = circuits.evaluate_input(at_s, active)
            assert (k in got) != (k in want), f"output {k}: z3's input {active} is not wrong"


@examples(25)
@given(circuit=random_circuits())
def test_z3_output_finds_the_same_wrong_outputs_as_enumeration(circuit):
    note(_describe_random(circuit))
    _assert_z3_matches(circuit, circuit.sparsity, range(circuit.m_prime))


@pytest.mark.parametrize("problem, family, m_prime, instance_seed, s, seed, outputs", [
    ("and2", "nearcut", 200, 0, 2, 11, [0, 1, 110, 111, 112, 199]),
    ("and2", "random", 58, 1, 3, 1, [0, 27, 28, 29, 57]),
    ("and2", "star", 30, 0, 2, 0, range(10)),
    ("perm", "random", 30, 0, 3, 0, range(10)),
    ("represent", None, 30, 0, 2, 0, range(30)),
])
def test_z3_output_matches_enumeration_on_small_constructions(problem, family, m_prime,
                                                              instance_seed, s, seed, outputs):
    circuit = built(problem, m_prime, family, instance_seed, s, seed)
    _assert_z3_matches(circuit, s, outputs)


@examples(15)
@given(circuit=perturbed_circuits(), data=st.data())
def test_z3_output_matches_enumeration_on_perturbed_constructions(circuit, data):
    note(describe(circuit))
    wrong = sorted(_wrong_outputs_by_enumeration(circuit, circuit.sparsity))
    # every wrong output (at most 3) and a few random ones
    picks = set(wrong[:3]) | set(data.draw(st.lists(st.integers(0, circuit.m_prime - 1),
                                                    max_size=3)))
    _assert_z3_matches(circuit, circuit.sparsity, sorted(picks))


@given(rows=st.lists(st.lists(st.integers(-1, 6), min_size=3, max_size=3), max_size=30),
       big=st.booleans())
def test_unique_rows_agrees_with_numpys_unique_rows(rows, big):
    """The one-key sort gives np.unique(axis=0)'s rows and inverse, and so does its fallback
    for columns whose ranges do not fit one int64 (``big`` puts values near 2^40 in)."""
    a = np.array(rows, np.int64).reshape(-1, 3)
    if big and a.size:
        a[:, 0] = np.where(a[:, 0] >= 0, a[:, 0] + 2 ** 40, a[:, 0])
        a[:, 1] = np.where(a[:, 1] >= 0, a[:, 1] + 2 ** 40, a[:, 1])
    uniq, inverse = search_module._unique_rows(a)
    want, want_inverse = np.unique(a, axis=0, return_inverse=True)
    assert uniq.tolist() == want.tolist()
    assert inverse.tolist() == want_inverse.ravel().tolist()


class _Forgetful(dict):
    """A memo that keeps nothing."""

    def __setitem__(self, key, value):
        pass


@examples(30)
@given(circuit=st.one_of(random_circuits(), perturbed_circuits()))
def test_what_a_chunks_first_pass_keeps_for_its_second_changes_no_search(circuit):
    """The helpful fan-in pairs the first pass over a chunk keeps on its trace and the
    second reads back: the same frontiers, deferred outputs and counterexample as
    recomputing them."""
    note(describe(circuit))
    trace_type = search_module.EventTrace

    def forgetful(*args, **kwargs):
        trace = trace_type(*args, **kwargs)
        trace.memo = _Forgetful()
        return trace

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_module, "EventTrace", forgetful)
        recomputed = search(circuit, circuit.sparsity, math.inf)
    _same_search(search(circuit, circuit.sparsity, math.inf), recomputed)


@examples(30)
@given(circuit=st.one_of(random_circuits(min_layers=2), perturbed_circuits()))
def test_live_fan_in_units_looked_up_or_every_fan_in_entry_read_give_the_same_search(circuit):
    """Layer 2's helpful fan-in pairs from the weights of each input's live layer-1 units
    (listed by its features, or open) or from every entry of the queries' rows: the same
    frontiers, deferred outputs and counterexample."""
    note(describe(circuit))
    searches = []
    for share in (math.inf, 0):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(search_module, "_LIVE_SHARE", share)
            searches.append(search(circuit, circuit.sparsity, math.inf))
    _same_search(*searches)


@examples(80)
@given(circuit=random_circuits(max_layers=3, min_layers=2).filter(lambda c: c.sparsity > 1),
       data=st.data())
def test_live_fan_in_units_give_the_helpful_pairs_of_every_fan_in_entry(circuit, data):
    """Query by query (random inputs of 1..s - 1 features, layer-2 units, both directions,
    budgets): the helpful (query, fan-in unit, |weight|, direction) from the live units'
    looked-up weights are those from every fan-in entry, less the zero weights."""
    note(describe(circuit))
    index = search_module.ConeIndex(circuit, circuit.sparsity)
    active, rows, units, dirs, b = _drawn_queries(data, circuit, 2, 1, circuit.sparsity - 1)
    found = []
    for share in (math.inf, 0):
        trace = search_module.EventTrace(index.evaluator, index.lookups, active,
                                         index.columns)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(search_module, "_LIVE_SHARE", share)
            qi, v, weight, sub_dir = index._helpful_pairs(2, rows, units, dirs, b, trace)
        found.append(sorted((q, u, w, d) for q, u, w, d in zip(
            qi.tolist(), v.tolist(), weight.tolist(), sub_dir.tolist()) if w))
    assert found[0] == found[1]
