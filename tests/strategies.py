"""Hypothesis strategies shared by the whole suite, and the small oracles they are checked with.

Import as ``from tests.strategies import ...`` (tests/conftest.py puts the repository root on
sys.path, so this works under ``--import-mode=importlib``).

Strategies: the public ones of :mod:`superpose.strategies` (seeds, sparsities, m_primes,
pair_lists, permutations, support_codes, layers, networks, random_problems, random_circuits,
and the s-sparse inputs uniform_inputs, both_ends_inputs, leak_inputs, neighbour_inputs,
sparse_inputs, input_batches, with as_batch), re-exported here so that the tests share one
module; and the tests' own: :data:`instance_seeds`, :data:`design_sparsities`,
:data:`and2_families`, :data:`perm_families`, :data:`growth_bounds` with
:func:`growth_text` (claim-file bounds), :func:`sources_of`.

Hostile inputs (issue 17), as edits that Hypothesis shows as plain tuples:
:func:`member_edits` / :func:`apply_member_edits` (a circuit file's arrays),
:func:`byte_edits` / :func:`apply_byte_edits` (any file's bytes), :func:`shard_doc_edits` /
:func:`apply_shard_edits` (a shard file's JSON), and claim files: :func:`bound_texts`,
:data:`toml_values`, :func:`claim_tables`, :func:`claim_texts`, :func:`claim_file_text`.

Oracles (written from the model's definitions, sharing no code with ``circuits``):
:func:`reference_activations`, :func:`reference_outputs`, :func:`reference_truth`,
:func:`reference_mismatches`; plus :func:`describe` for reports.
"""

from __future__ import annotations

import functools
import os
import warnings
from fractions import Fraction

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

import superpose.circuits.io._optional
from superpose import circuits
from superpose.circuits import (
    And2,
    Permutation,
    Represent,
    SupportCode,
    ThresholdNetwork,
)
from superpose.strategies import (  # noqa: F401 - re-exported for the tests
    as_batch,
    both_ends_inputs,
    input_batches,
    layers,
    leak_inputs,
    m_primes,
    neighbour_inputs,
    networks,
    pair_lists,
    permutations,
    random_circuits,
    random_problems,
    seeds,
    sparse_inputs,
    sparsities,
    support_codes,
    uniform_inputs,
)

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "thorough"
#: How far the slow sweeps go in m' (10^5 under the thorough profile).
SLOW_M_PRIME_MAX = 10**5 if THOROUGH else 10**4
#: Largest input space the constructions tests enumerate exhaustively.
EXHAUSTIVE_LIMIT = 60_000


def examples(n: int) -> settings:
    """``n`` examples under the ci profile, ten times as many under ``thorough``."""
    return settings(max_examples=n * (10 if THOROUGH else 1))


# --- sizes, seeds, families (the public strategies come from superpose.strategies) -----------

instance_seeds = st.integers(min_value=0, max_value=2**16)
design_sparsities = st.sampled_from([2, 3])
and2_families = st.sampled_from(sorted(circuits.constructions.AND2_FAMILIES))
perm_families = st.sampled_from(sorted(circuits.constructions.PERM_FAMILIES))


def growth_text(power, logs: int) -> str:
    """m'^power log^logs m' in the claim-file grammar, e.g. ``growth_text(1, 2)`` is
    ``mp*log(mp)^2``."""
    base = {Fraction(1, 2): "sqrt(mp)", 1: "mp"}.get(power, f"mp^({power})")
    return base if logs == 0 else f"{base}*log(mp)^{logs}"


#: Growth rates (a, b), read m'^a log^b m' (:func:`growth_text`), a in {1/2, 1, 3/2, 2},
#: b in 0..3: on both sides of every bound the ledger proves about and2 and perm, and between
#: them. Pairs compare as the rates do (lexicographically).
growth_bounds = st.tuples(st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(3, 2),
                                           Fraction(2)]),
                          st.integers(min_value=0, max_value=3))


def sources_of(problem, k: int) -> tuple[int, ...]:
    """The input features output k of ``problem`` reads (from the problem's definition)."""
    if isinstance(problem, And2):
        return tuple(int(f) for f in problem.pairs[k])
    if isinstance(problem, Permutation):
        return (int(problem.perm[k]),)
    if isinstance(problem, Represent):
        return (int(k),)
    raise TypeError(f"unknown problem {problem!r}")


# --- oracles ----------------------------------------------------------------------------------

