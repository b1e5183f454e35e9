"""The counting premises, exhaustively: distinguishable instances and function counts."""

from __future__ import annotations

import dataclasses
import itertools
import math
import time

import numpy as np
import pytest

from superpose.checks.premises._evidence import (
    distinguishability,
    distinguishability_evidence,
    function_count_evidence,
    function_counts,
    premise_evidence,
    signed_values,
)
from superpose.circuits import Permutation
from superpose.circuits.model import enumerate_sparse_inputs
from superpose.theory import InvalidArgument, Verdict


@pytest.fixture(scope="module")
def evidence():
    start = time.perf_counter()
    records = premise_evidence()
    return records, time.perf_counter() - start


# --- distinguishability -----------------------------------------------------------------------

def test_two_permutations_that_swap_two_outputs_give_different_truth_tables():
    batch = np.concatenate(list(enumerate_sparse_inputs(3, 1)))
    a = Permutation(np.array([0, 1, 2])).truth(batch).toarray()
    b = Permutation(np.array([1, 0, 2])).truth(batch).toarray()
    assert not np.array_equal(a, b)
    # input {0} lights output 0 under the identity and output 1 under the swap
    assert a[1].tolist() == [1, 0, 0] and b[1].tolist() == [0, 1, 0]
    result = distinguishability("perm", 3, 1, instances=[(0, 1, 2), (1, 0, 2)])
    assert (result.instances, result.distinct, result.example) == (2, 2, None)


@pytest.mark.parametrize("m", [2, 3, 4, 5, 6])
def test_every_permutation_is_told_apart_by_one_active_feature(m):
    result = distinguishability("perm", m, 1)
    assert result.instances == result.expected_instances == math.factorial(m)
    assert result.distinct == math.factorial(m) and result.collisions == 0
    assert result.mismatches == 0 and result.in_premise


@pytest.mark.parametrize("s", [2, 3])
def test_every_pair_set_over_five_features_is_told_apart_at_sparsity_two_and_three(s):
    for mp in range(1, 11):
        result = distinguishability("and2", 5, s, mp)
        assert result.instances == math.comb(10, mp) == result.distinct, mp
        assert result.mismatches == 0


def test_reordered_pair_lists_are_different_instances_with_different_functions():
    swapped = distinguishability("and2", 4, 2, instances=[[(0, 1), (2, 3)], [(2, 3), (0, 1)]])
    assert swapped.distinct == 2
    every = distinguishability("and2", 4, 2, 2, order="lists")
    assert every.instances == math.perm(6, 2) == every.distinct == 30


def test_at_sparsity_one_every_and_instance_is_the_all_zero_function_and_is_only_data():
    low = distinguishability("and2", 4, 1, 2)
    assert (low.instances, low.distinct, low.zero_tables) == (15, 1, 15)
    assert not low.in_premise and low.example == (((0, 1), (0, 2)), ((0, 1), (0, 3)))
    ok = distinguishability("and2", 4, 2, 2)
    record = distinguishability_evidence([low, ok])
    assert record.verdict is Verdict.PROVED
    assert "data outside the premise (and2 at s=1" in record.detail
    assert "ONE function" in record.detail


def test_identical_and_instances_are_refuted_with_both_instances_named():
    inst = [(0, 1), (2, 3)]
    result = distinguishability("and2", 4, 2, instances=[inst, [(0, 2), (1, 3)], inst])
    assert result.collisions == 1 and result.mismatches == 0
    assert result.example == (((0, 1), (2, 3)), ((0, 1), (2, 3)))
    record = distinguishability_evidence([result])
    assert record.verdict is Verdict.REFUTED and record.decisive
    assert "pairs (0,1), (2,3) and pairs (0,1), (2,3) give the same truth table" in record.detail


def test_a_permutation_collision_refutes_even_at_sparsity_one_because_the_premise_uses_it():
    result = distinguishability("perm", 3, 1, instances=[(2, 0, 1), (2, 0, 1)])
    record = distinguishability_evidence([result])
    assert record.verdict is Verdict.REFUTED
    assert "perm [2, 0, 1] and perm [2, 0, 1]" in record.detail


