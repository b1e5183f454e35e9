"""``superpose fuzz --engine``: the vectorised engine as it always was, the Hypothesis engine with
its example database under the cache directory, both by default, and one-line errors."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from superpose.circuits import Layer, ThresholdNetwork, save_circuit
from tests.cli import run
from tests.strategies import built, sources_of


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """SUPERPOSE_CACHE_DIR moved to a fresh folder (not created yet)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SUPERPOSE_CACHE_DIR", str(folder))
    return folder


def _file(tmp_path, broken: bool = True):
    """The naive and2 circuit at m' = 30, with output 7's AND unit needing one source instead
    of two when ``broken`` (a false positive on either end of its pair)."""
    circuit = built("and2", 30, "random", 0, 2, 0, "naive")
    if broken:
        layer = circuit.network.layers[0]
        theta = layer.theta.copy()
        theta[7] = 1
        net = ThresholdNetwork(circuit.network.input_code,
                               (Layer(layer.weights.copy(), theta),),
                               circuit.network.output_code)
        circuit = dataclasses.replace(circuit, network=net)
    path = tmp_path / ("broken.npz" if broken else "correct.npz")
    save_circuit(circuit, path)
    return path, sources_of(circuit.problem, 7)


def test_both_engines_run_by_default_and_either_finding_a_wrong_output_exits_1(tmp_path,
                                                                                capsys, cache):
    path, pair = _file(tmp_path)
    code, out, err = run(capsys, "fuzz", str(path), "--samples", "300", "--examples", "200",
                         "--seed", "5", "-q")
    lines = out.splitlines()
    assert code == 1 and not err
    assert lines[0].startswith("vectorized: FAIL:") and "seed 5" in lines[0]
    hyp = next(i for i, line in enumerate(lines) if line.startswith("hypothesis: "))
    assert lines[hyp].startswith("hypothesis: FAIL:") and "seed 5" in lines[hyp]
    assert any("replays through the plain evaluator" in line for line in lines[hyp:])
    replay = next(line for line in lines[hyp:] if line.startswith("  replay: "))
    assert "superpose fuzz" in replay and "--engine hypothesis" in replay and "--seed 5" in replay
    active = replay.rsplit("--active ", 1)[1]
    assert {int(f) for f in active.split(",")} in ({pair[0]}, {pair[1]})
    code, out, _ = run(capsys, "eval", str(path), "--active", active, "--json")
    assert code == 1 and 7 in json.loads(out)["wrong"]


def test_the_json_of_both_engines_keeps_the_vectorized_keys_at_the_top(tmp_path, capsys, cache):
    path, _ = _file(tmp_path, broken=False)
    code, out, _ = run(capsys, "fuzz", str(path), "--samples", "400", "--examples", "30",
                       "--json", "-q")
    data = json.loads(out)
    assert code == 0 and data["method"] == "fuzz" and data["inputs_checked"] == 400
    assert data["engine"] == "both" and set(data["engines"]) == {"vectorized", "hypothesis"}
    hyp = data["engines"]["hypothesis"]
    assert hyp["method"] == "hypothesis" and hyp["wrong_outputs"] == 0 and hyp["examples"] == 30
    assert hyp["min_margin"] >= 1 and "--engine hypothesis --examples 30" in hyp["replay"]
    assert data["engines"]["vectorized"]["inputs_checked"] == 400


def test_the_vectorized_engine_alone_prints_what_fuzz_always_printed(tmp_path, capsys, cache):
    path, _ = _file(tmp_path, broken=False)
    code, out, _ = run(capsys, "fuzz", str(path), "--engine", "vectorized", "--samples", "500",
                       "--seed", "3", "--json")
    data = json.loads(out)
    assert code == 0 and "engines" not in data and "engine" not in data
    assert data["replay"] == f"superpose fuzz {path} --samples 500 --seed 3"
    code, out, _ = run(capsys, "fuzz", str(path), "--engine", "vectorized", "--samples", "500")
    assert out.startswith("PASS: 0 wrong outputs") and "hypothesis" not in out
    assert not (cache / "hypothesis").exists()  # no example database without Hypothesis


