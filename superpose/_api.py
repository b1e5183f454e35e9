"""The Python API of ``import superpose``: build, store, fuzz, certify, repair and verify circuits
and check claims from a notebook, with the same results as the command line.

Every function here calls the public names of :mod:`superpose.circuits`,
:mod:`superpose.checks` and :mod:`superpose.theory`; nothing is computed differently.
Arguments after the first one or two are keywords. A bad argument raises
:class:`superpose.theory.InvalidArgument` with one line naming the value and the fix.
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from superpose.checks.certification import MAX_VETOES, Certificate, Repair
from superpose.checks.certification import certify as _certify
from superpose.checks.certification import repair as _repair
from superpose.checks.report import verify_replay
from superpose.checks.verification import (
    ClaimResult,
    VerifyConfig,
    VerifyReport,
    implication,
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
    Bound,
    Claim,
    ClaimFileError,
    ClaimSpec,
    Evidence,
    InvalidArgument,
    Kind,
    Verdict,
    load_claim_file,
    parse_bound,
    parse_claims,
)

__all__ = ["CHECK_CLAIM_MAX_M_PRIME", "ClaimCheck", "build", "certify", "check_claim", "claims",
           "fuzz", "load", "repair", "save", "verify"]

#: The largest m' :func:`check_claim` measures by default (``superpose verify``'s is 10000).
CHECK_CLAIM_MAX_M_PRIME = 1_000
_ORIGIN = "check_claim"


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


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict of :func:`check_claim` on one claim: the ``ClaimResult`` that
    ``superpose verify --claims FILE`` reports for it, the claim as that file (``toml``), the
    configuration it was measured with, and the run's report (its measurements)."""

    result: ClaimResult
    toml: str
    config: VerifyConfig = field(repr=False)
    report: VerifyReport = field(repr=False)

    @property
    def claim(self) -> Claim:
        return self.result.claim

    @property
    def verdict(self) -> Verdict:
        return self.result.verdict

    @property
    def reason(self) -> str:
        return self.result.reason

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return self.result.evidence

    @property
    def command(self) -> str:
        """The ``superpose verify`` command that checks the claim saved as ``claims.toml``."""
        return verify_replay(self.config, "claims.toml")

    def __repr__(self) -> str:
        return (f"<ClaimCheck {self.claim.id} {self.verdict.value}: {self.claim.problem} "
                f"{self.claim.quantity} = {self.claim.bound}; {self.reason}>")

    def _repr_markdown_(self) -> str:
        """The verdict and one table row per check (how Jupyter shows it)."""
        c = self.claim
        lines = [f"**{_md(c.id)}: {self.verdict.value}** ({_md(self.reason)})", "",
                 f"{_md(c.statement)}", "",
                 "| Check | Verdict | Method | Sizes | Evidence |", "|---|---|---|---|---|"]
        lines += [f"| {_md(e.check)} | {e.verdict.value}{'' if e.decisive else ' (refute-only)'}"
                  f" | {_md(e.method)} | {_md(e.sizes)} | {_md(e.detail)} |"
                  for e in self.evidence]
        return "\n".join(lines) + "\n"