def test_a_disagreement_with_problem_truth_makes_distinguishability_unknown():
    result = dataclasses.replace(distinguishability("perm", 3, 2), mismatches=1)
    assert distinguishability_evidence([result]).verdict is Verdict.UNKNOWN
    low = distinguishability("and2", 4, 1, 1)
    assert distinguishability_evidence([low]).verdict is Verdict.UNKNOWN   # nothing in premise


# --- function counts --------------------------------------------------------------------------

def _plain_count(widths, values):
    """Independent pure-Python enumeration: {truth table: min nonzeros}."""
    d0 = widths[0]
    inputs = list(itertools.product((0, 1), repeat=d0))
    slots = sum(widths[l] * (widths[l - 1] + 1) for l in range(1, len(widths)))
    best = {}
    for params in itertools.product(values, repeat=slots):
        table, pos = [], 0
        for x in inputs:
            a, pos = list(x), 0
            for l in range(1, len(widths)):
                d_in, d_out = widths[l - 1], widths[l]
                w = params[pos:pos + d_out * d_in]
                th = params[pos + d_out * d_in:pos + d_out * (d_in + 1)]
                pos += d_out * (d_in + 1)
                a = [int(sum(w[k * d_in + j] * a[j] for j in range(d_in)) >= th[k])
                     for k in range(d_out)]
            table.append(tuple(a))
        key = tuple(table)
        nz = sum(v != 0 for v in params)
        best[key] = min(best.get(key, nz), nz)
    return best


def test_one_unit_on_one_input_with_ternary_weights_realises_all_four_functions():
    # f(0) = [0 >= theta], f(1) = [w >= theta]. theta=-1: 11 (w free); theta=0: 11, or 10 (w=-1);
    # theta=1: 00, or 01 (w=1). All 4 functions; 11 needs 0 nonzeros (w = theta = 0), 10 and
    # 00 need 1, 01 needs 2. So <= p nonzeros gives 1, 3, 4 functions against 3^p = 1, 3, 9.
    count = function_counts((1, 1), (-1, 0, 1))
    assert (count.slots, count.assignments, count.functions) == (2, 9, 4)
    assert [r.functions for r in count.by_nonzeros] == [1, 3, 4]
    assert [r.values_bound for r in count.by_nonzeros] == [1, 3, 9]
    assert [r.assignments for r in count.by_nonzeros] == [1, 5, 9]
    assert count.positions_needed == () and count.mismatches == 0


def test_a_two_input_unit_with_two_bit_weights_realises_thirteen_functions():
    # The 14 threshold functions of two inputs (all but XOR, XNOR), less AND: AND needs
    # f(0,0) = 0, so theta = 1 (the only positive value); f(1,0) = f(0,1) = 0 force w1, w2 <= 0;
    # then f(1,1) = [w1 + w2 >= 1] = 0. Every other threshold function fits in {-2,-1,0,1}.
    count = function_counts((2, 1), signed_values(2))
    assert signed_values(2) == (-2, -1, 0, 1)
    assert (count.assignments, count.functions) == (64, 13)
    inputs = list(itertools.product((0, 1), repeat=2))
    missing = {tuple(f) for f in itertools.product((0, 1), repeat=4)} - {
        tuple(row[0] for row in table) for table in _plain_count((2, 1), signed_values(2))}
    named = {"AND": lambda a, b: a & b, "XOR": lambda a, b: a ^ b, "XNOR": lambda a, b: 1 - (a ^ b)}
    assert missing == {tuple(f(a, b) for a, b in inputs) for f in named.values()}
    assert count.within_bound and count.positions_bound_holds


