"""Declared count formulas and failure bounds: parsed as data, evaluated exactly, decided by
limits (superpose.theory.constructions)."""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from superpose.theory import MP, S, Verdict, parse_bound
from superpose.theory.constructions import (
    CountFormulas,
    FailureBound,
    FormulaStep,
    check_counts,
    class_decision,
    exponent_terms,
    failure_decision,
    smooth_upper,
    value_at,
)
from superpose.theory.errors import ClaimFileError, InvalidArgument

LINEAR = CountFormulas(("c",), (
    FormulaStep("t", "max(3, ceil(c*log(mp)))", "a support size"),
    FormulaStep("neurons", "t*sqrt(mp)", "t units per root"),
    FormulaStep("params", "mp*t", "t weights per output"),
    FormulaStep("w1", "2*mp", "the first layer's width", bounds="width[1]"),
))


def test_steps_are_substituted_into_later_steps_so_each_is_in_mp_m_s_and_the_constants():
    f = LINEAR.parsed("demo")
    assert f.exprs["params"].free_symbols == {MP, f.symbols["c"]}
    assert f.exprs["params"] == MP * sympy.Max(3, sympy.ceiling(f.symbols["c"] *
                                                                sympy.log(MP) / sympy.log(2)))


@pytest.mark.parametrize(("steps", "token"), [
    ((("neurons", "mp"), ("params", "__import__('os')")), "call of '__import__'"),
    ((("neurons", "mp"), ("params", "q*mp")), "unknown name 'q'"),
    ((("neurons", "mp"), ("neurons", "mp")), "step name 'neurons'"),
    ((("neurons", "mp"), ("mp", "mp")), "step name 'mp'"),
    ((("neurons", "mp"),), "no step named 'params'"),
    ((("neurons", "mp"), ("params", "mp", "", (), "depth[1]")), "bounds='depth[1]'"),
])
def test_a_malformed_declaration_is_one_claim_file_error_naming_who_and_the_token(steps, token):
    with pytest.raises(ClaimFileError) as err:
        CountFormulas(("c",), steps).parsed("myplugin/fast counts")
    message = str(err.value)
    assert message.startswith("myplugin/fast counts") and token in message
    assert "\n" not in message


def test_a_constant_may_not_shadow_a_symbol_or_a_function():
    for name in ("mp", "log", "2x"):
        with pytest.raises(ClaimFileError, match="constant name"):
            CountFormulas((name,), (("neurons", "mp"), ("params", "mp"))).parsed("d")


def test_an_envelope_with_rounding_or_m_is_refused_and_thresholds_must_be_constants():
    base = dict(constants=("c",), steps=(("F", "1/mp"),), m0=1)
    with pytest.raises(ClaimFileError, match="smooth"):
        FailureBound(envelope=(("F_env", "ceil(1/mp)"),), thresholds=("c",), **base).parsed("d")
    with pytest.raises(ClaimFileError, match="smooth"):
        FailureBound(envelope=(("F_env", "1/m"),), thresholds=("c",), **base).parsed("d")
    with pytest.raises(ClaimFileError, match="thresholds"):
        FailureBound(envelope=(("F_env", "1/mp"),), thresholds=("x",), **base).parsed("d")


@given(st.integers(1, 60), st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.25]))
def test_a_formula_copying_a_ceiling_gives_the_integer_the_code_computes(k, c):
    """Exact at powers of two, where c log2 m' is an integer and a float ceiling is exact."""
    f = LINEAR.parsed("demo")
    mp = 2 ** k
    t = value_at(f, "t", {"mp": mp, "m": mp, "s": 2, "c": c})
    assert t == max(3, math.ceil(c * k)) and t.is_Integer


def test_counts_are_compared_exactly_and_a_count_one_above_is_caught():
    f = LINEAR.parsed("demo")
    values = {"mp": 100, "m": 100, "s": 2, "c": 1.0}
    exact = int(value_at(f, "params", values))
    ok = check_counts(f, {"params": exact, "width[1]": 200}, values)
    assert [c.holds for c in ok] == [True, True] and ok[0].slack == 1
    broken = check_counts(f, {"params": exact + 1}, values)
    assert [(c.step, c.holds) for c in broken] == [("params", False)]


