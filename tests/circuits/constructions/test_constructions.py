"""Constructions: certified correctness at small m', counts within their constants, the
fixed-code rule, determinism, and argument checks."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import assume, example, given, note
from hypothesis import strategies as st

from superpose import circuits
from superpose.circuits import And2, Permutation, Represent, build, construct, exhaustive, fuzz
from superpose.circuits.constructions import AND2_FAMILIES
from superpose.circuits.model import count_sparse_inputs
from superpose.circuits.registry import find_construction, make_problem
from superpose.theory.errors import InvalidArgument
from tests.strategies import (
    EXHAUSTIVE_LIMIT,
    SLOW_M_PRIME_MAX,
    and2_families,
    as_batch,
    built,
    describe,
    examples,
    input_batches,
    instance_seeds,
    m_primes,
    pair_lists,
    perm_families,
    permutations,
    reference_mismatches,
    reference_truth,
    seeds,
)


def _assert_correct(circuit, data, batch: int = 120) -> None:
    """Exhaustively where the input space is small (else fuzzed), and always on drawn
    adversarial inputs checked against the brute-force truth."""
    note(describe(circuit))
    space = count_sparse_inputs(circuit.m, circuit.sparsity)
    if space <= EXHAUSTIVE_LIMIT:
        report = exhaustive(circuit)
        assert report.complete and report.inputs_checked == space
        assert report.wrong_outputs == 0, (f"{describe(circuit)}: {report.wrong_outputs} wrong "
                                           f"outputs on {report.wrong_inputs} inputs, e.g. "
                                           f"{report.examples}")
    else:
        report = fuzz(circuit, samples=1000, seed=circuit.seed)
        assert report.wrong_outputs == 0, f"{describe(circuit)}: fuzz found {report.examples}"
    inputs = data.draw(input_batches(circuit, max_size=batch), label="inputs")
    bad = reference_mismatches(circuit, inputs)
    assert not bad, (f"{describe(circuit)}: wrong on {len(bad)} (input, output) pairs; "
                     f"first (active, output, expected, got): {bad[:5]}")


# --- certified correctness at small m' --------------------------------------------------------
#
# The default constructions are random: their constants make almost every drawn circuit
# certified, not every one (KNOWN_BAD_DRAWS in tests/checks/certification/test_repair.py,
# where those draws are repaired by vetoes; paper_notes/gaps.md). "Every circuit is correct"
# is therefore asserted on a fixed grid of sizes and seeds chosen before looking at results
# (seeds 0 and 1, every family, s = 2 and 3), exhaustively where the input space is small and
# on fuzzed plus Hypothesis-drawn adversarial inputs otherwise; every seed gets the epsilon
# notion (no false negative, under 1% of output bits wrong) in the next test.

GRID_SEEDS = (0, 1)


@pytest.mark.parametrize("seed", GRID_SEEDS)
@pytest.mark.parametrize("m_prime", [30, 100, 300])
@pytest.mark.parametrize("s", [2, 3])
@pytest.mark.parametrize("family", sorted(AND2_FAMILIES))
@examples(2)
@given(data=st.data())
def test_every_and2_circuit_of_the_grid_decodes_every_output_correctly(family, s, m_prime, seed,
                                                                       data):
    circuit = built("and2", m_prime, family, 0, s, seed)
    assert circuit.construction == "three-channel"
    _assert_correct(circuit, data)


@pytest.mark.parametrize("seed", GRID_SEEDS)
@pytest.mark.parametrize("m_prime", [3, 30, 100, 300])
@pytest.mark.parametrize("s", [2, 3])
@pytest.mark.parametrize("family", ["random", "identity", "shift"])
@examples(2)
@given(data=st.data())
def test_every_permutation_circuit_of_the_grid_moves_every_feature_correctly(family, s, m_prime,
                                                                             seed, data):
    circuit = built("perm", m_prime, family, 0, s, seed)
    assert circuit.construction == "bloom"
    _assert_correct(circuit, data)


@pytest.mark.parametrize("seed", GRID_SEEDS)
@pytest.mark.parametrize("m_prime", [3, 30, 100, 300])
@pytest.mark.parametrize("s", [1, 2, 3])
@examples(2)
@given(data=st.data())
def test_every_representation_of_the_grid_decodes_every_sparse_input_exactly(s, m_prime, seed,
                                                                             data):
    circuit = built("represent", m_prime, None, 0, s, seed)
    assert circuit.construction == "bloom" and len(circuit.network.layers) == 0
    _assert_correct(circuit, data)


@pytest.mark.parametrize("problem, s", [("and2", 2), ("and2", 3), ("perm", 2), ("perm", 3),
                                        ("represent", 2), ("represent", 3)])
@examples(15)
@given(m_prime=m_primes(20, 300), seed=seeds, instance_seed=instance_seeds, data=st.data())
def test_any_seed_gives_no_false_negative_and_under_one_percent_wrong_output_bits(
        problem, s, m_prime, seed, instance_seed, data):
    """The epsilon notion (at most 1% of output bits wrong) and no false negative: every weight
    is non-negative, so a true output always reaches its threshold."""
    family = data.draw(st.sampled_from(circuits.FAMILIES[problem]), label="family")
    circuit = build(problem, m_prime, family, instance_seed, sparsity=s, seed=seed)
    note(describe(circuit))
    if count_sparse_inputs(circuit.m, s) <= EXHAUSTIVE_LIMIT:
        report = exhaustive(circuit)
    else:
        report = fuzz(circuit, samples=2000, seed=seed)
    assert report.false_negatives == 0, f"{describe(circuit)}: {report.examples}"
    bits = report.inputs_checked * circuit.m_prime
    assert report.wrong_outputs <= 0.01 * bits, (
        f"{describe(circuit)}: {report.wrong_outputs} of {bits} output bits wrong "
        f"({report.method}), e.g. {report.examples}")


FIXED_BY_T_MIN = [
    # perm at s = 3 with the design's t >= 10 gave false positives for these seeds (4 of 100 at
    # m' = 60); t_min = 5 s removed them all.
    ("perm", "shift", 57, 0, 3, 48), ("perm", "random", 60, 0, 3, 17),
    ("perm", "shift", 57, 0, 3, 3743575),
]


@pytest.mark.parametrize("problem, family, m_prime, instance_seed, s, seed", FIXED_BY_T_MIN)
def test_permutation_seeds_that_failed_with_t_min_ten_are_certified_now(problem, family, m_prime,
                                                                        instance_seed, s, seed):
    circuit = built(problem, m_prime, family, instance_seed, s, seed)
    report = exhaustive(circuit)
    assert report.complete and report.wrong_outputs == 0, f"{describe(circuit)}"
    old = build(problem, m_prime, family, instance_seed, s, seed, constants={"t_min": 10})
    assert exhaustive(old).wrong_outputs > 0, "the regression case no longer shows the old bug"


def test_three_channel_is_certified_for_a_single_pair_at_sparsity_three():
    """Regression: d0 was 3 sqrt(m') t = 3t here, so three supports covered a fourth."""
    circuit = construct(And2(5, np.array([[0, 1]])), 3, 0)
    report = exhaustive(circuit)
    assert report.wrong_outputs == 0, f"{describe(circuit)}: {report.examples}"


@pytest.mark.parametrize("s, m_prime, family", [
    (2, 300, "random"), (2, 150, "disjoint"), (3, 60, "random"), (2, 300, "star"),
    (3, 70, "mixed"), (2, 300, "complete"), (3, 267, "nearcut"), (2, 267, "nearcut"),
])
def test_three_channel_is_certified_on_the_largest_enumerable_cases_at_seed_zero(s, m_prime,
                                                                                 family):
    circuit = built("and2", m_prime, family, 0, s, 0)
    report = exhaustive(circuit)
    assert report.complete
    assert report.wrong_outputs == 0, f"{describe(circuit)}: {report.examples}"


@examples(40)
@given(instance=pair_lists(max_m=30, max_pairs=80, min_pairs=1), seed=seeds, data=st.data())
def test_three_channel_is_correct_on_arbitrary_small_pair_lists_at_sparsity_two(instance, seed,
                                                                                data):
    m, pairs = instance
    note(f"pairs={pairs.tolist()}")
    _assert_correct(construct(And2(m, pairs), 2, seed), data)


@pytest.mark.parametrize("problem", ["and2", "perm", "represent"])
@examples(10)
@given(m_prime=m_primes(3, 120), s=st.integers(1, 3), seed=seeds, instance_seed=instance_seeds,
       data=st.data())
def test_every_naive_circuit_is_correct_and_has_one_unit_per_feature(problem, m_prime, s, seed,
                                                                     instance_seed, data):
    family = data.draw(st.sampled_from(circuits.FAMILIES[problem]), label="family")
    circuit = build(problem, m_prime, family, instance_seed, sparsity=s, seed=seed,
                    construction="naive")
    _assert_correct(circuit, data)
    counts = circuit.counts()
    if problem == "represent":
        assert counts.neurons == circuit.m
    else:
        assert counts.neurons == circuit.m + circuit.m_prime
        assert counts.threshold_units == circuit.m_prime


# --- counts within their constants ------------------------------------------------------------

def _ratios(circuit):
    counts, mp = circuit.counts(), circuit.m_prime
    lg = math.log2(mp)
    return counts.neurons / (math.sqrt(mp) * lg), counts.params / (mp * lg * lg)


ISSUE_TARGETS = {"and2": (20.0, 6.0), "perm": (10.0, 3.0)}  # at s = 2, m' >= 100


@pytest.mark.parametrize("problem, families, top", [("and2", and2_families, 3000),
                                                    ("perm", perm_families, 5000)])
@pytest.mark.parametrize("s", [2, 3])
@examples(12)
@given(data=st.data(), seed=seeds, instance_seed=instance_seeds)
def test_default_counts_stay_within_the_stated_constants(problem, families, top, s, data, seed,
                                                         instance_seed):
    family = data.draw(families, label="family")
    m_prime = data.draw(m_primes(100, top), label="m_prime")
    circuit = build(problem, m_prime, family, instance_seed, sparsity=s, seed=seed)
    c_neurons, c_params = find_construction(problem).stated(s)
    if s == 2:
        target_neurons, target_params = ISSUE_TARGETS[problem]
        assert c_neurons <= target_neurons and c_params <= target_params
    neurons, params = _ratios(circuit)
    note(f"{describe(circuit)} neurons ratio={neurons:.2f} params ratio={params:.2f}")
    assert neurons <= c_neurons, f"{describe(circuit)}: neurons/(sqrt(m') log2 m') = {neurons:.2f}"
    assert params <= c_params, f"{describe(circuit)}: params/(m' log2^2 m') = {params:.2f}"


@pytest.mark.parametrize("s", [1, 2, 3, 4])
@examples(10)
@given(m_prime=m_primes(8, 10**5))
def test_bloom_representation_width_is_logarithmic_in_m_prime(s, m_prime):
    problem = Represent(m_prime)
    circuit = construct(problem, s, 0)
    width = circuit.counts().neurons
    # the documented width 2 s (s+1) log2 m' + O(s), with the rounding made explicit
    assert width <= 2 * s * (s + 1) * math.log2(m_prime) + 12 * s + 1, f"width {width}"
    if m_prime >= 100:
        assert width / math.log2(m_prime) <= find_construction("represent").stated(s)[0]
    assert width == circuit.network.input_code.width


@pytest.mark.parametrize("problem, construction", [
    ("and2", "three-channel"), ("perm", "bloom"), ("represent", "bloom")])
@examples(5)
@given(m_prime=m_primes(2, 500), seed=seeds, s=st.sampled_from([2, 3]))
def test_recorded_sizes_match_the_stored_arrays(problem, construction, m_prime, seed, s):
    circuit = build(problem, m_prime, sparsity=min(s, m_prime), seed=seed)
    net, k = circuit.network, circuit.constants
    assert circuit.construction == construction
    assert set(net.input_code.sizes().tolist()) == {k["t"]}
    if problem == "and2":
        assert net.input_code.width == k["d0"] and net.output_code.width == k["d_out"]
        assert set(net.output_code.sizes().tolist()) == {k["r"]}
        assert net.widths[1] == k["d_out"] + k["n_dedicated_units"]
        deg = circuit.problem.degrees()
        a, b = circuit.problem.pairs.T
        owner = np.where((deg[a] > deg[b]) | ((deg[a] == deg[b]) & (a < b)), a, b)
        assert k["n_heavy_pairs"] == int(np.sum(deg[owner] > math.sqrt(m_prime)))
    else:
        assert net.input_code.width == k["d"] == net.output_code.width


# --- the fixed-code rule ----------------------------------------------------------------------

def _same_codes(a, b) -> bool:
    return (a.network.input_code.same_as(b.network.input_code)
            and a.network.output_code.same_as(b.network.output_code))


@examples(25)
@given(data=st.data(), seed=seeds, s=st.sampled_from([2, 3]))
def test_the_same_seed_gives_identical_codes_for_any_two_pair_lists_of_the_same_size(data, seed,
                                                                                     s):
    m, first = data.draw(pair_lists(max_m=30, max_pairs=60), label="first")
    assume(s <= m)
    _, second = data.draw(pair_lists(m=m, n_pairs=len(first)), label="second")
    c1 = construct(And2(m, first), s, seed)
    c2 = construct(And2(m, second), s, seed)
    assert _same_codes(c1, c2), f"seed={seed} m={m} m'={len(first)}"
    if [sorted(p) for p in first.tolist()] != [sorted(p) for p in second.tolist()]:
        # two instances that differ as functions must differ in their weights or thresholds
        differ = any(x.weights.shape != y.weights.shape or (x.weights != y.weights).nnz
                     or not np.array_equal(x.theta, y.theta)
                     for x, y in zip(c1.network.layers, c2.network.layers))
        assert differ, "different instances got the same network on the same fixed codes"


@examples(10)
@given(family=st.sampled_from(["random", "star", "nearcut", "mixed"]), m_prime=m_primes(2, 2000),
       seed=seeds, i1=instance_seeds, i2=instance_seeds)
def test_the_same_seed_gives_identical_codes_across_instance_seeds(family, m_prime, seed, i1,
                                                                   i2):
    c1 = build("and2", m_prime, family, i1, sparsity=2, seed=seed)
    c2 = build("and2", m_prime, family, i2, sparsity=2, seed=seed)
    assume(c1.m == c2.m)
    assert _same_codes(c1, c2), f"family={family} m'={m_prime} seed={seed} i1={i1} i2={i2}"


@examples(15)
@given(m_prime=m_primes(2, 40), seed=seeds, instance_seed=instance_seeds)
def test_the_same_seed_gives_identical_codes_across_families_with_the_same_m(m_prime, seed,
                                                                             instance_seed):
    by_m = defaultdict(list)
    for family in AND2_FAMILIES:
        circuit = build("and2", m_prime, family, instance_seed, sparsity=2, seed=seed)
        by_m[circuit.m].append(circuit)
    groups = [g for g in by_m.values() if len(g) > 1]
    assert groups, f"m'={m_prime}: expected two families sharing m (star and mixed at least)"
    for group in groups:
        for other in group[1:]:
            assert _same_codes(group[0], other), (f"{group[0].family} and {other.family} at "
                                                  f"m'={m_prime} seed={seed}")


@examples(15)
@given(data=st.data(), seed=seeds, s=st.sampled_from([1, 2, 3]))
def test_the_same_seed_gives_identical_codes_for_any_two_permutations(data, seed, s):
    first = data.draw(permutations(3, 60), label="first")
    second = data.draw(st.permutations(list(range(len(first)))), label="second")
    c1 = construct(Permutation(first), s, seed)
    c2 = construct(Permutation(np.array(second)), s, seed)
    assert _same_codes(c1, c2)


def test_different_seeds_give_different_codes():
    c1, c2 = built("and2", 200, "random", 0, 2, 1), built("and2", 200, "random", 0, 2, 2)
    assert not c1.network.input_code.same_as(c2.network.input_code)
    assert not c1.network.output_code.same_as(c2.network.output_code)


@pytest.mark.parametrize("problem, family", [("and2", "star"), ("and2", "nearcut"),
                                             ("perm", "random"), ("represent", None)])
@examples(3)
@given(m_prime=m_primes(3, 400), seed=seeds)
def test_the_same_arguments_build_the_same_network(problem, family, m_prime, seed):
    c1 = build(problem, m_prime, family, 5, sparsity=2, seed=seed)
    c2 = build(problem, m_prime, family, 5, sparsity=2, seed=seed)
    assert _same_codes(c1, c2)
    assert len(c1.network.layers) == len(c2.network.layers)
    for l1, l2 in zip(c1.network.layers, c2.network.layers):
        assert l1.weights.shape == l2.weights.shape and (l1.weights != l2.weights).nnz == 0
        assert np.array_equal(l1.theta, l2.theta)
    assert c1.constants == c2.constants


# --- argument checks --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    dict(problem="and2", m_prime=50, sparsity=0),
    dict(problem="and2", m_prime=3, family="complete", sparsity=4),   # s > m = 3
    dict(problem="perm", m_prime=2, sparsity=3),
    dict(problem="and2", m_prime=0),
    dict(problem="and2", m_prime=-5),
    dict(problem="and2", m_prime=20.0),
    dict(problem="and2", m_prime="20"),
    dict(problem="and2", m_prime=20, sparsity=2.0),
    dict(problem="and2", m_prime=20, sparsity=True),
    dict(problem="and2", m_prime=20, seed=-1),
    dict(problem="and2", m_prime=20, seed=1.5),
    dict(problem="and2", m_prime=20, instance_seed=-1),
    dict(problem="and2", m_prime=20, construction="bloom"),
    dict(problem="perm", m_prime=20, construction="three-channel"),
    dict(problem="and2", m_prime=20, family="identity"),
    dict(problem="perm", m_prime=20, family="star"),
    dict(problem="xor", m_prime=20),
    dict(problem="and2", m_prime=20, constants={"c_x": 1.0}),
    dict(problem="and2", m_prime=20, constants={"c_d": 0}),
    dict(problem="and2", m_prime=20, constants={"c_d": -1.0}),
    dict(problem="and2", m_prime=20, constants={"c_d": float("nan")}),
    dict(problem="and2", m_prime=20, constants={"c_d": float("inf")}),
    dict(problem="and2", m_prime=20, constants={"c_d": "3"}),
    dict(problem="and2", m_prime=20, constants={"t_min": 0}),
    dict(problem="and2", m_prime=20, constants={"r_min": 2.5}),
    dict(problem="perm", m_prime=20, constants={"c_d": 0.0}),
    dict(problem="represent", m_prime=20, constants={"c_w": -2}),
    dict(problem="represent", m_prime=20, constants={"t_extra": -1}),
    dict(problem="and2", m_prime=20, construction="naive", constants={"c_d": 3.0}),
])
def test_build_rejects_bad_arguments_with_a_one_line_invalid_argument(kwargs):
    with pytest.raises(InvalidArgument) as info:
        build(**kwargs)
    assert "\n" not in str(info.value) and str(info.value)