def test_the_hypothesis_database_lives_under_the_cache_dir_and_replays_first(tmp_path, capsys,
                                                                             cache):
    path, _ = _file(tmp_path)
    argv = ("fuzz", str(path), "--engine", "hypothesis", "--examples", "300", "--json", "-q")
    code, out, _ = run(capsys, *argv)
    first = json.loads(out)
    folder = cache / "hypothesis" / hashlib.sha256(path.read_bytes()).hexdigest()
    assert code == 1 and first["database"] == str(folder)
    assert any(p.is_file() for p in folder.rglob("*"))
    code, out, _ = run(capsys, *argv)
    second = json.loads(out)
    assert code == 1 and second["first_wrong_at"] == 1 and second["by_strategy"] == {
        "database": 1}
    assert second["counterexamples"] == first["counterexamples"]
    assert set(second["engines"]) == {"hypothesis"}


def test_no_cache_writes_nothing_under_the_cache_dir_or_the_working_dir(tmp_path, capsys,
                                                                        cache, monkeypatch):
    path, _ = _file(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, out, _ = run(capsys, "fuzz", str(path), "--examples", "100", "--samples", "200",
                       "--no-cache", "-q")
    assert code == 1 and "no example database" in out and "--no-cache" in out
    assert not cache.exists() and list(work.iterdir()) == []


@pytest.mark.parametrize("argv, named", [
    (["--engine", "nope"], "engine='nope' must be vectorized, hypothesis or both"),
    (["--examples", "0"], "examples=0 must be >= 1"),
    (["--engine", "hypothesis", "--exhaustive"], "drop --engine hypothesis or --exhaustive"),
])
def test_bad_fuzz_options_exit_2_with_one_line(tmp_path, capsys, cache, argv, named):
    path, _ = _file(tmp_path, broken=False)
    code, out, err = run(capsys, "fuzz", str(path), *argv)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and named in err and "Traceback" not in err


def test_a_bad_cache_dir_exits_2_with_one_line_before_any_run(tmp_path, capsys, monkeypatch):
    path, _ = _file(tmp_path, broken=False)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("SUPERPOSE_CACHE_DIR", str(blocker))
    code, out, err = run(capsys, "fuzz", str(path))
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and "SUPERPOSE_CACHE_DIR" in err
    code, out, _ = run(capsys, "fuzz", str(path), "--no-cache", "--examples", "5",
                       "--samples", "100")
    assert code == 0


def test_fuzz_tunes_glibcs_allocator_where_there_is_one_and_leaves_others_alone(monkeypatch):
    """``superpose fuzz`` sets glibc's mmap and trim thresholds for its own process (its
    checking threads allocate large arrays), and ``certify`` its larger trim threshold;
    without glibc's ``mallopt`` nothing is set."""
    import platform
    import sys

    from superpose.checks.cli import _allocator

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert _allocator.tune_allocator() is glibc
    assert _allocator.tune_allocator(_allocator.SEARCH_TRIM_THRESHOLD) is glibc
    monkeypatch.setattr(_allocator.sys, "platform", "darwin")
    assert _allocator.tune_allocator() is False


def test_the_examples_default_is_the_hypothesis_engines_and_parsing_imports_no_numpy():
    """--examples' default is written in the command's module (so that parsing the command
    line imports no NumPy, and the file is hashed while the engines are imported); it is the
    engine's own."""
    import subprocess
    import sys

    from superpose.checks.cli import fuzz as command
    from superpose.circuits.correctness import HYPOTHESIS_EXAMPLES

    assert command.EXAMPLES == HYPOTHESIS_EXAMPLES
    probe = ("import sys; from superpose.checks.cli._main import _parser; "
             "_parser(['fuzz']).parse_args(['fuzz', 'c.npz']); "
             "print(sorted(m for m in ('numpy', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_fuzz_checks_the_crc_of_a_large_member_from_its_hash_pass_and_refuses_a_damaged_one(
        tmp_path, capsys, cache):
    """The file's hash pass also gives the CRC-32 of its large uncompressed members (W_1's
    indices here, 3 MB): an intact file passes, one with a byte flipped in them is refused in
    one line (exit 2), as when the loader computes the CRC itself."""
    import zipfile

    path = tmp_path / "c.npz"
    save_circuit(built("and2", 3000, "random", 0, 2, 0), path)
    code, out, _ = run(capsys, "fuzz", str(path), "--engine", "vectorized", "--samples", "20",
                       "--json", "-q")
    assert code == 0 and json.loads(out)["inputs_checked"] == 20
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("layer1_indices.npy")
    assert info.compress_type == zipfile.ZIP_STORED and info.file_size > 1 << 20
    data = bytearray(path.read_bytes())
    data[info.header_offset + info.file_size // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code, out, err = run(capsys, "fuzz", str(path), "--engine", "vectorized", "--samples", "20")
    assert code == 2 and out == ""
    assert "fails its CRC-32 check" in err and len(err.strip().splitlines()) == 1
