"""Researcher-supplied claim files: TOML, one ``[[claim]]`` table per claim.

Example::

    [[claim]]
    id = "MY-UB"
    problem = "and2"
    quantity = "neurons"          # neurons | params | bits | features
    kind = "upper"                # lower | upper | theta
    bound = "sqrt(mp) * log(mp)"  # see superpose.theory._expr for the grammar; log is base 2
    assumptions = ["constant sparsity s"]   # optional
    source = "my notes, Thm 2"              # optional
    constant = 4.0                          # optional: count <= 4.0 * bound (>= for lower)
    construction = "three-channel"          # optional, upper bounds only: see below

Keys ``id``, ``problem``, ``quantity``, ``kind`` and ``bound`` are required; any other key is
an error, and so is any top-level key other than ``claim``. Text values (``id``, ``problem``,
``bound``, ``source``, ``construction``, each assumption) are one line of printable text: a
control character or line break would break a one-line message, a row of the text report or
a JUnit file.

``construction`` says what the claim is about. Without it, a bound is a claim about the
problem (every network that computes it); with it, an upper bound says "this construction uses
at most this many", and only that construction's counts and count formula decide it. Only an
upper bound may name one: a lower bound speaks of every network. Which names exist is the
registry's knowledge (``superpose problems``), so this module checks only that the value is a
non-empty string; ``superpose.checks.verification.check_claim_constructions`` checks the name.

Bounds are parsed by :func:`superpose.theory._expr.parse_bound`, which never runs the text.
Every problem raises :class:`superpose.theory.errors.ClaimFileError` with one line naming the
file, the claim (its id, or its position ``#k`` when the id is missing) and the offending key
or value.
"""

from __future__ import annotations

import math
import os
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy

from superpose.theory._expr import parse_bound
from superpose.theory.errors import ClaimFileError
from superpose.theory.files import NotARegularFile, read_regular

__all__ = ["KINDS", "QUANTITIES", "ClaimSpec", "load_claim_file", "parse_claims"]

#: The allowed values of ``quantity`` and ``kind``.
QUANTITIES: tuple[str, ...] = ("neurons", "params", "bits", "features")
KINDS: tuple[str, ...] = ("lower", "upper", "theta")

_REQUIRED = ("id", "problem", "quantity", "kind", "bound")
_OPTIONAL = ("assumptions", "source", "constant", "construction")


@dataclass(frozen=True)
class ClaimSpec:
    """One claim read from a claim file.

    ``bound`` is the parsed SymPy expression of ``bound_text`` (in the symbols of
    ``superpose.theory._symbols``). ``constant`` is None for a purely asymptotic claim; otherwise
    the claim is the finite inequality ``count <= constant * bound`` (upper) or ``count >= constant
    * bound`` (lower). ``origin`` is the file (or source label) the claim came from.
    ``construction`` is None for a claim about the problem, else the name of the construction
    an upper bound is about.
    """

    id: str
    problem: str
    quantity: str
    kind: str
    bound: sympy.Expr
    bound_text: str
    assumptions: tuple[str, ...] = ()
    source: str = ""
    constant: float | None = None
    origin: str = ""
    construction: str | None = None