def _rows(code: SupportCode) -> list[np.ndarray]:
    return [code.indices[code.indptr[i]:code.indptr[i + 1]] for i in range(len(code.indptr) - 1)]


def reference_activations(network: ThresholdNetwork, inputs) -> list[np.ndarray]:
    """Dense [a_0, ..., a_L] (B x d_l booleans), straight from the model's definition.

    a_0[p] = OR over active i of [p in P_i]; a_l = [W_l a_{l-1} >= theta_l]. The products run
    in float64, exact for the small integers involved (asserted).
    """
    in_rows = _rows(network.input_code)
    a = np.zeros((len(inputs), network.input_code.width), dtype=bool)
    for b, active in enumerate(inputs):
        for f in active:
            a[b, in_rows[f]] = True
    acts = [a]
    for layer in network.layers:
        w = layer.weights.toarray().astype(np.float64)
        assert np.abs(w).sum() < 2**50, "weights too large for the float64 reference"
        z = a.astype(np.float64) @ w.T
        a = z >= layer.theta.astype(np.float64)[None, :]
        acts.append(a)
    return acts


def reference_outputs(network: ThresholdNetwork, inputs) -> np.ndarray:
    """Dense y (B x m' booleans): y_k = 1 iff every unit of Q_k is 1 in a_L."""
    a_last = reference_activations(network, inputs)[-1]
    out_rows = _rows(network.output_code)
    y = np.ones((len(inputs), len(out_rows)), dtype=bool)
    for k, q in enumerate(out_rows):
        y[:, k] = a_last[:, q].all(axis=1)
    return y


def reference_truth(problem, inputs) -> np.ndarray:
    """Dense ground truth (B x m' booleans) by brute force over the problem's definition."""
    y = np.zeros((len(inputs), problem.m_prime), dtype=bool)
    for b, active in enumerate(inputs):
        present = set(int(f) for f in active)
        for k in range(problem.m_prime):
            y[b, k] = all(f in present for f in sources_of(problem, k))
    return y


def dense(mat) -> np.ndarray:
    """A package result (B x m' CSR of ones) as a dense boolean array."""
    arr = mat.toarray()
    assert set(np.unique(arr).tolist()) <= {0, 1}, "outputs must be 0/1"
    return arr.astype(bool)


def reference_mismatches(circuit, inputs) -> list[tuple[tuple[int, ...], int, int, int]]:
    """(active, output, expected, got) wherever the network differs from the reference truth."""
    if not len(inputs):
        return []
    got = dense(circuit.network.evaluate(as_batch(inputs, circuit.sparsity)))
    want = reference_truth(circuit.problem, inputs)
    bad = np.argwhere(got != want)
    return [(tuple(inputs[b]), int(k), int(want[b, k]), int(got[b, k])) for b, k in bad]


def describe(circuit) -> str:
    """Everything needed to rebuild ``circuit``: for notes and assertion messages."""
    return (f"construction={circuit.construction!r} problem={circuit.problem.name!r} "
            f"family={circuit.family!r} seed={circuit.seed} "
            f"instance_seed={circuit.instance_seed} m={circuit.m} m'={circuit.m_prime} "
            f"sparsity={circuit.sparsity} constants={circuit.constants}")


@functools.lru_cache(maxsize=256)
def built(problem: str, m_prime: int, family: str | None = None, instance_seed: int = 0,
          sparsity: int = 2, seed: int = 0, construction: str | None = None):
    """A cached :func:`circuits.build` (circuits are immutable; never modify the result)."""
    return circuits.build(problem, m_prime, family, instance_seed, sparsity, seed, construction)


def hide_module(monkeypatch, module: str) -> None:
    """Make ``circuits.io.require`` (``superpose.circuits.io._optional``) see ``module`` as not
    installed, as a machine without that extra would."""
    real = superpose.circuits.io._optional.importlib.import_module

    def without(name, *args):
        if name == module:
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr(superpose.circuits.io._optional.importlib, "import_module", without)


# --- hostile inputs: mutations of valid circuit files and claim files (issue 17) --------------
#
# Each edit is a plain tuple, so that Hypothesis shows a failing example as the edits it made;
# apply_member_edits and apply_byte_edits carry them out.

