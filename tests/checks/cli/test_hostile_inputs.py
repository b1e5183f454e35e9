"""A corpus of hostile inputs across the commands (issue 17): each ends with its exit code and,
for bad input (exit 2), one line on stderr; never a traceback, and no file beyond what the
command was asked to write.

Each case is ``Case(name, setup, argv, code, words)``: ``setup(d)`` prepares files in the
case's folder d; argv refers to them as {c} (the circuit file d/c.npz) and {d} (the folder);
``words`` must appear in the one line of an exit 2, and in stdout or stderr otherwise.
``writes`` names the files the command was asked to write (any other new file is stray), and
``check(d)`` asserts what must hold afterwards (a file outside the output left alone).

The base circuit is and2 at m' = 100 (m = 100, 5051 inputs of at most 2 active features: a
certification enumerates them in milliseconds). Cases run in-process through ``main``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import pickle
import zipfile
from typing import Callable, NamedTuple

import numpy as np
import pytest

from superpose.circuits import build, save_circuit
from tests.cli import run
from tests.strategies import built


class Case(NamedTuple):
    name: str
    setup: Callable
    argv: tuple
    code: int
    words: str
    writes: tuple = ()
    check: Callable | None = None


def _nothing(d):
    return None


def _circuit(d):
    return save_circuit(built("and2", 100, "random", 0, 2, 1), d / "c.npz")


@functools.lru_cache(maxsize=1)
def _implicit_circuit():
    return build("and2", 100, "random", 0, 2, 1, implicit=True)


def _implicit(d):
    """The base circuit as an implicit file (format version 2: layer 1 kept as its factors)."""
    return save_circuit(_implicit_circuit(), d / "c.npz")


def _fields(d, base=_circuit) -> dict:
    with np.load(base(d)) as npz:
        return {name: npz[name] for name in npz.files}


def _int64(name, value):
    """A field changer: ``name`` filled with ``value`` (as int64, the file's own type being
    narrower)."""
    return lambda f: np.full(f[name].shape, value, dtype=np.int64)


def _with(base=_circuit, **changes):
    """The base circuit (or ``base``'s) with fields replaced (a value, or a function of the
    fields) or dropped (None), written as a plain .npz."""
    def setup(d):
        fields = _fields(d, base)
        for name, value in changes.items():
            if value is None:
                del fields[name]
            else:
                fields[name] = value(fields) if callable(value) else value
        np.savez(d / "c.npz", **fields)
    return setup


def _with_fields(changes):
    def setup(d):
        fields = _fields(d)
        for name, value in changes.items():
            fields[name] = value if not isinstance(value, str) else np.array(
                [fields[name][0], 10 ** 9])  # "wide": layer 1 reads all of a wide layer 0
        np.savez(d / "c.npz", **fields)
    return setup


def _bytes(make):
    """c.npz holding the bytes ``make(d)`` returns."""
    def setup(d):
        data = make(d)
        (d / "c.npz").write_bytes(data)
    return setup


def _npy(d) -> bytes:
    out = io.BytesIO()
    np.save(out, np.arange(3))
    return out.getvalue()


def _empty_zip(d) -> bytes:
    out = io.BytesIO()
    zipfile.ZipFile(out, "w").close()
    return out.getvalue()


def _plus_member(name, payload):
    """The base circuit plus one more archive member of raw bytes."""
    def setup(d):
        _circuit(d)
        with zipfile.ZipFile(d / "c.npz", "a") as zf:
            zf.writestr(name, payload)
    return setup


def _uand_with_m(m):
    def setup(d):
        save_circuit(build("uand", 120, sparsity=2), d / "c.npz")
        with np.load(d / "c.npz") as npz:
            fields = {name: npz[name] for name in npz.files}
        fields["m"] = np.array(m)
        np.savez(d / "c.npz", **fields)
    return setup


def _link(target, name):
    """A symbolic link d/name -> target ({d} in target is the folder)."""
    def setup(d):
        os.symlink(str(target).format(d=d), d / name)
    return setup


def _then(*setups):
    def setup(d):
        for s in setups:
            s(d)
    return setup


def _fifo(name):
    return lambda d: os.mkfifo(d / name)


def _folder(name):
    return lambda d: (d / name).mkdir()


def _text(name, text):
    return lambda d: (d / name).write_text(text)


def _raw(name, data):
    return lambda d: (d / name).write_bytes(data)


# a circuit whose last layer fires every unit: every output reads 1, on every input
_WRONG = _with(layer2_theta=_int64("layer2_theta", -1))

# --- shard files ------------------------------------------------------------------------------


def _shard_doc(d, **changes) -> dict:
    """A hand-written PROVED enumeration shard 0/1 of the file at d/c.npz (as made), with
    ``changes``."""
    doc = {"verdict": "PROVED", "counterexample": None, "wrong_output": None,
           "sparsity": 2, "inputs_covered": 5051, "input_space": 5051, "seconds": 0.1,
           "method": "exhaustive", "reason": "", "stats": {}, "shard": "0/1",
           "file_sha256": hashlib.sha256((d / "c.npz").read_bytes()).hexdigest()}
    return doc | changes


def _shard(doc_change=json.dumps, circuit=_circuit, **changes):
    """The circuit (``circuit``) and s.json: a shard of it, changed by ``changes`` and written
    by ``doc_change`` (a function of the document, returning the file's text)."""
    def setup(d):
        circuit(d)
        (d / "s.json").write_text(doc_change(_shard_doc(d, **changes)))
    return setup


_MERGE = ("certify", "{c}", "--merge", "{d}/s.json")
_CEX = {"verdict": "REFUTED", "wrong_output": {"output": 0, "expected": 0, "got": 1}}

# --- claim files ------------------------------------------------------------------------------


def _claim(**keys) -> str:
    """One [[claim]] table: a valid claim with ``keys`` replaced (TOML values) or dropped
    (None)."""
    base = {"id": '"C1"', "problem": '"and2"', "quantity": '"neurons"', "kind": '"upper"',
            "bound": '"mp"'} | keys
    return "[[claim]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items() if v is not None)


def _claims(text):
    return _text("claims.toml", text)


_VERIFY = ("verify", "--claims", "{d}/claims.toml")


def _bound(text: str, words: str) -> Case:
    return Case(f"claim bound {text!r}", _claims(_claim(bound=json.dumps(text))), _VERIFY, 2,
                words)


def _unchanged(name, text):
    def check(d):
        assert (d / name).read_text() == text, f"{name} was changed"
    return check


def _regular(name):
    def check(d):
        assert (d / name).is_file() and not (d / name).is_symlink(), f"{name} is not a file"
    return check


CASES = [
    Case("deep constants_json",
         _with_fields({"constants_json": np.array("[" * 100_000 + "]" * 100_000)}),
         ("info", "{c}"), 2, "is inconsistent"),
    Case("NaN and Infinity among the constants",
         _with_fields({"constants_json": np.array('{"c_d": NaN, "t": Infinity}')}),
         ("info", "{c}", "--json"), 2, "constants_json holds NaN"),
    Case("uint64 weight beyond int64",
         _with_fields({"layer1_data": np.full(1, 2 ** 63 + 5, dtype=np.uint64)}),
         ("info", "{c}"), 2, "above 2^63 - 1"),
    Case("input_code_width of 10^9: eval",
         _with_fields({"input_code_width": np.array(10 ** 9), "layer1_shape": "wide"}),
         ("eval", "{c}", "--active", "1,2"), 2, "of memory and"),
    Case("input_code_width of 10^9: fuzz",
         _with_fields({"input_code_width": np.array(10 ** 9), "layer1_shape": "wide"}),
         ("fuzz", "{c}", "--samples", "100"), 2, "of memory and"),
    Case("input_code_width of 10^9: fuzz --engine hypothesis",
         _with_fields({"input_code_width": np.array(10 ** 9), "layer1_shape": "wide"}),
         ("fuzz", "{c}", "--engine", "hypothesis"), 2, "of memory and"),
    Case("input_code_width of 10^9: certify",
         _with_fields({"input_code_width": np.array(10 ** 9), "layer1_shape": "wide"}),
         ("certify", "{c}"), 2, "of memory and"),
    Case("m' of 10^12 in a tiny file", _with_fields({"m_prime": np.array(10 ** 12)}),
         ("info", "{c}"), 2, "m_prime=1000000000000 (a circuit of that size) needs about"),
    Case("claims from /dev/zero", _nothing, ("verify", "--claims", "/dev/zero"), 2,
         "must be a regular file"),
    Case("claims from a FIFO", _fifo("claims.toml"), _VERIFY, 2, "must be a regular file"),
    Case("claims nested 100k deep",
         _claims("a = " + "[" * 100_000 + "]" * 100_000 + "\n"), _VERIFY, 2,
         "nested too deeply"),
    Case("a uand file saying m = 30000", _uand_with_m(30000), ("info", "{c}"), 2,
         "C(m, 2) of m=30000"),
    Case("directory as circuit", _folder("c.npz"), ("info", "{c}"), 2, "is a directory"),
    Case("fifo as circuit", _fifo("c.npz"), ("certify", "{c}"), 2, "not a regular file"),
    Case("shard with 1e400",
         _shard(lambda doc: json.dumps(doc).replace('"inputs_covered": 5051',
                                                    '"inputs_covered": 1e400')),
         _MERGE, 2, "malformed"),
    Case("shard nested deep", _then(_circuit, _text("s.json", "[" * 100_000 + "]" * 100_000)),
         _MERGE, 2, "not readable JSON"),
    Case("shard is /dev/zero", _circuit, ("certify", "{c}", "--merge", "/dev/zero"), 2,
         "must be a regular file"),
    Case("a hand-written PROVED shard of a correct circuit (checked, then merged)",
         _shard(), _MERGE, 0, "PROVED"),
    Case("m' of 10^30", _nothing,
         ("build", "and2", "--m-prime", str(10 ** 30), "-o", "{d}/x.npz"), 2, "of memory and"),
    Case("c_d of 1e308", _nothing, ("build", "and2", "--m-prime", "100", "--constant",
                                    "c_d=1e308", "-o", "{d}/x.npz"), 2, "cannot hold"),
    Case("t_min of 10^20", _nothing, ("build", "and2", "--m-prime", "100", "--constant",
                                      f"t_min={10 ** 20}", "-o", "{d}/x.npz"), 2, "cannot hold"),
    Case("seed of 2^63", _nothing, ("build", "and2", "--m-prime", "100", "--seed",
                                    str(2 ** 63), "-o", "{d}/x.npz"), 2, "int64"),
    Case("jobs beyond the cores", _circuit, ("certify", "{c}", "--jobs", "1000000"), 2,
         "core(s)"),
    Case("export over its input", _circuit, ("export", "{c}", "--format", "onnx", "-o", "{c}"),
         2, "is the same file as"),
    Case("selftest mutants 10^9", _nothing, ("selftest", "--mutants", str(10 ** 9)), 2,
         "must be <= 1000"),
]

# --- circuit files: foreign, special and damaged files, each through one command -------------

CASES += [
    Case("an empty file", _raw("c.npz", b""), ("info", "{c}"), 2, "is empty"),
    Case("a pickle", _bytes(lambda d: pickle.dumps({"format": "superpose-circuit"})),
         ("eval", "{c}", "--active", "1"), 2, "is not a readable .npz circuit file"),
    Case("a single .npy array", _bytes(_npy), ("info", "{c}"), 2, "a single .npy array"),
    Case("a zip archive with no members", _bytes(_empty_zip), ("certify", "{c}"), 2,
         "lacks required field 'format'"),
    Case("a symbolic link to itself", _link("{d}/c.npz", "c.npz"), ("info", "{c}"), 2,
         "Too many levels of symbolic links"),
    Case("/dev/zero as circuit", _nothing, ("info", "/dev/zero"), 2, "not a regular file"),
    Case("/dev/null as circuit", _nothing, ("eval", "/dev/null", "--active", "1"), 2,
         "not a regular file"),
    Case("a link to /dev/zero as circuit", _link("/dev/zero", "c.npz"), ("fuzz", "{c}"), 2,
         "not a regular file"),
    Case("the first half of a circuit file",
         _bytes(lambda d: _circuit(d).read_bytes()[:_circuit(d).stat().st_size // 2]),
         ("certify", "{c}"), 2, "is not a readable .npz circuit file"),
    Case("an extra member that is not an array (never read)",
         _plus_member("junk.npy", b"\x00garbage" * 100), ("info", "{c}"), 0, "and2"),
    Case("an extra member named like a third layer (never read)",
         _plus_member("layer3_theta.npy", b"junk"), ("eval", "{c}", "--active", "3,4"), 0,
         "correct"),
    Case("a required member with a damaged .npy header",
         _then(_with(version=None), lambda d: zipfile.ZipFile(d / "c.npz", "a").writestr(
             "version.npy", b"\x93NUMPY\x01\x00garbage")),
         ("info", "{c}"), 2, "is not a readable .npz circuit file"),
    Case("a pickled object array as a field", _with(format=np.array([{"a": 1}], dtype=object)),
         ("info", "{c}"), 2, "is not a readable .npz circuit file"),
    Case("boolean weights", _with(layer1_data=lambda f: f["layer1_data"] != 0),
         ("eval", "{c}", "--active", "1"), 2, "'layer1_data' must be a 1-d integer array"),
    Case("float thresholds", _with(layer1_theta=lambda f: f["layer1_theta"].astype(float)),
         ("certify", "{c}"), 2, "'layer1_theta' must be a 1-d integer array"),
    Case("complex weights", _with(layer1_data=lambda f: f["layer1_data"].astype(complex)),
         ("fuzz", "{c}"), 2, "'layer1_data' must be a 1-d integer array"),
    Case("2-d thresholds", _with(layer1_theta=lambda f: f["layer1_theta"].reshape(2, -1)),
         ("info", "{c}"), 2, "'layer1_theta' must be a 1-d integer array"),
    Case("a layer shape of three numbers",
         _with(layer1_shape=lambda f: np.append(f["layer1_shape"], 1)), ("info", "{c}"), 2,
         "layer1_shape must be (d_1 >= 1, d_0=300)"),
    Case("negative weight indices",
         _with(layer1_indices=lambda f: -f["layer1_indices"].astype(np.int64) - 1),
         ("info", "{c}"), 2, "layer1 indices must lie in [0, 300)"),
    Case("input code indices equal to the width",
         _with(input_code_indices=_int64("input_code_indices", 300)),
         ("eval", "{c}", "--active", "1"), 2, "input_code indices must lie in [0, 300)"),
    Case("m = -5", _with(m=np.array(-5)), ("info", "{c}"), 2, "m=-5 must be >= 2"),
    Case("m' = 0 beside 100 pairs", _with(m_prime=np.array(0)), ("info", "{c}"), 2,
         "disagree with the instance"),
    Case("10^9 layers declared", _with(n_layers=np.array(10 ** 9)), ("info", "{c}"), 2,
         "lacks required field 'layer3_shape'"),
    Case("sparsity 0 in the file", _with(sparsity=np.array(0)),
         ("eval", "{c}", "--active", "1"), 2, "sparsity=0 must be >= 1"),
    Case("sparsity 2^62 in the file", _with(sparsity=np.array(2 ** 62)), ("certify", "{c}"),
         2, "must be <= m=100"),
    Case("a seed that is a string", _with(seed=np.array("seven")), ("info", "{c}"), 2,
         "field 'seed' must be an integer scalar"),
    Case("constants_json holding a list", _with(constants_json=np.array("[1]")),
         ("info", "{c}"), 2, "constants_json must hold a JSON object"),
    Case("constants_json as bytes", _with(constants_json=np.array(b"{}")), ("info", "{c}"), 2,
         "field 'constants_json' must be a string scalar"),
    Case("weights of 2^62", _with(layer1_data=_int64("layer1_data", 2 ** 62)),
         ("certify", "{c}", "--method", "z3"), 2, "above 2^53"),
    Case("thresholds of -2^62", _with(layer2_theta=_int64("layer2_theta", -2 ** 62)),
         ("eval", "{c}", "--active", "1,2"), 2, "above 2^53"),
    Case("weights of -2^63", _with(layer1_data=_int64("layer1_data", -2 ** 63)),
         ("fuzz", "{c}", "--exhaustive"), 2, "above 2^53"),
    Case("pair endpoints beyond m",
         _with(pairs=lambda f: f["pairs"].astype(np.int64) + 1000), ("info", "{c}"), 2,
         "pair endpoints must lie in [0, m=100)"),
    Case("a pair of one feature twice",
         _with(pairs=lambda f: np.stack([f["pairs"][:, 0]] * 2, axis=1)), ("info", "{c}"), 2,
         "must join two distinct features"),
    Case("3-d pairs", _with(pairs=lambda f: f["pairs"].reshape(100, 2, 1)), ("info", "{c}"),
         2, "field 'pairs' must be a 2-d integer array"),
    Case("no pairs", _with(pairs=np.zeros((0, 2), dtype=np.int64)), ("info", "{c}"), 2,
         "must be (m', 2) with m' >= 1"),
    Case("a decreasing indptr", _with(layer2_indptr=lambda f: f["layer2_indptr"][::-1]),
         ("info", "{c}"), 2, "layer2 indptr must be non-decreasing"),
    Case("an indptr ending at 10^15",
         _with(layer2_indptr=lambda f: np.append(f["layer2_indptr"][:-1], 10 ** 15)),
         ("info", "{c}"), 2, "layer2 indptr must be non-decreasing"),
    Case("a layer of 10^15 units", _with(layer1_shape=np.array([10 ** 15, 300])),
         ("info", "{c}"), 2, "layer1_theta must hold 1000000000000000 values"),
    Case("an input code width of 2^40", _with(input_code_width=np.array(2 ** 40)),
         ("eval", "{c}", "--active", "1"), 2, "layer1_shape must be (d_1 >= 1, "
         "d_0=1099511627776)"),
    Case("version 3", _with(version=np.array(3)),
         ("export", "{c}", "--format", "onnx", "-o", "{d}/x.onnx"), 2,
         "this superpose reads versions 1 and 2"),
    Case("a problem not installed", _with(problem=np.array("xor")),
         ("repair", "{c}", "-o", "{d}/r.npz"), 2, "problem='xor', which is not installed"),
    Case("an empty problem name", _with(problem=np.array("")), ("info", "{c}"), 2,
         "problem='', which is not installed"),
    # an implicit file (format version 2): its factored first layer checked as a layer is
    Case("an implicit file, decided", _implicit, ("certify", "{c}"), 0, "PROVED"),
    Case("an implicit file with an unknown layer form",
         _with(_implicit, layer1_form=np.array("dense")), ("info", "{c}"), 2,
         "layer1_form='dense' must be 'weights', or 'factored'"),
    Case("an implicit file without its layer form", _with(_implicit, layer1_form=None),
         ("eval", "{c}", "--active", "1"), 2, "lacks required field 'layer1_indptr'"),
    Case("an implicit file saying version 1", _with(_implicit, version=np.array(1)),
         ("info", "{c}"), 2, "layer1_form='factored' must be 'weights'"),
    Case("a second layer marked factored", _with(_implicit, layer2_form=np.array("factored")),
         ("info", "{c}"), 2, "layer2_form='factored' must be"),
    Case("factor weights of 0",
         _with(_implicit, layer1_left_data=_int64("layer1_left_data", 0)), ("info", "{c}"), 2,
         "layer1_left_data holds 0; a factored layer's weights must be >= 1"),
    Case("factor weights of 2^50",
         _with(_implicit, layer1_left_data=_int64("layer1_left_data", 2 ** 50)),
         ("certify", "{c}"), 2, "above 2^53"),
    Case("factor indices beyond m",
         _with(_implicit, layer1_left_indices=lambda f: f["layer1_left_indices"].astype(
             np.int64) + 100), ("fuzz", "{c}"), 2, "layer1_left indices must lie in [0, 100)"),
    # a file that loads but is wrong: every command that decides says so, with exit 1
    Case("a wrong circuit: eval", _WRONG, ("eval", "{c}", "--active", ""), 1, "WRONG at"),
    Case("a wrong circuit: fuzz", _WRONG,
         ("fuzz", "{c}", "--samples", "100", "--engine", "vectorized", "--no-cache"), 1,
         "FAIL"),
    Case("a wrong circuit: certify", _WRONG, ("certify", "{c}"), 1, "REFUTED"),
    Case("a wrong circuit: certify by search", _WRONG, ("certify", "{c}", "--method", "search"),
         1, "REFUTED"),
    Case("a wrong circuit: certify by Z3", _WRONG, ("certify", "{c}", "--method", "z3"), 1,
         "REFUTED"),
    Case("a wrong circuit: repair gives up after 3 vetoes", _WRONG,
         ("repair", "{c}", "-o", "{d}/r.npz", "--max-vetoes", "3"), 1, "still wrong",
         writes=("r.npz",)),
]

# --- shard files for certify --merge ----------------------------------------------------------

CASES += [
    Case("a shard of another file", _shard(file_sha256="0" * 64), _MERGE, 2,
         "was not made from this circuit file"),
    Case("a shard without file_sha256",
         _then(_circuit, lambda d: (d / "s.json").write_text(json.dumps(
             {k: v for k, v in _shard_doc(d).items() if k != "file_sha256"}))),
         _MERGE, 2, "was not made from this circuit file"),
    Case("a shard that is a JSON array", _then(_circuit, _text("s.json", "[]")), _MERGE, 2,
         "holds an array, not a JSON object"),
    Case("a shard that is JSON null", _then(_circuit, _text("s.json", "null")), _MERGE, 2,
         "holds null, not a JSON object"),
    Case("a shard verdict MAYBE", _shard(verdict="MAYBE"), _MERGE, 2, "malformed"),
    Case("shard 3/2", _shard(shard="3/2"), _MERGE, 2, "shard index=3 must be <= 1"),
    Case("shard 0/2^63", _shard(shard=f"0/{2 ** 63}"), _MERGE, 2,
         "shard count=9223372036854775808 must be <= 9223372036854775807"),
    Case("seconds NaN in a shard", _shard(seconds=float("nan")), _MERGE, 2,
         "seconds=nan must be a finite number >= 0"),
    Case("stats as a list", _shard(stats=[1, 2]), _MERGE, 2, "malformed"),
    Case("a shard file of 17 MiB", _then(_circuit, _raw("s.json", b" " * (17 << 20))), _MERGE,
         2, "must be a regular file of at most 16777216 bytes"),
    Case("a shard that is not UTF-8", _then(_circuit, _raw("s.json", b"\xff\xfe{")), _MERGE, 2,
         "not readable JSON"),
    Case("a shard that is a directory", _then(_circuit, _folder("s.json")), _MERGE, 2,
         "cannot be read (is a directory)"),
    Case("a shard that links to itself", _then(_circuit, _link("{d}/s.json", "s.json")),
         _MERGE, 2, "cannot be read (Too many levels of symbolic links)"),
    Case("a shard that is a FIFO", _then(_circuit, _fifo("s.json")), _MERGE, 2,
         "must be a regular file"),
    Case("a shard that does not exist", _circuit, _MERGE, 2,
         "cannot be read (No such file or directory)"),
    # read and consistent in form, but not what certify computes here: never PROVED
    Case("shard 0 of 2 alone", _shard(shard="0/2", inputs_covered=2526), _MERGE, 3,
         "[1] of 2 are missing"),
    Case("shard 1 of 10^18 alone", _shard(shard=f"1/{10 ** 18}", inputs_covered=1), _MERGE, 3,
         "and 999999999999999989 more of 1000000000000000000 are missing"),
    Case("the same shard twice", _shard(), _MERGE + ("{d}/s.json",), 3, "given twice"),
    Case("a shard at sparsity 10^30", _shard(sparsity=10 ** 30), _MERGE, 3,
         "is about sparsity 1000000000000000000000000000000, outside [1, m=100]"),
    Case("a shard covering -1 inputs", _shard(inputs_covered=-1), _MERGE, 3,
         "covers -1 inputs"),
    Case("a shard naming a method certify never uses", _shard(method="magic"), _MERGE, 3,
         "names method 'magic', which certify never uses"),
    Case("a counterexample with a feature beyond m", _shard(counterexample=[10 ** 9], **_CEX),
         _MERGE, 3, "does not replay"),
    Case("a counterexample at output 10^30",
         _shard(counterexample=[1, 2], **(_CEX | {"wrong_output": {
             "output": 10 ** 30, "expected": 0, "got": 1}})), _MERGE, 3, "does not replay"),
    Case("a forged PROVED shard of a wrong circuit", _shard(circuit=_WRONG), _MERGE, 1,
         "REFUTED"),
]

# --- claim files for verify --claims ----------------------------------------------------------

CASES += [_bound(text, words) for text, words in [
    ("foo(mp)", "call of 'foo' is not allowed"),
    ("__import__('os')", "call of '__import__' is not allowed"),
    ("mp.__class__", "attribute access '.__class__' is not allowed"),
    ("10000000 * mp", "number '10000000' exceeds 10**6"),
    ("2^2^mp", "(a tower) is not allowed"),
    ("+".join(["mp"] * 300), "more than 500"),
    ("1/0", "is not finite"),
    ("log(0)", "is not finite"),
    ("factorial(10000)", "has a numeric argument above 1000"),
    ("binomial((mp + 999999), mp)", "has a numeric argument above 1000"),
    ("exp(1e300)", "number '1e300' exceeds 10**6"),
    ("1j*mp", "complex number '1j' is not allowed"),
    ("(lambda: mp)()", "lambda 'lambda: mp' is not allowed"),
    ("log(mp, base=2)", "keyword argument 'base=2' in log() is not allowed"),
    ("", "bound is empty"),
]]

CASES += [Case(f"claim {name}", _claims(text), _VERIFY, 2, words) for name, text, words in [
    ("bound as a number", _claim(bound="5"), "key 'bound' = 5 must be a string, not int"),
    ("constant -1", _claim(constant="-1"), "key 'constant' = -1 must be positive and finite"),
    ("constant inf", _claim(constant="inf"), "key 'constant' = inf must be positive"),
    ("constant nan", _claim(constant="nan"), "key 'constant' = nan must be positive"),
    ("constant 10^400", _claim(constant=str(10 ** 400)), "must be positive and finite"),
    ("constant 1e400", _claim(constant="1e400"), "key 'constant' = inf must be positive"),
    ("constant as a string", _claim(constant='"4"'), "must be a number, not str"),
    ("constant true", _claim(constant="true"), "must be a number, not bool"),
    ("constant a date", _claim(constant="1979-05-27"), "must be a number, not date"),
    ("kind sideways", _claim(kind='"sideways"'), "is not one of lower, upper, theta"),
    ("quantity speed", _claim(quantity='"speed"'), "is not one of neurons, params"),
    ("an unknown key", _claim(evil='"x"'), "unknown key 'evil'"),
    ("without a bound", _claim(bound=None), "missing required key 'bound'"),
    ("a blank id", _claim(id='"  "'), "claim #1: key 'id' must be a non-empty string"),
    ("an id with a NUL and a line break", _claim(id='"A\\u0000B\\nC"'),
     "key 'id' = 'A\\x00B\\nC' holds a control character or a line break"),
    ("a source with an escape sequence", _claim(source='"\\u001b[31mred"'),
     "key 'source' = '\\x1b[31mred' holds a control character"),
    ("assumptions of numbers", _claim(assumptions="[1]"), "must be a list of strings"),
    ("assumptions nested 500 deep", _claim(assumptions="[" * 500 + "]" * 500),
     "nested too deeply"),
    ("ids twice", _claim() + _claim(), "duplicates claim #1"),
    ("a construction that does not exist", _claim(construction='"nosuch"'),
     "'nosuch' is not a construction of and2"),
    ("a construction on a lower bound", _claim(kind='"lower"', construction='"naive"'),
     "is for kind = 'upper' only"),
    ("a construction for two problems", _claim(problem='"and2, perm"', construction='"naive"'),
     "names one construction for 2 problems"),
    ("a construction of a problem not installed",
     _claim(problem='"nosuch"', construction='"naive"'), "'nosuch' is not one"),
    ("file with a top-level key", "title = 'x'\n" + _claim(), "unknown top-level key 'title'"),
    ("file that is empty", "", "no [[claim]] tables"),
    ("file whose claim is a number", "claim = 5\n", "'claim' must be an array of tables"),
    ("file whose claims are numbers", "claim = [1, 2]\n", "'claim' must be an array of tables"),
    ("file of inline tables nested 300 deep", "claim = [" + "{a=" * 300 + "1" + "}" * 300 + "]",
     "unknown key 'a'"),
    ("file that is not TOML", "[[claim]\nid = 1\n", "invalid TOML"),
]]

CASES += [
    Case("a claim file that is not UTF-8", _raw("claims.toml", b"\xff\xfeclaim"), _VERIFY, 2,
         "not UTF-8 text"),
    Case("a claim file of every byte", _raw("claims.toml", bytes(range(256))), _VERIFY, 2,
         "not UTF-8 text (bad byte at offset 128)"),
    Case("a claim file of 17 MiB", _raw("claims.toml", b"#" * (17 << 20)), _VERIFY, 2,
         "must be a regular file of at most 16777216 bytes"),
    Case("a claim file linking to itself", _link("{d}/claims.toml", "claims.toml"), _VERIFY, 2,
         "cannot be read (Too many levels of symbolic links)"),
    Case("a claim file that is a directory", _folder("claims.toml"), _VERIFY, 2,
         "is a directory, not a file"),
    Case("verify -o over the claim file", _claims(_claim()),
         _VERIFY + ("-o", "{d}/claims.toml"), 2, "is the same file as --claims"),
    Case("verify -o through a link to the claim file",
         _then(_claims(_claim()), _link("{d}/claims.toml", "r.json")),
         _VERIFY + ("-o", "{d}/r.json"), 2, "is the same file as --claims"),
]

# --- outputs: folders, FIFOs, links and inputs where a file is to be written ------------------

_BUILD = ("build", "and2", "--m-prime", "100")

CASES += [
    Case("build -o a FIFO", _fifo("x.npz"), _BUILD + ("-o", "{d}/x.npz"), 2,
         "exists and is not a regular file"),
    Case("build -o a folder", _nothing, _BUILD + ("-o", "{d}"), 2,
         "exists and is not a regular file"),
    Case("build -o ''", _nothing, _BUILD + ("-o", ""), 2, "exists and is not a regular file"),
    Case("build -o a link to another file (replaced, the file kept)",
         _then(_text("victim.txt", "keep"), _link("{d}/victim.txt", "x.npz")),
         _BUILD + ("-o", "{d}/x.npz"), 0, "wrote",
         check=lambda d: (_unchanged("victim.txt", "keep")(d), _regular("x.npz")(d))),
    Case("build -o a dangling link (replaced)", _link("{d}/nowhere/v", "x.npz"),
         _BUILD + ("-o", "{d}/x.npz"), 0, "wrote", check=_regular("x.npz")),
    Case("repair -o a link to its input", _then(_circuit, _link("{d}/c.npz", "r.npz")),
         ("repair", "{c}", "-o", "{d}/r.npz"), 2, "is the same file as FILE"),
    Case("repair -o its input", _circuit, ("repair", "{c}", "-o", "{c}"), 2,
         "is the same file as FILE"),
    Case("repair -o a folder", _circuit, ("repair", "{c}", "-o", "{d}"), 2,
         "exists and is not a regular file"),
    Case("repair -o a FIFO", _then(_circuit, _fifo("r.npz")),
         ("repair", "{c}", "-o", "{d}/r.npz"), 2, "exists and is not a regular file"),
    Case("export -o a link to its input", _then(_circuit, _link("{d}/c.npz", "x.onnx")),
         ("export", "{c}", "--format", "onnx", "-o", "{d}/x.onnx"), 2,
         "is the same file as FILE"),
    Case("export -o a folder", _circuit, ("export", "{c}", "--format", "onnx", "-o", "{d}"), 2,
         "exists and is not a regular file"),
    Case("export -o into a missing folder", _circuit,
         ("export", "{c}", "--format", "onnx", "-o", "{d}/no/x.onnx"), 2, "cannot write"),
    Case("plot -o the same file as --data", _nothing,
         ("plot", "-o", "{d}/p.svg", "--data", "{d}/p.svg"), 2, "is the same file as --data"),
    Case("plot -o a folder named .svg", _folder("p.svg"), ("plot", "-o", "{d}/p.svg"), 2,
         "is a directory"),
    Case("plot --data a folder", _folder("p.json"),
         ("plot", "-o", "{d}/p.svg", "--data", "{d}/p.json"), 2, "--data"),
    Case("plot -o into a missing folder", _nothing, ("plot", "-o", "{d}/no/p.svg"), 2,
         "does not exist"),
    Case("verify -o a folder", _nothing, ("verify", "-o", "{d}"), 2, "is a directory"),
    Case("verify -o into a missing folder", _nothing, ("verify", "-o", "{d}/no/r.json"), 2,
         "does not exist"),
    Case("minimal --witness-out a folder", _nothing,
         ("minimal", "and2", "--m", "3", "--witness-out", "{d}"), 2, "is a directory"),
    Case("minimal table --witness-out a file", _circuit,
         ("minimal", "table", "--witness-out", "{c}"), 2, "cannot be a folder"),
    Case("selftest --save a folder", _nothing,
         ("selftest", "--only", "weight-changed:0", "--save", "{d}"), 2,
         "exists and is not a regular file"),
]

# --- extreme arguments ------------------------------------------------------------------------

CASES += [
    Case(f"build --constant {constant}", _nothing,
         _BUILD + ("--constant", constant, "-o", "{d}/x.npz"), 2, words)
    for constant, words in [
        ("c_d=1e15", "cannot hold (OverflowError"),
        ("c_d=1e300", "cannot hold (OverflowError"),
        (f"t_min={10 ** 15}", "cannot hold (MemoryError"),
        (f"r_min={10 ** 9}", "cannot hold (MemoryError"),
        ("c_shared=1e300", "cannot hold (OverflowError"),
        ("r_min=nan", "r_min=nan must be an integer"),
        ("c_d=inf", "c_d=inf must be a finite number > 0"),
        ("r_min=0", "r_min=0 must be >= 1"),
        ("=1", "must look like NAME=NUMBER"),
    ]
]

CASES += [
    Case("build perm --constant c_d=1e300", _nothing,
         ("build", "perm", "--m-prime", "100", "--constant", "c_d=1e300", "-o", "{d}/x.npz"),
         2, "cannot hold"),
    Case("build represent --constant c_w=1e300", _nothing,
         ("build", "represent", "--m-prime", "100", "--constant", "c_w=1e300", "-o",
          "{d}/x.npz"), 2, "cannot hold"),
    Case("build represent m' = 10^12", _nothing,
         ("build", "represent", "--m-prime", str(10 ** 12), "-o", "{d}/x.npz"), 2,
         "of memory and"),
    Case("build uand m' = 10^9", _nothing,
         ("build", "uand", "--m-prime", str(10 ** 9), "-o", "{d}/x.npz"), 2, "of memory and"),
    Case("certify --shard 0/10^30", _circuit, ("certify", "{c}", "--shard", f"0/{10 ** 30}"),
         2, "must be <= 9223372036854775807"),
    Case("certify --shard 0/(2^63 - 1) by search", _circuit,
         ("certify", "{c}", "--shard", f"0/{2 ** 63 - 1}", "--method", "search"), 0, "PROVED"),
    Case("certify --shard 0/(2^63 - 1) by enumeration", _circuit,
         ("certify", "{c}", "--shard", f"0/{2 ** 63 - 1}"), 0, "PROVED"),
    Case("certify --sparsity 10^6", _circuit, ("certify", "{c}", "--sparsity", str(10 ** 6)),
         2, "must be <= m=100"),
    Case("export --check 10^12", _circuit,
         ("export", "{c}", "--format", "onnx", "-o", "{d}/x.onnx", "--check", str(10 ** 12)),
         2, "of memory and"),
    Case("export --seed -1 (checked before writing)", _circuit,
         ("export", "{c}", "--format", "onnx", "-o", "{d}/x.onnx", "--seed", "-1"), 2,
         "seed=-1 must be >= 0"),
    Case("eval --active 10^30", _circuit, ("eval", "{c}", "--active", str(10 ** 30)), 2,
         "must lie in [0, m=100)"),
    Case("eval --sparsity 10^6", _circuit,
         ("eval", "{c}", "--active", "1", "--sparsity", str(10 ** 6)), 2, "must be <= m=100"),
    Case("eval of no active feature", _circuit, ("eval", "{c}", "--active", ",,"), 0,
         "correct"),
    Case("sweep --max-m-prime 10^30", _nothing, ("sweep", "and2", "--max-m-prime", str(10 ** 30)),
         2, "of memory and"),
    Case("sweep --sparsity 10^6", _nothing,
         ("sweep", "and2", "--sparsity", str(10 ** 6), "--max-m-prime", "100"), 2,
         "must be <= m=200"),
    Case("sweep --instance-seed 2^70", _nothing,
         ("sweep", "and2", "--instance-seed", str(2 ** 70), "--max-m-prime", "100"), 2,
         "must be <= 9223372036854775807"),
    Case("plot --max-m-prime 10^30", _nothing,
         ("plot", "-o", "{d}/p.svg", "--max-m-prime", str(10 ** 30)), 2, "of memory and"),
    Case("verify --max-m-prime 10^30", _nothing, ("verify", "--max-m-prime", str(10 ** 30)), 2,
         "of memory and"),
    Case("minimal --max-weight 10^9", _nothing,
         ("minimal", "and2", "--m", "4", "--max-weight", str(10 ** 9)), 2,
         "must be between 1 and 16"),
    Case("minimal --m 100", _nothing, ("minimal", "and2", "--m", "100"), 2,
         "m=100 must be between 3 and 8"),
]


# bad arguments, each a rule of one command (exit 2, one line naming the value)
ARGUMENTS = [
    (("eval", "{c}", "--active", "1,1"), "repeats a feature"),
    (("eval", "{c}", "--active", "999"), "active feature 999 must lie in [0, m="),
    (("eval", "{c}", "--active", "a"), "comma-separated feature indices"),
    (("eval", "{c}", "--active", "1,2,3"), "sparsity is 2"),
    (("eval", "{c}", "--active", "-1"), "must lie in [0, m=100)"),
    (("fuzz", "{c}", "--samples", "0"), "samples=0 must be >= 1"),
    (("fuzz", "{c}", "--engine", "fast"), "engine='fast'"),
    (("fuzz", "{c}", "--seed", "-1"), "seed=-1 must be >= 0"),
    (("fuzz", "{c}", "--exhaustive", "--engine", "both"), "drop --engine both or --exhaustive"),
    (("certify", "{c}", "--timeout", "-1"), "timeout='-1'"),
    (("certify", "{c}", "--timeout", "nan"), "timeout='nan'"),
    (("certify", "{c}", "--timeout", "inf"), "timeout='inf'"),
    (("certify", "{c}", "--sparsity", "0"), "sparsity=0 must be >= 1"),
    (("certify", "{c}", "--shard", "5/2"), "shards are numbered 0..1"),
    (("certify", "{c}", "--shard", "0/0"), "shard count=0 must be >= 1"),
    (("certify", "{c}", "--shard", "a/b"), "must look like i/n"),
    (("certify", "{c}", "--method", "magic"), "invalid choice: 'magic'"),
    (("certify", "{c}", "--merge-seed", "3"), "use it with one of them"),
    (("certify", "{c}", "--merge", "{d}/s.json", "--merge-seed", "-1"),
     "merge_seed=-1 must be >= 0"),
    (("certify", "{c}", "--jobs", "0"), "jobs=0 must be >= 1"),
    (("certify", "{c}", "--jobs", "1", "--shard", "0/2"), "exclude each other"),
    (("build", "and2", "--m-prime", "0", "-o", "{d}/x.npz"), "m_prime=0 must be >= 1"),
    (("build", "and2", "--m-prime", "-5", "-o", "{d}/x.npz"), "m_prime=-5 must be >= 1"),
    (("build", "nosuch", "--m-prime", "10", "-o", "{d}/x.npz"), "invalid choice: 'nosuch'"),
    (("build", "and2", "--m-prime", "100", "--family", "nosuch", "-o", "{d}/x.npz"),
     "family='nosuch' is not known"),
    (("build", "perm", "--m-prime", "100", "--family", "nearcut", "-o", "{d}/x.npz"),
     "family='nearcut' is not known; use one of: random, identity, shift"),
    (("build", "and2", "--m-prime", "100", "--construction", "nosuch", "-o", "{d}/x.npz"),
     "construction='nosuch' is not known for and2"),
    (("build", "and2", "--m-prime", "100", "--constant", "bogus=1", "-o", "{d}/x.npz"),
     "constant 'bogus' is not one of"),
    (("build", "and2", "--m-prime", "100", "--constant", "c_d=-1", "-o", "{d}/x.npz"),
     "c_d=-1.0 must be a finite number > 0"),
    (("build", "and2", "--m-prime", "100", "--sparsity", "0", "-o", "{d}/x.npz"),
     "sparsity=0 must be >= 1"),
    (("build", "and2", "--m-prime", "100", "--instance-seed", "-1", "-o", "{d}/x.npz"),
     "instance_seed=-1 must be >= 0"),
    (("build", "and2", "--m-prime", "100", "--repair", "--max-vetoes", "-1", "-o",
      "{d}/x.npz"), "max_vetoes=-1 must be >= 0"),
    (("sweep", "and2", "--max-m-prime", "5"), "max_m_prime=5 must be >= 100"),
    (("sweep", "perm", "--families", "random,,shift"), "family='' is not known"),
    (("sweep", "and2", "--sparsity", "0", "--max-m-prime", "100"), "sparsity=0 must be >= 1"),
    (("sweep", "and2", "--seed", "-1", "--max-m-prime", "100"), "seed=-1 must be >= 0"),
    (("info", "{d}/nosuch.npz"), "does not exist"),
    (("info", "{c}", "{c}"), "unrecognized arguments"),
    (("export", "{c}", "--format", "gif", "-o", "{d}/x.onnx"), "invalid choice: 'gif'"),
    (("repair", "{c}", "-o", "{d}/no/such/dir/x.npz"), "cannot write"),
    (("repair", "{c}", "-o", "{d}/r.npz", "--max-vetoes", "-1"), "max_vetoes=-1 must be >= 0"),
    (("verify", "--claims", "{d}/nosuch.toml"), "no such file"),
    (("verify", "--sparsity", "0"), "sparsity=0 must be >= 1"),
    (("verify", "--json", "--report", "md"), "--json and --report md exclude each other"),
    (("verify", "--failure-seeds", "0"), "failure_seeds=0 must be >= 1"),
    (("verify", "--certify-max-m-prime", "-1"), "certify_max_m_prime=-1 must be >= 0"),
    (("verify", "--exhaustive-limit", "0"), "exhaustive_limit=0 must be >= 1"),
    (("verify", "--problem", "nosuch"), "problem='nosuch' is not known"),
    (("verify", "--failure-constant", "and2:c_d=nan"), "must be a finite number > 0"),
    (("minimal", "and2", "--m", "0"), "m=0 must be between"),
    (("minimal", "and2"), "--m is required"),
    (("minimal", "table", "--m", "4"), "--m does not apply to 'minimal table'"),
    (("minimal", "and2", "--m", "4", "--perm", "1,0,2,3"), "--perm does not apply to and2"),
    (("minimal", "perm", "--m", "4", "--perm", "0,1"), "must hold each of 0..3 exactly once"),
    (("minimal", "and2", "--m", "4", "--order", "0,0,1,2,3,4"), "exactly once"),
    (("minimal", "and2", "--m", "4", "--sparsity", "99"), "sparsity=99 must be <= m=4"),
    (("minimal", "and2", "--m", "4", "--heavy"), "--heavy applies to 'minimal table' only"),
    (("selftest", "--mutants", "0"), "mutants=0 must be >= 1"),
    (("selftest", "--seed", "-1"), "seed=-1 must be >= 0"),
    (("selftest", "--only", "nosuch:0"), "kind='nosuch' is not known"),
    (("selftest", "--only", "weight-changed:abc"), "index 'abc' must be an integer"),
    (("selftest", "--save", "{d}/m.npz"), "--save writes one mutant; pass --only"),
    (("plot", "-o", "{d}/x.gif"), "must end in .png or .svg"),
    (("plot", "-o", "{d}/p.svg", "--problem", ","), "names nothing"),
    (("plot", "-o", "{d}/p.svg", "--problem", "nosuch"), "problem='nosuch' is not known"),
    (("plot", "-o", "{d}/p.svg", "--sparsity", "0"), "sparsity=0 must be >= 1"),
    (("claims", "--bogus"), "unrecognized arguments: --bogus"),
    (("problems", "x"), "unrecognized arguments: x"),
    (("nosuch",), "invalid choice: 'nosuch'"),
    ((), "the following arguments are required: command"),
]
CASES += [Case(" ".join(argv[:2]) + " ... " + words, _circuit, argv, 2, words)
          for argv, words in ARGUMENTS]


def _files(d) -> set[str]:
    """Every path under d (links not followed), relative to d."""
    out = set()
    for root, dirs, files in os.walk(d):
        out.update(os.path.relpath(os.path.join(root, n), d) for n in dirs + files)
    return out


def test_the_corpus_holds_at_least_a_hundred_distinct_cases():
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES), "two cases share a name"
    assert len({(c.setup, c.argv) for c in CASES}) == len(CASES), "a case is repeated"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_input_ends_in_its_exit_code_with_one_line_and_no_stray_file(
        capsys, tmp_path, case):
    case.setup(tmp_path)
    before = _files(tmp_path)
    got, out, err = run(capsys, *(a.format(c=tmp_path / "c.npz", d=tmp_path)
                                  for a in case.argv))
    assert got == case.code, (case.name, out, err)
    assert "Traceback" not in err
    if case.code == 2:
        assert case.words in err and err.count("\n") == 1, err
    else:
        assert case.words in out + err, (out, err)
    assert _files(tmp_path) - before <= set(case.writes), "a stray file was left"
    if case.check is not None:
        case.check(tmp_path)