def check_claim(bound: str, *, problem: str, quantity: str, kind: str | Kind,
                constant: float | None = None, id: str = "MY-CLAIM", source: str = "",
                assumptions: Sequence[str] = (), max_m_prime: int = CHECK_CLAIM_MAX_M_PRIME,
                sparsities: int | Iterable[int] | None = None,
                families: Mapping[str, str | Sequence[str]] | None = None, seed: int = 0,
                instance_seed: int = 0, samples: int | None = None,
                certify_max_m_prime: int | None = None, timeout: float | None = None,
                repair: bool = True, progress: Callable[[str], None] | None = None
                ) -> ClaimCheck:
    """Check one claim written as in a claim file, without the file: ``bound`` in the
    claim-file grammar (``"mp*log(mp)"``; log is base 2), about ``problem``'s ``quantity``
    (neurons, params, bits or features), of ``kind`` lower, upper or theta, with an optional
    ``constant`` (count <= constant * bound for an upper bound).

    The claim is parsed by :func:`superpose.theory.parse_claims` and checked by verify's
    claim-file path (consistency with every bound of the suite, implication by a proved bound,
    the exact counts of the problem's construction up to ``max_m_prime``), so the result is
    the one ``superpose verify --claims FILE --max-m-prime N`` gives for it. Only the claims
    whose verdict could imply this one run their checks; the others take part through their
    bounds alone. The other keywords are :func:`verify`'s.
    """
    if isinstance(assumptions, str):
        assumptions = [assumptions]
    toml = _claim_toml({"id": id, "problem": problem, "quantity": quantity, "kind": kind,
                        "bound": bound, "source": source or None, "constant": constant,
                        "assumptions": list(assumptions) if assumptions else None})
    try:
        (spec,) = parse_claims(toml, _ORIGIN)
    except ClaimFileError as exc:
        raise InvalidArgument(str(exc).replace(f"claim file {_ORIGIN}: ", f"{_ORIGIN}: ", 1)
                              ) from None
    mine = _file_bound(spec)
    registered = set(problem_names())
    config = _config(problems=[p for p in mine.problems if p in registered],
                     max_m_prime=max_m_prime, sparsities=sparsities, families=families,
                     seed=seed, instance_seed=instance_seed, samples=samples,
                     certify_max_m_prime=certify_max_m_prime, timeout=timeout, repair=repair)
    ledger = tuple(_only_if_it_can_imply(c, mine) for c in CLAIMS)
    own = tuple(_only_if_it_can_imply(c, mine) for c in problem_claims())
    report = _verify(config, claims=ledger, own_claims=own, claim_specs=(spec,),
                     progress=_progress(progress))
    return ClaimCheck(report.extra_claims[-1], toml, config, report)


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
    """The VerifyConfig of the keywords of :func:`verify`: the default one with each given
    option set, as ``superpose verify`` sets it."""
    base = VerifyConfig()
    if not isinstance(repair, bool):
        raise InvalidArgument(f"repair={_show(repair)} must be True or False")
    settings = replace(
        base.settings, seed=check_int("seed", seed, minimum=0),
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
    changes: dict[str, object] = {"settings": settings}
    if max_m_prime is not None:
        changes["max_m_prime"] = check_int("max_m_prime", max_m_prime, minimum=100,
                                           fix="the smallest size a sweep measures is 100")
    if sparsities is not None:
        changes["sparsities"] = _sparsities(sparsities)
    if problems is not None:
        changes["problems"] = _problem_names(problems)
    changes |= _families(families)
    return replace(base, **changes)


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
    return tuple(sorted({check_int("sparsity", s, minimum=1) for s in values}))


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


def _file_bound(spec: ClaimSpec) -> Bound:
    """The bound verify makes of a claim-file record."""
    problems = tuple(p.strip() for p in spec.problem.split(","))
    return Bound(spec.id, problems, spec.quantity, spec.kind, spec.bound, spec.bound_text,
                 constant=spec.constant)


def _only_if_it_can_imply(claim: Claim, mine: Bound) -> Claim:
    """``claim`` as is when its being proved could imply ``mine`` (verify's implication:
    same quantity, ``mine``'s problems among its own, a lower bound below it or an upper bound
    above it); otherwise ``claim`` without checks, which keeps its bounds for the consistency
    check and spares running checks that cannot change the verdict on ``claim``."""
    if not claim.checks or _can_imply(claim, mine):
        return claim
    return replace(claim, checks=())


def _can_imply(claim: Claim, mine: Bound) -> bool:
    return any(implication(mine, Bound(claim.id, claim.problems, quantity, claim.kind,
                                       parse_bound(text, claim.id), text)) is not None
               for quantity, text in claim.bounds)


def _claim_toml(table: Mapping[str, object]) -> str:
    """One ``[[claim]]`` table of the given keys (None: left out), for parse_claims."""
    lines = ["[[claim]]"]
    for key, value in table.items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(key, value)}")
    return "\n".join(lines) + "\n"


def _toml_value(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = "".join(c if c >= " " and c not in '"\\\x7f' else f"\\u{ord(c):04x}"
                          for c in value)
        return f'"{escaped}"'
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return "nan"
        return repr(number) if math.isfinite(number) else ("inf" if number > 0 else "-inf")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(key, v) for v in value) + "]"
    raise InvalidArgument(f"{key}={_show(value)} must be a string or a number, not "
                          f"{type(value).__name__}")


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _md(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")

