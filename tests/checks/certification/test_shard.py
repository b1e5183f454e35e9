"""Sharded certification: the shards of a run partition the work, and merging them gives the
verdict of one run; missing, repeated or foreign shards never merge into PROVED."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.checks import certify, certify_in_processes
from superpose.checks.certification._shard import certificate_from_dict, merge_shards, parse_shard
from superpose.circuits import exhaustive, replays, save_circuit
from superpose.circuits.model import count_sparse_inputs
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument
from tests.cli import run
from tests.strategies import built, examples, random_circuits


@examples(120)
@given(circuit=random_circuits(), n=st.integers(1, 4),
       method=st.sampled_from(["exhaustive", "search", "z3"]))
def test_merging_the_shards_gives_the_verdict_of_one_run(circuit, n, method):
    whole = certify(circuit, method=method)
    shards = [certify(circuit, method=method, shard=(i, n)) for i in range(n)]
    merged = merge_shards(shards)
    note(f"whole={whole.verdict} shards={[c.verdict for c in shards]}")
    assert merged.verdict is whole.verdict
    if merged.verdict is Verdict.REFUTED:
        assert replays(circuit, merged.counterexample)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_enumeration_shards_partition_the_input_space(n):
    circuit = built("and2", 100, "random", 0, 2, 0)
    reports = [exhaustive(circuit, shard=(i, n)) for i in range(n)]
    assert all(r.complete for r in reports)
    assert sum(r.inputs_checked for r in reports) == count_sparse_inputs(circuit.m, 2)
    assert sum(r.input_space for r in reports) == count_sparse_inputs(circuit.m, 2)


def test_a_refuted_shard_refutes_the_merge_and_its_counterexample_replays():
    circuit = built("and2", 300, "nearcut", 0, 2, 22)
    shards = [certify(circuit, method="search", shard=(i, 3)) for i in range(3)]
    assert {c.verdict for c in shards} == {Verdict.PROVED, Verdict.REFUTED}
    merged = merge_shards(shards)
    assert merged.verdict is Verdict.REFUTED and replays(circuit, merged.counterexample)


def test_missing_or_repeated_shards_are_unknown_never_proved():
    circuit = built("and2", 100, "random", 0, 2, 0)
    shards = [certify(circuit, method="search", shard=(i, 3)) for i in range(3)]
    missing = merge_shards(shards[:2])
    assert missing.verdict is Verdict.UNKNOWN and "[2] of 3 are missing" in missing.reason
    repeated = merge_shards([shards[0], shards[0], shards[1]])
    assert repeated.verdict is Verdict.UNKNOWN and "given twice" in repeated.reason


def test_shards_of_different_runs_do_not_merge():
    circuit = built("and2", 100, "random", 0, 2, 0)
    with pytest.raises(InvalidArgument, match="does not belong"):
        merge_shards([certify(circuit, method="search", shard=(0, 2)),
                      certify(circuit, method="exhaustive", shard=(1, 2))])
    with pytest.raises(InvalidArgument, match="no shard"):
        merge_shards([])


def test_a_certificate_survives_its_json_round_trip():
    circuit = built("and2", 300, "nearcut", 0, 2, 22)
    for cert in (certify(circuit, shard=(2, 3)), certify(circuit, shard=(0, 3))):
        back = certificate_from_dict(json.loads(json.dumps(cert.as_dict())))
        assert back.as_dict() == cert.as_dict()


@pytest.mark.parametrize("text", ["3/3", "1", "a/b", "-1/2", "1/0", f"0/{2 ** 63}"])
def test_a_bad_shard_is_one_line_naming_the_rule(text):
    with pytest.raises(InvalidArgument, match="shard"):
        parse_shard(text)


@pytest.mark.parametrize("method", ["exhaustive", "search", "z3"])
def test_the_largest_shard_count_decides_its_part_without_overflow(method):
    # positions and outputs are taken mod n in int64: 2^63 - 1 shards still work (10^30 gave
    # an OverflowError traceback); shard 0 holds the first input, or output 0
    cert = certify(built("and2", 100, "random", 0, 2, 0), method=method, shard=(0, 2 ** 63 - 1))
    assert cert.verdict is Verdict.PROVED and cert.shard == (0, 2 ** 63 - 1)


def test_a_merge_of_one_shard_of_very_many_names_the_first_missing_without_listing_them_all():
    one = certify(built("and2", 100, "random", 0, 2, 0), method="search", shard=(1, 10 ** 18))
    merged = merge_shards([one])
    assert merged.verdict is Verdict.UNKNOWN
    assert f"shards [0, 2, 3, 4, 5, 6, 7, 8, 9, 10] and {10 ** 18 - 11} more of {10 ** 18} " \
        "are missing" in merged.reason


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -1.0])
def test_a_shard_whose_seconds_json_cannot_hold_is_malformed(seconds):
    doc = certify(built("and2", 100, "random", 0, 2, 0), shard=(0, 2)).as_dict()
    with pytest.raises(InvalidArgument, match="seconds="):
        certificate_from_dict(doc | {"seconds": seconds})


def test_the_cli_merges_shard_files_and_runs_shards_in_processes(tmp_path, capsys):
    path = save_circuit(built("and2", 300, "nearcut", 0, 2, 22), tmp_path / "c.npz")
    files = []
    for i in range(3):
        code, out, _ = run(capsys, "certify", str(path), "--shard", f"{i}/3", "--json")
        files.append(tmp_path / f"s{i}.json")
        files[-1].write_text(out)
        assert json.loads(out)["shard"] == f"{i}/3"
    code, out, _ = run(capsys, "certify", str(path), "--merge", *map(str, files))
    assert code == 1 and out.startswith("REFUTED")
    code, out, _ = run(capsys, "certify", str(path), "--merge", *map(str, files[:2]))
    assert code == 3 and "missing" in out
    code, out, _ = run(capsys, "certify", str(path), "--jobs", "2", "--merge-seed", "5",
                       "--json")
    doc = json.loads(out)
    assert code == 1 and doc["verdict"] == "REFUTED"
    assert doc["merge"]["counterexamples_genuine"] >= 1
    assert doc["replay"].endswith("--jobs 2 --merge-seed 5")


def test_a_merged_proof_says_its_seconds_are_summed_over_the_shards(tmp_path, capsys):
    """The PROVED line of --jobs N (or --merge) gives the shards' seconds as their sum and
    the command's own time as wall time; a single run gives both plainly."""
    path = save_circuit(built("and2", 100, "random", 0, 2, 0), tmp_path / "c.npz")
    code, out, _ = run(capsys, "certify", str(path), "--jobs", "2", "--merge-seed", "5")
    assert code == 0 and out.startswith("PROVED")
    assert "s summed over 2 shards; " in out and "s of wall time with loading the file" in out
    code, out, _ = run(capsys, "certify", str(path))
    assert code == 0 and "summed" not in out and "s with loading the file" in out