def test_a_rounding_under_a_minus_sign_has_no_smooth_envelope():
    x = sympy.ceiling(sympy.sqrt(MP))
    assert smooth_upper(2 * x + MP)[0] == 2 * sympy.sqrt(MP) + 2 + MP
    assert smooth_upper(MP - x)[0] is None
    assert smooth_upper(1 / x)[0] is None


def test_the_class_holds_for_every_constant_and_a_faster_formula_is_not_in_it():
    f = LINEAR.parsed("demo")
    target = parse_bound("sqrt(mp)*log(mp)")
    yes = class_decision(f.exprs["neurons"], f.regime, target, f.symbols, {"c": 2.0}, 2)
    assert yes.verdict is Verdict.PROVED and yes.limit == f.symbols["c"]
    no = class_decision(f.exprs["params"], f.regime, target, f.symbols, {"c": 2.0}, 2)
    assert no.verdict is Verdict.UNKNOWN and no.limit is sympy.oo


def test_exponents_of_sums_are_maxima_and_of_products_sums():
    c = sympy.Symbol("c", positive=True)
    terms = exponent_terms(MP**3 * (MP ** (-c) + 1 / MP) + sympy.exp(-MP))
    assert sorted(terms, key=str) == sorted([3 - c, sympy.Integer(2)], key=str)


def test_the_bloom_threshold_matches_its_closed_form():
    """F_env = m'^(s+1) c^(-t) with t = c_t log2 m' has e = s + 1 - c_t log2 c: F -> 0 iff
    c_t > (s + 1)/log2 c."""
    bound = FailureBound(("c_t", "c_w"), (("F", "1"),),
                         (("F_env", "mp^(s + 1)*c_w^(-c_t*log(mp))"),), ("c_t",))
    _, smooth = bound.parsed("bloom")
    for s, c_t, c_w in ((2, 1.5, 4), (3, 1.0, 4), (2, 3.0, 2)):
        d = failure_decision(smooth.exprs["F_env"], smooth.symbols, {"c_t": c_t, "c_w": c_w},
                             s, ("c_t",))
        star = (s + 1) / math.log2(c_w)
        assert float(d.thresholds["c_t"]) == pytest.approx(star)
        assert d.tends_to_zero is (c_t > star) or (c_t == star and d.tends_to_zero is False)
        assert d.verdict is Verdict.PROVED


def test_thresholds_are_raised_in_order_until_every_term_is_negative():
    """A term the second constant cannot fix is fixed by the first: c_d first, then c_r."""
    bound = FailureBound(("c_d", "c_r"), (("F", "1"),),
                         (("F_env", "mp^3/c_d^log(mp) + mp^(2 + c_d/8)*2^(-c_r*log(mp))"),),
                         ("c_d", "c_r"))
    _, smooth = bound.parsed("two")
    d = failure_decision(smooth.exprs["F_env"], smooth.symbols, {"c_d": 2.0, "c_r": 1.0}, 2,
                         ("c_d", "c_r"))
    assert d.tends_to_zero is False and d.verdict is Verdict.PROVED
    assert float(d.thresholds["c_d"]) == pytest.approx(8.0)
    assert float(d.thresholds["c_r"]) == pytest.approx(2 + 8.0 * 1.01 / 8)


def test_a_bound_that_no_constant_can_drive_to_zero_is_not_proved():
    bound = FailureBound(("c",), (("F", "1"),), (("F_env", "mp*(1 + c)"),), ("c",))
    _, smooth = bound.parsed("flat")
    d = failure_decision(smooth.exprs["F_env"], smooth.symbols, {"c": 1.0}, 2, ("c",))
    assert d.tends_to_zero is False and d.verdict is Verdict.UNKNOWN
    assert S not in smooth.exprs["F_env"].free_symbols


def test_a_formula_undefined_at_a_circuits_size_is_one_clear_error_not_a_traceback():
    f = CountFormulas((), (("neurons", "mp/log(mp)"), ("params", "mp"))).parsed("demo")
    with pytest.raises(InvalidArgument, match=r"step 'neurons' = zoo is not a finite real "
                                              r"number at mp=1, m=1, s=1; fix the formula"):
        check_counts(f, {"neurons": 3}, {"mp": 1, "m": 1, "s": 1})
