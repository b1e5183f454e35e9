"""The implicit form of the three-channel construction (``build(..., implicit=True)``) is the
same circuit as the plain one: the same W_1 once multiplied out, the same counts, files, fuzz
reports and certificates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from superpose.checks import certify
from superpose.circuits import build, fuzz, load_circuit, save_circuit
from superpose.circuits.constructions import AND2_FAMILIES
from superpose.theory.errors import InvalidArgument
from tests.strategies import examples


@examples(12)
@given(family=st.sampled_from(sorted(AND2_FAMILIES)), m_prime=st.integers(1, 400),
       seed=st.integers(0, 2**16), s=st.sampled_from([2, 3]))
def test_an_implicit_circuit_multiplies_out_to_the_plain_one(family, m_prime, seed, s):
    plain = build("and2", m_prime, family, sparsity=min(s, 2 if m_prime < 3 else s), seed=seed)
    implicit = build("and2", m_prime, family, sparsity=plain.sparsity, seed=seed,
                     implicit=True)
    assert implicit.network.implicit
    assert implicit.counts() == plain.counts()
    mat = implicit.materialized().network
    for got, want in zip(mat.layers, plain.network.layers, strict=True):
        assert (got.weights != want.weights).nnz == 0
        assert np.array_equal(got.theta, want.theta)


def test_an_implicit_file_materialises_to_the_plain_file_byte_for_byte(tmp_path):
    plain = save_circuit(build("and2", 500, "star", sparsity=2, seed=4), tmp_path / "p.npz")
    implicit = build("and2", 500, "star", sparsity=2, seed=4, implicit=True)
    path = save_circuit(implicit, tmp_path / "i.npz")
    back = load_circuit(path)
    assert back.network.implicit and int(np.load(path)["version"]) == 2
    assert back.counts() == implicit.counts()
    again = save_circuit(back.materialized(), tmp_path / "m.npz")
    assert again.read_bytes() == plain.read_bytes()
    assert path.stat().st_size < plain.stat().st_size


def _without_times(report: dict) -> dict:
    return {k: v for k, v in report.items()
            if "seconds" not in k and k not in ("table_source", "inputs_per_second")}


@pytest.mark.parametrize(("m_prime", "constants"), [(10_000, None),
                                                  (1000, {"r_min": 1, "c_r": 0.05})],
                         ids=["default", "too-small"])
def test_both_forms_give_the_same_counts_fuzz_reports_and_certificates(m_prime, constants):
    """At m' = 10^4 (issue 16) the default constants are PROVED in both forms; constants far
    too small are REFUTED in both (at m' = 1000, where a wrong circuit is quick to fuzz), with
    the same counterexample."""
    plain = build("and2", m_prime, "random", sparsity=2, seed=3, constants=constants)
    implicit = build("and2", m_prime, "random", sparsity=2, seed=3, constants=constants,
                     implicit=True)
    assert plain.counts() == implicit.counts()
    assert _without_times(fuzz(plain, 2000, seed=5).as_dict()) \
        == _without_times(fuzz(implicit, 2000, seed=5).as_dict())
    want, got = certify(plain, timeout=300), certify(implicit, timeout=300)
    assert got.verdict == want.verdict
    assert want.verdict.name == ("PROVED" if constants is None else "REFUTED")
    assert got.counterexample == want.counterexample


def test_a_construction_without_an_implicit_form_says_so():
    with pytest.raises(InvalidArgument, match="has no implicit form"):
        build("perm", 100, sparsity=2, implicit=True)


def test_materialising_a_plain_circuit_returns_it_unchanged():
    plain = build("and2", 50, sparsity=2)
    assert plain.materialized() is plain
    assert dataclasses.replace(plain).network.materialized() is plain.network


def test_materialising_what_cannot_fit_is_refused_before_any_work(monkeypatch):
    from superpose.circuits import validate

    implicit = build("and2", 300, sparsity=2, implicit=True)
    terms = implicit.network.layers[0].product_terms()
    assert terms >= implicit.counts().nonzero_weights - implicit.network.layers[1].weight_stats()[0]
    monkeypatch.setattr(validate, "available_memory", lambda: 16 * terms - 1)
    with pytest.raises(InvalidArgument, match="needs about .* is available"):
        implicit.materialized()