def _unprintable(text: str) -> bool:
    """Whether ``text`` holds a control character (a newline, a tab, NUL, an escape), a line or
    paragraph separator, or a character XML cannot hold: what would break a one-line message,
    a row of the text report or a JUnit file."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in "\ufffe\uffff"
               for c in text)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


#: the largest claim file read (a file of 10,000 claims takes about 1 MB)
MAX_CLAIM_FILE_BYTES = 1 << 24


def load_claim_file(path: str | os.PathLike[str]) -> list[ClaimSpec]:
    """Read and parse the claim file at ``path`` (TOML, UTF-8); see the module docstring."""
    origin = str(path)
    try:
        raw = read_regular(Path(path), MAX_CLAIM_FILE_BYTES)
    except NotARegularFile:
        raise ClaimFileError(f"claim file {origin}: must be a regular file of at most "
                             f"{MAX_CLAIM_FILE_BYTES} bytes (a FIFO, a device or a larger "
                             "file is not read)") from None
    except FileNotFoundError:
        raise ClaimFileError(f"claim file {origin}: no such file") from None
    except IsADirectoryError:
        raise ClaimFileError(f"claim file {origin}: is a directory, not a file") from None
    except OSError as exc:
        reason = _one_line(exc.strerror or exc)
        raise ClaimFileError(f"claim file {origin}: cannot be read ({reason})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ClaimFileError(
            f"claim file {origin}: not UTF-8 text (bad byte at offset {exc.start})") from None
    return parse_claims(text, origin)


def parse_claims(text: str, source: str) -> list[ClaimSpec]:
    """Parse claim-file ``text``; ``source`` names it in messages and in ``ClaimSpec.origin``."""
    where = f"claim file {source}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClaimFileError(f"{where}: invalid TOML: {_one_line(exc)}") from None
    except RecursionError:
        raise ClaimFileError(f"{where}: nested too deeply to read; a claim file holds flat "
                             "[[claim]] tables") from None
    extra = sorted(k for k in data if k != "claim")
    if extra:
        raise ClaimFileError(f"{where}: unknown top-level key {extra[0]!r}; "
                             "the file holds only [[claim]] tables")
    tables = data.get("claim")
    if not tables:
        raise ClaimFileError(f"{where}: no [[claim]] tables; add one per claim")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ClaimFileError(f"{where}: 'claim' must be an array of tables, written "
                             "[[claim]] (one per claim)")
    specs: list[ClaimSpec] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables, start=1):
        spec = _parse_one(table, index, source, where)
        if spec.id in seen:
            raise ClaimFileError(f"{where}: claim {spec.id!r}: key 'id' duplicates claim "
                                 f"#{seen[spec.id]}; ids must be unique in a file")
        seen[spec.id] = index
        specs.append(spec)
    return specs


def _parse_one(table: dict[str, Any], index: int, source: str, where: str) -> ClaimSpec:
    raw_id = table.get("id")
    label = (f"claim {raw_id!r}" if isinstance(raw_id, str) and raw_id.strip()
             else f"claim #{index}")

    def fail(message: str) -> ClaimFileError:
        return ClaimFileError(f"{where}: {label}: {message}")

    for key in table:
        if key not in _REQUIRED and key not in _OPTIONAL:
            allowed = ", ".join(_REQUIRED + _OPTIONAL)
            raise fail(f"unknown key {key!r}; the keys are {allowed}")
    for key in _REQUIRED:
        if key not in table:
            raise fail(f"missing required key {key!r}")
    for key in ("id", "problem", "quantity", "kind", "bound", "source", "construction"):
        if key in table and not isinstance(table[key], str):
            raise fail(f"key {key!r} = {_show(table[key])} must be a string, "
                       f"not {type(table[key]).__name__}")
    for key in ("id", "problem", "bound", "source", "construction"):
        if key in table and _unprintable(table[key]):
            raise fail(f"key {key!r} = {_show(table[key])} holds a control character or a "
                       "line break; write it as one line of printable text")
    claim_id: str = table["id"]
    if not claim_id.strip():
        raise fail("key 'id' must be a non-empty string")
    if table["quantity"] not in QUANTITIES:
        raise fail(f"key 'quantity' = {_show(table['quantity'])} is not one of "
                   f"{', '.join(QUANTITIES)}")
    if table["kind"] not in KINDS:
        raise fail(f"key 'kind' = {_show(table['kind'])} is not one of {', '.join(KINDS)}")
    construction = table.get("construction")
    if construction is not None:
        if not construction.strip():
            raise fail("key 'construction' must be a non-empty string (a construction's name, "
                       "as superpose problems lists it), or left out")
        if table["kind"] != "upper":
            raise fail(f"key 'construction' = {_show(construction)} is for kind = 'upper' only, "
                       f"not {table['kind']!r}: a lower bound is about every network for the "
                       "problem; drop the key, or claim an upper bound on the construction")
    assumptions = table.get("assumptions", [])
    if not isinstance(assumptions, list) or not all(isinstance(a, str) for a in assumptions):
        raise fail(f"key 'assumptions' = {_show(assumptions)} must be a list of strings")
    if any(_unprintable(a) for a in assumptions):
        raise fail(f"key 'assumptions' = {_show(assumptions)} holds a control character or a "
                   "line break; write each assumption as one line of printable text")
    constant = table.get("constant")
    if constant is not None:
        if isinstance(constant, bool) or not isinstance(constant, (int, float)):
            raise fail(f"key 'constant' = {_show(constant)} must be a number, "
                       f"not {type(constant).__name__}")
        try:
            as_float = float(constant)
        except OverflowError:
            as_float = math.inf
        if not (math.isfinite(as_float) and as_float > 0):
            raise fail(f"key 'constant' = {_show(constant)} must be positive and finite")
        constant = as_float
    try:
        bound = parse_bound(table["bound"], claim_id)
    except ClaimFileError as exc:
        raise ClaimFileError(f"{where}: key 'bound': {exc}") from None
    return ClaimSpec(
        id=claim_id,
        problem=table["problem"],
        quantity=table["quantity"],
        kind=table["kind"],
        bound=bound,
        bound_text=table["bound"],
        assumptions=tuple(assumptions),
        source=table.get("source", ""),
        constant=constant,
        origin=source,
        construction=construction,
    )
