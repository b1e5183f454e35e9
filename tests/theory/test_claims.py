"""The claims ledger against the shared claims sheet (../shared/paper/claims.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from superpose import circuits
from superpose.theory import CLAIMS, Claim, claim_by_id
from superpose.theory.errors import InvalidArgument

REPO_ROOT = Path(__file__).resolve().parents[2]
CLAIMS_SHEET = REPO_ROOT.parent / "shared" / "paper" / "claims.md"


def _sheet_rows() -> list[list[str]]:
    """The cells of every body row of the sheet's markdown table (header and rule dropped)."""
    if not CLAIMS_SHEET.is_file():
        pytest.fail(f"the claims sheet {CLAIMS_SHEET} is missing; every checkout has ../shared")
    rows = []
    for line in CLAIMS_SHEET.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(set(c) <= set("-: ") for c in cells):
            continue  # the |---|---| rule
        rows.append(cells)
    assert rows and rows[0][0].lower() == "id", f"unexpected table header {rows[:1]}"
    return rows[1:]


def _sheet_ids() -> list[str]:
    return [row[0] for row in _sheet_rows()]


def test_the_sheet_lists_claims_with_distinct_ids():
    ids = _sheet_ids()
    assert len(ids) >= 10
    assert len(ids) == len(set(ids)), f"the sheet repeats an id: {ids}"


@pytest.mark.parametrize("claim_id", _sheet_ids() if CLAIMS_SHEET.is_file() else ["<no sheet>"])
def test_every_claim_id_in_the_sheet_appears_exactly_once_in_the_ledger(claim_id):
    matches = [c for c in CLAIMS if c.id == claim_id]
    assert len(matches) == 1, f"{claim_id!r} appears {len(matches)} times in theory.CLAIMS"
    assert claim_by_id(claim_id) is matches[0]


def test_the_ledger_holds_no_claim_the_sheet_does_not_list():
    extra = sorted({c.id for c in CLAIMS} - set(_sheet_ids()))
    assert not extra, f"ledger ids missing from the sheet: {extra}"
    assert len(CLAIMS) == len({c.id for c in CLAIMS})


def test_each_ledger_source_starts_with_the_sheets_source_column():
    sources = {row[0]: row[2] for row in _sheet_rows()}
    for claim in CLAIMS:
        assert claim.source.startswith(sources[claim.id]), (
            f"{claim.id}: ledger source {claim.source!r}, sheet {sources[claim.id]!r}")


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_every_claim_is_well_formed_and_either_checked_or_planned(claim: Claim):
    assert claim.statement and claim.bound
    assert claim.kind in {"lower", "upper", "theta", "corollary"}
    assert claim.quantity in {"neurons", "params", "bits", "features"}
    problems = [p.strip() for p in claim.problem.split(",")]
    assert problems and set(problems) <= set(circuits.PROBLEM_NAMES), claim.problem
    assert claim.checks or claim.planned, f"{claim.id} has neither checks nor a plan"
    assert len(set(claim.checks)) == len(claim.checks)
    assert all(isinstance(a, str) and a for a in claim.assumptions)


@pytest.mark.parametrize("bad", ["", "ub-perm", "UB_PERM", "NOPE", " UB-PERM"])
def test_claim_by_id_rejects_unknown_ids_with_a_one_line_message_listing_the_known_ones(bad):
    with pytest.raises(InvalidArgument) as info:
        claim_by_id(bad)
    message = str(info.value)
    assert "\n" not in message and "UB-PERM" in message


def test_claims_are_immutable_records():
    with pytest.raises(AttributeError):
        CLAIMS[0].id = "changed"  # type: ignore[misc]


def test_every_upper_bound_measured_on_a_construction_names_it_and_it_is_the_default():
    for claim in CLAIMS:
        measured = any(name.endswith(("-count-formula", "-correct")) for name in claim.checks)
        assert bool(claim.construction) == measured, claim.id
        if claim.construction:
            assert claim.kind == "upper"
            (problem,) = claim.problems
            default = circuits.problem_spec(problem).default_construction.name
            assert claim.construction == default, claim.id  # the one its checks measure
            assert claim.about == f"construction {default} of {problem}"
        else:
            assert claim.about == f"the problem {claim.problem}"
