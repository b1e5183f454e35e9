"""Merging shard files that this process did not compute (issue 17, item 1): forged verdicts,
stale counterexamples and inconsistent coverage never merge into PROVED."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import numpy as np
import pytest

from superpose.checks.certification import audited_merge, certificate_from_dict, certify
from superpose.circuits import Circuit, Layer, ThresholdNetwork, replays, save_circuit
from superpose.circuits.model import count_sparse_inputs
from superpose.theory import Verdict
from tests.cli import run
from tests.strategies import built


def _shard_files(capsys, path, n, tmp_path, method="search"):
    docs = []
    for i in range(n):
        code, out, _ = run(capsys, "certify", str(path), "--shard", f"{i}/{n}", "--method",
                           method, "--json")
        docs.append(json.loads(out))
    return docs


def _write(tmp_path, docs):
    files = []
    for i, doc in enumerate(docs):
        files.append(tmp_path / f"shard{i}.json")
        files[-1].write_text(json.dumps(doc))
    return [str(f) for f in files]


def _forge_proved(doc, keep_counterexample):
    doc = dict(doc, verdict="PROVED", reason="")
    if not keep_counterexample:
        doc.update(counterexample=None, wrong_output=None, inputs_covered=doc["input_space"])
    return doc


def _all_on_at_the_end(circuit):
    """The circuit with its last layer's thresholds at 0: every unit fires, so every output
    reads 1 on every input (wrong almost everywhere)."""
    net = circuit.network
    last = net.layers[-1]
    layers = net.layers[:-1] + (Layer(last.weights, np.zeros_like(last.theta)),)
    return Circuit(circuit.problem, ThresholdNetwork(net.input_code, layers, net.output_code),
                   circuit.construction, circuit.sparsity, circuit.seed)


def test_forged_proved_verdicts_that_keep_their_counterexamples_are_refuted(tmp_path, capsys):
    path = save_circuit(built("and2", 300, "nearcut", 0, 2, 22), tmp_path / "c.npz")
    docs = _shard_files(capsys, path, 3, tmp_path)
    assert any(d["verdict"] == "REFUTED" for d in docs)
    files = _write(tmp_path, [_forge_proved(d, keep_counterexample=True) for d in docs])
    code, out, _ = run(capsys, "certify", str(path), "--merge", *files, "--merge-seed", "1")
    assert code == 1 and out.startswith("REFUTED") and "replayed" in out
    code, out, _ = run(capsys, "certify", str(path), "--merge", *files, "--json")
    audit = json.loads(out)["merge"]
    assert code == 1 and audit["counterexamples_genuine"] >= 1
    assert audit["counterexamples_replayed"] == sum(d["counterexample"] is not None
                                                    for d in docs)


def test_shards_run_above_the_files_sparsity_are_merged_at_theirs(tmp_path):
    circuit = built("and2", 100, "nearcut", 0, 2, 1)  # wrong on some 3-sparse inputs
    honest = [certify(circuit, sparsity=3, method="search", shard=(i, 2)) for i in range(2)]
    assert any(c.verdict is Verdict.REFUTED for c in honest)
    merged, audit = audited_merge(circuit, honest, seed=0)
    assert merged.verdict is Verdict.REFUTED and merged.sparsity == 3
    assert audit.problems == [] and audit.genuine >= 1
    forged = [certificate_from_dict(_forge_proved(c.as_dict(), keep_counterexample=True))
              for c in honest]
    merged, _ = audited_merge(circuit, forged, seed=0)
    assert merged.verdict is Verdict.REFUTED and len(merged.counterexample.active) <= 3


def test_an_exhaustive_shard_of_a_large_space_is_spot_checked_without_enumerating_it():
    circuit = built("and2", 1000, "random", 0, 3, 0)
    space = count_sparse_inputs(circuit.m, 3)  # over 10^8 inputs: far too many to enumerate
    assert space > 10 ** 8
    template = certify(built("and2", 100, "random", 0, 2, 0), method="exhaustive").as_dict()
    forged = [certificate_from_dict(dict(template, verdict="PROVED", sparsity=3, shard=f"{i}/2",
                                         input_space=space,
                                         inputs_covered=-(-(space - i) // 2)))
              for i in range(2)]
    merged, audit = audited_merge(circuit, forged, seed=3)
    assert audit.problems == []
    assert 0 < audit.spot_checked["shard 0/2"] <= 2048
    assert 0 < audit.spot_checked["shard 1/2"] <= 2048
    assert merged.verdict in (Verdict.PROVED, Verdict.REFUTED)
    if merged.verdict is Verdict.REFUTED:
        assert replays(replace(circuit, sparsity=3), merged.counterexample)


def test_a_single_forged_proved_shard_of_a_wrong_circuit_is_refuted(tmp_path, capsys):
    wrong = _all_on_at_the_end(built("and2", 100, "random", 0, 2, 1))
    path = save_circuit(wrong, tmp_path / "c.npz")
    (doc,) = _shard_files(capsys, path, 1, tmp_path)
    assert doc["verdict"] == "REFUTED"
    files = _write(tmp_path, [_forge_proved(doc, keep_counterexample=False)])
    code, out, _ = run(capsys, "certify", str(path), "--merge", *files, "--json")
    result = json.loads(out)
    assert code == 1 and result["verdict"] == "REFUTED"
    assert result["merge"]["spot_checked"] == {"shard 0/1": pytest.approx(2048, abs=16)}
    cert = certificate_from_dict(result)
    assert replays(wrong, cert.counterexample)


def test_a_forged_exhaustive_shard_is_refuted_by_re_deciding_a_sub_shard(tmp_path):
    wrong = _all_on_at_the_end(built("and2", 100, "random", 0, 2, 1))
    honest = [certify(wrong, method="exhaustive", shard=(i, 2)) for i in range(2)]
    forged = [certificate_from_dict(_forge_proved(c.as_dict(), keep_counterexample=False))
              for c in honest]
    for cert in forged:  # a forged exhaustive part covers its positions j = i mod 2
        assert cert.verdict is Verdict.PROVED
    forged = [certificate_from_dict(dict(c.as_dict(), inputs_covered=-(-(c.input_space - i)
                                                                        // 2)))
              for i, c in enumerate(forged)]
    merged, audit = audited_merge(wrong, forged, seed=5)
    assert merged.verdict is Verdict.REFUTED and replays(wrong, merged.counterexample)
    assert audit.problems == [] and audit.spot_checked["shard 0/2"] > 0


def test_an_inconsistent_shard_makes_the_merge_unknown_naming_it(tmp_path):
    circuit = built("and2", 100, "random", 0, 2, 0)
    shards = [certify(circuit, method="search", shard=(i, 2)) for i in range(2)]
    assert all(c.verdict is Verdict.PROVED for c in shards)
    short = certificate_from_dict(dict(shards[1].as_dict(), inputs_covered=7))
    merged, audit = audited_merge(circuit, [shards[0], short], seed=0)
    assert merged.verdict is Verdict.UNKNOWN
    assert "shard 1/2 is PROVED but covers 7 inputs" in merged.reason
    space = certificate_from_dict(dict(shards[1].as_dict(), input_space=99))
    merged, _ = audited_merge(circuit, [shards[0], space], seed=0)
    assert merged.verdict is Verdict.UNKNOWN and "has 5051" in merged.reason


def test_a_counterexample_that_does_not_replay_makes_the_merge_unknown(tmp_path):
    circuit = built("and2", 100, "random", 0, 2, 0)
    shards = [certify(circuit, method="search", shard=(i, 2)) for i in range(2)]
    fake = dict(shards[0].as_dict(), verdict="REFUTED", counterexample=[1, 2],
                wrong_output={"output": 0, "expected": 0, "got": 1})
    merged, audit = audited_merge(circuit, [certificate_from_dict(fake), shards[1]], seed=0)
    assert merged.verdict is Verdict.UNKNOWN and "does not replay" in merged.reason
    assert (audit.replayed, audit.genuine) == (1, 0)


def test_honest_shards_of_a_correct_circuit_merge_to_proved_with_a_repeatable_audit(
        tmp_path, capsys):
    path = save_circuit(built("and2", 100, "random", 0, 2, 0), tmp_path / "c.npz")
    files = _write(tmp_path, _shard_files(capsys, path, 2, tmp_path))
    runs = [run(capsys, "certify", str(path), "--merge", *files, "--merge-seed", "7", "--json")
            for _ in range(2)]
    first, second = (json.loads(out) for _, out, _ in runs)
    assert runs[0][0] == 0 and first["verdict"] == "PROVED"
    assert first["merge"] == second["merge"] and first["merge"]["merge_seed"] == 7
    assert set(first["merge"]["spot_checked"]) == {"shard 0/2", "shard 1/2"}
    code, out, _ = run(capsys, "certify", str(path), "--merge", *files)
    assert code == 0 and "--merge-seed" in out and "spot-checked" in out


@pytest.mark.parametrize("special", ["fifo", "devzero"])
def test_a_shard_that_is_not_a_regular_file_is_refused_without_reading_it(
        tmp_path, capsys, special):
    path = save_circuit(built("and2", 100, "random", 0, 2, 0), tmp_path / "c.npz")
    if special == "fifo":
        shard = tmp_path / "pipe.json"
        os.mkfifo(shard)
    else:
        shard = "/dev/zero"
    code, _, err = run(capsys, "certify", str(path), "--merge", str(shard))
    assert code == 2 and "must be a regular file" in err and err.count("\n") == 1
    assert "not readable JSON" not in err  # said once, not wrapped in another error


def test_a_merge_seed_without_merge_is_a_usage_error(tmp_path, capsys):
    path = save_circuit(built("and2", 100, "random", 0, 2, 0), tmp_path / "c.npz")
    code, _, err = run(capsys, "certify", str(path), "--merge-seed", "3")
    assert code == 2 and "--merge" in err