#: integers at the edges of the types a circuit file may store, and just past them
EDGE_INTS = (0, 1, -1, 2, 127, 128, -129, 255, 2 ** 15, 2 ** 31 - 1, 2 ** 31, -2 ** 31 - 1,
             2 ** 32, 2 ** 53, 2 ** 53 + 1, -2 ** 53 - 1, 2 ** 62, 2 ** 63 - 1, -2 ** 63,
             2 ** 64 - 1)
_MUTANT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                  "float32", "float64", "bool", "complex128", "<U8", "|S8")
_RESHAPES = ("column", "row", "scalar", "prefix", "doubled", "empty", "3-d")
_EXTRA_NAMES = ("junk", "layer0_theta", "layer9_data", "n_layers2", "pairs_", "Format")
_TEXTS = ("", "and2", "perm", "represent", "uand", "superpose-circuit", "three-channel",
          "{}", "[]", '{"c_d": 1e400}', '{"a": {"b": [1, 2]}}', "null", "\x00", "é" * 8)


def _edge_or_small():
    return st.one_of(st.sampled_from(EDGE_INTS), st.integers(-3, 400))


def member_edits(names):
    """One edit of a circuit file's members (``names``: its fields, a name given twice drawn
    twice as often): ("drop", name),
    ("extra", name, values), ("dtype", name, dtype), ("shape", name, how), ("value", name, at,
    value), ("shift", name, delta), ("swap", a, b) or ("text", name, text)."""
    name = st.sampled_from(sorted(names))
    return st.one_of(
        st.tuples(st.just("drop"), name),
        st.tuples(st.just("extra"), st.sampled_from(_EXTRA_NAMES),
                  st.lists(_edge_or_small(), max_size=6).map(tuple)),
        st.tuples(st.just("dtype"), name, st.sampled_from(_MUTANT_DTYPES)),
        st.tuples(st.just("shape"), name, st.sampled_from(_RESHAPES)),
        st.tuples(st.just("value"), name, st.integers(0, 2 ** 16), _edge_or_small()),
        st.tuples(st.just("shift"), name, st.sampled_from([-1, 1, 2 ** 31, -2 ** 31])),
        st.tuples(st.just("swap"), name, name),
        st.tuples(st.just("text"), name, st.sampled_from(_TEXTS)),
    )


def _as_array(values) -> np.ndarray:
    """Python integers as int64, or as uint64 when one is above the int64 range and none is
    negative (any others clipped into the type's range)."""
    shape = np.shape(values)
    flat = [int(v) for v in np.asarray(values, dtype=object).reshape(-1)]
    if flat and max(flat) > 2 ** 63 - 1 and min(flat) >= 0:
        return np.array([min(v, 2 ** 64 - 1) for v in flat], dtype=np.uint64).reshape(shape)
    return np.array([max(min(v, 2 ** 63 - 1), -2 ** 63) for v in flat],
                    dtype=np.int64).reshape(shape)


def _reshaped(a: np.ndarray, how: str) -> np.ndarray:
    flat = a.reshape(-1)
    return {"column": lambda: flat.reshape(-1, 1), "row": lambda: flat.reshape(1, -1),
            "scalar": lambda: flat[0] if flat.size else np.array(0),
            "prefix": lambda: flat[:len(flat) // 2], "doubled": lambda: np.concatenate([flat,
                                                                                       flat]),
            "empty": lambda: flat[:0], "3-d": lambda: flat.reshape(1, -1, 1)}[how]()


