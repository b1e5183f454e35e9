"""selftest: planted bugs are really wrong (and only where planted), the certifier catches every
really-wrong mutant with a replayed counterexample and proves every equivalent one, the s = 3
bug is absent at s = 2, runs are reproducible, and a broken certifier is reported as broken."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import superpose.checks.certification as certify_module
import superpose.checks.cli.selftest as selftest_cmd
import superpose.checks.selftest._selftest as selftest_module
from superpose.checks.certification._certify import Certificate, certify
from superpose.checks.selftest._mutants import (
    EQUIVALENT_KINDS,
    KINDS,
    dead_unit_added,
    identity_layer_appended,
    scaled_unit,
    threshold_within_slack,
    unit_dropped,
)
from superpose.checks.selftest._report import INPUTS_PER_EXAMPLE, hypothesis_examples
from superpose.checks.selftest._selftest import (
    BASES,
    STATEMENT,
    BaseSpec,
    _check_bases,
    build_mutant,
    run_selftest,
    selftest_evidence,
)
from superpose.circuits import Counterexample, exhaustive, replays
from superpose.circuits.io import circuit_arrays
from superpose.circuits.model import count_sparse_inputs, enumerate_sparse_inputs
from superpose.theory import Verdict
from tests.cli import run

PLANTED = ("planted-rare-false-positive", "s3-only")
RANDOM_EDITS = ("weight-changed", "threshold-lowered", "unit-dropped")


def _default_report():
    if not hasattr(_default_report, "cached"):
        _default_report.cached = run_selftest(seed=0)
    return _default_report.cached


def _outputs(circuit, sparsity=None):
    """Every output on every input with at most ``sparsity`` active features, stacked."""
    s = circuit.sparsity if sparsity is None else sparsity
    return np.vstack([circuit.network.evaluate(chunk).toarray()
                      for chunk in enumerate_sparse_inputs(circuit.m, s, 4096)])


# --- the bases and the ground truth -----------------------------------------------------------

def test_every_default_base_is_correct_on_every_sparse_input_and_small_enough_to_enumerate():
    good, info, notes = _check_bases(BASES)
    assert len(good) == len(BASES) and not notes
    for entry in info:
        assert entry["correct"] and entry["wrong_inputs"] == 0
        assert entry["input_space"] <= 50_000
    assert {b.sparsity for b in BASES} == {2, 3} and {b.problem for b in BASES} == {"and2",
                                                                                  "perm"}


class _BrokenBase(BaseSpec):
    """A base whose circuit is wrong: the naive and2 circuit with one threshold at 1."""

    def build(self):
        return _lowered(super().build())


def _lowered(circuit):
    net = circuit.network
    theta = net.layers[0].theta.copy()
    theta[0] = 1
    layer = dataclasses.replace(net.layers[0], theta=theta)
    return dataclasses.replace(circuit, network=dataclasses.replace(net, layers=(layer,)))


def test_a_base_that_is_not_correct_is_skipped_and_reported_never_silently():
    broken = _BrokenBase("and2", 12, "random", 2, construction="naive")
    report = run_selftest(0, 1, 50, kinds=("scaled-unit",),
                          bases=(broken, BaseSpec("and2", 10, "random", 2, construction="naive")))
    assert [b["correct"] for b in report.bases] == [False, True]
    assert any("skipped" in n and broken.name in n and "replay" in n for n in report.notes)
    assert all(row.base != broken.name for row in report.rows)


def test_a_kind_with_no_base_it_applies_to_leaves_the_run_inconclusive():
    report = run_selftest(0, 1, 50, kinds=("s3-only",),
                          bases=(BaseSpec("and2", 10, "random", 2, construction="naive"),))
    assert not report.rows and report.empty_kinds == ["s3-only"]
    assert report.verdict is Verdict.UNKNOWN and report.exit_code == 3 and not report.ok


@pytest.mark.parametrize("kind", RANDOM_EDITS)
def test_random_edits_are_called_wrong_exactly_when_exhaustive_enumeration_finds_a_wrong_output(
        kind):
    rows = [r for r in _default_report().rows if r.kind == kind]
    assert rows
    for row in rows:
        _, mutation = build_mutant(f"{kind}:{row.index}", 0)
        truth = exhaustive(mutation.circuit)
        assert row.really_wrong == (truth.wrong_outputs > 0), row.description
        assert row.wrong_inputs == truth.wrong_inputs


def test_the_random_edits_include_both_really_wrong_and_equivalent_mutants():
    rows = [r for r in _default_report().rows if r.kind in RANDOM_EDITS]
    assert any(r.really_wrong for r in rows) and any(not r.really_wrong for r in rows)


@pytest.mark.parametrize("index", range(6))
def test_a_planted_rare_false_positive_is_wrong_on_exactly_the_planted_input_and_output(index):
    _, mutation = build_mutant(f"planted-rare-false-positive:{index}", 0)
    circuit, y, k = mutation.circuit, mutation.details["active"], mutation.details["output"]
    assert len(y) == circuit.sparsity
    truth = exhaustive(circuit)
    assert truth.wrong_inputs == 1 and truth.false_negatives == 0
    assert {(e.active, e.output) for e in truth.examples} >= {(tuple(y), k)}
    assert all(e.active == tuple(y) for e in truth.examples)


@pytest.mark.parametrize("index", range(4))
def test_the_s3_only_bug_is_proved_absent_at_s2_and_refuted_at_s3(index):
    _, mutation = build_mutant(f"s3-only:{index}", 0)
    circuit, y = mutation.circuit, tuple(mutation.details["active"])
    assert circuit.sparsity == 3 and len(y) == 3
    assert exhaustive(circuit, 2).wrong_outputs == 0
    truth = exhaustive(circuit, 3)
    assert truth.wrong_inputs == 1 and truth.examples[0].active == y
    at2, at3 = certify(circuit, sparsity=2), certify(circuit, sparsity=3)
    assert at2.verdict is Verdict.PROVED
    assert at3.verdict is Verdict.REFUTED and at3.counterexample.active == y
    assert replays(circuit, at3.counterexample)


def test_the_default_run_records_every_s3_only_bug_as_proved_at_s2_and_refuted_at_s3():
    rows = [r for r in _default_report().rows if r.kind == "s3-only"]
    assert rows
    for row in rows:
        assert row.certifier == "REFUTED" and row.outcome == "caught"
        assert row.lower["verdict"] == "PROVED" and row.lower["wrong_inputs"] == 0


# --- the certifier and the fuzzer on the default run ------------------------------------------

def test_the_default_run_is_ok_with_every_kind_represented_and_totals_that_add_up():
    report = _default_report()
    assert report.ok and report.verdict is Verdict.PROVED and report.exit_code == 0
    assert [s.kind for s in report.summary] == list(KINDS)
    assert all(s.mutants == 6 for s in report.summary)
    totals = report.totals()
    assert totals["mutants"] == len(report.rows) == 6 * len(KINDS)
    assert totals["really_wrong"] == sum(r.really_wrong for r in report.rows)
    assert totals["fuzzer_caught"] == sum(r.fuzzer_caught for r in report.rows if r.really_wrong)
    assert {r.base for r in report.rows} == {b.name for b in BASES}


def test_the_certifier_catches_every_really_wrong_mutant_with_a_counterexample_that_replays():
    rows = [r for r in _default_report().rows if r.really_wrong]
    assert {r.kind for r in rows} >= set(PLANTED) | {"weight-changed", "unit-dropped"}
    for row in rows:
        assert row.certifier == "REFUTED" and row.outcome == "caught", row.description
        assert row.counterexample_replays is True
        _, mutation = build_mutant(f"{row.kind}:{row.index}", 0)
        cex = Counterexample(tuple(row.counterexample["active"]), row.counterexample["output"],
                             row.counterexample["expected"], row.counterexample["got"])
        assert replays(mutation.circuit, cex)


def test_equivalent_mutants_are_really_equivalent_and_proved_never_refuted():
    rows = [r for r in _default_report().rows if r.kind in EQUIVALENT_KINDS]
    assert len(rows) == 6 * len(EQUIVALENT_KINDS)
    for row in rows:
        assert not row.really_wrong and row.generator_ok
        assert row.certifier == "PROVED" and row.outcome == "proved", row.description
    assert sum(s.certifier_refuted_equivalent for s in _default_report().summary) == 0


def test_the_fuzzer_misses_the_planted_rare_bugs_that_the_certifier_catches():
    by_kind = {s.kind: s for s in _default_report().summary}
    for kind in PLANTED:
        assert by_kind[kind].certifier_caught == by_kind[kind].really_wrong == 6
        assert by_kind[kind].fuzzer_caught < by_kind[kind].certifier_caught
        assert by_kind[kind].hypothesis_caught < by_kind[kind].certifier_caught


def test_the_report_gives_both_fuzz_engines_catch_rates_at_one_wall_time_budget():
    report = _default_report()
    totals, budget = report.totals(), report.as_dict()["fuzz_budget"]
    wrong = [r for r in report.rows if r.really_wrong]
    assert totals["hypothesis_caught"] == sum(r.hypothesis_caught for r in wrong)
    assert totals["hypothesis_rate"] == totals["hypothesis_caught"] / totals["really_wrong"]
    assert 0 < totals["fuzzer_caught"] < totals["really_wrong"]
    assert budget["per_mutant"] == "equal wall time" and budget["vectorized_inputs"] == 500
    assert budget["hypothesis_examples"] == hypothesis_examples(500) == 4
    assert budget["vectorized_seconds"] > 0 and budget["hypothesis_seconds"] > 0
    assert all(r.hypothesis_seconds > 0 for r in report.rows)
    # a mutant wrong on most inputs is caught by both engines within the budget
    broad = [r for r in wrong if r.wrong_inputs > r.input_space // 10]
    assert broad and all(r.fuzzer_caught and r.hypothesis_caught for r in broad)


@pytest.mark.parametrize("samples, examples", [(1, 1), (100, 1), (500, 4), (20_000, 160)])
def test_the_hypothesis_budget_is_the_wall_time_of_the_vectorised_samples(samples, examples):
    assert hypothesis_examples(samples) == examples == max(1, round(samples /
                                                                   INPUTS_PER_EXAMPLE))


@pytest.mark.parametrize("mutate", [scaled_unit, dead_unit_added, threshold_within_slack,
                                    identity_layer_appended])
@pytest.mark.parametrize("spec", BASES[:4], ids=lambda b: b.name)
def test_equivalent_rewrites_give_the_same_outputs_on_every_sparse_input(mutate, spec):
    base = spec.build()
    mutant = mutate(base, np.random.default_rng(7)).circuit
    assert np.array_equal(_outputs(base), _outputs(mutant))


@pytest.mark.parametrize("seed", range(6))
def test_unit_dropped_leaves_a_valid_narrower_network_with_codes_in_range(seed):
    base = BASES[0].build()
    mutation = unit_dropped(base, np.random.default_rng(seed))
    l = mutation.details["layer"]
    old, new = base.network.widths, mutation.circuit.network.widths
    assert new[l] == old[l] - 1 and [w for i, w in enumerate(new) if i != l] == \
        [w for i, w in enumerate(old) if i != l]
    for code in (mutation.circuit.network.input_code, mutation.circuit.network.output_code):
        assert code.indices.size == 0 or code.indices.max() < code.width
    exhaustive(mutation.circuit)  # evaluates without a shape error


def test_mutants_keep_the_problem_sparsity_seed_and_construction_name_of_their_base():
    for kind in KINDS:
        spec, mutation = build_mutant(f"{kind}:0", 0)
        base = spec.build()
        c = mutation.circuit
        assert c.problem is not None and (c.m, c.m_prime) == (base.m, base.m_prime)
        assert (c.sparsity, c.seed, c.construction) == (base.sparsity, base.seed,
                                                        base.construction)


# --- reproducibility --------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_mutants_and_a_different_seed_other_ones():
    for kind in KINDS:
        _, a = build_mutant(f"{kind}:1", 3)
        _, b = build_mutant(f"{kind}:1", 3)
        fa, fb = circuit_arrays(a.circuit), circuit_arrays(b.circuit)
        assert fa.keys() == fb.keys()
        assert all(np.array_equal(fa[k], fb[k]) for k in fa), kind
        assert a.description == b.description
    _, c = build_mutant("planted-rare-false-positive:1", 4)
    _, d = build_mutant("planted-rare-false-positive:1", 3)
    assert c.details["active"] != d.details["active"] or c.details["output"] != \
        d.details["output"]


def _without_times(data):
    if isinstance(data, dict):
        return {k: _without_times(v) for k, v in data.items() if "seconds" not in k}
    if isinstance(data, list):
        return [_without_times(v) for v in data]
    return data


def test_the_same_seed_gives_the_same_report_apart_from_timings():
    kinds = ("weight-changed", "planted-rare-false-positive")
    a = run_selftest(5, 2, 100, kinds=kinds).as_dict()
    b = run_selftest(5, 2, 100, kinds=kinds).as_dict()
    assert _without_times(a) == _without_times(b)


def test_every_row_carries_its_seed_and_a_replay_command_that_rebuilds_it():
    for row in _default_report().rows:
        assert row.seed == 0 and row.mutant_seed >= 0
        assert f"--seed 0 --only {row.kind}:{row.index}" in row.replay
        if row.counterexample is not None:
            assert "superpose eval mutant.npz --active " + ",".join(
                map(str, row.counterexample["active"])) in row.replay


# --- a broken certifier is reported as broken -------------------------------------------------

def _fake(verdict, counterexample=None, raises=None):
    def fake(circuit, sparsity=None, timeout=None, method="auto"):
        if raises is not None:
            raise raises
        s = circuit.sparsity if sparsity is None else sparsity
        space = count_sparse_inputs(circuit.m, s)
        ex = counterexample(circuit, s) if counterexample else None
        return Certificate(verdict, s, space, space, 0.0, "fake", ex,
                           "timed out" if verdict is Verdict.UNKNOWN else "")
    return fake


def _first_wrong_or_bogus(circuit, s):
    truth = exhaustive(dataclasses.replace(circuit, sparsity=s))
    return truth.examples[0] if truth.examples else Counterexample((), 0, 0, 1)


KINDS_SMALL = ("weight-changed", "planted-rare-false-positive", "s3-only", "scaled-unit")


def test_a_certifier_that_proves_everything_misses_every_planted_bug(monkeypatch):
    monkeypatch.setattr(certify_module, "certify", _fake(Verdict.PROVED))
    report = run_selftest(0, 2, 50, kinds=KINDS_SMALL)
    assert report.verdict is Verdict.REFUTED and report.exit_code == 1
    missed = {(r.kind, r.outcome) for r in report.failures}
    assert ("planted-rare-false-positive", "missed") in missed and ("s3-only", "missed") in missed
    assert all(r.really_wrong for r in report.failures)


def test_a_certifier_that_refutes_everything_is_unsound_on_the_equivalent_mutants(monkeypatch):
    monkeypatch.setattr(certify_module, "certify",
                        _fake(Verdict.REFUTED, _first_wrong_or_bogus))
    report = run_selftest(0, 2, 50, kinds=KINDS_SMALL)
    assert report.exit_code == 1
    unsound = [r for r in report.rows if r.outcome == "unsound"]
    assert {r.kind for r in unsound} >= {"scaled-unit"} and not any(r.really_wrong
                                                                     for r in unsound)
    s3 = [r for r in report.rows if r.kind == "s3-only"]
    assert all(r.lower["outcome"] == "unsound" and r.failed for r in s3)
    summary = {s.kind: s for s in report.summary}
    assert summary["scaled-unit"].certifier_refuted_equivalent == 2
    assert summary["s3-only"].certifier_refuted_equivalent == 2


def test_a_refutation_whose_counterexample_does_not_replay_is_not_a_catch(monkeypatch):
    bogus = _fake(Verdict.REFUTED, lambda c, s: Counterexample((), 0, 0, 1))
    monkeypatch.setattr(certify_module, "certify", bogus)
    report = run_selftest(0, 1, 50, kinds=("planted-rare-false-positive",))
    (row,) = report.rows
    assert row.outcome == "bad-counterexample" and row.counterexample_replays is False
    assert row.failed and report.exit_code == 1


def test_a_certifier_that_times_out_leaves_the_selftest_inconclusive(monkeypatch):
    monkeypatch.setattr(certify_module, "certify", _fake(Verdict.UNKNOWN))
    report = run_selftest(0, 1, 50, kinds=KINDS_SMALL)
    assert report.verdict is Verdict.UNKNOWN and report.exit_code == 3 and not report.failures
    assert len(report.inconclusive) == len(KINDS_SMALL)


def test_a_certifier_that_crashes_is_a_failure_not_a_crash_of_the_selftest(monkeypatch):
    monkeypatch.setattr(certify_module, "certify", _fake(None, raises=RuntimeError("boom")))
    report = run_selftest(0, 1, 50, kinds=("scaled-unit",))
    (row,) = report.rows
    assert row.outcome == "error" and "boom" in row.reason and report.exit_code == 1


# --- evidence ---------------------------------------------------------------------------------

def _use_report(monkeypatch, module, make):
    """Make ``module.run_selftest`` return ``make()`` and record the arguments it got."""
    calls = []

    def fake(*args, **kwargs):
        calls.append((args, kwargs))
        return make()
    monkeypatch.setattr(module, "run_selftest", fake)
    return calls


def test_selftest_evidence_is_proved_and_carries_the_fuzzer_catch_rate(monkeypatch):
    calls = _use_report(monkeypatch, selftest_module, _default_report)
    (ev,) = selftest_evidence(0)
    assert calls and calls[0][0][0] == 0
    assert ev.check == "selftest" and ev.statement == STATEMENT
    assert ev.verdict is Verdict.PROVED and ev.decisive
    totals = ev.data["totals"]
    assert totals["certifier_rate"] == 1.0 and 0.0 <= totals["fuzzer_rate"] < 1.0
    assert f"fuzzer (500 samples) caught {totals['fuzzer_caught']}/" in ev.detail
    assert (f"hypothesis (4 examples, the same wall time) caught "
            f"{totals['hypothesis_caught']}/{totals['really_wrong']}") in ev.detail
    assert ev.data["fuzz_budget"]["hypothesis_examples"] == 4
    assert {s["kind"] for s in ev.data["summary"]} == set(KINDS)


def test_selftest_evidence_is_refuted_naming_the_missed_mutant_with_seed_and_replay(monkeypatch):
    monkeypatch.setattr(certify_module, "certify", _fake(Verdict.PROVED))
    _use_report(monkeypatch, selftest_module,
                lambda: run_selftest(0, 1, 50, kinds=("planted-rare-false-positive",)))
    (ev,) = selftest_evidence(0)
    assert ev.verdict is Verdict.REFUTED
    assert "planted-rare-false-positive:0" in ev.detail and "mutant seed" in ev.detail
    assert "superpose selftest --seed 0 --only" in ev.detail and "--only" in ev.replay


def test_selftest_evidence_is_unknown_when_the_certifier_times_out(monkeypatch):
    monkeypatch.setattr(certify_module, "certify", _fake(Verdict.UNKNOWN))
    _use_report(monkeypatch, selftest_module,
                lambda: run_selftest(0, 1, 50, kinds=("scaled-unit",)))
    (ev,) = selftest_evidence(0)
    assert ev.verdict is Verdict.UNKNOWN and "timed out" in ev.detail


# --- the command line -------------------------------------------------------------------------

def test_the_command_prints_one_table_line_per_kind_and_exits_0(capsys, monkeypatch):
    calls = _use_report(monkeypatch, selftest_cmd, _default_report)
    code, out, err = run(capsys, "selftest", "--seed", "0", "--mutants", "6", "--samples",
                         "500", "--timeout", "10")
    assert calls[0][0][:4] == (0, 6, 500, 10.0)
    assert code == 0 and not err
    lines = out.splitlines()
    assert "FUZZER CAUGHT (RATE)" in lines[1] and "CERTIFIER REFUTED-EQUIVALENT" in lines[1]
    assert "HYPOTHESIS CAUGHT (RATE)" in lines[1]
    assert "hypothesis 4 examples (the same wall time)" in lines[0]
    assert "fuzz budget per mutant, equal wall time: vectorized 500 inputs, hypothesis 4 " \
           "examples" in out
    for kind in KINDS:
        assert any(line.startswith(kind + " ") for line in lines), kind
    assert "PROVED: " + STATEMENT in out and "replay: superpose selftest --seed 0" in out
    assert "s3-only: 6/6 PROVED at s=2 and REFUTED at s=3" in out


def test_the_json_output_has_the_summary_rows_and_verdict(capsys, monkeypatch):
    _use_report(monkeypatch, selftest_cmd, _default_report)
    code, out, _ = run(capsys, "selftest", "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True and data["verdict"] == "PROVED"
    assert {"statement", "seed", "mutants_per_kind", "samples", "timeout", "totals", "bases",
            "summary", "rows", "failures", "inconclusive", "notes", "replay"} <= data.keys()
    row = data["rows"][0]
    assert {"kind", "base", "seed", "mutant_seed", "really_wrong", "wrong_inputs", "certifier",
            "certifier_seconds", "fuzzer_caught", "hypothesis_caught", "hypothesis_seconds",
            "replay", "outcome"} <= row.keys()
    assert {"fuzzer_rate", "hypothesis_rate", "certifier_caught",
            "certifier_refuted_equivalent"} <= data["summary"][0].keys()
    assert {"hypothesis_caught", "hypothesis_rate"} <= data["totals"].keys()
    assert data["fuzz_budget"]["vectorized_inputs"] == data["samples"]


def test_the_command_exits_1_and_prints_replays_when_the_certifier_misses(capsys, monkeypatch):
    monkeypatch.setattr(certify_module, "certify", _fake(Verdict.PROVED))
    _use_report(monkeypatch, selftest_cmd, lambda: run_selftest(0, 1, 50, kinds=KINDS_SMALL))
    code, out, _ = run(capsys, "selftest", "--mutants", "1", "--samples", "50")
    assert code == 1 and "REFUTED: " in out and "FAILURES" in out
    assert "replay: superpose selftest --seed 0 --only planted-rare-false-positive:0" in out


def test_the_command_exits_3_when_the_certifier_times_out(capsys, monkeypatch):
    monkeypatch.setattr(certify_module, "certify", _fake(Verdict.UNKNOWN))
    _use_report(monkeypatch, selftest_cmd, lambda: run_selftest(0, 1, 50, kinds=KINDS_SMALL))
    code, out, _ = run(capsys, "selftest", "--mutants", "1", "--samples", "50")
    assert code == 3 and "UNKNOWN: " in out and "UNDECIDED" in out


@pytest.mark.parametrize("argv, needle", [
    (["--mutants", "0"], "mutants=0 must be >= 1"),
    (["--samples", "0"], "samples=0 must be >= 1"),
    (["--seed", "-1"], "seed=-1 must be >= 0"),
    (["--timeout", "0"], "timeout='0' must be a finite number > 0"),
    (["--mutants", "x"], "mutants='x' must be an integer"),
    (["--only", "nope:1"], "kind='nope' is not known"),
    (["--only", "s3-only"], "must look like KIND:INDEX"),
    (["--save", "m.npz"], "pass --only KIND:INDEX"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, needle):
    code, out, err = run(capsys, "selftest", *argv)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and needle in err and "Traceback" not in err


def test_a_row_replay_rebuilds_the_mutant_and_eval_shows_the_planted_wrong_output(capsys,
                                                                                   tmp_path):
    path = tmp_path / "mutant.npz"
    code, out, _ = run(capsys, "selftest", "--only", "planted-rare-false-positive:2",
                       "--save", str(path), "--json")
    data = json.loads(out)
    (row,) = data["rows"]
    assert code == 0 and row["outcome"] == "caught" and data["saved"] == str(path)
    active = ",".join(map(str, row["details"]["active"]))
    code, out, _ = run(capsys, "eval", str(path), "--active", active, "--json")
    assert code == 1 and json.loads(out)["wrong"] == [row["details"]["output"]]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_other_seeds_and_more_mutants_stay_ok(seed):
    report = run_selftest(seed, mutants_per_kind=12)
    assert report.ok, [r.replay for r in report.failures + report.inconclusive] + report.notes
