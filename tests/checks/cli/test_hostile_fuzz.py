"""Hypothesis fuzzing of what the suite reads (issue 17, "keep it fixed").

* Circuit files: valid files of and2 (plain, and implicit: its first layer kept as factors)
  and perm with member-level edits (dtypes, shapes, extreme
  values, dropped, extra and swapped members) or byte-level edits (flips, cuts, insertions),
  run in-process through info, eval, certify, fuzz, export or repair with at most 2 GiB of
  address space beyond the test process (RLIMIT_AS). Every run ends in exit 0, 1, 2 or 3 (2
  with one line on stderr), never a traceback; its --json output is strict JSON; what it
  decides agrees with the reference evaluator of tests/strategies.py (a PROVED file is
  correct on every input, a counterexample is one, eval's wrong outputs are the reference's);
  and it writes nothing but its output.
* Shard files: honest shards of a correct or a wrong file (one whose every input decodes
  wrong), repeated, dropped or with keys dropped or rewritten, merged by certify --merge: the
  same exit codes, and never PROVED for the wrong file; REFUTED only with a real
  counterexample.
* Claim files: a valid claim file with keys dropped, added or given any TOML value, bounds
  drawn from the claim grammar and beyond it, and characters flipped, is read and refused in
  one line (ClaimFileError) or parsed; a parsed one passes verify's construction check or is
  refused in one line, and each claim is compared with real measurements as verify does
  (a bound may leave its domain: it says so, it does not raise). The slow marker runs a few
  such files through the whole of ``superpose verify``.

Example counts are small for CI; the thorough profile (HYPOTHESIS_PROFILE=thorough) runs ten
times as many.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import os
import xml.dom.minidom
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from io import StringIO

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from superpose.checks.certification import certify
from superpose.checks.cli import main
from superpose.checks.sweep import SweepSettings, measure
from superpose.checks.verification._file_checks import (
    check_claim_constructions,
    counts_information,
    file_claim,
)
from superpose.checks.verification._theory_checks import measured_evidence, ratio_trends
from superpose.circuits import And2, Layer, Permutation, build, load_circuit, save_circuit
from superpose.circuits.io import circuit_arrays
from superpose.theory import load_claim_file
from superpose.theory.errors import InvalidArgument
from tests.cli import memory_cap
from tests.strategies import (
    CLAIM_TEMPLATE,
    THOROUGH,
    apply_byte_edits,
    apply_member_edits,
    apply_shard_edits,
    byte_edits,
    claim_file_text,
    claim_tables,
    claim_texts,
    member_edits,
    reference_outputs,
    reference_truth,
    shard_doc_edits,
)

#: (problem, m', family, implicit): and2 also as an implicit file (format version 2, its
#: first layer kept as factors)
BASES = {"and2": ("and2", 40, "random", False), "and2-implicit": ("and2", 40, "random", True),
         "perm": ("perm", 30, "random", False)}
CAP = 2 << 30  # bytes a command may map beyond what the test process holds
OUTPUTS = {"x.onnx", "r.npz"}

COMMANDS = {
    "info": ("info", "{c}", "--json"),
    "eval": ("eval", "{c}", "--active", "{active}", "--json"),
    "certify": ("certify", "{c}", "--method", "{method}", "--timeout", "30", "--json", "-q"),
    "fuzz": ("fuzz", "{c}", "--engine", "vectorized", "--samples", "300", "--no-cache",
             "--json", "-q"),
    "export": ("export", "{c}", "--format", "onnx", "-o", "{d}/x.onnx", "--check", "8",
               "--json"),
    "repair": ("repair", "{c}", "-o", "{d}/r.npz", "--timeout", "30", "--json"),
}


@functools.lru_cache(maxsize=None)
def _circuit(name: str):
    problem, m_prime, family, implicit = BASES[name]
    return build(problem, m_prime, family, 0, 2, 0, implicit=implicit)


@functools.lru_cache(maxsize=None)
def _fields(name: str) -> tuple:
    return tuple(circuit_arrays(_circuit(name)).items())


def _strict_json(text: str):
    """``json.loads`` that refuses NaN and Infinity, which JSON does not have."""
    def refuse(token):
        raise AssertionError(f"the output holds {token}, which is not JSON")
    return json.loads(text, parse_constant=refuse)


# --- the reference evaluator's view of a loaded circuit ---------------------------------------

def _plain(network):
    """``network`` with a factored first layer (W_1 = A S_P) multiplied out densely here, from
    A and the input code's supports (not by the package's own materialize)."""
    layers = []
    for layer in network.layers:
        if getattr(layer, "factored", False):
            code = layer.code
            incidence = np.zeros((code.n_rows, code.width), dtype=np.int64)
            for f in range(code.n_rows):
                incidence[f, code.indices[code.indptr[f]:code.indptr[f + 1]]] = 1
            left = layer.left.toarray().astype(np.int64)
            layer = Layer(sp.csr_matrix(left @ incidence), layer.theta)
        layers.append(layer)
    return replace(network, layers=tuple(layers))


def _checkable(circuit) -> bool:
    """Whether the reference can decide ``circuit`` on every input: a problem it knows, dense
    layers that fit, sums of weights exact in float64, and a small input space."""
    if not isinstance(circuit.problem, (And2, Permutation)):
        return False
    net = circuit.network
    cells = sum(a * b for a, b in itertools.pairwise(net.widths))
    inputs = sum(math.comb(circuit.m, j) for j in range(circuit.sparsity + 1))
    if cells > 4_000_000 or inputs > 12_000:
        return False
    weights = max((float(np.abs(layer.weights.data.astype(np.float64)).sum())
                   for layer in _plain(net).layers), default=0.0)
    return weights < 2 ** 50


def _every_input(circuit) -> list[tuple[int, ...]]:
    return [c for j in range(circuit.sparsity + 1)
            for c in itertools.combinations(range(circuit.m), j)]


def _reference_wrong(circuit, inputs) -> set[tuple[tuple[int, ...], int]]:
    """(input, output) wherever the reference network differs from the reference truth."""
    got = reference_outputs(_plain(circuit.network), inputs)
    want = reference_truth(circuit.problem, inputs)
    return {(tuple(inputs[b]), int(k)) for b, k in np.argwhere(got != want)}


def _agrees_with_the_reference(command: str, code: int, doc, path, folder) -> None:
    """What the command decided about the file at ``path`` (repair: about the repaired file it
    wrote), checked by the reference."""
    if code not in (0, 1) or command not in ("eval", "certify", "fuzz", "repair"):
        return
    if command == "repair":
        path, doc = folder / "r.npz", doc["certificate"]
    circuit = load_circuit(path)
    if command in ("certify", "repair"):
        circuit = replace(circuit, sparsity=doc["sparsity"])
    if not _checkable(circuit):
        return
    if command == "eval":
        active = tuple(doc["active"])
        assert sorted(k for _, k in _reference_wrong(circuit, [active])) == doc["wrong"]
    elif code == 0 and command != "fuzz":
        assert not _reference_wrong(circuit, _every_input(circuit)), "PROVED a wrong circuit"
    elif code == 1:
        ex = (doc["counterexamples"][0] if command == "fuzz" else
              {"active": doc["counterexample"], **doc["wrong_output"]})
        active = tuple(sorted(ex["active"]))
        assert (active, ex["output"]) in _reference_wrong(circuit, [active]), \
            f"the counterexample {ex} is not one"


def _run_and_check(folder, command: str, active: str, method: str) -> None:
    path = folder / "c.npz"
    before = set(os.listdir(folder))
    argv = [a.format(c=path, d=folder, active=active, method=method)
            for a in COMMANDS[command]]
    note(f"superpose {' '.join(argv)}")
    out, err = StringIO(), StringIO()
    with memory_cap(CAP), redirect_stdout(out), redirect_stderr(err):
        code = main(argv)  # an exception escaping here is a defect
    out, err = out.getvalue(), err.getvalue()
    note(f"exit {code}; stderr {err!r}")
    assert code in (0, 1, 2, 3), (code, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("superpose: error: ") and err.count("\n") == 1, err
    new = set(os.listdir(folder)) - before
    assert new <= OUTPUTS, f"stray files {new - OUTPUTS}"
    if code != 2:
        doc = _strict_json(out)
        _agrees_with_the_reference(command, code, doc, path, folder)


def _fuzz(n: int) -> settings:
    """``n`` examples (ten times as many under the thorough profile), no deadline: an example
    runs a whole command (verify's own Hypothesis engine included: a nested @given)."""
    return settings(max_examples=n * (10 if THOROUGH else 1), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.nested_given])


