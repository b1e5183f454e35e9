"""``superpose problems``: every registered problem with its provider, families, constructions,
claims and status; broken plugins listed with the reason (exit 2)."""

from __future__ import annotations

import json

import pytest

from tests.cli import run
from tests.plugins import installed


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    yield from installed(tmp_path, monkeypatch)


def test_problems_json_lists_the_built_ins_and_this_repositorys_three(capsys):
    code, out, _ = run(capsys, "problems", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and len(rows) >= 6
    assert {"and2", "perm", "represent", "or2", "and3", "uand"} <= set(rows)
    assert all(r["status"] == "ok" for r in rows.values())
    assert rows["and2"]["provider"] == "built-in" and "UB-AND-NEURONS" in rows["and2"]["claims"]
    uand = rows["uand"]
    assert uand["provider"].startswith("superpose ") and uand["claims_from"] == "problem"
    assert [c["name"] for c in uand["constructions"]] == ["hanni-uand", "three-channel", "naive"]
    assert uand["constructions"][0]["default"] and uand["constructions"][0]["epsilon"] == 0.01
    assert uand["constructions"][0]["readouts"] == ["and", "linear"]
    assert uand["verify"]["peers"] == ["three-channel"]
    assert rows["or2"]["default_family"] == "disjoint" and rows["and3"]["families"] == [
        "disjoint", "random"]


def test_problems_text_names_each_problem_and_peers_puts_uand_beside_three_channel(capsys):
    code, out, _ = run(capsys, "problems", "--peers")
    assert code == 0
    for name in ("and2", "perm", "represent", "or2", "and3", "uand"):
        assert f"\n{name}  ok" in "\n" + out
    assert "hanni-uand (default) [epsilon 0.01]" in out
    (ours,) = [line for line in out.splitlines() if "m'=120 s=2: three-channel" in line]
    (theirs,) = [line for line in out.splitlines() if "m'=120 s=2: hanni-uand" in line]
    assert "0 wrong outputs" in ours and "linear readout error" in theirs


def test_a_broken_plugin_is_listed_with_its_reason_and_exit_two(capsys, plugins):
    plugins("broken-dist", {"nope": "missing_module_xyz:SPEC"})
    code, out, _ = run(capsys, "problems", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 2 and rows["nope"]["status"] == "broken"
    assert "ModuleNotFoundError" in rows["nope"]["reason"]
    assert rows["nope"]["provider"] == "broken-dist 0.1.0" and rows["and2"]["status"] == "ok"
    code, out, _ = run(capsys, "problems")
    assert code == 2 and "nope  BROKEN  (broken-dist 0.1.0" in out
