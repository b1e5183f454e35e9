"""Claim files: TOML ``[[claim]]`` tables in, ClaimSpec records or a one-line error out."""

from __future__ import annotations

import dataclasses

import pytest
import sympy

from superpose.theory._claimfile import ClaimSpec, load_claim_file, parse_claims
from superpose.theory._symbols import MP
from superpose.theory.errors import ClaimFileError, InvalidArgument

VALID = """\
[[claim]]
id = "MY-UB"
problem = "and2"
quantity = "neurons"
kind = "upper"
bound = "sqrt(mp) * log(mp)"
assumptions = ["constant sparsity s", "fixed codes"]
source = "my notes, Thm 2"
constant = 4

[[claim]]
id = "MY-LB"
problem = "perm"
quantity = "params"
kind = "lower"
bound = "mp*log(mp)"
"""

CLAIM = {
    "id": '"C1"', "problem": '"and2"', "quantity": '"neurons"', "kind": '"upper"',
    "bound": '"mp"',
}


def _file(**overrides: str | None) -> str:
    """One [[claim]] table: CLAIM's lines with keys replaced (value) or dropped (None)."""
    values = {**CLAIM, **overrides}
    lines = [f"{key} = {value}" for key, value in values.items() if value is not None]
    return "[[claim]]\n" + "\n".join(lines) + "\n"


def _error(text: str, tmp_path) -> str:
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ClaimFileError) as info:
        load_claim_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_a_valid_file_with_two_claims_parses(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(VALID, encoding="utf-8")
    first, second = load_claim_file(path)
    assert first == ClaimSpec(
        id="MY-UB", problem="and2", quantity="neurons", kind="upper",
        bound=sympy.sqrt(MP) * sympy.log(MP, 2), bound_text="sqrt(mp) * log(mp)",
        assumptions=("constant sparsity s", "fixed codes"), source="my notes, Thm 2",
        constant=4.0, origin=str(path),
    )
    assert isinstance(first.constant, float)
    assert second.id == "MY-LB" and second.kind == "lower" and second.quantity == "params"
    assert second.bound == MP * sympy.log(MP, 2)
    assert second.assumptions == () and second.source == "" and second.constant is None
    assert second.origin == str(path)


def test_claim_spec_is_frozen():
    (spec,) = parse_claims(_file(), "inline")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.id = "other"  # type: ignore[misc]
    assert spec.origin == "inline"


def test_errors_are_invalid_arguments():
    assert issubclass(ClaimFileError, InvalidArgument)
    assert issubclass(ClaimFileError, ValueError)


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ClaimFileError, match="no such file") as info:
        load_claim_file(path)
    assert str(path) in str(info.value)


def test_a_directory_is_not_a_claim_file(tmp_path):
    with pytest.raises(ClaimFileError, match="is a directory"):
        load_claim_file(tmp_path)


def test_non_utf8_file_is_rejected(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_bytes(b"\xff\xfe[[claim]]")
    with pytest.raises(ClaimFileError, match="not UTF-8"):
        load_claim_file(path)


def test_invalid_toml_reports_line_and_column(tmp_path):
    message = _error("[[claim]]\nid = \n", tmp_path)
    assert "invalid TOML" in message and "line 2" in message and "column" in message


@pytest.mark.parametrize("text", ["", "# nothing here\n", "claim = []\n"])
def test_a_file_without_claim_tables_is_rejected(text, tmp_path):
    assert "no [[claim]] tables" in _error(text, tmp_path)


def test_a_single_claim_table_must_be_an_array(tmp_path):
    text = '[claim]\nid = "C1"\n'
    assert "array of tables" in _error(text, tmp_path)


def test_unknown_top_level_key_is_rejected(tmp_path):
    assert "unknown top-level key 'title'" in _error('title = "x"\n' + _file(), tmp_path)


@pytest.mark.parametrize("key", ["id", "problem", "quantity", "kind", "bound"])
def test_each_missing_required_key_is_named(key, tmp_path):
    message = _error(_file(**{key: None}), tmp_path)
    assert f"missing required key {key!r}" in message
    assert ("claim #1" if key == "id" else "claim 'C1'") in message


def test_unknown_claim_key_is_named(tmp_path):
    message = _error(_file(weight="3"), tmp_path)
    assert "claim 'C1'" in message and "unknown key 'weight'" in message


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("id", "3", "claim #1: key 'id' = 3 must be a string"),
        ("id", '""', "claim #1: key 'id' must be a non-empty string"),
        ("problem", "[1]", "claim 'C1': key 'problem' = [1] must be a string"),
        ("bound", "12", "claim 'C1': key 'bound' = 12 must be a string"),
        ("source", "true", "claim 'C1': key 'source' = True must be a string"),
        ("quantity", '"neuronz"',
         "claim 'C1': key 'quantity' = 'neuronz' is not one of neurons, params, bits, features"),
        ("kind", '"omega"', "claim 'C1': key 'kind' = 'omega' is not one of lower, upper, theta"),
        ("assumptions", '"one"', "claim 'C1': key 'assumptions' = 'one' must be a list"),
        ("assumptions", "[1, 2]", "claim 'C1': key 'assumptions' = [1, 2] must be a list"),
        ("constant", '"4"', "claim 'C1': key 'constant' = '4' must be a number"),
        ("constant", "true", "claim 'C1': key 'constant' = True must be a number"),
        ("constant", "0", "claim 'C1': key 'constant' = 0 must be positive and finite"),
        ("constant", "-2.5", "claim 'C1': key 'constant' = -2.5 must be positive and finite"),
        ("constant", "inf", "claim 'C1': key 'constant' = inf must be positive and finite"),
        ("constant", "nan", "claim 'C1': key 'constant' = nan must be positive and finite"),
    ],
)
def test_wrong_values_are_named_with_claim_and_key(key, value, expected, tmp_path):
    message = _error(_file(**{key: value}), tmp_path)
    assert expected in message, message