def _retyped(a: np.ndarray, dtype: str) -> np.ndarray:
    """``a`` cast as a careless writer would (integers wrap, floats truncate); text that is no
    number becomes zeros."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # complex to real, NaN to integer: meant
            return a.astype(dtype)
    except (ValueError, TypeError, OverflowError):
        return np.zeros(a.shape, dtype=dtype)


def apply_member_edits(fields: dict, edits) -> dict:
    """A copy of ``fields`` (name -> array) with ``edits`` (:func:`member_edits`) made."""
    out = dict(fields)
    for edit in edits:
        kind, name = edit[0], edit[1]
        if kind == "extra":
            out[name] = _as_array(edit[2])
            continue
        if name not in out:
            continue
        a = np.asarray(out[name])
        if kind == "drop":
            del out[name]
        elif kind == "dtype":
            out[name] = _retyped(a, edit[2])
        elif kind == "shape":
            out[name] = _reshaped(a, edit[2])
        elif kind == "value" and a.size and a.dtype.kind in "iub":
            values = a.astype(object).reshape(-1)
            values[edit[2] % values.size] = edit[3]
            out[name] = _as_array(values).reshape(a.shape)
        elif kind == "shift" and a.dtype.kind in "iu":
            out[name] = _as_array(a.astype(object) + edit[2])
        elif kind == "swap" and edit[2] in out:
            out[name], out[edit[2]] = out[edit[2]], a
        elif kind == "text":
            out[name] = np.array(edit[2])
    return out


def byte_edits():
    """One edit of a file's bytes, at a position taken modulo its length: ("flip", at, xor),
    ("cut", at), ("insert", at, data), ("delete", at, n) or ("repeat", at, n)."""
    at = st.integers(0, 2 ** 20)
    return st.one_of(
        st.tuples(st.just("flip"), at, st.integers(1, 255)),
        st.tuples(st.just("cut"), at),
        st.tuples(st.just("insert"), at, st.binary(min_size=1, max_size=16)),
        st.tuples(st.just("delete"), at, st.integers(1, 64)),
        st.tuples(st.just("repeat"), at, st.integers(1, 64)),
    )


def apply_byte_edits(data: bytes, edits) -> bytes:
    """``data`` with ``edits`` (:func:`byte_edits`) made in turn."""
    out = bytearray(data)
    for kind, at, *rest in edits:
        at = at % max(len(out), 1)
        if kind == "flip" and out:
            out[at] ^= rest[0]
        elif kind == "cut":
            del out[at:]
        elif kind == "insert":
            out[at:at] = rest[0]
        elif kind == "delete":
            del out[at:at + rest[0]]
        elif kind == "repeat":
            out[at:at] = out[at:at + rest[0]]
    return bytes(out)


#: the atoms of a claim-file bound: its symbols and numbers at the edges of its limits
#: (|n| <= 10**6), then names it does not know and literals it refuses
_BOUND_ATOMS = ("mp", "m", "s", "n", "b", "mp", "mp", "0", "1", "2", "-1", "0.5", "1e-300",
                "1000", "1001", "999999", "1000000")
_HOSTILE_ATOMS = ("x", "pi", "E", "1000001", "1e300", "1j", "True", "None", "'a'")
_UNARY = ("log", "sqrt", "exp", "factorial", "log", "sqrt")
_HOSTILE_UNARY = ("ceil", "abs", "__import__")
_BINARY_CALLS = ("log", "binomial", "log")
_OPERATORS = ("+", "-", "*", "/", "^", "**")
_HOSTILE_OPERATORS = ("%", "//", "<", "&")


def bound_texts(hostile: bool = True):
    """Bound expressions in the claim grammar (theory._expr) and, with ``hostile``, just outside
    it too: unknown names and functions, literals past its limits, operators it refuses."""
    atoms = _BOUND_ATOMS + (_HOSTILE_ATOMS if hostile else ())
    unary = _UNARY + (_HOSTILE_UNARY if hostile else ())
    binary = _BINARY_CALLS + (("max",) if hostile else ())
    operators = _OPERATORS + (_HOSTILE_OPERATORS if hostile else ())

    def grow(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(operators), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(unary), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(binary), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"),
            inner.map(lambda e: f"-{e}"))
    return st.recursive(st.sampled_from(atoms), grow, max_leaves=10)


def _toml_string(text: str) -> str:
    escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}"
                      if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in text)
    return f'"{escaped}"'


def toml_value(value) -> str:
    """``value`` (str, bool, int, float, list or dict) written as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(value), repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


_SCALARS = st.one_of(st.text(max_size=12), st.booleans(),
                     st.integers(-10 ** 30, 10 ** 30) | st.sampled_from(EDGE_INTS),
                     st.floats() | st.sampled_from([1e400, -0.0, 5e-324]))
toml_values = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=6)

#: a valid claim (TOML values by key) that claim_texts edits
CLAIM_TEMPLATE = {"id": "F1", "problem": "and2", "quantity": "neurons", "kind": "upper",
                  "bound": "sqrt(mp) * log(mp)", "assumptions": ["constant s"],
                  "source": "fuzz", "constant": 4.0}
_CLAIM_VALUES = {"problem": st.sampled_from(["and2", "perm", "and2, perm", "nosuch", "",
                                             "uand", "represent"]),
                 "quantity": st.sampled_from(["neurons", "params", "bits", "features", "x"]),
                 "kind": st.sampled_from(["upper", "lower", "theta", "sideways"]),
                 "construction": st.sampled_from(["three-channel", "naive", "bloom", "x", ""]),
                 "constant": st.floats() | st.integers(-10, 10 ** 400) | st.sampled_from(
                     [0, 1e-300, 1e300, 1e400])}