commands = st.sampled_from(sorted(COMMANDS))
actives = st.lists(st.integers(0, 45), max_size=3, unique=True).map(
    lambda a: ",".join(map(str, a)))
methods = st.sampled_from(["auto", "search", "z3"])


@_fuzz(150)
@given(data=st.data(), base=st.sampled_from(sorted(BASES)), command=commands, active=actives,
       method=methods)
def test_a_circuit_file_with_any_member_edited_ends_in_a_verdict_or_one_line(
        tmp_path_factory, data, base, command, active, method):
    fields = dict(_fields(base))
    network = [n for n in fields if n.startswith(("layer", "input_code", "output_code"))]
    edits = data.draw(st.lists(member_edits(list(fields) + 2 * network), min_size=1,
                               max_size=3), label="edits")
    folder = tmp_path_factory.mktemp("member")
    with open(folder / "c.npz", "wb") as fh:
        np.savez(fh, **apply_member_edits(fields, edits))
    _run_and_check(folder, command, active, method)


@_fuzz(100)
@given(data=st.data(), base=st.sampled_from(sorted(BASES)), command=commands, active=actives,
       method=methods)
def test_a_circuit_file_with_any_bytes_edited_ends_in_a_verdict_or_one_line(
        tmp_path_factory, data, base, command, active, method):
    folder = tmp_path_factory.mktemp("bytes")
    good = save_circuit(_circuit(base), folder / "c.npz").read_bytes()
    edits = data.draw(st.lists(byte_edits(), min_size=1, max_size=4), label="edits")
    (folder / "c.npz").write_bytes(apply_byte_edits(good, edits))
    _run_and_check(folder, command, active, method)


