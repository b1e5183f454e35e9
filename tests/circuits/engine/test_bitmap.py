"""The rank bitmap reads the same weights as the matrix it was built from."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from superpose.circuits.engine import _bitmap
from superpose.circuits.engine._bitmap import RankBitmap, bitmap_bytes
from tests.strategies import examples, seeds


@examples(60)
@given(seed=seeds, d=st.integers(1, 12), d0=st.integers(1, 140),
       density=st.floats(0.0, 1.0), chunk=st.integers(1, 50),
       dtype=st.sampled_from([np.int8, np.int16, np.int64]))
def test_every_pair_reads_its_stored_weight_or_zero_however_the_work_is_cut(
        seed, d, d0, density, chunk, dtype):
    # columns across several 32-column words, empty rows, builds and look-ups in small pieces
    rng = np.random.default_rng(seed)
    dense = (rng.integers(-100, 100, (d, d0)) * (rng.random((d, d0)) < density)).astype(dtype)
    w = sp.csr_matrix(dense)
    w.sort_indices()
    units = np.repeat(np.arange(d), d0)
    p = np.tile(np.arange(d0), d)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_bitmap, "_BUILD_CHUNK", chunk)
        patch.setattr(_bitmap, "_LOOKUP_CHUNK", chunk)
        bitmap = RankBitmap(w, w.data)
        got = bitmap(units, p)
    assert got.dtype == np.int64
    assert got.tolist() == dense[units, p].astype(np.int64).tolist()
    assert bitmap.nbytes == bitmap_bytes(w.shape)


def test_a_matrix_with_nothing_stored_reads_zero_everywhere():
    w = sp.csr_matrix((3, 70), dtype=np.int64)
    assert RankBitmap(w, w.data)(np.array([0, 2]), np.array([0, 69])).tolist() == [0, 0]