@st.composite
def claim_tables(draw) -> dict:
    """One [[claim]] table: the template with keys dropped, added or given other values (of
    their kind, or any TOML value), the bound most often replaced by :func:`bound_texts`."""
    table = dict(CLAIM_TEMPLATE)
    if draw(st.sampled_from(range(4))):
        table["bound"] = draw(bound_texts(hostile=draw(st.booleans())))
    for key in draw(st.lists(st.sampled_from(sorted(CLAIM_TEMPLATE) + ["construction", "evil"]),
                             max_size=2)):
        how = draw(st.sampled_from(["typed", "typed", "any", "drop"]))
        if how == "drop":
            table.pop(key, None)
        elif how == "typed" and key in _CLAIM_VALUES:
            table[key] = draw(_CLAIM_VALUES[key])
        else:
            table[key] = draw(toml_values)
    return table


def claim_file_text(tables, top: dict | None = None) -> str:
    """TOML text: ``top`` keys, then one [[claim]] table per entry of ``tables``."""
    lines = [f"{_toml_string(k)} = {toml_value(v)}" for k, v in (top or {}).items()]
    for table in tables:
        lines.append("[[claim]]")
        lines += [f"{_toml_string(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


@st.composite
def claim_texts(draw) -> str:
    """A claim file's text: one or two edited tables, now and then under a stray top-level
    key, or with a few characters flipped, cut or inserted."""
    tables = draw(st.lists(claim_tables(), min_size=1, max_size=2))
    for i, table in enumerate(tables):  # distinct ids unless an edit made them otherwise
        if table.get("id") == CLAIM_TEMPLATE["id"]:
            table["id"] = f"F{i + 1}"
    top = None
    if draw(st.sampled_from(range(8))) == 3:  # one in eight (not 0: Hypothesis favours it)
        top = draw(st.dictionaries(st.sampled_from(["title", "claim"]), toml_values,
                                   min_size=1, max_size=1))
    text = claim_file_text(tables, top)
    if draw(st.sampled_from(range(8))) == 3:
        edits = draw(st.lists(byte_edits(), min_size=1, max_size=3))
        text = apply_byte_edits(text.encode(), edits).decode("utf-8", "replace")
    return text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 20, 10 ** 20) | st.sampled_from(EDGE_INTS)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6)

#: values a forger would put under a shard file's keys
_SHARD_VALUES = {
    "verdict": st.sampled_from(["PROVED", "REFUTED", "UNKNOWN", "proved", ""]),
    "shard": st.sampled_from(["0/1", "0/2", "1/2", "2/2", "0/3", f"0/{2 ** 63 - 1}", "1/0"]),
    "method": st.sampled_from(["exhaustive", "search", "z3", "auto", "magic"]),
    "sparsity": st.sampled_from([0, 1, 2, 3, 10 ** 6]),
    "inputs_covered": st.sampled_from(EDGE_INTS) | st.integers(0, 10 ** 4),
    "input_space": st.sampled_from(EDGE_INTS) | st.integers(0, 10 ** 4),
    "counterexample": st.none() | st.lists(st.integers(-2, 60), max_size=3),
    "wrong_output": st.none() | st.fixed_dictionaries(
        {"output": st.integers(-1, 60), "expected": st.integers(0, 1), "got": st.integers(0, 1)}),
    "seconds": st.floats(0, 1e6),
}


def shard_doc_edits(keys):
    """One edit of a shard file's JSON object (``keys``: its keys): ("drop", key), ("set",
    key, a value a forger would write there) or ("any", key, any JSON value)."""
    key = st.sampled_from(sorted(keys))
    typed = st.sampled_from(sorted(_SHARD_VALUES)).flatmap(
        lambda k: st.tuples(st.just("set"), st.just(k), _SHARD_VALUES[k]))
    return st.one_of(st.tuples(st.just("drop"), key), typed,
                     st.tuples(st.just("any"), key, json_values))


def apply_shard_edits(doc: dict, edits) -> dict:
    """A copy of ``doc`` with ``edits`` (:func:`shard_doc_edits`) made."""
    out = dict(doc)
    for kind, key, *value in edits:
        if kind == "drop":
            out.pop(key, None)
        else:
            out[key] = value[0]
    return out
