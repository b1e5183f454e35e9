"""The pivot decoder (circuits/engine/_decode.py) against the definition
y_k = AND_{q in Q_k} a[q]."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from superpose.circuits.engine._decode import PivotDecoder
from tests.strategies import examples, support_codes


@st.composite
def decodings(draw):
    """An output code, a baseline a0 over its layer, and a batch of final states a."""
    width = draw(st.integers(1, 7))
    code = draw(support_codes(draw(st.integers(0, 12)), width, max_support=width))
    a0 = np.array(draw(st.lists(st.booleans(), min_size=width, max_size=width)))
    states = draw(st.lists(st.lists(st.booleans(), min_size=width, max_size=width),
                           min_size=0, max_size=6))
    return code, a0, np.array(states, dtype=bool).reshape(len(states), width)


class _SearchingDecoder(PivotDecoder):
    """The decoder that never keeps a block's event states: filter, then binary search."""

    def _states(self, batch: int, events: int):
        return None


class _PiecesDecoder(PivotDecoder):
    """The decoder whose event states hold 8 entries: a block of dense events is decoded in
    pieces of rows that fit (one row where the layer is 5 to 8 units wide)."""

    state_entries = 8


def _decoder(code, a0, kind=PivotDecoder) -> PivotDecoder:
    return kind(np, code.indptr, code.indices, code.width, a0,
                lambda lens: (lambda v: np.repeat(v, lens), int(lens.sum())))


@examples(200)
@given(case=decodings(),
       kind=st.sampled_from([PivotDecoder, _SearchingDecoder, _PiecesDecoder]))
def test_decoding_the_changed_units_gives_the_and_of_every_outputs_support(case, kind):
    """Both ways of telling events apart (a block's event states by key where the events are
    dense, else a filter and a binary search) decode the same outputs, and so does a block
    too large for its states, in pieces of rows."""
    code, a0, states = case
    rows, units = np.nonzero(states != a0[None, :])
    deltas = np.where(states[rows, units], 1, -1).astype(np.int64)
    stats = {"gathered": [0], "flips": 0}
    got_rows, got_cols = _decoder(code, a0, kind).decode(rows.astype(np.int64),
                                                   units.astype(np.int64), deltas,
                                                   len(states), stats)
    want = np.array([[bool(np.all(a[code.row(k)])) for k in range(code.n_rows)]
                     for a in states], dtype=bool).reshape(len(states), code.n_rows)
    want_rows, want_cols = np.nonzero(want)
    assert got_rows.tolist() == want_rows.tolist()
    assert got_cols.tolist() == want_cols.tolist()
    y0 = np.array([bool(np.all(a0[code.row(k)])) for k in range(code.n_rows)], dtype=bool)
    assert stats["flips"] == int((want != y0[None, :]).sum())


@examples(200)
@given(case=decodings())
def test_pivots_are_two_distinct_units_of_an_output_that_are_off_at_baseline(case):
    code, a0, _ = case
    first, second = _decoder(code, a0).pivots
    for k in range(code.n_rows):
        off = [int(q) for q in code.row(k) if not a0[q]]
        if not off:
            assert first[k] == second[k] == -1
        elif len(off) == 1:
            assert (first[k], second[k]) == (off[0], -1)
        else:
            assert first[k] in off and second[k] in off and first[k] != second[k]
