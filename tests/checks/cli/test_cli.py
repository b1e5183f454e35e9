"""The command line: files, fuzzing, replay, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from superpose.checks.cli import main
from superpose.circuits import load_circuit, save_circuit
from tests.cli import run
from tests.strategies import built


def test_build_writes_a_file_whose_counts_match_the_report(tmp_path, capsys):
    path = tmp_path / "c.npz"
    code, out, _ = run(capsys, "build", "and2", "--m-prime", "300", "--family", "star",
                       "-o", str(path), "--json")
    assert code == 0
    info = json.loads(out)
    assert info["neurons"] == load_circuit(path).counts().neurons
    assert info["m_prime"] == 300 and info["family"] == "star"


def test_the_same_seed_with_different_instances_gives_byte_identical_code_arrays(tmp_path,
                                                                                   capsys):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    run(capsys, "build", "and2", "--m-prime", "500", "--family", "random",
        "--instance-seed", "1", "--seed", "7", "-o", str(a))
    run(capsys, "build", "and2", "--m-prime", "500", "--family", "random",
        "--instance-seed", "2", "--seed", "7", "-o", str(b))
    with np.load(a) as fa, np.load(b) as fb:
        assert not np.array_equal(fa["pairs"], fb["pairs"])
        for name in ("input_code_indptr", "input_code_indices", "input_code_width",
                     "output_code_indptr", "output_code_indices"):
            assert fa[name].tobytes() == fb[name].tobytes(), name


def test_fuzz_passes_a_correct_file_and_reports_json(tmp_path, capsys):
    path = tmp_path / "p.npz"
    run(capsys, "build", "perm", "--m-prime", "200", "-o", str(path))
    code, out, _ = run(capsys, "fuzz", str(path), "--samples", "500", "--seed", "3", "--json")
    report = json.loads(out)
    assert code == 0 and report["wrong_outputs"] == 0 and report["inputs_checked"] == 500
    assert report["seed"] == 3 and "--seed 3" in report["replay"]


def test_fuzz_fails_a_wrong_file_with_a_shrunk_counterexample_that_eval_replays(tmp_path,
                                                                                 capsys):
    path = tmp_path / "bad.npz"
    run(capsys, "build", "and2", "--m-prime", "400", "--family", "nearcut",
        "--constant", "c_shared=1", "-o", str(path))
    code, out, _ = run(capsys, "fuzz", str(path), "--exhaustive", "--json")
    report = json.loads(out)
    assert code == 1 and report["wrong_outputs"] > 0
    example = report["counterexamples"][0]
    active = ",".join(map(str, example["active"]))
    code, out, _ = run(capsys, "eval", str(path), "--active", active, "--json")
    assert code == 1 and example["output"] in json.loads(out)["wrong"]


BAD_INPUTS = [
    (["build", "and2", "--m-prime", "0", "-o", "x.npz"], "m_prime=0"),
    (["build", "and2", "--m-prime", "ten", "-o", "x.npz"], "m_prime='ten'"),
    (["build", "and2", "--m-prime", "2.5", "-o", "x.npz"], "m_prime='2.5'"),
    (["build", "and2", "--m-prime", "10", "--sparsity", "0", "-o", "x.npz"], "sparsity=0"),
    (["build", "and2", "--m-prime", "10", "--sparsity", "99", "-o", "x.npz"], "sparsity=99"),
    (["build", "xor", "--m-prime", "10", "-o", "x.npz"], "'xor'"),
    (["build", "and2", "--m-prime", "10", "--family", "ring", "-o", "x.npz"], "family='ring'"),
    (["build", "and2", "--m-prime", "10", "--constant", "zz=1", "-o", "x.npz"], "'zz'"),
    (["fuzz", "missing.npz"], "does not exist"),
    (["verify", "--max-m-prime", "10"], "max_m_prime=10"),
    (["verify", "--samples", "0"], "samples=0"),
    (["sweep", "and2", "--families", "random,ring"], "family='ring'"),
]


@pytest.mark.parametrize("argv, named", BAD_INPUTS)
def test_bad_input_gives_one_line_naming_the_value_and_exit_code_two(argv, named, tmp_path,
                                                                      capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and named in err and "Traceback" not in err


@pytest.mark.parametrize("content, named", [
    (b"not a zip at all", "not a readable .npz"),
    (None, "format='other'"),
    ("version", "version=3"),
    ("missing", "lacks required field 'output_code_indices'"),
])
def test_corrupt_or_foreign_files_give_one_line_and_exit_code_two(content, named, tmp_path,
                                                                   capsys):
    good = tmp_path / "good.npz"
    run(capsys, "build", "and2", "--m-prime", "50", "-o", str(good))
    bad = tmp_path / "bad.npz"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        with np.load(good) as f:
            fields = dict(f)
        if content is None:
            fields["format"] = np.array("other")
        elif content == "version":
            fields["version"] = np.array(3)
        else:
            del fields["output_code_indices"]
        np.savez(bad, **fields)
    code, _, err = run(capsys, "info", str(bad))
    assert code == 2 and named in err and err.count("\n") == 1


def test_the_installed_entry_point_prints_no_traceback_on_bad_input(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "superpose", "build", "perm", "--m-prime",
                           "-3", "-o", str(tmp_path / "x.npz")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("superpose: error: m_prime=-3")
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_the_program_exits_with_the_commands_code_after_freezing_the_collector(
        monkeypatch, capsys, tmp_path):
    """``superpose`` (console script and ``python -m``) is main on sys.argv, then
    gc.freeze (nothing is left for a collection at exit to walk), then exit with main's
    code."""
    import gc

    from superpose.checks.cli import console

    calls = []
    monkeypatch.setattr(sys, "argv", ["superpose", "build", "perm", "--m-prime", "-3", "-o",
                                      str(tmp_path / "x.npz")])
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    with pytest.raises(SystemExit) as exited:
        console()
    assert exited.value.code == 2 and calls == ["freeze"]
    assert capsys.readouterr().err.startswith("superpose: error: m_prime=-3")


def test_verify_json_runs_small_and_names_every_claim(capsys):
    code, out, _ = run(capsys, "verify", "--max-m-prime", "100", "--sparsity", "2",
                       "--samples", "100", "--json")
    payload = json.loads(out)
    assert code in (0, 3) and payload["exit_code"] == code
    assert "UB-AND-NEURONS" in {c["id"] for c in payload["claims"]}


@pytest.mark.parametrize("active, named", [("1,1", "repeats a feature"),
                                           ("999", "active feature 999"),
                                           ("0,1,2", "sparsity is 2")])
def test_eval_rejects_an_impossible_input_in_one_line(active, named, tmp_path, capsys):
    path = tmp_path / "c.npz"
    run(capsys, "build", "and2", "--m-prime", "20", "-o", str(path))
    code, _, err = run(capsys, "eval", str(path), "--active", active)
    assert code == 2 and named in err and err.count("\n") == 1


def _built(tmp_path, capsys, name, *argv):
    path = tmp_path / name
    assert run(capsys, "build", *argv, "-o", str(path))[0] == 0
    return path


def test_certify_proves_a_default_circuit_beyond_enumeration_and_exits_0(tmp_path, capsys):
    path = _built(tmp_path, capsys, "p.npz", "perm", "--m-prime", "1000")
    code, out, _ = run(capsys, "certify", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and report["verdict"] == "PROVED" and report["method"] == "search"
    assert report["inputs_covered"] == report["input_space"] == 1 + 1000 + 1000 * 999 // 2
    assert {"counterexample", "sparsity", "seconds"} <= set(report)


def test_certify_refutes_a_known_bad_seed_with_a_replay_that_evaluates_wrong(tmp_path, capsys):
    path = _built(tmp_path, capsys, "bad.npz", "and2", "--m-prime", "200", "--family",
                  "nearcut", "--seed", "11")
    code, out, _ = run(capsys, "certify", str(path))
    assert code == 1 and out.startswith("REFUTED")
    replay = out.split("replay: superpose ", 1)[1].split()
    code, out, _ = run(capsys, *replay)
    assert code == 1 and "WRONG" in out


def test_certify_reports_a_timeout_as_unknown_with_exit_3(tmp_path, capsys):
    path = _built(tmp_path, capsys, "p.npz", "perm", "--m-prime", "1000")
    code, out, _ = run(capsys, "certify", str(path), "--timeout", "1e-9")
    assert code == 3 and out.startswith("UNKNOWN") and "timed out" in out


@pytest.mark.parametrize("argv", [("--timeout", "0"), ("--timeout", "soon"),
                                  ("--sparsity", "0"), ("--method", "guess")])
def test_certify_rejects_bad_arguments_in_one_line_with_exit_2(tmp_path, capsys, argv):
    path = _built(tmp_path, capsys, "p.npz", "perm", "--m-prime", "50")
    code, out, err = run(capsys, "certify", str(path), *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_every_command_is_a_module_that_adds_its_parser_and_runs_it():
    import argparse
    import importlib

    from superpose.checks.cli._main import _COMMANDS, _parser

    sub = next(a for a in _parser([])._actions if isinstance(a, argparse._SubParsersAction))
    assert len(_COMMANDS) == len(sub.choices) == 15
    for name, (listed, parser) in zip(_COMMANDS, sub.choices.items(), strict=True):
        command = importlib.import_module(f"superpose.checks.cli.{name}")
        assert listed == name
        assert {"add_parser", "run"} <= set(command.__all__)
        assert parser.get_default("run") is command.run


def test_a_command_loads_only_its_own_module_so_fuzz_never_imports_sympy_or_z3():
    import subprocess
    import sys

    code = ("import sys; from superpose.checks.cli._main import _parser; "
            "p = _parser(['fuzz', 'c.npz']); p.parse_args(['fuzz', 'c.npz']); "
            "import superpose.circuits.io, superpose.circuits.correctness; "
            "print(sorted({'sympy', 'z3', 'hypothesis'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_verify_config_is_the_one_both_verify_and_the_pytest_plugin_build():
    from superpose.checks import SweepSettings, VerifyConfig
    from superpose.checks.cli import verify_config

    settings = SweepSettings(seed=3)
    assert verify_config() == VerifyConfig()
    config = verify_config(settings=settings, max_m_prime=500, sparsities=[3, 2, 3],
                           problems=["perm"])
    assert (config.settings, config.max_m_prime, config.sparsities, config.problems) == \
        (settings, 500, (2, 3), ("perm",))
    assert (config.max_m_prime_s3, config.max_m_prime_represent) == (1000, 100_000)
    capped = verify_config(max_m_prime=500, sparsities=None, cap_every_size=True)
    assert (capped.max_m_prime_s3, capped.max_m_prime_represent) == (500, 500)
    assert capped.sparsities == VerifyConfig().sparsities and capped.problems is None


@pytest.mark.parametrize("argv", [
    ("export", "{f}", "--format", "onnx", "-o", "{f}"),
    ("repair", "{f}", "-o", "{f}"),
    ("plot", "-o", "{d}/same.svg", "--data", "{d}/same.svg"),
    ("verify", "--claims", "{c}", "-o", "{c}"),
])
def test_an_output_path_that_is_one_of_the_commands_inputs_is_refused(capsys, tmp_path, argv):
    circuit = tmp_path / "c.npz"
    save_circuit(built("and2", 100, "random", 0, 2, 1), circuit)
    claims = tmp_path / "claims.toml"
    claims.write_text("# none\n")
    before = circuit.read_bytes(), claims.read_bytes()
    args = [a.format(f=circuit, d=tmp_path, c=claims) for a in argv]
    code, _, err = run(capsys, *args)
    assert code == 2 and "is the same file as" in err and err.count("\n") == 1
    assert (circuit.read_bytes(), claims.read_bytes()) == before
    assert not (tmp_path / "same.svg").exists()


@pytest.mark.parametrize("argv, words", [
    (("selftest", "--mutants", "1000000000"), "mutants=1000000000 must be <= 1000"),
    (("sweep", "and2", "--max-m-prime", str(10 ** 30)), "of memory and"),
    (("verify", "--max-m-prime", str(10 ** 30)), "of memory and"),
    (("plot", "--max-m-prime", str(10 ** 30), "-o", "{d}/p.svg"), "of memory and"),
    (("export", "{f}", "--format", "onnx", "-o", "{d}/m.onnx", "--check", str(10 ** 12)),
     "of memory and"),
])
def test_a_request_that_cannot_fit_is_refused_before_any_work_with_the_figure(
        capsys, tmp_path, argv, words):
    circuit = save_circuit(built("and2", 100, "random", 0, 2, 1), tmp_path / "c.npz")
    code, out, err = run(capsys, *(a.format(f=circuit, d=tmp_path) for a in argv))
    assert code == 2 and words in err and err.count("\n") == 1 and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]
