"""Instance families: sizes, distinctness, degree structure, determinism, argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, note

from superpose.circuits import And2
from superpose.circuits.constructions import (
    AND2_FAMILIES,
    PERM_FAMILIES,
    and2_instance,
    perm_instance,
)
from superpose.theory.errors import InvalidArgument
from tests.strategies import and2_families, examples, instance_seeds, m_primes, perm_families


def _degrees(m: int, pairs: np.ndarray) -> np.ndarray:
    deg = np.zeros(m, dtype=np.int64)
    for a, b in pairs.tolist():
        deg[a] += 1
        deg[b] += 1
    return deg


@examples(120)
@given(family=and2_families, m_prime=m_primes(1, 2000), instance_seed=instance_seeds)
def test_every_and2_family_returns_exactly_m_prime_distinct_pairs_in_range(family, m_prime,
                                                                           instance_seed):
    m, pairs = and2_instance(family, m_prime, instance_seed)
    note(f"family={family} m'={m_prime} instance_seed={instance_seed} m={m}")
    assert pairs.shape == (m_prime, 2)
    assert pairs.min() >= 0 and pairs.max() < m
    assert np.all(pairs[:, 0] != pairs[:, 1]), "a pair joins a feature to itself"
    unordered = {tuple(sorted(p)) for p in pairs.tolist()}
    assert len(unordered) == m_prime, "a pair repeats"
    And2(m, pairs)  # and the problem accepts it


@examples(60)
@given(m_prime=m_primes(4, 2000), instance_seed=instance_seeds)
def test_nearcut_degrees_never_exceed_the_influence_cutoff_sqrt_m_prime(m_prime, instance_seed):
    m, pairs = and2_instance("nearcut", m_prime, instance_seed)
    deg = _degrees(m, pairs)
    assert deg.max() <= math.sqrt(m_prime), f"m'={m_prime}: max degree {deg.max()}"


@pytest.mark.parametrize("m_prime", [2, 3])
def test_nearcut_degrees_stay_below_the_cutoff_even_for_tiny_m_prime(m_prime):
    m, pairs = and2_instance("nearcut", m_prime, 0)
    assert _degrees(m, pairs).max() <= math.sqrt(m_prime)


@examples(40)
@given(m_prime=m_primes(64, 3000), instance_seed=instance_seeds)
def test_star_hubs_have_degree_above_sqrt_m_prime_and_every_pair_holds_one_hub(m_prime,
                                                                               instance_seed):
    m, pairs = and2_instance("star", m_prime, instance_seed)
    deg = _degrees(m, pairs)
    heavy = deg > math.sqrt(m_prime)
    hubs = max(1, math.isqrt(m_prime) // 4)
    assert heavy.sum() == hubs, f"{heavy.sum()} features above the cutoff, expected {hubs} hubs"
    per_pair = heavy[pairs].sum(axis=1)
    assert np.all(per_pair == 1), "every star pair joins exactly one hub to a light leaf"


@examples(30)
@given(m_prime=m_primes(128, 3000), instance_seed=instance_seeds)
def test_mixed_puts_at_least_half_the_pairs_on_heavy_features(m_prime, instance_seed):
    m, pairs = and2_instance("mixed", m_prime, instance_seed)
    heavy = _degrees(m, pairs) > math.sqrt(m_prime)
    assert heavy[pairs].any(axis=1).sum() >= m_prime // 2


@examples(60)
@given(m_prime=m_primes(1, 2000))
def test_disjoint_pairs_touch_every_feature_once(m_prime):
    m, pairs = and2_instance("disjoint", m_prime, 0)
    assert m == 2 * m_prime
    assert np.all(_degrees(m, pairs) == 1)


@examples(60)
@given(m_prime=m_primes(1, 2000))
def test_complete_uses_the_fewest_features_that_hold_m_prime_pairs(m_prime):
    m, pairs = and2_instance("complete", m_prime, 0)
    assert math.comb(m, 2) >= m_prime > math.comb(m - 1, 2) or (m == 2 and m_prime == 1)
    assert pairs.tolist() == sorted(pairs.tolist()), "complete pairs come in lexicographic order"
    assert np.all(pairs[:, 0] < pairs[:, 1])


@examples(40)
@given(family=and2_families, m_prime=m_primes(1, 1500), instance_seed=instance_seeds)
def test_the_same_instance_seed_gives_the_same_and2_instance(family, m_prime, instance_seed):
    m1, p1 = and2_instance(family, m_prime, instance_seed)
    m2, p2 = and2_instance(family, m_prime, instance_seed)
    assert m1 == m2 and np.array_equal(p1, p2)


@pytest.mark.parametrize("family", ["random", "star", "nearcut", "mixed"])
def test_different_instance_seeds_give_different_random_instances(family):
    _, p1 = and2_instance(family, 400, 1)
    _, p2 = and2_instance(family, 400, 2)
    assert not np.array_equal(p1, p2)


@examples(60)
@given(family=perm_families, m_prime=m_primes(1, 2000), instance_seed=instance_seeds)
def test_every_perm_family_returns_a_permutation_reproducibly(family, m_prime, instance_seed):
    perm = perm_instance(family, m_prime, instance_seed)
    assert perm.shape == (m_prime,)
    assert sorted(perm.tolist()) == list(range(m_prime))
    assert np.array_equal(perm, perm_instance(family, m_prime, instance_seed))


@examples(20)
@given(m_prime=m_primes(1, 500))
def test_identity_and_shift_permutations_are_what_their_names_say(m_prime):
    assert perm_instance("identity", m_prime).tolist() == list(range(m_prime))
    shift = perm_instance("shift", m_prime).tolist()
    assert all(shift[k] == (k + 1) % m_prime for k in range(m_prime))


def test_families_are_registered_under_their_documented_names():
    assert set(AND2_FAMILIES) == {"disjoint", "complete", "random", "star", "nearcut", "mixed"}
    assert set(PERM_FAMILIES) == {"random", "identity", "shift"}


@pytest.mark.parametrize("args", [
    ("unknown", 10, 0), ("random", 0, 0), ("random", -4, 0), ("random", 2.5, 0),
    ("random", "10", 0), ("random", True, 0), ("random", 10, -1), ("random", 10, 1.0),
])
def test_and2_instance_rejects_bad_arguments(args):
    with pytest.raises(InvalidArgument) as info:
        and2_instance(*args)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("args", [("unknown", 10, 0), ("shift", 0, 0), ("random", 10, -2)])
def test_perm_instance_rejects_bad_arguments(args):
    with pytest.raises(InvalidArgument):
        perm_instance(*args)