@pytest.mark.parametrize("key", ["id", "problem", "bound", "source", "construction"])
@pytest.mark.parametrize("char", ["\\n", "\\u0000", "\\t", "\\u001b", "\\u2028", "\\uffff"])
def test_a_control_character_or_line_break_in_a_text_key_is_refused(key, char, tmp_path):
    # a claim id of "A\u0000B" made verify's JUnit report invalid XML, and "A\nB" split a row
    # of the text report and a Markdown heading in two
    value = {"bound": "mp", "construction": "naive"}.get(key, "A")
    message = _error(_file(**{key: f'"{value}{char}"'}), tmp_path)
    assert f"key {key!r} = " in message and "holds a control character or a line break" \
        in message, message


def test_a_control_character_in_an_assumption_is_refused(tmp_path):
    message = _error(_file(assumptions='["fixed\\ncodes"]'), tmp_path)
    assert "key 'assumptions' = ['fixed\\ncodes'] holds a control character" in message


def test_text_keys_may_hold_any_printable_text(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(_file(id='"Satz 2 (Müller, ε-Version)"', source='"notes\u00a0p. 3"'),
                    encoding="utf-8")
    (spec,) = load_claim_file(path)
    assert spec.id == "Satz 2 (Müller, ε-Version)" and spec.source == "notes\u00a0p. 3"


def test_a_bad_bound_names_the_file_claim_and_token(tmp_path):
    message = _error(_file(bound="\"mp.__class__\""), tmp_path)
    assert "key 'bound'" in message and "claim 'C1'" in message
    assert "attribute access '.__class__'" in message


def test_duplicate_ids_are_rejected(tmp_path):
    message = _error(_file() + _file(), tmp_path)
    assert "claim 'C1': key 'id' duplicates claim #1" in message


def test_the_second_claim_is_named_by_position_when_its_id_is_missing(tmp_path):
    message = _error(_file() + _file(id=None), tmp_path)
    assert "claim #2: missing required key 'id'" in message


def test_parse_claims_names_its_source():
    with pytest.raises(ClaimFileError, match="claim file <inline>: invalid TOML"):
        parse_claims("[[claim]\n", "<inline>")


def test_a_claim_may_name_the_construction_an_upper_bound_is_about():
    (about_problem,) = parse_claims(_file(), "inline")
    (about_one,) = parse_claims(_file(construction='"three-channel"'), "inline")
    assert about_problem.construction is None
    assert about_one.construction == "three-channel"
    assert about_one.bound == about_problem.bound


@pytest.mark.parametrize(("kind", "construction", "expected"), [
    ('"lower"', '"three-channel"', "key 'construction' = 'three-channel' is for kind = 'upper' "
                                   "only, not 'lower': a lower bound is about every network"),
    ('"theta"', '"naive"', "is for kind = 'upper' only, not 'theta'"),
    ('"upper"', '""', "key 'construction' must be a non-empty string"),
    ('"upper"', '"  "', "key 'construction' must be a non-empty string"),
    ('"upper"', "3", "key 'construction' = 3 must be a string"),
])
def test_a_construction_on_a_lower_bound_or_not_a_name_is_rejected(kind, construction, expected,
                                                                   tmp_path):
    message = _error(_file(kind=kind, construction=construction), tmp_path)
    assert "claim 'C1'" in message and expected in message, message