# --- shard files ------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _honest_shards(base: str, wrong: bool, method: str, n: int) -> tuple[dict, ...]:
    """The --json documents (without file_sha256) of shards 0..n-1 of ``base`` (``wrong``:
    its last layer firing every unit, so every input decodes wrong)."""
    circuit = _wrong_circuit(base) if wrong else _circuit(base)
    return tuple(certify(circuit, method=method, shard=(i, n)).as_dict() for i in range(n))


@_fuzz(60)
@given(data=st.data(), base=st.sampled_from(sorted(BASES)), wrong=st.booleans(),
       method=st.sampled_from(["exhaustive", "search", "z3"]), n=st.integers(1, 3))
def test_shard_files_with_any_edit_never_merge_to_proved_for_a_wrong_circuit(
        tmp_path_factory, data, base, wrong, method, n):
    folder = tmp_path_factory.mktemp("shards")
    honest = _honest_shards(base, wrong, method, n)
    circuit = load_circuit(save_circuit(
        _wrong_circuit(base) if wrong else _circuit(base), folder / "c.npz"))
    digest = hashlib.sha256((folder / "c.npz").read_bytes()).hexdigest()
    docs = [doc | {"file_sha256": digest} for doc in honest]
    docs = data.draw(st.lists(st.sampled_from(docs), min_size=1, max_size=n + 1), label="docs")
    paths = []
    for i, doc in enumerate(docs):
        edits = data.draw(st.lists(shard_doc_edits(doc), max_size=2), label=f"edits {i}")
        paths.append(folder / f"s{i}.json")
        paths[-1].write_text(json.dumps(apply_shard_edits(doc, edits)))
    argv = ["certify", str(folder / "c.npz"), "--merge", *map(str, paths), "--merge-seed", "7",
            "--json"]
    out, err = StringIO(), StringIO()
    with memory_cap(CAP), redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    out, err = out.getvalue(), err.getvalue()
    note(f"exit {code}; stderr {err!r}")
    assert code in (0, 1, 2, 3) and "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1, err
        return
    doc = _strict_json(out)
    if code == 0:
        assert not wrong, "a merge of shards of a wrong circuit is PROVED"
        assert not _reference_wrong(circuit, _every_input(circuit))
    if code == 1:
        active = tuple(sorted(doc["counterexample"]))
        assert (active, doc["wrong_output"]["output"]) in _reference_wrong(circuit, [active])


