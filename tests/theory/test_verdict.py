"""Verdicts and how the evidence of several checks combines into one claim's verdict."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from superpose.theory import Evidence, Verdict, combine
from tests.strategies import examples

verdicts = st.sampled_from(list(Verdict))


@st.composite
def evidence(draw, verdict=verdicts, decisive=st.booleans()):
    return Evidence(check=draw(st.text("abcdefgh-", min_size=1, max_size=8)),
                    verdict=draw(verdict), statement="s", method="m", sizes="", detail="",
                    decisive=draw(decisive))


evidence_lists = st.lists(evidence(), max_size=8)


def test_no_evidence_is_unknown_not_yet_checked():
    assert combine([]) == (Verdict.UNKNOWN, "not yet checked")
    assert combine(iter(())) == (Verdict.UNKNOWN, "not yet checked")


@examples(100)
@given(items=evidence_lists)
def test_one_refutation_dominates_everything_else(items):
    refuter = Evidence("refuter", Verdict.REFUTED, "s", "m", "", "", decisive=False)
    for at in range(len(items) + 1):
        verdict, reason = combine(items[:at] + [refuter] + items[at:])
        assert verdict is Verdict.REFUTED
        assert "refuter" in reason


@examples(100)
@given(items=evidence_lists)
def test_the_verdict_follows_the_documented_rule(items):
    verdict, reason = combine(items)
    note(f"{[(e.check, e.verdict.value, e.decisive) for e in items]} -> {verdict} {reason!r}")
    decisive = [e for e in items if e.decisive]
    if any(e.verdict is Verdict.REFUTED for e in items):
        assert verdict is Verdict.REFUTED
        for e in items:
            if e.verdict is Verdict.REFUTED:
                assert e.check in reason
    elif decisive and all(e.verdict is Verdict.PROVED for e in decisive):
        assert verdict is Verdict.PROVED
    else:
        assert verdict is Verdict.UNKNOWN
        assert reason  # always says why
        if not items:
            assert reason == "not yet checked"


@examples(50)
@given(items=st.lists(evidence(verdict=st.sampled_from([Verdict.PROVED, Verdict.UNKNOWN]),
                               decisive=st.just(False)), min_size=1, max_size=6))
def test_non_decisive_evidence_alone_is_unknown_and_not_called_unchecked(items):
    verdict, reason = combine(items)
    assert verdict is Verdict.UNKNOWN
    assert reason != "not yet checked"


@examples(50)
@given(proved=st.lists(evidence(verdict=st.just(Verdict.PROVED), decisive=st.just(True)),
                       min_size=1, max_size=5),
       quiet=st.lists(evidence(verdict=st.sampled_from([Verdict.PROVED, Verdict.UNKNOWN]),
                               decisive=st.just(False)), max_size=5),
       order=st.randoms(use_true_random=False))
def test_all_decisive_checks_proving_gives_proved_whatever_sampling_adds(proved, quiet, order):
    items = proved + quiet
    order.shuffle(items)
    assert combine(items)[0] is Verdict.PROVED


@examples(50)
@given(proved=st.lists(evidence(verdict=st.just(Verdict.PROVED), decisive=st.just(True)),
                       max_size=5),
       open_check=evidence(verdict=st.just(Verdict.UNKNOWN), decisive=st.just(True)))
def test_a_decisive_check_that_gave_up_keeps_the_claim_unknown_and_is_named(proved, open_check):
    verdict, reason = combine(proved + [open_check])
    assert verdict is Verdict.UNKNOWN
    assert open_check.check in reason


@examples(50)
@given(items=evidence_lists, order=st.randoms(use_true_random=False))
def test_the_verdict_does_not_depend_on_the_order_of_the_evidence(items, order):
    shuffled = list(items)
    order.shuffle(shuffled)
    assert combine(items)[0] is combine(shuffled)[0]
    assert combine(iter(items))[0] is combine(items)[0]


def test_verdicts_print_as_their_names():
    assert [str(v) for v in Verdict] == ["PROVED", "REFUTED", "UNKNOWN"]


def test_evidence_is_immutable_and_decisive_by_default():
    e = Evidence("c", Verdict.PROVED, "s", "m", "", "")
    assert e.decisive and e.data == {} and e.replay is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.verdict = Verdict.REFUTED  # type: ignore[misc]
