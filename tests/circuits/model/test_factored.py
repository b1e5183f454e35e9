"""A factored first layer (W_1 = A S_P kept as factors) counts and evaluates exactly as the
plain layer it multiplies out to."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from superpose.circuits.model import FactoredLayer, Layer, SupportCode, ThresholdNetwork
from tests.strategies import as_batch, examples, support_codes


@st.composite
def factored_networks(draw):
    """A network whose layer 1 is factored over a random input code, with a plain layer 2."""
    code = draw(support_codes(draw(st.integers(1, 6)), draw(st.integers(1, 8))))
    d1 = draw(st.integers(1, 12))
    dense = draw(st.lists(st.lists(st.integers(0, 3), min_size=code.n_rows,
                                   max_size=code.n_rows), min_size=d1, max_size=d1))
    theta1 = draw(st.lists(st.integers(-2, 8), min_size=d1, max_size=d1))
    d2 = draw(st.integers(1, 6))
    w2 = draw(st.lists(st.lists(st.integers(-2, 2), min_size=d1, max_size=d1),
                       min_size=d2, max_size=d2))
    theta2 = draw(st.lists(st.integers(-1, 3), min_size=d2, max_size=d2))
    out_rows = draw(st.integers(1, 8))
    out = draw(support_codes(out_rows, d2))
    layer1 = FactoredLayer(sp.csr_matrix(np.array(dense, dtype=np.int64).reshape(d1, -1)),
                           code, theta1)
    return ThresholdNetwork(code, (layer1, Layer(sp.csr_matrix(np.array(w2)), theta2)), out)


def _inputs(m: int, s: int) -> np.ndarray:
    rows = [[]] + [[i] for i in range(m)] + [[i, j] for i in range(m) for j in range(i + 1, m)]
    return as_batch([r for r in rows if len(r) <= s], s)


@examples(60)
@given(net=factored_networks())
def test_a_factored_network_counts_and_evaluates_as_its_materialised_form(net):
    plain = net.materialized()
    assert net.implicit and not plain.implicit
    assert net.counts() == plain.counts()
    assert net.quantities() == plain.quantities()
    batch = _inputs(net.m, 2)
    got_pre, got_acts = net.trace(batch)
    want_pre, want_acts = plain.trace(batch)
    for got, want in zip(got_pre + got_acts, want_pre + want_acts, strict=True):
        assert np.array_equal(got.toarray(), want.toarray())
    assert np.array_equal(net.evaluate(batch).toarray(), plain.evaluate(batch).toarray())


def test_the_materialised_layer_is_the_product_of_the_factors():
    from superpose.circuits.model import SupportCode

    code = SupportCode(np.array([0, 2, 3, 5]), np.array([0, 3, 1, 1, 2]), 4)
    a = np.array([[1, 0, 2], [0, 3, 1]])
    layer = FactoredLayer(sp.csr_matrix(a), code, [1, 1])
    incidence = code.matrix().toarray()
    assert layer.materialize().weights.toarray().tolist() == (a @ incidence).tolist()
    assert layer.row_sums_bound() == max(a @ code.sizes())


def test_a_factor_weight_below_one_is_refused():
    from superpose.circuits.model import SupportCode

    code = SupportCode(np.array([0, 1, 2]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="must be >= 1"):
        FactoredLayer(sp.csr_matrix(np.array([[1, -1]])), code, [1])


def test_only_layer_one_may_be_factored_and_only_through_the_input_code():
    from superpose.circuits.model import SupportCode

    code = SupportCode(np.array([0, 1, 2]), np.array([0, 1]), 2)
    other = SupportCode(np.array([0, 1, 2]), np.array([1, 0]), 2)
    out = SupportCode(np.array([0, 1]), np.array([0]), 1)
    with pytest.raises(ValueError, match="only layer 1 may be"):
        ThresholdNetwork(code, (FactoredLayer(sp.csr_matrix(np.ones((1, 2), int)), other, [1]),),
                         out)
    plain = Layer(sp.csr_matrix(np.ones((2, 2), int)), [1, 1])
    with pytest.raises(ValueError, match="only layer 1 may be"):
        ThresholdNetwork(code, (plain, FactoredLayer(sp.csr_matrix(np.ones((1, 2), int)), code,
                                                     [1])), out)


@pytest.mark.parametrize("size", [127, 128, 255, 32768])
def test_sums_at_the_edge_of_a_narrow_type_do_not_wrap(size):
    """A support of 128 units, all active, sums to 128 (int8 holds -128, not +128): the
    factored product picks a type that holds its largest sum, as the weights it equals do."""
    code = SupportCode(np.array([0, size]), np.arange(size), size)
    layer = FactoredLayer(sp.csr_matrix(np.array([[1]])), code, np.array([1]))
    active = sp.csr_matrix(np.ones((1, size), dtype=np.int64))
    assert np.asarray(_dense(layer.times(active))).ravel().tolist() == [size]
    assert np.asarray(_dense(layer.materialize().times(active))).ravel().tolist() == [size]


def _dense(product) -> np.ndarray:
    return product.toarray() if sp.issparse(product) else np.asarray(product)
