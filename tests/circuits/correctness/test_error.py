"""Upper confidence bounds of error rates: computed from their definitions, never assumed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom

from superpose.circuits.correctness import clopper_pearson_upper, kl_upper_bound
from tests.strategies import examples


@examples(40)
@given(n=st.integers(1, 5000), data=st.data(), confidence=st.sampled_from([0.9, 0.99, 0.999]))
def test_the_clopper_pearson_bound_is_where_the_binomial_tail_reaches_one_minus_confidence(
        n, data, confidence):
    k = data.draw(st.integers(0, n - 1))
    upper = clopper_pearson_upper(k, n, confidence)
    assert k / n <= upper <= 1
    assert binom.cdf(k, n, upper) == pytest.approx(1 - confidence, rel=1e-6, abs=1e-12)


@examples(40)
@given(n=st.integers(1, 5000), data=st.data(), confidence=st.sampled_from([0.9, 0.99]))
def test_the_chernoff_bound_holds_the_kl_budget_and_is_no_tighter_than_clopper_pearson(
        n, data, confidence):
    k = data.draw(st.integers(0, n - 1))
    mean = k / n
    upper = kl_upper_bound(mean, n, confidence)
    assert mean <= upper < 1
    kl = (mean * math.log(mean / upper) if mean else 0.0) + \
        (1 - mean) * math.log((1 - mean) / (1 - upper))
    assert n * kl == pytest.approx(math.log(1 / (1 - confidence)), rel=1e-6)
    assert upper >= clopper_pearson_upper(k, n, confidence) - 1e-12


def test_bounds_shrink_with_more_samples_and_zero_errors_give_the_closed_form():
    assert kl_upper_bound(0.0, 200, 0.99) == pytest.approx(1 - 0.01 ** (1 / 200))
    assert kl_upper_bound(0.01, 10_000, 0.99) < kl_upper_bound(0.01, 1000, 0.99)
    assert clopper_pearson_upper(3, 3, 0.99) == 1.0 and kl_upper_bound(1.0, 5, 0.99) == 1.0
