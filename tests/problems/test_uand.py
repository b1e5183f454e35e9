"""U-AND (problems/_uand.py): the problem, Hänni et al.'s pair detectors as reconstructed, both
readouts against dense references, exact error rates, and the peer construction."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from superpose.checks import SweepSettings, VerifyConfig, measure, verify
from superpose.checks.verification._problem_checks import error_evidence
from superpose.circuits import build, error_rates, load_circuit, problem_spec, save_circuit
from superpose.circuits.registry import make_problem
from superpose.problems._uand import AllPairs, linear_readout
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument
from tests.strategies import as_batch


def test_uand_is_every_pair_of_m_features_and_rounds_m_prime_up_to_c_m_2():
    problem = make_problem("uand", 100)
    assert (problem.m, problem.m_prime) == (15, 105)
    assert problem.pairs.tolist() == [list(p) for p in itertools.combinations(range(15), 2)]
    assert make_problem("uand", 120).m == 16
    with pytest.raises(InvalidArgument, match="lexicographic"):
        AllPairs(4, np.array([[0, 1]]))


def test_hanni_uand_follows_its_stated_sizes_and_reads_gamma_ij():
    circuit = build("uand", 496, sparsity=3, seed=2)
    k = circuit.constants
    assert k["p"] == 0.25 / 2 and k["d"] == math.ceil(4.0 * math.log2(496) / k["p"] ** 2)
    w = circuit.network.layers[0].weights.toarray()
    assert set(np.unique(w).tolist()) <= {0, 1} and set(circuit.network.layers[0].theta) == {2}
    for kk in (0, 17, 495):
        a, b = circuit.problem.pairs[kk]
        gamma = np.flatnonzero(w[:, a] & w[:, b])
        assert circuit.network.output_code.row(kk).tolist() == gamma.tolist()
    assert circuit.network.widths == (32, k["d"]) and k["empty_gamma"] == 0


def _dense_linear(circuit, inputs):
    """Hänni's readout from the definition: mean over Gamma_ij of ReLU(#active connected - 1)."""
    w = circuit.network.layers[0].weights.toarray()
    out = np.zeros((len(inputs), circuit.m_prime), dtype=int)
    for b, active in enumerate(inputs):
        x = np.zeros(circuit.m, dtype=int)
        x[list(active)] = 1
        relu = np.maximum(w @ x - 1, 0)
        for kk in range(circuit.m_prime):
            gamma = circuit.network.output_code.row(kk)
            out[b, kk] = int(len(gamma) > 0 and relu[gamma].mean() >= 0.5)
    return out


def test_the_linear_readout_matches_its_definition_on_every_two_sparse_input():
    circuit = build("uand", 45, sparsity=2, seed=1, constants={"c_r": 1.0})
    inputs = [c for j in range(3) for c in itertools.combinations(range(circuit.m), j)]
    got = linear_readout(circuit, as_batch(inputs, 2)).toarray()
    assert np.array_equal(got, _dense_linear(circuit, inputs))


def test_exact_error_rates_count_every_wrong_bit_of_every_input_with_s_features():
    circuit = build("uand", 45, sparsity=2, seed=1, constants={"c_r": 1.0})
    rates = {e.readout: e for e in error_rates(circuit, (("linear", linear_readout),))}
    inputs = list(itertools.combinations(range(circuit.m), 2))
    want = circuit.problem.truth(as_batch(inputs, 2)).toarray()
    linear = _dense_linear(circuit, inputs)
    decoded = circuit.network.evaluate(as_batch(inputs, 2)).toarray()
    for name, got in (("linear", linear), ("and", decoded)):
        e = rates[name]
        assert e.exact and e.inputs == len(inputs) == e.input_space
        assert e.wrong_bits == int((got != want).sum())
        assert e.wrong_inputs == int((got != want).any(axis=1).sum())
        assert e.bit_upper == e.bit_rate
    assert rates["linear"].wrong_bits > 0  # c_r = 1 is too few detectors per pair