def test_three_inputs_and_one_nonzero_parameter_already_exceed_the_values_only_bound():
    # <= 1 nonzero among (w1, w2, w3, theta): all zero fires always (0 >= 0); theta = 1 alone is
    # constant 0; theta < 0 or one w_i > 0 is constant 1; one w_i < 0 with theta = 0 is NOT x_i.
    # That is 2 + 3 = 5 functions, more than 2^(b*1) = 4 at b = 2.
    count = function_counts((3, 1), signed_values(2))
    row = count.by_nonzeros[1]
    assert (row.functions, row.values_bound, row.positions_bound) == (5, 4, 16)
    assert row.exceeds_values_bound and 1 in count.positions_needed
    assert count.within_bound       # the fixed-architecture bound over all P slots still holds


def test_one_layer_counts_are_the_single_unit_count_to_the_power_of_the_width():
    for d0, values in ((3, (-1, 0, 1)), (2, signed_values(2))):
        one = function_counts((d0, 1), values).functions
        two = function_counts((d0, 2), values).functions
        assert two == one ** 2


@pytest.mark.parametrize("widths,values", [((2, 1), signed_values(2)),
                                           ((3, 1), (-1, 0, 1)),
                                           ((2, 2, 1), (-1, 0, 1))])
def test_counts_agree_with_an_independent_pure_python_enumeration(widths, values):
    best = _plain_count(widths, values)
    count = function_counts(widths, values)
    assert count.functions == len(best)
    assert [r.functions for r in count.by_nonzeros] == [
        sum(1 for nz in best.values() if nz <= p) for p in range(count.slots + 1)]
    assert count.nonzero_histogram_ok and count.mismatches == 0


def test_two_layers_realise_xor_so_all_sixteen_two_input_functions():
    assert function_counts((2, 2, 1), (-1, 0, 1)).functions == 16


def test_a_count_above_its_bound_is_refuted_and_a_mismatch_is_unknown():
    good = function_counts((1, 1), (-1, 0, 1))
    assert function_count_evidence([good]).verdict is Verdict.PROVED
    over = dataclasses.replace(good, functions=10)
    record = function_count_evidence([over])
    assert record.verdict is Verdict.REFUTED and "10 functions against |V|^P = 9" in record.detail
    assert function_count_evidence([dataclasses.replace(good, mismatches=2)]).verdict \
        is Verdict.UNKNOWN


def test_bad_arguments_are_refused_with_invalid_argument():
    with pytest.raises(InvalidArgument):
        function_counts((4, 4), signed_values(2))          # 4^20 assignments
    with pytest.raises(InvalidArgument):
        function_counts((2, 1), (1, 2))                      # no zero value
    with pytest.raises(InvalidArgument):
        distinguishability("and2", 4, 5, 1)                  # s > m
    with pytest.raises(InvalidArgument):
        distinguishability("perm", 3, 1, instances=[(0, 1)])  # wrong length
    with pytest.raises(InvalidArgument):
        distinguishability("and2", 4, 2, instances=[[(0, 4)]])  # endpoint outside [0, m)
    with pytest.raises(InvalidArgument):
        distinguishability("and2", 4, 2, instances=[[(0, 1), (1, 0)]])  # a repeated pair


# --- the evidence that verify shows -----------------------------------------------------------

def test_premise_evidence_proves_both_premises_fast_and_states_the_positions_finding(evidence):
    records, seconds = evidence
    assert seconds < 20
    dist, count = records
    assert (dist.check, count.check) == ("premise:distinguishable", "premise:function-count")
    assert dist.verdict is Verdict.PROVED and count.verdict is Verdict.PROVED
    assert dist.decisive and count.decisive
    assert "and2 sets m=4 m'=1..6, m=5 m'=1..10, m=6 m'=1..15, s=2,3" in dist.statement
    assert "ONE function" in dist.detail                     # s = 1 AND reported as data
    assert "720 orderings of the complete pair set (m=4, m'=6, s=2)" in dist.detail
    assert "positions are not free" in count.detail
    archs = count.data["architectures"]
    assert all(a["functions"] <= a["assignments"] for a in archs)
    assert any(a["positions_needed"] for a in archs)
    families = dist.data["families"]
    assert sum(f["instances"] for f in families if f["in_premise"]) == 77266
    assert all(f["collisions"] == 0 for f in families if f["in_premise"])
