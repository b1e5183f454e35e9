"""One entry point that turns (problem, m', family, seeds, sparsity, constants) into a Circuit.

Problems, their families and constructions come from the registry
(:mod:`superpose.circuits.registry._registry`: the built-ins and every installed plugin); the first
family and construction listed are the defaults.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np

from superpose.circuits.model import Circuit, Problem, check_sparsity, seeded_rng
from superpose.circuits.registry._formulas import formula_checks, raise_if_exceeded
from superpose.circuits.registry._registry import CONSTRUCTIONS, FAMILIES, problem_spec
from superpose.circuits.registry._spec import Construction
from superpose.circuits.validate import check_choice, check_int, check_m_prime_fits
from superpose.theory.errors import InvalidArgument, SuperposeError

__all__ = ["Construction", "CONSTRUCTIONS", "FAMILIES", "build", "construct", "find_construction",
           "make_problem"]


#: the largest seed a circuit can record (its file stores seeds as int64)
SEED_MAX = 2 ** 63 - 1


def make_problem(problem: str, m_prime: int, family: str | None = None,
                 instance_seed: int = 0) -> Problem:
    """The problem instance of ``family`` (default: the first listed) with m' outputs, drawn
    from ``np.random.default_rng(instance_seed)``."""
    spec = problem_spec(problem)
    family = family or spec.default_family
    check_choice("family", family, tuple(spec.families))
    m_prime = check_int("m_prime", m_prime, minimum=1, fix="build at least one output")
    check_m_prime_fits(m_prime, "m_prime")
    instance_seed = check_int("instance_seed", instance_seed, minimum=0, maximum=SEED_MAX,
                              fix="a circuit file stores it as int64")
    instance = spec.families[family](m_prime, np.random.default_rng(instance_seed))
    if not isinstance(instance, spec.problem_type) or instance.name != spec.name:
        raise InvalidArgument(f"family {family!r} of {spec.name} ({spec.provider}) returned "
                              f"{type(instance).__name__} named {getattr(instance, 'name', None)!r}"
                              f", not a {spec.problem_type.__name__} named {spec.name!r}; "
                              "fix the family function")
    return instance


def find_construction(problem: str, construction: str | None = None) -> Construction:
    """The registered construction of that name for ``problem`` (default: the first)."""
    options = problem_spec(problem).constructions
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
              family: str = "", instance_seed: int = -1, check_formulas: bool = True,
              implicit: bool = False) -> Circuit:
    """Build a circuit for an existing problem instance (any pair list or permutation).

    With ``check_formulas`` (the default) a count above the construction's declared count
    formula raises CountAboveFormula (the circuit is named, with its replay line).
    ``implicit``: keep the first layer as its factors (the construction must offer it); the
    same circuit as without, with the same counts."""
    sparsity = check_sparsity(sparsity, problem.m)
    seed = check_int("seed", seed, minimum=0, maximum=SEED_MAX,
                     fix="a circuit file stores it as int64")
    chosen = find_construction(problem.name, construction)
    if implicit and not chosen.implicit:
        raise InvalidArgument(f"construction {chosen.name!r} of {problem.name} has no implicit "
                              "form; leave out --implicit (the three-channel construction of "
                              "and2 has one)")
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
    spec = problem_spec(problem.name)
    extra = {"implicit": True} if implicit else {}
    if spec.provider == "built-in":
        try:
            network, resolved = chosen.build(problem, sparsity, rngs, const, **extra)
        except (OverflowError, MemoryError) as exc:
            raise _too_large(chosen.name, problem, constants, exc) from None
        except ValueError as exc:  # NumPy's "Maximum allowed size/dimension exceeded"
            if "Maximum allowed" not in str(exc):
                raise
            raise _too_large(chosen.name, problem, constants, exc) from None
        circuit = Circuit(problem, network, chosen.name, sparsity, seed, resolved, family,
                          instance_seed)
    else:
        try:  # a plugin's bug is reported in one line naming the plugin, not as a traceback
            network, resolved = chosen.build(problem, sparsity, rngs, const, **extra)
            circuit = Circuit(problem, network, chosen.name, sparsity, seed, dict(resolved),
                              family, instance_seed)
        except SuperposeError:
            raise
        except Exception as exc:
            raise InvalidArgument(f"construction {chosen.name!r} of {spec.name} "
                                  f"({spec.provider}) failed: {type(exc).__name__}: "
                                  f"{' '.join(str(exc).split())}; fix the plugin") from None
    if check_formulas:
        raise_if_exceeded(circuit, chosen, formula_checks(circuit, chosen))
    return circuit


def _too_large(name: str, problem: Problem, constants, exc: BaseException) -> InvalidArgument:
    """One line for a construction whose sizes (from m' and the constants) cannot be held."""
    given = ", ".join(f"{k}={v!r}" for k, v in sorted((constants or {}).items())) or "defaults"
    return InvalidArgument(f"{name} at m'={problem.m_prime} with constants ({given}) asks for "
                           f"sizes this machine cannot hold ({type(exc).__name__}: "
                           f"{' '.join(str(exc).split())}); pass smaller constants or m'")


def build(problem: str, m_prime: int, family: str | None = None, instance_seed: int = 0,
          sparsity: int = 2, seed: int = 0, construction: str | None = None,
          constants: dict[str, Any] | None = None, check_formulas: bool = True,
          implicit: bool = False) -> Circuit:
    """Draw an instance of ``family`` and build the named construction for it (its counts
    checked against the construction's count formulas, as in :func:`construct`).

    >>> c = build("and2", 100, "disjoint", sparsity=2, seed=1)
    >>> c.m, c.m_prime, c.counts().neurons > 0
    (200, 100, True)
    """
    inst = make_problem(problem, m_prime, family, instance_seed)
    family = family or problem_spec(problem).default_family
    return construct(inst, sparsity, seed, construction, constants, family, instance_seed,
                     check_formulas, implicit)
