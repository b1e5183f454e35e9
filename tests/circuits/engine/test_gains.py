"""The first layer's gain tables (circuits.engine._gains): the type their products are formed in."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given
from hypothesis import strategies as st

import superpose.circuits.engine._gains as gains_module
from superpose.circuits import Layer
from superpose.circuits.engine._gains import FirstLayerGains, _gain_bound, _product_dtype
from tests.strategies import examples, networks

_LAYERED = networks().filter(lambda net: len(net.layers) > 0)


def _scaled_past_int16(net):
    """Layer 1 of ``net`` with weights and thresholds scaled by k, the least factor that puts
    the gain bound at or above 2^15 - 1 (int16's top): past int16 the bound is
    max(min(top |weight| x longest support, largest row sum of |W|), top |weight|)
    (:func:`_gain_bound`), which scales by k and stays below 2^16 - 1, so the products are
    formed in uint16. None when layer 1 has no weight or no support."""
    layer, code = net.layers[0], net.input_code
    w = sp.csr_matrix(layer.weights, dtype=np.int64)
    w.sum_duplicates()
    longest = int(np.diff(np.asarray(code.indptr)).max(initial=0))
    top = int(np.abs(w.data).max(initial=0))
    past = max(min(top * longest, gains_module._row_abs_max(w)), top)
    if not past or not longest:
        return None
    k = -(-np.iinfo(np.int16).max // past)
    return Layer(w * k, layer.theta * k), code


def _build(layer, code, s):
    return FirstLayerGains(layer.weights, layer.theta, code.indptr, code.indices, code.width,
                           s, divisor=2, search_divisor=2)


def _arrays(table):
    """Every array the build gives: the table's own, both search tables' and the rise
    index's."""
    out = dict(table.to_arrays())
    for name in ("positive", "negative"):
        signed = getattr(table, name)
        if signed is not None:
            out |= {f"{name}.{part}": getattr(signed, part)
                    for part in ("features", "gains", "indptr")}
    out |= {f"rise.{part}": getattr(table.rise, part)
            for part in ("floors", "indptr", "units", "gains")}
    return out


@examples(60)
@given(net=_LAYERED, s=st.integers(1, 3), data=st.data())
def test_uint16_products_give_the_tables_that_products_in_the_stored_type_give(net, s, data):
    """Weights of both signs scaled so that gains may pass int16: the products go in uint16,
    and every table, search table and rise list (values and stored types), and full-row
    answers below the cutoff, are those of the products formed in the stored type (int32)."""
    scaled = _scaled_past_int16(net)
    assume(scaled is not None)
    layer, code = scaled
    w = sp.csr_matrix(layer.weights)
    longest = int(np.diff(np.asarray(code.indptr)).max(initial=0))
    assert _product_dtype(_gain_bound(w, longest)) == np.uint16
    narrow = _build(layer, code, s)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gains_module, "_product_dtype", gains_module._gain_dtype)
        wide = _build(layer, code, s)
    got, want = _arrays(narrow), _arrays(wide)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].dtype == want[name].dtype, name
        assert np.array_equal(got[name], want[name]), name
    d = w.shape[0]
    units = np.array(data.draw(st.lists(st.integers(0, d - 1), min_size=1, max_size=8)))
    h = np.array(data.draw(st.lists(st.integers(1, 70000), min_size=units.size,
                                    max_size=units.size)))
    for name in ("positive", "negative"):
        if getattr(wide, name) is not None:
            answers = [getattr(t, name).complete_at_least(units, h) for t in (narrow, wide)]
            for a, b in zip(*answers):
                assert np.array_equal(a, b), name


def test_the_product_type_is_uint16_only_between_int16_and_uint16():
    assert _product_dtype(100) == np.int16
    assert _product_dtype(np.iinfo(np.int16).max) == np.uint16
    assert _product_dtype(np.iinfo(np.uint16).max - 1) == np.uint16
    assert _product_dtype(np.iinfo(np.uint16).max) == np.int32
