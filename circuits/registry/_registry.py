"""The problem registry: the built-in problems, then every installed plugin.

A plugin is an entry point in the group ``superpose.problems`` (``ENTRY_POINT_GROUP``) that
names a :class:`~circuits.ProblemSpec`, or a zero-argument callable returning one spec or a
sequence of specs. The registry is loaded on first use (nothing happens at import time) and
cached; :func:`reload_problems` forgets the cache (after installing a package in-process, or
in tests).

A plugin that cannot be loaded (its import fails, it gives something other than a spec, its
name clashes with a registered problem or its claims with the ledger, a family or construction
is not callable, ...) does not stop the others: it is recorded as :class:`BrokenPlugin` with a
one-line reason naming the distribution, the entry point and the fix. ``superpose problems``
lists it as broken; asking for it by name (:func:`problem_spec`), or running
``superpose verify`` while it is installed, raises a one-line ``InvalidArgument`` (exit 2).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import metadata

from superpose.circuits.registry._spec import ProblemSpec, check_spec
from superpose.theory.errors import InvalidArgument

__all__ = ["ENTRY_POINT_GROUP", "BrokenPlugin", "problem_names", "problem_spec",
           "problem_specs", "broken_plugins", "reload_problems", "PROBLEM_NAMES",
           "CONSTRUCTIONS", "FAMILIES"]

ENTRY_POINT_GROUP = "superpose.problems"


@dataclass(frozen=True)
class BrokenPlugin:
    """An entry point of ``superpose.problems`` that could not be registered."""

    entry_point: str  # its name
    value: str  # "module:attribute"
    provider: str  # distribution and version, or "unknown distribution"
    reason: str

    def message(self) -> str:
        return (f"plugin problem {self.entry_point!r} ({self.value}, from {self.provider}) is "
                f"broken: {self.reason}; fix or uninstall {self.provider.split(' ')[0]}")


_CACHE: dict[str, object] = {}


def reload_problems() -> None:
    """Forget the loaded registry; the next use scans the entry points again."""
    _CACHE.clear()
    importlib.invalidate_caches()


def _builtin_specs() -> dict[str, ProblemSpec]:
    from superpose.circuits.registry._builtin import BUILTIN_SPECS

    return {spec.name: spec for spec in BUILTIN_SPECS}


def _load() -> tuple[dict[str, ProblemSpec], tuple[BrokenPlugin, ...]]:
    if "specs" not in _CACHE:
        from superpose.theory import CLAIMS

        specs = _builtin_specs()
        ids = {c.id for c in CLAIMS}
        broken = []
        for ep in _entry_points():
            provider = _provider(ep)
            try:
                found = _specs_of(ep.load())
            except Exception as exc:  # a plugin may fail in any way: report it, go on
                reason = f"loading it raised {type(exc).__name__}: {_one_line(exc)}"
                broken.append(BrokenPlugin(ep.name, ep.value, provider, reason))
                continue
            accepted = []
            for spec in found:
                why = check_spec(spec, set(specs) | {s.name for s in accepted}, ids)
                if why is not None:
                    broken.append(BrokenPlugin(ep.name, ep.value, provider, why))
                    accepted = []
                    break
                accepted.append(replace(spec, provider=provider))
                ids = ids | {c.id for c in spec.claims}
            specs.update((s.name, s) for s in accepted)
        _CACHE["specs"] = specs
        _CACHE["broken"] = tuple(broken)
    return _CACHE["specs"], _CACHE["broken"]  # type: ignore[return-value]


def _entry_points():
    """The group's entry points, each (distribution, name) once, in a stable order."""
    seen, out = set(), []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        key = (_provider(ep), ep.name, ep.value)
        if key not in seen:
            seen.add(key)
            out.append(ep)
    return sorted(out, key=lambda ep: (ep.name, ep.value))


def _provider(ep) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "unknown distribution"
    return f"{dist.metadata['Name']} {dist.version}"


def _specs_of(obj) -> list:
    """A spec, or what a zero-argument callable returns: one spec or a sequence of them."""
    if isinstance(obj, ProblemSpec):
        return [obj]
    if callable(obj):
        obj = obj()
    if isinstance(obj, ProblemSpec):
        return [obj]
    if isinstance(obj, Sequence) and not isinstance(obj, str) and obj:
        return list(obj)
    return [obj]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."


def problem_specs() -> tuple[ProblemSpec, ...]:
    """Every registered problem: the built-ins, then the plugins (by entry point name)."""
    return tuple(_load()[0].values())


def problem_names() -> tuple[str, ...]:
    """The names of every registered problem."""
    return tuple(_load()[0])


def broken_plugins() -> tuple[BrokenPlugin, ...]:
    """The entry points that could not be registered, with the reason."""
    return _load()[1]


def problem_spec(name: str) -> ProblemSpec:
    """The registered problem ``name``, or a one-line InvalidArgument naming the known ones
    (or, for a broken plugin of that name, why it is broken).

    A built-in name is answered without scanning the plugins (no plugin may take a built-in's
    name), so loading an and2 file never imports and checks every installed plugin."""
    builtin = _builtin_specs()
    if isinstance(name, str) and name in builtin:
        return builtin[name]
    specs, broken = _load()
    if isinstance(name, str) and name in specs:
        return specs[name]
    for plugin in broken:
        if plugin.entry_point == name:
            raise InvalidArgument(plugin.message())
    raise InvalidArgument(f"problem={name!r} is not known; use one of: {', '.join(specs)} "
                          "(or install the package that provides it)")


class _Names(Sequence):
    """``PROBLEM_NAMES``: the registered names, read from the registry when used."""

    def __getitem__(self, index):
        return problem_names()[index]

    def __len__(self) -> int:
        return len(problem_names())

    def __contains__(self, name) -> bool:
        return name in problem_names()

    def __repr__(self) -> str:
        return repr(problem_names())


class _PerProblem(Mapping):
    """A read-only mapping problem name -> ``pick(spec)``, read from the registry when used."""

    def __init__(self, pick):
        self._pick = pick

    def __getitem__(self, name):
        if name not in problem_names():
            raise KeyError(name)
        return self._pick(problem_spec(name))

    def __iter__(self):
        return iter(problem_names())

    def __len__(self) -> int:
        return len(problem_names())

    def __repr__(self) -> str:
        return repr(dict(self))


#: Compatibility views of the registry (they follow installed plugins): the problem names,
#: each problem's constructions (the first is the default) and family names.
PROBLEM_NAMES: Sequence[str] = _Names()
CONSTRUCTIONS: Mapping[str, tuple] = _PerProblem(lambda spec: spec.constructions)
FAMILIES: Mapping[str, tuple[str, ...]] = _PerProblem(lambda spec: tuple(spec.families))
