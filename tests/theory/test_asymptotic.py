"""Asymptotic relations at infinity, decided by limits of ratios and never by SymPy's ``O()``."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest
import sympy

from superpose.theory._asymptotic import (
    SAMPLE_POINTS,
    RatioLimit,
    is_big_o,
    is_big_omega,
    is_theta,
    ratio_limit,
    relation,
    run_within,
)
from superpose.theory._symbols import MP as mp
from superpose.theory._verdict import Verdict

P, R, U = Verdict.PROVED, Verdict.REFUTED, Verdict.UNKNOWN
log = sympy.log


def verdicts(f, g):
    return is_big_o(f, g)[0], is_big_omega(f, g)[0], is_theta(f, g)[0]


@pytest.mark.parametrize("f, g, expected, rel", [
    (mp, mp * log(mp), (P, R, R), "little-o"),
    (mp * log(mp), mp, (R, P, R), "omega"),
    (log(log(mp)), log(mp), (P, R, R), "little-o"),
    (mp**2, 2**mp, (P, R, R), "little-o"),
    (sympy.sqrt(mp) * log(mp) ** 2, mp, (P, R, R), "little-o"),
    (3 * mp + log(mp), mp, (P, P, P), "theta"),
])
def test_textbook_relations_get_the_textbook_verdicts(f, g, expected, rel):
    assert verdicts(f, g) == expected
    assert relation(f, g) == rel


def test_nested_logs_are_decided_correctly():
    assert ratio_limit(log(log(log(mp))), log(log(mp))).value == 0
    assert is_big_o(log(log(log(mp))), log(log(mp)))[0] is P
    lim = ratio_limit(log(mp) ** log(mp), mp**2)
    assert lim.value is sympy.oo
    assert is_big_o(log(mp) ** log(mp), mp**2)[0] is R


def test_base_two_logs_differ_from_natural_logs_by_a_constant_only():
    lim = ratio_limit(mp * log(mp, 2), mp * log(mp))
    assert sympy.simplify(lim.value - 1 / log(2)) == 0
    assert is_theta(log(mp, 2) ** 2, log(mp) ** 2)[0] is P
    assert is_theta(mp * log(mp, 2), mp)[0] is R


def test_sympy_O_at_its_default_point_zero_would_mislead_so_the_api_does_not_use_it():
    # SymPy's O() expands at x -> 0 by default, where the order is reversed: it says that
    # mp**2 is O(mp) and that mp is not O(mp**2), the opposite of the relations at infinity.
    assert sympy.O(mp).contains(mp**2)
    assert sympy.O(mp**2).contains(mp) is False
    verdict, lim = is_big_o(mp**2, mp)
    assert verdict is R
    assert lim.value is sympy.oo
    assert is_big_o(mp, mp**2)[0] is P
    import superpose.theory._asymptotic as module
    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "sympy.O(" not in source and "Order(" not in source


def test_an_oscillating_ratio_is_unknown_never_proved():
    for check in (is_big_o, is_big_omega, is_theta):
        verdict, lim = check(2 + sympy.sin(mp), 1)
        assert verdict is U
        assert lim.value is None
        assert "does not exist" in lim.reason
    assert relation(2 + sympy.sin(mp), 1) is None


def test_a_method_that_gives_up_makes_the_relation_unknown():
    # gruntz cannot expand factorial at infinity, so log2(mp!) written with factorial is not
    # decided by both methods; loggamma is the form the derivations use.
    lim = ratio_limit(log(sympy.factorial(mp), 2), mp * log(mp, 2))
    assert lim.value is None or lim.value == 1
    if lim.value is None:
        assert "gruntz" in lim.reason
    assert ratio_limit(sympy.loggamma(mp + 1), mp * log(mp)).value == 1


def test_negative_limits_are_unknown_with_a_reason():
    lim = ratio_limit(-mp, mp)
    assert lim.value is None and "negative" in lim.reason
    assert is_theta(-mp, mp)[0] is U


def test_a_ratio_limit_records_both_methods_and_the_numeric_points():
    lim = ratio_limit(mp * log(mp, 2), mp * log(mp))
    assert isinstance(lim, RatioLimit)
    assert lim.by_limit == lim.by_gruntz == lim.value
    assert [x for x, _ in lim.numeric] == [float(10**k) for k in SAMPLE_POINTS]
    assert all(abs(r - 1 / 0.6931471805599453) < 1e-9 for _, r in lim.numeric)
    assert "1e+48" in lim.summary()


def test_a_timed_out_method_counts_as_no_answer():
    lim = ratio_limit(mp * log(mp), mp, timeout=0.0)
    # With no budget at all a method may still finish instantly; if it did not, no value.
    if lim.by_limit is None or lim.by_gruntz is None:
        assert lim.value is None and "timed out" in lim.reason
    else:
        assert lim.value is sympy.oo


def test_another_variable_can_be_chosen():
    n = sympy.Symbol("n", positive=True)
    assert is_big_o(n**2 / log(n, 2), n**2, var=n)[0] is P
    assert relation(n**2 / log(n, 2), 2 ** (n / 4), var=n) == "little-o"


def test_a_computation_that_runs_out_of_time_is_stopped_not_left_running():
    # a timed-out SymPy limit (of a claim file's binomial(mp, 100)) went on in its abandoned
    # thread, taking a core and growing to 6 GB while the run went on
    counter = itertools.count()

    def spin():
        while True:
            next(counter)

    assert run_within(spin, 0.2) == (None, "timed out after 0.2 s")
    assert not any(t.name == "superpose-run-within" for t in threading.enumerate())
    seen = next(counter)
    time.sleep(0.2)
    assert next(counter) == seen + 1, "the computation went on after it was stopped"


def test_a_stop_that_lands_in_a_finalizer_is_raised_again_and_never_printed(capsys):
    # Python swallows an exception raised in a __del__ or a gc callback (Hypothesis registers
    # one) and prints "Exception ignored in ..." with a traceback: the computation went on and
    # verify's stderr showed a traceback
    finalized = itertools.count()

    class Slow:
        def __del__(self):
            next(finalized)
            for _ in range(2_000):  # half the time is spent here, where a stop is lost
                pass

    def churn():
        while True:
            for _ in range(2_000):
                pass
            Slow()

    assert run_within(churn, 0.2) == (None, "timed out after 0.2 s")
    assert not any(t.name == "superpose-run-within" for t in threading.enumerate())
    seen = next(finalized)
    time.sleep(0.2)
    assert next(finalized) == seen + 1, "the computation went on after it was stopped"
    assert capsys.readouterr().err == ""


def test_a_computation_within_its_time_returns_its_value_or_why_it_failed():
    assert run_within(lambda: 6 * 7, 5.0) == (42, "")
    assert run_within(lambda: 1 / 0, 5.0) == (None, "raised ZeroDivisionError: division by zero")
