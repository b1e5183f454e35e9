"""The Python API of ``import superpose``: build, store, fuzz, certify, repair and verify circuits
and check claims from a notebook, with the same results as the command line.

Every function here calls the public names of :mod:`superpose.circuits`,
:mod:`superpose.checks` and :mod:`superpose.theory`; nothing is computed differently.
Arguments after the first one or two are keywords. A bad argument raises
:class:`superpose.theory.InvalidArgument` with one line naming the value and the fix.
"""

from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from superpose.checks.certification import MAX_VETOES, Certificate, Repair
from superpose.checks.certification import certify as _certify
from superpose.checks.certification import repair as _repair
from superpose.checks.cli import MIN_M_PRIME, verify_config
from superpose.checks.sweep import SweepSettings
from superpose.checks.verification import (
    VerifyConfig,
    VerifyReport,
    problem_claims,
)
from superpose.checks.verification import verify as _verify
from superpose.circuits import (
    FAMILIES,
    Circuit,
    CorrectnessReport,
    load_circuit,
    problem_names,
    save_circuit,
)
from superpose.circuits import build as _build
from superpose.circuits import fuzz as _fuzz
from superpose.circuits.validate import check_choice, check_int, check_positive
from superpose.theory import (
    CLAIMS,
    Claim,
    ClaimSpec,
    InvalidArgument,
    load_claim_file,
)

__all__ = ["build", "certify", "claims", "fuzz", "load", "repair", "save", "verify"]




def build(problem: str, m_prime: int, *, family: str | None = None, sparsity: int = 2,
          seed: int = 0, instance_seed: int = 0, construction: str | None = None,
          constants: Mapping[str, object] | None = None) -> Circuit:
    """Draw an instance of ``problem`` with ``m_prime`` outputs from ``family`` (default: the
    problem's) with ``instance_seed``, and build ``construction`` (default: the problem's) for
    sparsity ``sparsity`` from ``seed``: ``superpose build``."""
    return _build(problem, m_prime, family, instance_seed, sparsity, seed, construction,
                  dict(constants) if constants else None)


def load(path: str | os.PathLike[str]) -> Circuit:
    """Read the ``superpose-circuit`` file at ``path`` (CircuitFormatError names what is
    wrong)."""
    return load_circuit(path)


def save(circuit: Circuit, path: str | os.PathLike[str]) -> Path:
    """Write ``circuit`` to ``path`` as a ``superpose-circuit`` file; returns the path."""
    return save_circuit(_circuit(circuit), path)


def fuzz(circuit: Circuit | str | os.PathLike[str], *, samples: int = 10_000,
         seed: int = 0) -> CorrectnessReport:
    """Compare ``circuit`` (or the circuit file at that path) with its exact truth on
    ``samples`` random and adversarial inputs drawn from ``seed``: ``superpose fuzz``. Fuzzing
    can only refute."""
    return _fuzz(_circuit(circuit), samples=samples, seed=seed)


def certify(circuit: Circuit | str | os.PathLike[str], *, sparsity: int | None = None,
            timeout: float | None = None, method: str = "auto") -> Certificate:
    """Decide ``circuit`` (or the circuit file at that path) on every input with at most
    ``sparsity`` active features (None: the circuit's own) within ``timeout`` seconds (None: no
    limit), by ``method`` (auto, exhaustive, search or z3): ``superpose certify``."""
    return _certify(_circuit(circuit), sparsity, timeout, method)


def repair(circuit: Circuit | str | os.PathLike[str], *, timeout: float | None = None,
           max_vetoes: int = MAX_VETOES) -> Repair:
    """Certify ``circuit`` and veto each false positive found, until PROVED (``.circuit`` is
    the repaired circuit, ``.certificate`` its certificate): ``superpose repair``."""
    return _repair(_circuit(circuit), timeout, max_vetoes)


def claims() -> tuple[Claim, ...]:
    """Every claim ``superpose verify`` checks: the ledger, then each registered problem's own
    (``superpose claims`` lists the ledger)."""
    return tuple(CLAIMS) + problem_claims()


def verify(*, problems: str | Iterable[str] | None = None, max_m_prime: int | None = None,
           sparsities: int | Iterable[int] | None = None,
           families: Mapping[str, str | Sequence[str]] | None = None,
           claims: str | os.PathLike[str] | Iterable[ClaimSpec] | None = None,
           seed: int = 0, instance_seed: int = 0, samples: int | None = None,
           certify_max_m_prime: int | None = None, timeout: float | None = None,
           repair: bool = True, progress: Callable[[str], None] | None = None
           ) -> VerifyReport:
    """``superpose verify`` with its options as keywords; returns the report (it shows as
    Markdown tables in Jupyter; ``.exit_code()`` gives the command's exit code).

    ``problems``: check only the claims about these registered problems (None: every one).
    ``max_m_prime``: the largest m' at s = 2, as ``--max-m-prime`` (None: 10000).
    ``sparsities``: the sparsities swept (None: 2 and 3). ``families``: per problem, the
    families measured, e.g. ``{"and2": ["random"]}``. ``claims``: a claim file (its path) or
    ``ClaimSpec`` records (:func:`superpose.theory.parse_claims`), checked with the ledger as
    ``--claims``. ``seed``, ``instance_seed``, ``samples`` (fuzzing inputs per circuit),
    ``certify_max_m_prime``, ``timeout`` (seconds per certified circuit) and ``repair`` as
    the command's options; ``progress(message)`` is told each circuit measured.
    """
    config = _config(problems=problems, max_m_prime=max_m_prime, sparsities=sparsities,
                     families=families, seed=seed, instance_seed=instance_seed,
                     samples=samples, certify_max_m_prime=certify_max_m_prime,
                     timeout=timeout, repair=repair)
    return _verify(config, progress=_progress(progress), claim_specs=_claim_specs(claims))


