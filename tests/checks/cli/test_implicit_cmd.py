"""``superpose build --implicit`` and ``superpose materialize``: an implicit file, its counts,
and the plain file it multiplies out to."""

from __future__ import annotations

import json

import numpy as np
import pytest

from superpose.circuits import save_circuit
from tests.cli import run
from tests.strategies import built


def test_an_implicit_build_materialises_to_the_plain_build_byte_for_byte(tmp_path, capsys):
    implicit, plain, out = tmp_path / "i.npz", tmp_path / "p.npz", tmp_path / "m.npz"
    args = ("and2", "--m-prime", "300", "--family", "random", "--seed", "7")
    code, text, _ = run(capsys, "build", *args, "--implicit", "-o", str(implicit), "-q")
    assert code == 0 and "implicit and2" in text
    assert run(capsys, "build", *args, "-o", str(plain), "-q")[0] == 0
    code, info, _ = run(capsys, "info", str(implicit), "--json")
    plain_info = json.loads(run(capsys, "info", str(plain), "--json")[1])
    info = json.loads(info)
    assert code == 0 and info.pop("implicit") is True and plain_info.pop("implicit") is False
    assert info == plain_info
    code, text, _ = run(capsys, "materialize", str(implicit), "-o", str(out))
    assert code == 0 and "materialised" in text
    assert out.read_bytes() == plain.read_bytes()


@pytest.mark.parametrize("argv, words", [
    (("build", "perm", "--m-prime", "50", "--implicit", "-o", "{d}/x.npz"),
     "has no implicit form"),
    (("build", "and2", "--m-prime", "50", "--implicit", "--repair", "-o", "{d}/x.npz"),
     "--implicit and --repair exclude each other"),
    (("materialize", "{d}/c.npz", "-o", "{d}/c.npz"), "is the same file as FILE"),
])
def test_what_has_no_implicit_form_is_one_line_with_exit_two(tmp_path, capsys, argv, words):
    save_circuit(built("and2", 50), tmp_path / "c.npz")
    code, _, err = run(capsys, *(a.format(d=tmp_path) for a in argv))
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]


def test_a_factored_layer_is_refused_where_the_format_has_none(tmp_path, capsys):
    """Only layer 1 of a version 2 file may be factored, with weights >= 1."""
    from superpose.circuits import build

    path = save_circuit(build("and2", 60, sparsity=2, implicit=True), tmp_path / "i.npz")
    fields = dict(np.load(path))
    cases = {
        "v1.npz": {"version": np.array(1)},
        "zero.npz": {"layer1_left_data": np.zeros_like(fields["layer1_left_data"])},
        "form.npz": {"layer1_form": np.array("sparse")},
        "layer2.npz": {"layer2_form": np.array("factored")},
    }
    for name, change in cases.items():
        np.savez(tmp_path / name, **(fields | change))
        code, _, err = run(capsys, "info", str(tmp_path / name))
        assert code == 2 and len(err.strip().splitlines()) == 1, (name, err)
        assert ("layer1_form" in err or "layer2_form" in err or "must be >= 1" in err), err
