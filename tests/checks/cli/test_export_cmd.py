"""``superpose export``: writes a model file that loads without superpose and agrees with the
evaluator; bad input exits 2 and a missing extra exits 4, each with one line."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from superpose import circuits
from superpose.checks.cli import export as _export_cmd
from superpose.circuits import save_circuit
from superpose.circuits.io import evaluate_dense, export_inputs, run_export
from tests.cli import run
from tests.strategies import hide_module


@pytest.fixture(scope="module")
def circuit_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "and2.npz"
    save_circuit(circuits.build("and2", 200, "random", sparsity=2, seed=1), path)
    return path


def test_export_onnx_writes_a_file_that_loads_and_agrees(capsys, tmp_path, circuit_file):
    ort = pytest.importorskip("onnxruntime")
    out = tmp_path / "and2.onnx"
    code, stdout, stderr = run(capsys, "export", str(circuit_file), "--format", "onnx", "-o",
                               str(out), "--check", "40", "--seed", "3")
    assert code == 0, stderr
    first = stdout.splitlines()[0]
    assert first.startswith(f"wrote {out}: ONNX (opset 17)") and "(B, 200)" in first
    assert "4 affine layers" in first and f"{out.stat().st_size:,} bytes" in first
    assert "agrees with the evaluator on all 41 inputs" in stdout and "seed 3" in stdout
    circuit = circuits.load_circuit(circuit_file)
    x = export_inputs(circuit.m, 2, 60, seed=9)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert np.array_equal(session.run(["y"], {"x": x})[0], evaluate_dense(circuit.network, x))
    load = stdout.splitlines()[-1].removeprefix("  load: ")
    assert np.array_equal(eval(load, {"onnxruntime": ort, "x": x}),  # our own printed line
                          evaluate_dense(circuit.network, x))


def test_export_json_names_what_was_written(capsys, tmp_path, circuit_file):
    pytest.importorskip("onnxruntime")
    out = tmp_path / "m.onnx"
    code, stdout, _ = run(capsys, "export", str(circuit_file), "--format", "onnx", "-o",
                          str(out), "--json", "--check", "10")
    doc = json.loads(stdout)
    counts = circuits.load_circuit(circuit_file).counts()
    assert code == 0 and doc["format"] == "onnx" and doc["file"] == str(out)
    assert (doc["m"], doc["m_prime"], doc["affine_layers"]) == (200, 200, len(counts.widths) + 1)
    dims = [200, *counts.widths, 200]
    assert doc["weights"] == sum(a * b for a, b in itertools.pairwise(dims))
    assert doc["file_bytes"] == out.stat().st_size and doc["wrong_inputs"] == 0
    assert doc["checked_inputs"] == 11 and doc["check_seed"] == 0


def test_export_torch_writes_a_program_that_torch_loads_and_agrees(capsys, tmp_path,
                                                                    circuit_file):
    torch = pytest.importorskip("torch")
    out = tmp_path / "and2.pt2"
    code, stdout, stderr = run(capsys, "export", str(circuit_file), "--format", "torch", "-o",
                               str(out), "--check", "20")
    assert code == 0, stderr
    assert "torch.export program" in stdout and f"torch.export.load({str(out)!r})" in stdout
    circuit = circuits.load_circuit(circuit_file)
    x = export_inputs(circuit.m, 2, 50, seed=8)
    extra = {"superpose.json": ""}
    with torch.no_grad():
        got = torch.export.load(str(out), extra_files=extra).module()(torch.from_numpy(x))
    assert np.array_equal(got.numpy(), evaluate_dense(circuit.network, x))
    load = stdout.splitlines()[-1].removeprefix("  load: ")
    assert np.array_equal(eval(load, {"torch": torch, "x": torch.from_numpy(x)}).detach().numpy(),
                          got.numpy())  # our own printed line
    meta = json.loads(extra["superpose.json"])
    assert meta["superpose_problem"] == "and2" and meta["superpose_seed"] == "1"


def test_the_torch_load_line_opens_a_file_without_the_pt2_suffix():
    assert _export_cmd.load_line(Path("m.pt2"), "torch") == "torch.export.load('m.pt2').module()(x)"
    assert _export_cmd.load_line(Path("m.bin"), "torch") == \
        "torch.export.load(open('m.bin', 'rb')).module()(x)"


def test_a_disagreeing_file_exits_1_with_the_first_disagreement_and_a_replay(
        capsys, tmp_path, circuit_file, monkeypatch):
    pytest.importorskip("onnxruntime")

    def off_by_one(path, fmt, x):
        y = run_export(path, fmt, x)
        y[-1, 7] = 1 - y[-1, 7]
        return y

    monkeypatch.setattr(_export_cmd, "run_export", off_by_one)
    code, stdout, _ = run(capsys, "export", str(circuit_file), "--format", "onnx", "-o",
                          str(tmp_path / "m.onnx"), "--check", "8", "--seed", "2")
    assert code == 1
    assert "DISAGREES with the evaluator on 1 of 9 inputs (seed 2)" in stdout
    assert "output 7" in stdout and "--check 8 --seed 2" in stdout


def test_check_0_skips_running_the_file(capsys, tmp_path, circuit_file, monkeypatch):
    pytest.importorskip("onnx")
    monkeypatch.setattr(_export_cmd, "run_export", None)  # would fail if called
    code, stdout, _ = run(capsys, "export", str(circuit_file), "--format", "onnx", "-o",
                          str(tmp_path / "m.onnx"), "--check", "0")
    assert code == 0 and "not run after writing (--check 0)" in stdout


@pytest.mark.parametrize("argv,message", [
    (["--format", "tf"], "invalid choice: 'tf'"),
    (["--format", "onnx", "--check", "-1"], "check=-1 must be >= 0"),
    (["--format", "onnx", "--check", "x"], "check='x' must be an integer"),
    (["--format", "onnx", "--seed", "-1"], "seed=-1 must be >= 0"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, tmp_path, circuit_file, argv, message):
    code, stdout, stderr = run(capsys, "export", str(circuit_file), "-o",
                               str(tmp_path / "m"), *argv)
    assert code == 2 and message in stderr and stderr.count("\n") == 1 and not stdout
    assert not (tmp_path / "m").exists(), "a refused export wrote its output"


def test_a_missing_or_broken_circuit_file_exits_2_with_one_line(capsys, tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    for path, message in ((tmp_path / "none.npz", "does not exist"),
                          (broken, "is not a readable .npz circuit file")):
        code, _, stderr = run(capsys, "export", str(path), "--format", "onnx", "-o",
                              str(tmp_path / "m.onnx"))
        assert code == 2 and message in stderr and stderr.count("\n") == 1


def test_an_unwritable_output_exits_2_with_one_line(capsys, tmp_path, circuit_file):
    pytest.importorskip("onnx")
    code, _, stderr = run(capsys, "export", str(circuit_file), "--format", "onnx", "-o",
                          str(tmp_path / "no" / "m.onnx"))
    assert code == 2 and "cannot write" in stderr and stderr.count("\n") == 1


@pytest.mark.parametrize("fmt,module", [("onnx", "onnx"), ("torch", "torch")])
def test_a_missing_extra_exits_4_with_the_pip_line(capsys, tmp_path, circuit_file, monkeypatch,
                                                   fmt, module):
    hide_module(monkeypatch, module)
    code, stdout, stderr = run(capsys, "export", str(circuit_file), "--format", fmt, "-o",
                               str(tmp_path / "m"))
    assert code == 4 and not stdout and stderr.count("\n") == 1
    assert f"superpose export --format {fmt}" in stderr and "pip install" in stderr