def _circuit(value: object) -> Circuit:
    """A Circuit as is, or the circuit file at a path."""
    if isinstance(value, Circuit):
        return value
    if isinstance(value, (str, os.PathLike)):
        return load_circuit(value)
    raise InvalidArgument(f"circuit={_show(value)} must be a Circuit or the path of a circuit "
                          "file; build one with superpose.build")


def _progress(progress: Callable[[str], None] | None) -> Callable[[str], None]:
    if progress is None:
        return lambda _message: None
    if not callable(progress):
        raise InvalidArgument(f"progress={_show(progress)} must be a function of one message, "
                              "or None")
    return progress


def _config(*, problems, max_m_prime, sparsities, families, seed, instance_seed, samples,
            certify_max_m_prime, timeout, repair) -> VerifyConfig:
    """The VerifyConfig of the keywords of :func:`verify`, each checked here and set as
    ``superpose verify`` sets its option (:func:`superpose.checks.cli.verify_config`)."""
    if not isinstance(repair, bool):
        raise InvalidArgument(f"repair={_show(repair)} must be True or False")
    settings = replace(
        SweepSettings(), seed=check_int("seed", seed, minimum=0),
        instance_seed=check_int("instance_seed", instance_seed, minimum=0), repair=repair)
    if samples is not None:
        settings = replace(settings, samples=check_int("samples", samples, minimum=1))
    if certify_max_m_prime is not None:
        settings = replace(settings, certify_max_m_prime=check_int(
            "certify_max_m_prime", certify_max_m_prime, minimum=0,
            fix="use 0 to certify nothing beyond enumerable sizes"))
    if timeout is not None:
        settings = replace(settings, certify_timeout=check_positive(
            "timeout", timeout, fix="give the seconds per certified circuit"))
    if max_m_prime is not None:
        max_m_prime = check_int("max_m_prime", max_m_prime, minimum=MIN_M_PRIME,
                                fix=f"the smallest size a sweep measures is {MIN_M_PRIME}")
    config = verify_config(
        settings=settings, max_m_prime=max_m_prime,
        sparsities=None if sparsities is None else _sparsities(sparsities),
        problems=None if problems is None else _problem_names(problems))
    return replace(config, **_families(families))


def _problem_names(value: object) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else _sequence("problems", value)
    known = problem_names()
    for name in names:
        if name not in known:
            raise InvalidArgument(f"problems={name!r} is not a registered problem; use one of: "
                                  f"{', '.join(known)}")
    return tuple(dict.fromkeys(names))


def _sparsities(value: object) -> tuple[int, ...]:
    values = (value,) if isinstance(value, int) else _sequence("sparsities", value)
    if not values:
        raise InvalidArgument("sparsities=[] names no sparsity; pass None for 2 and 3")
    return tuple(check_int("sparsity", s, minimum=1) for s in values)


def _families(value: object) -> dict[str, tuple[str, ...]]:
    """``families`` as VerifyConfig fields: ``{"and2": [...]}`` sets ``and2_families``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"families={_show(value)} must map a problem name to its families, "
                              "e.g. {'and2': ['random']}")
    settable = {f.name for f in fields(VerifyConfig)}
    known = problem_names()
    out = {}
    for name, chosen in value.items():
        if name not in known:
            raise InvalidArgument(f"families key {name!r} is not a registered problem; use one "
                                  f"of: {', '.join(known)}")
        key = f"{name}_families"
        if key not in settable:
            mine = ", ".join(VerifyConfig().families(name))
            choosable = sorted(k.removesuffix("_families") for k in settable
                               if k.endswith("_families"))
            raise InvalidArgument(f"families[{name!r}] cannot be chosen: verify measures "
                                  f"{name} on its own families ({mine}); choose families for "
                                  f"{', '.join(choosable)}")
        picked = (chosen,) if isinstance(chosen, str) else _sequence(f"families[{name!r}]",
                                                                     chosen)
        if not picked:
            raise InvalidArgument(f"families[{name!r}]=[] names no family; use some of: "
                                  f"{', '.join(FAMILIES[name])}")
        for family in picked:
            check_choice(f"families[{name!r}]", family, FAMILIES[name])
        out[key] = tuple(dict.fromkeys(picked))
    return out


def _claim_specs(value: object) -> tuple[ClaimSpec, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, os.PathLike)):
        return tuple(load_claim_file(value))
    specs = _sequence("claims", value)
    for spec in specs:
        if not isinstance(spec, ClaimSpec):
            raise InvalidArgument(f"claims item {_show(spec)} must be a ClaimSpec; pass a claim "
                                  "file path, or records of superpose.theory.parse_claims")
    return specs


def _sequence(name: str, value: object) -> tuple:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidArgument(f"{name}={_show(value)} must be a list (or one value)")
    return tuple(value)


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