def test_sampled_error_rates_are_seeded_and_bounded_above():
    circuit = build("uand", 4950, sparsity=3, seed=0, constants={"c_r": 1.0})
    first = error_rates(circuit, (), samples=300, seed=5, exhaustive_limit=1000)
    again = error_rates(circuit, (), samples=300, seed=5, exhaustive_limit=1000)
    (e,) = first
    assert not e.exact and e.inputs == 300 and e.seed == 5 and first == again
    assert e.bit_upper >= e.bit_rate and e.input_upper >= e.input_rate


def test_uand_claims_are_checked_and_the_report_puts_the_peer_beside_it():
    config = VerifyConfig(max_m_prime=276, problems=("uand",),
                          settings=SweepSettings(samples=200))
    report = verify(config)
    by_id = {r.claim.id: r for r in report.extra_claims}
    assert set(by_id) == {"UAND-ERROR", "UAND-NEURONS"} and not report.results
    error = by_id["UAND-ERROR"]
    assert error.verdict is Verdict.PROVED, error.evidence
    (peers,) = [e for e in error.evidence if e.check == "uand-peers"]
    assert not peers.decisive and "three-channel" in peers.detail
    assert "hanni-uand" in peers.detail and "error and 0" in peers.detail
    rows = peers.data["peers"]
    assert {r["construction"] for r in rows} == {"hanni-uand", "three-channel"}
    ours = [m for m in report.measurements if m.construction == "three-channel"]
    theirs = [m for m in report.measurements if m.construction == "hanni-uand"]
    assert {(m.sparsity, m.m_prime) for m in ours} == {(m.sparsity, m.m_prime) for m in theirs}
    assert all(m.errors and m.vetoes == 0 and m.certificate is None for m in theirs)


def _with_epsilon(eps: float):
    spec = problem_spec("uand")
    construction = dataclasses.replace(spec.default_construction, epsilon=eps)
    return dataclasses.replace(spec, constructions=(construction,))


def test_an_exact_error_above_epsilon_is_refuted_and_one_within_it_proved():
    m = measure("uand", "all", 2, 120, SweepSettings(samples=200), constants={"c_r": 1.0})
    (linear,) = [e for e in m.errors if e.readout == "linear"]
    assert linear.exact and linear.bit_rate > 0
    refuted = error_evidence("uand-error", _with_epsilon(linear.bit_rate / 2), [m])
    assert refuted.verdict is Verdict.REFUTED and "linear readout wrong" in refuted.detail
    assert "--constant c_r=1.0" in refuted.replay
    proved = error_evidence("uand-error", _with_epsilon(linear.bit_rate * 1.01), [m])
    assert proved.verdict is Verdict.PROVED and proved.decisive


def test_a_sampled_rate_within_epsilon_is_unknown_until_its_upper_bound_is():
    m = measure("uand", "all", 3, 4950, SweepSettings(samples=100, exhaustive_limit=1000),
                constants={"c_r": 1.0})
    (rate,) = [e for e in m.errors if e.readout == "and"]
    assert not rate.exact and rate.bit_upper > rate.bit_rate
    eps = (rate.bit_rate + rate.bit_upper) / 2 or rate.bit_upper / 2
    assert error_evidence("uand-error", _with_epsilon(eps), [m]).verdict is Verdict.UNKNOWN


def test_a_uand_file_stores_no_pairs_and_loads_them_back(tmp_path):
    circuit = build("uand", 120, sparsity=2, seed=3)
    path = save_circuit(circuit, tmp_path / "u.npz")
    with np.load(path) as z:
        assert "pairs" not in z.files
    back = load_circuit(path)
    assert np.array_equal(back.problem.pairs, circuit.problem.pairs)
    assert back.counts() == circuit.counts()


def test_three_channel_on_uand_is_three_channel_and2_on_the_complete_family():
    ours = build("uand", 496, sparsity=2, seed=0, construction="three-channel")
    and2 = build("and2", 496, "complete", sparsity=2, seed=0)
    assert ours.counts() == and2.counts()
    assert np.array_equal(ours.problem.pairs, and2.problem.pairs)
