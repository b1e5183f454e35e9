"""The stored-type transpose and the release of mapped pages (circuits.model._pages)."""

from __future__ import annotations

import mmap

import numpy as np
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from superpose.circuits.model import release_pages, transpose_stored
from tests.strategies import examples


@st.composite
def sparse_matrices(draw):
    rows, cols = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    dense = np.array(draw(st.lists(st.integers(-128, 127), min_size=rows * cols,
                                   max_size=rows * cols)), dtype=np.int8).reshape(rows, cols)
    mask = np.array(draw(st.lists(st.booleans(), min_size=rows * cols, max_size=rows * cols)))
    return sp.csr_matrix(np.where(mask.reshape(rows, cols), dense, 0).astype(np.int8))


@examples(100)
@given(w=sparse_matrices(), block=st.integers(1, 40), whole=st.sampled_from([0, 1 << 26]))
def test_the_stored_transpose_is_scipys_in_the_stored_type_for_every_block_size(w, block,
                                                                                 whole):
    """By blocks of every size, and at once (a matrix of at most ``whole`` entries)."""
    got = transpose_stored(w, block=block, whole=whole)
    want = w.T.tocsr()
    want.sort_indices()
    assert got.dtype == np.int8
    assert got.shape == want.shape
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)


def test_releasing_a_mapped_array_keeps_its_values_and_ignores_a_plain_array(tmp_path):
    path = tmp_path / "a.bin"
    values = np.arange(3 * mmap.PAGESIZE, dtype=np.int32)
    path.write_bytes(values.tobytes())
    with open(path, "rb") as fh:
        mapping = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    view = np.frombuffer(mapping, dtype=np.int32)
    assert int(view[5:].sum()) == int(values[5:].sum())
    release_pages(view[5:])  # a slice: found through its base
    assert np.array_equal(view, values)
    plain = values.copy()
    release_pages(plain)
    assert np.array_equal(plain, values)
