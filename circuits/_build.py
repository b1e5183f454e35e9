"""One entry point that turns (problem, m', family, seeds, sparsity, constants) into a Circuit.

Constructions are registered per problem; the first listed is the default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Callable

from circuits._and2 import And2Constants, three_channel_and2
from circuits._circuit import Circuit, check_sparsity, seeded_rng
from circuits._families import AND2_FAMILIES, PERM_FAMILIES, and2_instance, perm_instance
from circuits._naive import naive
from circuits._perm import PermConstants, bloom_permutation
from circuits._problems import PROBLEM_NAMES, And2, Permutation, Problem, Represent
from circuits._represent import RepresentConstants, bloom_represent
from circuits._validate import check_choice, check_int
from theory.errors import InvalidArgument

__all__ = ["Construction", "CONSTRUCTIONS", "FAMILIES", "build", "construct", "find_construction",
           "make_problem"]


@dataclass(frozen=True)
class Construction:
    """A named way to build a network for one problem, with its constants' type.

    ``stated(s)`` gives the constants the construction states for its default constants at
    sparsity s and m' >= 100, as ``(neurons / f_n(m'), params / f_p(m'))`` with
    f_n = sqrt(m') log2 m' and f_p = m' log2^2 m' (log2 m' alone for representation), or None
    where it states none. They are statements to check, not fitted to measurements.
    """

    name: str
    problem: str
    build: Callable
    constants: type | None
    notion: str  # the correctness notion the default constants target
    stated: Callable[[int], tuple[float, float] | None] = lambda s: None


def _and2_stated(s: int):
    """The issue's targets at s = 2 (the fixed-code prototype's 10-20 and 1.3-5.6), scaled by
    (s/2)^2 for larger s: the shared width is proportional to s r, and r_min = 5 s."""
    return (20.0 * (s / 2) ** 2, 6.0 * (s / 2) ** 2) if s >= 2 else None


def _perm_stated(s: int):
    """The design card's s = 2 measurements (5.7-8.5, 0.95-2.2) rounded up to (10, 3); the
    width grows like sqrt(s) t and t_min = 5 s, so the constants scale by (s/2)^(3/2) and
    (s/2)^2 (params grow like t^2)."""
    return (10.0 * (s / 2) ** 1.5, 3.0 * (s / 2) ** 2)


def _represent_stated(s: int):
    """From the definition: d = ceil(4 s (ceil((s+1)/2 log2 m') + 2)) gives
    d / log2 m' <= 2 s (s+1) + (12 s + 1) / log2(100) for m' >= 100 (no parameters)."""
    return (2 * s * (s + 1) + (12 * s + 1) / math.log2(100), 0.0)


CONSTRUCTIONS: dict[str, tuple[Construction, ...]] = {
    "and2": (Construction("three-channel", "and2", three_channel_and2, And2Constants, "certified",
                          _and2_stated),
             Construction("naive", "and2", naive, None, "certified")),
    "perm": (Construction("bloom", "perm", bloom_permutation, PermConstants, "certified",
                          _perm_stated),
             Construction("naive", "perm", naive, None, "certified")),
    "represent": (Construction("bloom", "represent", bloom_represent, RepresentConstants,
                               "certified", _represent_stated),
                  Construction("naive", "represent", naive, None, "certified")),
}

FAMILIES: dict[str, tuple[str, ...]] = {
    "and2": tuple(AND2_FAMILIES),
    "perm": tuple(PERM_FAMILIES),
    "represent": ("all",),
}


def make_problem(problem: str, m_prime: int, family: str | None = None,
                 instance_seed: int = 0) -> Problem:
    """The problem instance of ``family`` (default: the first listed) with m' outputs."""
    check_choice("problem", problem, PROBLEM_NAMES)
    family = family or FAMILIES[problem][0]
    check_choice("family", family, FAMILIES[problem])
    m_prime = check_int("m_prime", m_prime, minimum=1, fix="build at least one output")
    instance_seed = check_int("instance_seed", instance_seed, minimum=0)
    if problem == "and2":
        m, pairs = and2_instance(family, m_prime, instance_seed)
        return And2(m, pairs)
    if problem == "perm":
        return Permutation(perm_instance(family, m_prime, instance_seed))
    return Represent(m_prime)


def find_construction(problem: str, construction: str | None = None) -> Construction:
    """The registered construction of that name for ``problem`` (default: the first)."""
    check_choice("problem", problem, PROBLEM_NAMES)
    options = CONSTRUCTIONS[problem]
    if construction is None:
        return options[0]
    for option in options:
        if option.name == construction:
            return option
    names = ", ".join(o.name for o in options)
    raise InvalidArgument(f"construction={construction!r} is not known for {problem}; "
                          f"use one of: {names}")


def construct(problem: Problem, sparsity: int = 2, seed: int = 0,
              construction: str | None = None, constants: dict[str, Any] | None = None,
              family: str = "", instance_seed: int = -1) -> Circuit:
    """Build a circuit for an existing problem instance (any pair list or permutation)."""
    sparsity = check_sparsity(sparsity, problem.m)
    seed = check_int("seed", seed, minimum=0)
    chosen = find_construction(problem.name, construction)
    rngs = tuple(seeded_rng(seed, stream) for stream in range(3))
    if chosen.constants is None:
        if constants:
            raise InvalidArgument(f"construction {chosen.name!r} takes no constants, "
                                  f"got {sorted(constants)}")
        const = None
    else:
        allowed = {f.name for f in fields(chosen.constants)}
        unknown = sorted(set(constants or {}) - allowed)
        if unknown:
            raise InvalidArgument(f"constant {unknown[0]!r} is not one of "
                                  f"{chosen.name}'s: {', '.join(sorted(allowed))}")
        const = chosen.constants(**(constants or {}))
    network, resolved = chosen.build(problem, sparsity, rngs, const)
    return Circuit(problem, network, chosen.name, sparsity, seed, resolved, family,
                   instance_seed)


def build(problem: str, m_prime: int, family: str | None = None, instance_seed: int = 0,
          sparsity: int = 2, seed: int = 0, construction: str | None = None,
          constants: dict[str, Any] | None = None) -> Circuit:
    """Draw an instance of ``family`` and build the named construction for it.

    >>> c = build("and2", 100, "disjoint", sparsity=2, seed=1)
    >>> c.m, c.m_prime, c.counts().neurons > 0
    (200, 100, True)
    """
    inst = make_problem(problem, m_prime, family, instance_seed)
    family = family or FAMILIES[problem][0]
    return construct(inst, sparsity, seed, construction, constants, family, instance_seed)