def test_make_problem_uses_the_first_listed_family_by_default():
    problem = make_problem("and2", 30)
    m, pairs = circuits.constructions.and2_instance(circuits.FAMILIES["and2"][0], 30, 0)
    assert problem.m == m and np.array_equal(problem.pairs, pairs)


def test_custom_constants_are_applied_and_recorded():
    plain = built("and2", 200, "random", 0, 2, 0)
    wider = build("and2", 200, "random", 0, sparsity=2, seed=0, constants={"c_d": 4.0})
    assert wider.constants["c_d"] == 4.0
    assert wider.network.input_code.width > plain.network.input_code.width
    assert exhaustive(wider).wrong_outputs == 0


def test_fuzz_on_constructed_circuits_at_moderate_size_finds_nothing():
    for family in sorted(AND2_FAMILIES):
        circuit = built("and2", 2000, family, 0, 2, 0)
        report = fuzz(circuit, samples=3000, seed=1)
        assert report.wrong_outputs == 0, f"{describe(circuit)}: {report.examples}"


# --- slow sweeps at scale (run with -m slow) --------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("family", ["random", "nearcut"])
@examples(1)
@given(data=st.data())
def test_three_channel_at_m_prime_ten_to_the_five_is_right_on_twenty_thousand_fuzzed_inputs(
        family, data):
    circuit = built("and2", 10**5, family, 0, 2, 0)
    note(describe(circuit))
    report = fuzz(circuit, samples=20_000, seed=0)
    assert report.inputs_checked == 20_000
    assert report.wrong_outputs == 0, f"{describe(circuit)}: {report.examples}"
    inputs = data.draw(input_batches(circuit, max_size=500), label="inputs")
    bad = _sparse_mismatches(circuit, inputs)
    assert not bad, f"{describe(circuit)}: {bad[:5]}"
    neurons, params = _ratios(circuit)
    c_neurons, c_params = find_construction("and2").stated(2)
    assert neurons <= min(c_neurons, ISSUE_TARGETS["and2"][0]), f"neurons ratio {neurons:.2f}"
    assert params <= min(c_params, ISSUE_TARGETS["and2"][1]), f"params ratio {params:.2f}"


