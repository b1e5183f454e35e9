"""``superpose verify --claims FILE``: a claim file's ``construction`` key, from the command
line: what each verdict is about, and one line (exit 2) for a construction that is not
registered."""

from __future__ import annotations

import pytest

from tests.cli import run

CLAIM = """
[[claim]]
id = "{id}"
problem = "{problem}"
quantity = "params"
kind = "upper"
bound = "sqrt(mp)"
"""


def _claims(tmp_path, *tables: str):
    path = tmp_path / "mine.toml"
    path.write_text("".join(tables), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("construction", ["three-chanel", "bloom", "Three-Channel"])
def test_a_claim_naming_a_construction_that_does_not_exist_exits_two_listing_the_known_ones(
        tmp_path, capsys, construction):
    path = _claims(tmp_path, CLAIM.format(id="MINE", problem="and2")
                   + f'construction = "{construction}"\n')
    code, out, err = run(capsys, "verify", "--claims", path, "--max-m-prime", "100")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"key 'construction' = {construction!r} is not a construction of and2" in err
    assert "use one of: three-channel, naive" in err and "claim 'MINE'" in err


def test_the_same_bound_is_refuted_about_a_construction_and_open_about_the_problem(
        tmp_path, capsys):
    path = _claims(tmp_path, CLAIM.format(id="OR-OPEN", problem="or2"),
                   CLAIM.format(id="BLOOM-SMALL", problem="or2") + 'construction = "bloom"\n')
    code, out, err = run(capsys, "verify", "--claims", path, "--problem", "or2",
                         "--max-m-prime", "316", "-q")
    lines = out.splitlines()
    (open_line,) = [line for line in lines if line.startswith("OR-OPEN ")]
    (bloom_line,) = [line for line in lines if line.startswith("BLOOM-SMALL ")]
    assert " UNKNOWN " in open_line and "about the problem or2]" in open_line
    assert " REFUTED " in bloom_line and "about construction bloom of or2]" in bloom_line
    assert "bloom does not reach this bound on 2 of 2 families" in out
    assert "replay: superpose build or2 --m-prime 316" in out
    assert "OR-NEURONS" in out and "about construction bloom of or2" in out
    assert code == 1