def test_shards_run_in_processes_on_another_file_never_merge_to_proved(tmp_path):
    circuit = built("and2", 100, "random", 0, 2, 0)
    path = save_circuit(circuit, tmp_path / "c.npz")
    assert certify(circuit).verdict is Verdict.PROVED
    # the children read the file at path, whose sha256 is not the one this process "loaded"
    cert, audit = certify_in_processes(path, 2, seed=7, loaded=(circuit, "0" * 64))
    assert cert.verdict is Verdict.UNKNOWN
    assert "no shard came back" in cert.reason and "read another file" in cert.reason
    cert, audit = certify_in_processes(path, 2, seed=7)
    assert cert.verdict is Verdict.PROVED and audit.seed == 7 and len(audit.spot_checked) == 2


def test_the_cli_rejects_shards_of_another_file_and_mixed_modes(tmp_path, capsys):
    a = save_circuit(built("and2", 100, "random", 0, 2, 0), tmp_path / "a.npz")
    b = save_circuit(built("and2", 100, "random", 0, 2, 1), tmp_path / "b.npz")
    code, out, _ = run(capsys, "certify", str(a), "--shard", "0/1", "--json")
    shard = tmp_path / "a0.json"
    shard.write_text(out)
    code, _, err = run(capsys, "certify", str(b), "--merge", str(shard))
    assert code == 2 and "file_sha256" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "certify", str(a), "--shard", "0/2", "--jobs", "2")
    assert code == 2 and "exclude each other" in err
    code, _, err = run(capsys, "certify", str(a), "--shard", "2/2")
    assert code == 2 and "numbered 0..1" in err
    code, _, err = run(capsys, "certify", str(a), "--jobs", "0")
    assert code == 2 and "jobs=0" in err
    code, _, err = run(capsys, "certify", str(a), "--jobs", "1000000")
    assert code == 2 and "jobs=1000000 must be <=" in err and "core(s)" in err


def _dies(*args):
    os._exit(3)


def test_a_shard_process_that_dies_leaves_the_pooled_run_unknown_not_a_traceback(tmp_path,
                                                                               monkeypatch):
    from superpose.checks.certification import _pool

    circuit = built("and2", 100, "random", 0, 2, 0)
    path = save_circuit(circuit, tmp_path / "c.npz")
    monkeypatch.setattr(_pool, "_run_shard", _dies)  # (forked workers see it too)
    cert, _ = certify_in_processes(path, 2, seed=7)
    assert cert.verdict is Verdict.UNKNOWN and "failed in its process" in cert.reason