def _sparse_mismatches(circuit, inputs):
    """Network vs the package's truth, for sizes where the dense reference is too big."""
    batch = as_batch(inputs, circuit.sparsity)
    got = circuit.network.evaluate(batch)
    diff = (got - circuit.problem.truth(batch)).tocoo()
    bad = [(inputs[b], int(k)) for b, k, v in zip(diff.row, diff.col, diff.data) if v]
    # spot-check the package's truth against the brute-force definition on a few inputs
    few = inputs[:20]
    sub = circuit.problem.truth(as_batch(few, circuit.sparsity)).toarray().astype(bool)
    assert (sub == reference_truth(circuit.problem, few)).all()
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("problem, family, s", [
    ("and2", "random", 2), ("and2", "nearcut", 2), ("and2", "star", 2), ("and2", "mixed", 3),
    ("and2", "complete", 2), ("perm", "random", 2), ("perm", "shift", 3),
])
@examples(3)
@example(m_prime=SLOW_M_PRIME_MAX, seed=0, instance_seed=0)
@given(m_prime=m_primes(1000, SLOW_M_PRIME_MAX), seed=seeds, instance_seed=instance_seeds)
def test_sweeps_up_to_the_profiles_largest_m_prime_stay_correct_and_within_constants(
        problem, family, s, m_prime, seed, instance_seed):
    circuit = build(problem, m_prime, family, instance_seed, sparsity=s, seed=seed)
    note(describe(circuit))
    report = fuzz(circuit, samples=4000, seed=seed)
    assert report.wrong_outputs == 0, f"{describe(circuit)}: {report.examples}"
    neurons, params = _ratios(circuit)
    c_neurons, c_params = find_construction(problem).stated(s)
    assert neurons <= c_neurons and params <= c_params, (
        f"{describe(circuit)}: ratios {neurons:.2f}, {params:.2f} above {c_neurons}, {c_params}")


@pytest.mark.parametrize("problem", ["and2", "perm", "represent"])
def test_every_problem_rejects_a_negative_instance_seed(problem):
    with pytest.raises(InvalidArgument, match="instance_seed=-5"):
        build(problem, 10, instance_seed=-5)