def _wrong_circuit(base: str):
    circuit = _circuit(base)
    layers = list(circuit.network.layers)
    layers[-1] = Layer(layers[-1].stored_weights, np.full_like(layers[-1].theta, -1))
    return replace(circuit, network=replace(circuit.network, layers=tuple(layers)))


# --- claim files ------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _measurements():
    """and2's default construction measured as verify measures it, at two sizes."""
    return [measure("and2", "random", 2, m_prime, SweepSettings(samples=200))
            for m_prime in (100, 316)]


@_fuzz(150)
@given(text=claim_texts())
@example(text=claim_file_text([CLAIM_TEMPLATE | {"bound": "binomial((mp + 999999), mp)"}]))
def test_a_claim_file_with_any_edit_is_refused_in_one_line_or_its_claims_are_compared(
        tmp_path_factory, text):
    path = tmp_path_factory.mktemp("claims") / "claims.toml"
    path.write_text(text, encoding="utf-8")
    ms = _measurements()
    with memory_cap(CAP):
        try:
            specs = load_claim_file(path)
            check_claim_constructions(specs)
        except InvalidArgument as exc:  # ClaimFileError among them
            assert "\n" not in str(exc) and str(exc), str(exc)
            return
        for spec in specs:
            _, bound = file_claim(spec)
            for sparsity in (1, 3, 10):  # verify substitutes each sparsity it measures
                bound.in_mp(sparsity)
            trends, why = ratio_trends(bound, ms)
            assert trends or why, "neither a comparison nor why there is none"
            for e in (counts_information(bound, ms, "three-channel", 0.05),
                      measured_evidence(bound, ms, 0.05, "any")):
                # as verify --json writes it (report_json), and JSON has no NaN
                json.dumps({"verdict": e.verdict.value, "statement": e.statement,
                            "detail": e.detail, "data": e.data}, default=str, allow_nan=False)


@pytest.mark.slow
@_fuzz(3)
@given(tables=st.lists(claim_tables(), min_size=1, max_size=2),
       report=st.sampled_from(["json", "junit"]))
def test_a_whole_verify_of_an_edited_claim_file_ends_in_an_exit_code_not_a_traceback(
        tmp_path_factory, tables, report):
    path = tmp_path_factory.mktemp("verify") / "claims.toml"
    path.write_text(claim_file_text(tables), encoding="utf-8")
    out, err = StringIO(), StringIO()
    with memory_cap(CAP), redirect_stdout(out), redirect_stderr(err):
        code = main(["verify", "--claims", str(path), "--problem", "and2", "--max-m-prime",
                     "100", "--sparsity", "2", "--report", report, "-q"])
    out, err = out.getvalue(), err.getvalue()
    assert code in (0, 1, 2, 3) and "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1, err
    elif report == "json":
        _strict_json(out)
    else:
        xml.dom.minidom.parseString(out)  # well-formed XML


def test_the_reference_sees_the_wrong_outputs_of_a_wrong_file_and_none_of_a_correct_one():
    # the oracle above must be able to fail: a file whose last layer fires everything is wrong
    circuit = _circuit("and2")
    assert _checkable(circuit) and not _reference_wrong(circuit, _every_input(circuit))
    assert ((), 0) in _reference_wrong(_wrong_circuit("and2"), [()])
    implicit = _circuit("and2-implicit")  # the same circuit, its first layer as factors
    assert getattr(implicit.network.layers[0], "factored", False)
    assert (_plain(implicit.network).layers[0].weights != circuit.network.layers[0].weights).nnz \
        == 0
