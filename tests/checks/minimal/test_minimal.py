"""`superpose minimal`: exact minima at tiny sizes, witnesses replayed, one less impossible.

The UNSAT side of each minimum is Z3's word; an independent MILP (SciPy's HiGHS, a different
solver on a different encoding) re-derives the per-width minima of three instances.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

import superpose.checks.minimal._z3 as minimal_z3
from superpose.checks.minimal._minimum import (
    DEFAULT_TABLE,
    Instance,
    exact_minimum,
    family_minimum,
    fixed_output_code,
    minimal_evidence,
    params_counting_bound,
    sperner_width,
    units_counting_bound,
    values_only_bound,
)
from superpose.circuits import PAD, exhaustive, identity_code, load_circuit
from superpose.circuits.model import count_sparse_inputs, enumerate_sparse_inputs
from superpose.theory import Verdict
from tests.cli import run


@pytest.fixture(scope="module")
def and2_m4(tmp_path_factory):
    path = tmp_path_factory.mktemp("w") / "and2-m4.npz"
    return exact_minimum("and2", 4, 2, witness_out=path), path


# ---------------------------------------------------------------------------------------------
# An independent solver: the per-width minimum number of nonzero parameters, by MILP.


def milp_min_params(problem, sparsity: int, d: int, bound: int) -> int | None:
    """min nonzero weights + thresholds of a correct width-d network in the tiny model, or None
    when no network exists (HiGHS, big-M encoding of each unit on each s-sparse input)."""
    m, m_prime, s = problem.m, problem.m_prime, sparsity
    code = fixed_output_code(m_prime, d)
    inputs, truths = [], []
    for chunk in enumerate_sparse_inputs(m, s):
        for row, truth in zip(chunk, problem.truth(chunk).toarray(), strict=True):
            inputs.append([int(i) for i in row if i != PAD])
            truths.append(truth)
    n = len(inputs)
    nw, nf = d * m, d * n
    w = lambda q, i: q * m + i  # noqa: E731
    th = lambda q: nw + q  # noqa: E731
    f = lambda q, x: nw + d + q * n + x  # noqa: E731
    zw = lambda q, i: nw + d + nf + q * m + i  # noqa: E731
    zt = lambda q: 2 * nw + d + nf + q  # noqa: E731
    size = 2 * nw + 2 * d + nf
    lo, hi = np.zeros(size), np.ones(size)
    lo[:nw], hi[:nw] = -bound, bound
    lo[nw:nw + d], hi[nw:nw + d] = -bound * s, bound * s + 1
    rows, lb, ub = [], [], []
    big = 2 * bound * s + 2
    for q in range(d):
        for x, active in enumerate(inputs):
            r = {w(q, i): 1 for i in active}
            r[th(q)], r[f(q, x)] = -1, -big
            rows += [r, dict(r)]  # fire -> pre >= theta; not fire -> pre <= theta - 1
            lb += [-big, -np.inf]
            ub += [np.inf, -1]
        for i in range(m):
            rows += [{w(q, i): 1, zw(q, i): -bound}, {w(q, i): -1, zw(q, i): -bound}]
            lb += [-np.inf, -np.inf]
            ub += [0, 0]
        top = bound * s + 1
        rows += [{th(q): 1, zt(q): -top}, {th(q): -1, zt(q): -top}]
        lb += [-np.inf, -np.inf]
        ub += [0, 0]
    for x, truth in enumerate(truths):
        for k in range(m_prime):
            support = code.row(k).tolist()
            if truth[k]:
                for q in support:
                    lo[f(q, x)] = 1
            else:
                rows.append({f(q, x): 1 for q in support})
                lb.append(-np.inf)
                ub.append(len(support) - 1)
    a = sp.lil_matrix((len(rows), size))
    for j, r in enumerate(rows):
        for c, v in r.items():
            a[j, c] = v
    cost = np.zeros(size)
    cost[nw + d + nf:] = 1  # the indicators of nonzero weights and thresholds
    res = milp(cost, constraints=LinearConstraint(a.tocsr(), lb, ub),
               integrality=np.ones(size), bounds=Bounds(lo, hi))
    if res.status == 2:
        return None
    assert res.status == 0, res.message
    return int(round(res.fun))


# ---------------------------------------------------------------------------------------------
# The model


@pytest.mark.parametrize("m_prime", [3, 5, 6, 10, 15])
def test_the_fixed_output_code_is_an_antichain_that_depends_only_on_m_prime_and_width(m_prime):
    for d in range(1, m_prime + 2):
        code = fixed_output_code(m_prime, d)
        if d < sperner_width(m_prime):
            assert code is None
            continue
        again = fixed_output_code(m_prime, d)
        assert code.same_as(again) and code.width == d and code.n_rows == m_prime
        rows = [frozenset(code.row(k).tolist()) for k in range(m_prime)]
        assert len(set(map(len, rows))) == 1
        assert all(not a <= b for a, b in itertools.permutations(rows, 2))
    assert fixed_output_code(m_prime, m_prime).same_as(identity_code(m_prime))


def test_sperner_width_is_the_least_width_with_m_prime_incomparable_supports():
    for m_prime in range(1, 40):
        d = sperner_width(m_prime)
        assert math.comb(d, d // 2) >= m_prime
        assert d == 1 or math.comb(d - 1, (d - 1) // 2) < m_prime


def test_the_counting_bounds_are_the_least_values_whose_network_counts_reach_the_family():
    def networks(p, m, s, b, width):
        values = 2 * b * s + 1
        return sum(math.comb(d * (m + 1), j) * values ** j
                   for d in range(1, width + 1) for j in range(p + 1))

    for n, m, s, b, width in [(720, 4, 2, 3, 6), (math.factorial(15), 6, 2, 3, 15),
                              (math.factorial(28), 8, 2, 1, 28), (24, 4, 1, 3, 4)]:
        p = params_counting_bound(n, m, s, b, width)
        assert networks(p, m, s, b, width) >= n
        assert p == 0 or networks(p - 1, m, s, b, width) < n
        u = units_counting_bound(n, m, s, b)
        assert sum((2 * b + 1) ** (d * m) * (2 * b * s + 2) ** d for d in range(1, u + 1)) >= n
    assert params_counting_bound(1, 4, 2, 3, 6) == units_counting_bound(1, 4, 2, 3) == 0
    assert values_only_bound(math.factorial(15), 3) == math.ceil(math.log2(math.factorial(15))
                                                                 / 3)


# ---------------------------------------------------------------------------------------------
# Witnesses and minima


def test_the_witness_for_and2_m4_replays_on_every_sparse_input(and2_m4):
    result, path = and2_m4
    for file, quantity, value in ((path, "threshold_units", result.units_min),
                                  (path.with_name("and2-m4-params.npz"), "params",
                                   result.params_min)):
        circuit = load_circuit(file)
        report = exhaustive(circuit)
        assert report.complete and report.wrong_outputs == 0
        assert report.inputs_checked == count_sparse_inputs(4, 2)
        assert getattr(circuit.counts(), quantity) == value
        assert circuit.construction == "z3-minimal" and len(circuit.network.layers) == 1
        assert circuit.network.input_code.same_as(identity_code(4))
        width = circuit.network.widths[-1]
        assert circuit.network.output_code.same_as(fixed_output_code(6, width))
        assert np.abs(circuit.network.layers[0].weights.data).max() <= 3
    assert result.witness_units["replayed"] and result.witness_params["replayed"]
    assert result.witnesses_failed == 0


def test_and2_m4_in_lex_order_needs_four_units_and_eight_params_with_one_less_impossible(and2_m4):
    result, _ = and2_m4
    assert result.verdict is Verdict.PROVED
    assert (result.units_min, result.params_min) == (4, 8)
    assert result.units_unsat_below and result.units_below_reason == "sperner"
    assert result.params_unsat_below
    assert result.naive["threshold_units"] == 6 and result.naive["params"] == 18


def test_an_independent_milp_agrees_with_z3_on_every_width(and2_m4):
    shuffled = Instance("and2", 5, 2, order=(8, 4, 7, 0, 1, 2, 5, 9, 6, 3))
    cases = [(Instance("and2", 4, 2), and2_m4[0]),
             (shuffled, family_minimum(shuffled)),
             (Instance("perm", 5, 1), exact_minimum("perm", 5, 1))]
    for inst, result in cases:
        problem = inst.problem_of(inst.orders()[0])
        per_width = {d: milp_min_params(problem, inst.sparsity, d, result.max_weight)
                     for d in range(sperner_width(result.m_prime), result.m_prime + 1)}
        assert min(d for d, v in per_width.items() if v is not None) == result.units_min
        assert min(v for v in per_width.values() if v is not None) == result.params_min
        assert per_width[result.units_min] == result.params_at_units_min
        for row in result.widths:  # z3's log: a local minimum, or none below the best so far
            if row["params_min"] is not None:
                assert per_width[row["d"]] == row["params_min"], (result.label, row)
            else:
                assert per_width[row["d"]] is None or per_width[row["d"]] >= result.params_min


def test_a_pair_order_that_misaligns_with_the_fixed_code_needs_more_than_the_lex_order():
    shuffled = exact_minimum("and2", 5, 2, order=(8, 4, 7, 0, 1, 2, 5, 9, 6, 3))
    lex = exact_minimum("and2", 5, 2)
    assert shuffled.verdict is lex.verdict is Verdict.PROVED
    assert (lex.units_min, lex.params_min) == (5, 10)
    assert (shuffled.units_min, shuffled.params_min) == (7, 26)
    assert shuffled.units_below_reason == "z3"


def test_the_worst_pair_order_of_m4_needs_as_much_as_naive():
    result = exact_minimum("and2", 4, 2, all_instances=True)
    assert result.verdict is Verdict.PROVED and result.instances == 30
    assert (result.units_min, result.params_min) == (6, 18)
    assert (result.units_min_best, result.params_min_best) == (4, 8)
    assert result.units_min == result.naive["threshold_units"]
    assert result.params_min == result.naive["params"]
    bound = [lk for lk in result.links if lk["link"] == "counting bound <= exact"]
    assert all(lk["decisive"] and lk["holds"] for lk in bound)


def test_every_permutation_of_four_has_the_same_minima():
    result = exact_minimum("perm", 4, 2, all_instances=True)
    assert result.verdict is Verdict.PROVED and result.instances == 24
    assert result.units_min == result.units_min_best == 4
    assert result.params_min == result.params_min_best == 8
    assert result.witnesses_failed == 0 and result.witnesses_replayed >= 48


def test_the_decisive_links_hold_and_the_construction_exceeds_naive_at_tiny_sizes(and2_m4):
    result, _ = and2_m4
    links = {(lk["quantity"], lk["link"]): lk for lk in result.links}
    for q in ("units", "params"):
        assert links[(q, "exact <= naive")]["decisive"] and links[(q, "exact <= naive")]["holds"]
        assert links[(q, "exact <= construction")]["holds"]
        con = links[(q, "construction <= naive")]
        assert not con["decisive"] and con["holds"] is False  # 202 units vs 6: a finding
    assert result.construction["correct"] and result.naive["correct"]


def test_a_wrong_witness_from_the_solver_is_caught_by_the_replay(monkeypatch):
    original = minimal_z3._Encoding.witness

    def broken(self, objective):
        wit = original(self, objective)
        wit.theta = wit.theta.copy()
        wit.theta[0] = -100  # unit 0 now fires on every input
        return wit

    monkeypatch.setattr(minimal_z3._Encoding, "witness", broken)
    result = exact_minimum("perm", 3, 2)
    assert result.verdict is Verdict.REFUTED and result.witnesses_failed > 0
    assert "failed replay" in result.reason


# ---------------------------------------------------------------------------------------------
# Evidence for `superpose verify`


def test_minimal_evidence_is_proved_on_the_default_table():
    (ev,) = minimal_evidence()
    assert ev.check == "minimal-sizes" and ev.decisive
    assert ev.verdict is Verdict.PROVED, ev.detail
    table = ev.data["table"]
    assert len(table) == len(DEFAULT_TABLE) >= 4
    for row in table:
        assert row["units_unsat_below"] and row["params_unsat_below"]
        assert row["witness_units"]["replayed"] and row["witness_params"]["replayed"]
        assert row["counting_bound"]["params"] <= row["params_min"] <= row["naive"]["params"]
    json.dumps(ev.data)


def test_minimal_evidence_is_unknown_when_a_row_times_out():
    (ev,) = minimal_evidence(timeout=0.2, instances=(Instance("and2", 4, 2, all_instances=True),))
    assert ev.verdict is Verdict.UNKNOWN and ev.decisive
    assert "timeout" in ev.detail
    assert ev.replay == "superpose minimal and2 --m 4 --sparsity 2 --all-orders"


def test_strict_chain_refutes_with_a_replayable_command(capsys):
    (ev,) = minimal_evidence(instances=(Instance("perm", 3, 2),), strict_chain=True)
    assert ev.verdict is Verdict.REFUTED
    assert "construction <= naive fails" in ev.detail
    code, out, _ = run(capsys, *ev.replay.split()[1:])
    assert code == 1 and "REFUTED" in out


# ---------------------------------------------------------------------------------------------
# The command line


def test_json_output_names_the_numbers_statuses_witness_path_and_seconds(tmp_path, capsys):
    path = tmp_path / "p.npz"
    code, out, _ = run(capsys, "minimal", "perm", "--m", "3", "--perm", "2,0,1", "--json",
                       "--witness-out", str(path))
    data = json.loads(out)
    assert code == 0
    for key in ("units_min", "params_min", "units_unsat_below", "params_unsat_below",
                "counting_bound", "construction", "naive", "links", "seconds", "verdict",
                "witness_units", "witness_params", "family_size"):
        assert key in data, key
    assert data["verdict"] == "PROVED" and data["worst_instance"]["units"] == {"perm": [2, 0, 1]}
    assert data["witness_units"]["path"] == str(path) and path.is_file()
    assert (tmp_path / "p-params.npz").is_file()
    assert data["units_min"] == load_circuit(path).counts().threshold_units == 3


def test_the_human_table_shows_the_chain_and_exit_code_zero(capsys):
    code, out, _ = run(capsys, "minimal", "and2", "--m", "3")
    assert code == 0
    assert "1 <= 3 <= 143 > 3" in out and "UNSAT (sperner)" in out and "replayed" in out


def test_a_timeout_exits_3(capsys):
    code, out, _ = run(capsys, "minimal", "and2", "--m", "4", "--all-orders", "--timeout", "0.2")
    assert code == 3 and "UNKNOWN" in out


@pytest.mark.parametrize("argv, words", [
    (["and2", "--m", "9"], "m=9 must be between 3 and 8"),
    (["and2", "--m", "2"], "m=2 must be between 3 and 8"),
    (["perm"], "--m is required"),
    (["and2", "--m", "4", "--sparsity", "1"], "sparsity=1"),
    (["perm", "--m", "3", "--perm", "0,0,1"], "exactly once"),
    (["perm", "--m", "3", "--order", "0,1,2"], "--order does not apply"),
    (["and2", "--m", "5", "--all-orders"], "m=5 must be <= 4"),
    (["and2", "--m", "4", "--max-weight", "0"], "max_weight=0"),
    (["and2", "--m", "4", "--timeout", "-1"], "timeout"),
    (["table", "--m", "4"], "does not apply to 'minimal table'"),
    (["and2", "--m", "3", "--witness-out", "/nonexistent/dir/w.npz"], "does not exist"),
    # refused before the search (it was refused only when the witness was written)
    (["and2", "--m", "3", "--witness-out", "/"], "is a directory; name a file for the witness"),
])
def test_bad_input_exits_2_with_a_one_line_message(capsys, argv, words):
    code, out, err = run(capsys, "minimal", *argv)
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
def test_the_heavy_table_is_proved(capsys):
    code, out, _ = run(capsys, "minimal", "table", "--heavy")
    assert code == 0 and "UNKNOWN" not in out and "REFUTED" not in out
