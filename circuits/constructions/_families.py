"""Instance families: which pair lists and permutations the suite builds circuits for.

Pairwise AND (each returns ``(m, pairs)`` with exactly m' distinct pairs):

* ``disjoint``: pairs (2k, 2k+1), m = 2m'; every degree is 1.
* ``complete``: the first m' pairs, in lexicographic order, of the smallest m with
  C(m, 2) >= m'; all pairs when m' = C(m, 2).
* ``random``: m' uniform distinct pairs over m = max(m', smallest m with C(m,2) >= m').
* ``star``: H = max(1, floor(sqrt(m') / 4)) hubs share the m' pairs evenly, each with distinct
  random leaves from a pool of m' leaves: every hub has degree about 4 sqrt(m'), far above the
  influence cutoff sqrt(m') (heavy stars).
* ``nearcut``: a circulant graph of degree 2 floor(floor(sqrt(m'))/2) <= sqrt(m'), randomly
  relabelled: every feature sits just below the cutoff, the worst case for the shared channel
  (for m' < 4, a relabelled matching: degree 1).
* ``mixed``: half the pairs as ``star``, half as ``random`` over separate features.

Permutation (each returns ``perm``): ``random``, ``identity``, ``shift`` (perm[k] = k+1 mod m').
"""

from __future__ import annotations

import math

import numpy as np

from superpose.circuits.validate import check_choice, check_int

__all__ = ["AND2_FAMILIES", "PERM_FAMILIES", "and2_instance", "perm_instance"]


def _smallest_complete(m_prime: int) -> int:
    m = max(2, math.isqrt(2 * m_prime))
    while math.comb(m, 2) < m_prime:
        m += 1
    return m


def _disjoint(m_prime: int, rng: np.random.Generator):
    return 2 * m_prime, np.arange(2 * m_prime, dtype=np.int64).reshape(m_prime, 2)


def _complete(m_prime: int, rng: np.random.Generator):
    m = _smallest_complete(m_prime)
    a, b = np.triu_indices(m, k=1)
    return m, np.stack([a[:m_prime], b[:m_prime]], axis=1).astype(np.int64)


def _distinct_random_pairs(m: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct uniform pairs a < b over range(m), in random order."""
    if count > math.comb(m, 2):
        raise ValueError(f"cannot draw {count} distinct pairs over {m} features")
    keys = np.zeros(0, dtype=np.int64)
    while len(keys) < count:
        need = count - len(keys)
        a = rng.integers(0, m, size=2 * need + 16)
        b = rng.integers(0, m, size=2 * need + 16)
        ok = a != b
        fresh = np.minimum(a, b)[ok] * m + np.maximum(a, b)[ok]
        merged = np.concatenate([keys, fresh])
        _, first = np.unique(merged, return_index=True)
        keys = merged[np.sort(first)][:count]
    return np.stack([keys // m, keys % m], axis=1)


def _random(m_prime: int, rng: np.random.Generator):
    m = max(m_prime, _smallest_complete(m_prime))
    return m, _distinct_random_pairs(m, m_prime, rng)


def _star(m_prime: int, rng: np.random.Generator):
    hubs = max(1, math.isqrt(m_prime) // 4)
    per_hub = np.full(hubs, m_prime // hubs)
    per_hub[: m_prime % hubs] += 1
    hub_of_pair = np.repeat(np.arange(hubs), per_hub)
    leaves = np.concatenate([rng.choice(m_prime, size=k, replace=False) for k in per_hub])
    pairs = np.stack([hub_of_pair, hubs + leaves], axis=1).astype(np.int64)
    return hubs + m_prime, pairs[rng.permutation(m_prime)]


def _nearcut(m_prime: int, rng: np.random.Generator):
    if m_prime < 4:  # no graph of degree 2 fits under sqrt(m'); degree 1 does
        m, pairs = _disjoint(m_prime, rng)
        label = rng.permutation(m)
        return m, label[pairs]
    half = max(1, math.isqrt(m_prime) // 2)
    n = max(2 * half + 1, -(-m_prime // half))
    ring = np.repeat(np.arange(1, half + 1), n)[:m_prime]
    start = np.tile(np.arange(n), half)[:m_prime]
    label = rng.permutation(n)
    pairs = np.stack([label[start], label[(start + ring) % n]], axis=1).astype(np.int64)
    return n, pairs[rng.permutation(m_prime)]


def _mixed(m_prime: int, rng: np.random.Generator):
    heavy = m_prime // 2
    light = m_prime - heavy
    parts, offset = [], 0
    if heavy:
        m_star, star = _star(heavy, rng)
        parts.append(star)
        offset = m_star
    m_rand, rand = _random(light, rng)
    parts.append(rand + offset)
    pairs = np.concatenate(parts)
    return offset + m_rand, pairs[rng.permutation(m_prime)]


AND2_FAMILIES = {
    "disjoint": _disjoint,
    "complete": _complete,
    "random": _random,
    "star": _star,
    "nearcut": _nearcut,
    "mixed": _mixed,
}

PERM_FAMILIES = {
    "random": lambda m_prime, rng: rng.permutation(m_prime).astype(np.int64),
    "identity": lambda m_prime, rng: np.arange(m_prime, dtype=np.int64),
    "shift": lambda m_prime, rng: (np.arange(m_prime, dtype=np.int64) + 1) % m_prime,
}


def and2_instance(family: str, m_prime: int, instance_seed: int = 0):
    """``(m, pairs)`` of the named family with m' pairs, drawn from ``instance_seed``.

    >>> m, pairs = and2_instance("disjoint", 3)
    >>> m, pairs.tolist()
    (6, [[0, 1], [2, 3], [4, 5]])
    """
    check_choice("family", family, AND2_FAMILIES)
    m_prime = check_int("m_prime", m_prime, minimum=1, fix="build at least one output")
    instance_seed = check_int("instance_seed", instance_seed, minimum=0)
    return AND2_FAMILIES[family](m_prime, np.random.default_rng(instance_seed))


def perm_instance(family: str, m_prime: int, instance_seed: int = 0) -> np.ndarray:
    """The permutation of the named family on m' features, drawn from ``instance_seed``."""
    check_choice("family", family, PERM_FAMILIES)
    m_prime = check_int("m_prime", m_prime, minimum=1, fix="build at least one output")
    instance_seed = check_int("instance_seed", instance_seed, minimum=0)
    return PERM_FAMILIES[family](m_prime, np.random.default_rng(instance_seed))
