"""A corpus of hostile inputs across the commands (issue 17): each ends with its exit code and
one line on stderr, no traceback, and no file beyond what the command was asked to write.

Each case is (name, setup, argv, exit code, words of the message). ``setup(d)`` prepares files
in the case's folder d and returns the names argv refers to ({c}: a correct circuit file,
{d}: the folder)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from superpose.circuits import save_circuit
from tests.cli import run
from tests.strategies import built


def _circuit(d):
    return save_circuit(built("and2", 100, "random", 0, 2, 1), d / "c.npz")


def _with_fields(changes):
    def setup(d):
        fields = dict(np.load(_circuit(d)))
        for name, value in changes.items():
            fields[name] = value if not isinstance(value, str) else np.array(
                [fields[name][0], 10 ** 9])  # "wide": layer 1 reads all of a wide layer 0
        np.savez(d / "c.npz", **fields)
    return setup


def _uand_with_m(m):
    def setup(d):
        from superpose.circuits import build

        save_circuit(build("uand", 120, sparsity=2), d / "c.npz")
        fields = dict(np.load(d / "c.npz"))
        fields["m"] = np.array(m)
        np.savez(d / "c.npz", **fields)
    return setup


def _shard(doc_change):
    def setup(d):
        path = _circuit(d)
        doc = {"verdict": "PROVED", "counterexample": None, "wrong_output": None,
               "sparsity": 2, "inputs_covered": 5051, "input_space": 5051, "seconds": 0.1,
               "method": "search", "reason": "", "stats": {}, "shard": "0/1",
               "file_sha256": __import__("hashlib").sha256(path.read_bytes()).hexdigest()}
        (d / "s.json").write_text(doc_change(doc))
    return setup


CASES = [
    ("deep constants_json",
     _with_fields({"constants_json": np.array("[" * 100_000 + "]" * 100_000)}),
     ("info", "{c}"), 2, "is inconsistent"),
    ("NaN and Infinity among the constants",
     _with_fields({"constants_json": np.array('{"c_d": NaN, "t": Infinity}')}),
     ("info", "{c}", "--json"), 2, "constants_json holds NaN"),
    ("uint64 weight beyond int64",
     _with_fields({"layer1_data": np.full(1, 2 ** 63 + 5, dtype=np.uint64)}), ("info", "{c}"), 2,
     "above 2^63 - 1"),
    ("input_code_width of 10^9: eval",
     _with_fields({"input_code_width": np.array(10 ** 9), "layer1_shape": "wide"}),
     ("eval", "{c}", "--active", "1,2"), 2, "of memory and"),
    ("input_code_width of 10^9: fuzz",
     _with_fields({"input_code_width": np.array(10 ** 9), "layer1_shape": "wide"}),
     ("fuzz", "{c}", "--samples", "100"), 2, "of memory and"),
    ("input_code_width of 10^9: certify",
     _with_fields({"input_code_width": np.array(10 ** 9), "layer1_shape": "wide"}),
     ("certify", "{c}"), 2, "of memory and"),
    ("m' of 10^12 in a tiny file", _with_fields({"m_prime": np.array(10 ** 12)}),
     ("info", "{c}"), 2, "m_prime=1000000000000 (a circuit of that size) needs about"),
    ("claims from /dev/zero", lambda d: None, ("verify", "--claims", "/dev/zero"), 2,
     "must be a regular file"),
    ("claims from a FIFO", lambda d: os.mkfifo(d / "claims.toml"),
     ("verify", "--claims", "{d}/claims.toml"), 2, "must be a regular file"),
    ("claims nested 100k deep",
     lambda d: (d / "claims.toml").write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
     ("verify", "--claims", "{d}/claims.toml"), 2, "nested too deeply"),
    ("a uand file saying m = 30000", _uand_with_m(30000), ("info", "{c}"), 2,
     "C(m, 2) of m=30000"),
    ("directory as circuit", lambda d: (d / "c.npz").mkdir(), ("info", "{c}"), 2,
     "is a directory"),
    ("fifo as circuit", lambda d: os.mkfifo(d / "c.npz"), ("certify", "{c}"), 2,
     "not a regular file"),
    ("shard with 1e400", _shard(lambda doc: json.dumps(doc).replace('"inputs_covered": 5051',
                                                                    '"inputs_covered": 1e400')),
     ("certify", "{c}", "--merge", "{d}/s.json"), 2, "malformed"),
    ("shard nested deep", lambda d: (_circuit(d), (d / "s.json").write_text(
        "[" * 100_000 + "]" * 100_000)), ("certify", "{c}", "--merge", "{d}/s.json"), 2,
     "not readable JSON"),
    ("shard is /dev/zero", _circuit, ("certify", "{c}", "--merge", "/dev/zero"), 2,
     "must be a regular file"),
    ("a hand-written PROVED shard of a correct circuit (checked, then merged)",
     _shard(json.dumps), ("certify", "{c}", "--merge", "{d}/s.json"), 0, ""),
    ("m' of 10^30", lambda d: None, ("build", "and2", "--m-prime", str(10 ** 30), "-o",
                                     "{d}/x.npz"), 2, "of memory and"),
    ("c_d of 1e308", lambda d: None, ("build", "and2", "--m-prime", "100", "--constant",
                                      "c_d=1e308", "-o", "{d}/x.npz"), 2,
     "cannot hold"),
    ("t_min of 10^20", lambda d: None, ("build", "and2", "--m-prime", "100", "--constant",
                                        f"t_min={10 ** 20}", "-o", "{d}/x.npz"), 2,
     "cannot hold"),
    ("seed of 2^63", lambda d: None, ("build", "and2", "--m-prime", "100", "--seed",
                                      str(2 ** 63), "-o", "{d}/x.npz"), 2, "int64"),
    ("jobs beyond the cores", _circuit, ("certify", "{c}", "--jobs", "1000000"), 2, "core(s)"),
    ("export over its input", _circuit, ("export", "{c}", "--format", "onnx", "-o", "{c}"), 2,
     "is the same file as"),
    ("selftest mutants 10^9", lambda d: None, ("selftest", "--mutants", str(10 ** 9)), 2,
     "must be <= 1000"),
]


# bad arguments, each a rule of one command (exit 2, one line naming the value)
ARGUMENTS = [
    (("eval", "{c}", "--active", "1,1"), "repeats a feature"),
    (("eval", "{c}", "--active", "999"), "active feature 999 must lie in [0, m="),
    (("eval", "{c}", "--active", "a"), "comma-separated feature indices"),
    (("eval", "{c}", "--active", "1,2,3"), "sparsity is 2"),
    (("fuzz", "{c}", "--samples", "0"), "samples=0 must be >= 1"),
    (("fuzz", "{c}", "--engine", "fast"), "engine='fast'"),
    (("fuzz", "{c}", "--seed", "-1"), "seed=-1 must be >= 0"),
    (("certify", "{c}", "--timeout", "-1"), "timeout='-1'"),
    (("certify", "{c}", "--timeout", "nan"), "timeout='nan'"),
    (("certify", "{c}", "--sparsity", "0"), "sparsity=0 must be >= 1"),
    (("certify", "{c}", "--shard", "5/2"), "shards are numbered 0..1"),
    (("certify", "{c}", "--method", "magic"), "invalid choice: 'magic'"),
    (("certify", "{c}", "--merge-seed", "3"), "use it with --merge"),
    (("build", "and2", "--m-prime", "0", "-o", "{d}/x.npz"), "m_prime=0 must be >= 1"),
    (("build", "nosuch", "--m-prime", "10", "-o", "{d}/x.npz"), "invalid choice: 'nosuch'"),
    (("build", "and2", "--m-prime", "100", "--family", "nosuch", "-o", "{d}/x.npz"),
     "family='nosuch' is not known"),
    (("build", "and2", "--m-prime", "100", "--constant", "bogus=1", "-o", "{d}/x.npz"),
     "constant 'bogus' is not one of"),
    (("build", "and2", "--m-prime", "100", "--constant", "c_d=-1", "-o", "{d}/x.npz"),
     "c_d=-1.0 must be a finite number > 0"),
    (("build", "and2", "--m-prime", "100", "--sparsity", "0", "-o", "{d}/x.npz"),
     "sparsity=0 must be >= 1"),
    (("sweep", "and2", "--max-m-prime", "5"), "max_m_prime=5 must be >= 100"),
    (("info", "{d}/nosuch.npz"), "does not exist"),
    (("export", "{c}", "--format", "gif", "-o", "{d}/x.onnx"), "invalid choice: 'gif'"),
    (("repair", "{c}", "-o", "{d}/no/such/dir/x.npz"), "cannot write"),
    (("verify", "--claims", "{d}/nosuch.toml"), "no such file"),
    (("verify", "--sparsity", "0"), "sparsity=0 must be >= 1"),
    (("minimal", "and2", "--m", "0"), "m=0 must be between"),
    (("selftest", "--mutants", "0"), "mutants=0 must be >= 1"),
    (("plot", "-o", "{d}/x.gif"), "must end in .png or .svg"),
    (("claims", "--bogus"), "unrecognized arguments: --bogus"),
]
CASES += [(" ".join(argv[:2]) + " ... " + words, _circuit, argv, 2, words)
          for argv, words in ARGUMENTS]


@pytest.mark.parametrize("name, setup, argv, code, words", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_input_ends_in_its_exit_code_with_one_line_and_no_stray_file(
        capsys, tmp_path, name, setup, argv, code, words):
    setup(tmp_path)
    before = {p.name for p in tmp_path.iterdir()}
    got, out, err = run(capsys, *(a.format(c=tmp_path / "c.npz", d=tmp_path) for a in argv))
    assert got == code, (name, out, err)
    assert "Traceback" not in err
    if code == 2:
        assert words in err and err.count("\n") == 1, err
    assert {p.name for p in tmp_path.iterdir()} == before
