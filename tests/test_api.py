"""The Python API of ``import superpose``: the README's "From Python" example runs as written,
each function gives what the command line gives, reprs are short, reports render as Markdown
tables, and bad keywords are one-line InvalidArgument errors naming the value."""

from __future__ import annotations

import ast
import json
import pickle
import re
import subprocess
import sys

import pytest

import superpose
import superpose.plugin
from superpose.theory import InvalidArgument, Kind, Verdict, parse_claims
from tests.plugins import REPO_ROOT


def _readme_python_block() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## From Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the README's From Python section has no python code block"
    return blocks[0]


@pytest.fixture(scope="module")
def circuit():
    return superpose.build("and2", 100, family="random", sparsity=2, seed=1)


def test_the_readme_from_python_example_runs_and_prints_its_verdicts(tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(_readme_python_block(), "README.md (From Python)", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("<Circuit and2 m=1000 m'=1000 s=2 ")
    assert "\nPROVED\n" in out and "\nREFUTED refuted by consistency" in out
    assert "('OR-NEURONS', 'PROVED'), ('OR-PARAMS', 'PROVED')" in out
    assert (tmp_path / "c.npz").is_file()


def test_importing_superpose_loads_no_package_until_a_name_is_used():
    code = ("import sys, superpose\n"
            "assert not [m for m in sys.modules if m.startswith('superpose.')], sys.modules\n"
            "assert 'numpy' not in sys.modules and 'sympy' not in sys.modules\n"
            "assert {'build', 'certify', 'check_claim', 'Verdict'} <= set(dir(superpose))\n"
            "superpose.Verdict\n"
            "assert 'superpose._api' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_name_in_all_resolves_and_an_unknown_name_is_an_attribute_error():
    for name in superpose.__all__:
        assert getattr(superpose, name) is not None
    with pytest.raises(AttributeError, match="'nope'"):
        superpose.nope  # noqa: B018


def test_a_circuit_repr_is_one_short_line_with_its_sizes_counts_and_seed(circuit):
    counts = circuit.counts()
    shown = repr(circuit)
    assert len(shown) < 300 and "\n" not in shown
    for part in ("and2", "m=100", "m'=100", "s=2", f"neurons={counts.neurons}",
                 f"params={counts.params}", "seed=1"):
        assert part in shown
    big = superpose.build("and2", 1000, family="random", sparsity=2, seed=1)
    assert len(repr(big)) < 300


def test_problem_network_layer_and_code_reprs_show_sizes_not_arrays(circuit):
    net = circuit.network
    for obj in (circuit.problem, net, net.layers[0], net.input_code, net.output_code):
        shown = repr(obj)
        assert "array" not in shown and len(shown) < 200, shown
    assert repr(circuit.problem) == "And2(name='and2', m=100, m'=100)"
    or2 = superpose.build("or2", 100, seed=1)
    assert repr(or2.problem) == "Or2(name='or2', m=200, m'=100)"


def test_short_reprs_leave_equality_pickling_and_the_file_unchanged(circuit, tmp_path):
    again = pickle.loads(pickle.dumps(circuit))
    assert again.problem != circuit.problem  # eq=False: identity, as before
    assert (again.problem.pairs == circuit.problem.pairs).all()
    path = superpose.save(circuit, tmp_path / "c.npz")
    loaded = superpose.load(path)
    assert repr(loaded) == repr(circuit)
    superpose.save(loaded, tmp_path / "d.npz")
    assert (tmp_path / "c.npz").read_bytes() == (tmp_path / "d.npz").read_bytes()


def test_fuzz_and_certify_take_a_circuit_or_its_path_and_render_as_markdown_tables(circuit,
                                                                                   tmp_path):
    path = superpose.save(circuit, tmp_path / "c.npz")
    cert = superpose.certify(path)
    assert cert.verdict is superpose.Verdict.PROVED
    table = cert._repr_markdown_()
    assert table.splitlines()[:3] == ["| certify | |", "|---|---|", "| verdict | **PROVED** |"]
    report = superpose.fuzz(circuit, samples=500, seed=3)
    assert report.wrong_inputs == 0 and report.seed == 3
    assert superpose.fuzz(path, samples=500, seed=3).inputs_checked == report.inputs_checked
    lines = report._repr_markdown_().splitlines()
    assert lines[:2] == ["| fuzz | |", "|---|---|"] and "| outcome | no wrong output |" in lines


def test_repair_of_a_certified_circuit_keeps_it_and_adds_no_veto(circuit):
    outcome = superpose.repair(circuit, timeout=60)
    assert outcome.verdict is Verdict.PROVED and outcome.vetoes == ()
    assert outcome.circuit.counts() == circuit.counts()


def test_certify_defaults_to_the_circuits_own_sparsity_and_takes_another(circuit):
    assert superpose.certify(circuit).sparsity == 2
    assert superpose.certify(circuit, sparsity=1, method="exhaustive").sparsity == 1


def test_check_claim_refutes_an_upper_bound_below_the_proved_lower_bound():
    check = superpose.check_claim("mp", problem="and2", quantity="params", kind="upper",
                                  max_m_prime=100, sparsities=[2])
    assert check.verdict is Verdict.REFUTED
    (consistency,) = [e for e in check.evidence if e.check == "consistency"]
    assert consistency.verdict is Verdict.REFUTED and "LB-PARAMS" in consistency.detail
    assert check.claim.kind is Kind.UPPER and check.claim.id == "MY-CLAIM"
    table = check._repr_markdown_()
    assert "**MY-CLAIM: REFUTED**" in table and "| Check | Verdict |" in table
    assert "REFUTED" in repr(check) and len(repr(check)) < 300


def test_check_claim_gives_what_verify_gives_for_the_same_claim_file():
    toml = ('[[claim]]\nid = "{id}"\nproblem = "or2"\nquantity = "params"\nkind = "{kind}"\n'
            'bound = "{bound}"\n')
    cases = [("MY-OR-UB", "upper", "mp*log(mp)^3"), ("MY-OR-LB", "lower", "mp")]
    for claim_id, kind, bound in cases:
        check = superpose.check_claim(bound, problem="or2", quantity="params", kind=kind,
                                      id=claim_id, max_m_prime=316)
        specs = parse_claims(toml.format(id=claim_id, kind=kind, bound=bound), "f.toml")
        report = superpose.verify(problems=["or2"], max_m_prime=316, claims=specs)
        (theirs,) = [r for r in report.extra_claims if r.claim.id == claim_id]
        assert check.verdict is theirs.verdict
        assert check.evidence == theirs.evidence
        assert check.toml == toml.format(id=claim_id, kind=kind, bound=bound)
    assert check.verdict is Verdict.UNKNOWN  # a lower bound no proved bound implies
    upper = superpose.check_claim("mp*log(mp)^3", problem="or2", quantity="params",
                                  kind="upper", max_m_prime=316)
    assert upper.verdict is Verdict.PROVED  # implied by OR-PARAMS, proved on the way
    assert "--problem or2" in upper.command and "--claims claims.toml" in upper.command


def test_check_claim_decides_a_claim_about_a_construction_by_that_construction():
    check = superpose.check_claim("mp*log(mp)^2", problem="or2", quantity="params",
                                  kind="upper", construction="bloom", max_m_prime=316)
    assert check.verdict is Verdict.PROVED and check.claim.construction == "bloom"
    assert 'construction = "bloom"' in check.toml
    checks = {e.check for e in check.evidence}
    assert {"or2-count-formula/params", "or2-count-formula/circuits", "measured"} == checks


@pytest.mark.slow
def test_check_claim_proves_the_papers_lower_bound_on_parameters():
    check = superpose.check_claim("mp*log(mp)", problem="and2", quantity="params",
                                  kind="lower", max_m_prime=100)
    assert check.verdict is Verdict.PROVED
    assert any(e.check == "implied" and "LB-PARAMS" in e.detail for e in check.evidence)


def test_check_claim_measures_the_families_and_sparsities_asked_for():
    check = superpose.check_claim("mp*log(mp)", problem="and2", quantity="params", kind="upper",
                                  max_m_prime=100, sparsities=2, families={"and2": "random"})
    assert check.config.and2_families == ("random",) and check.config.sparsities == (2,)
    assert {(m.family, m.sparsity) for m in check.report.measurements} == {("random", 2)}


@pytest.mark.parametrize("call, named", [
    (lambda: superpose.verify(problems=["nope"]), "problems='nope'"),
    (lambda: superpose.verify(families={"nope": ["random"]}), "'nope'"),
    (lambda: superpose.verify(families={"and2": ["bogus"]}), "'bogus'"),
    (lambda: superpose.verify(families={"or2": ["random"]}), "families['or2']"),
    (lambda: superpose.verify(max_m_prime=10), "max_m_prime=10"),
    (lambda: superpose.verify(sparsities=[0]), "sparsity=0"),
    (lambda: superpose.verify(claims=[3]), "3"),
    (lambda: superpose.verify(timeout=-1), "timeout=-1"),
    (lambda: superpose.check_claim("mp", problem="and2", quantity="params", kind="sideways"),
     "'sideways'"),
    (lambda: superpose.check_claim("mp", problem="and2", quantity="volume", kind="upper"),
     "'volume'"),
    (lambda: superpose.check_claim("__import__('os')", problem="and2", quantity="params",
                                   kind="upper"), "__import__"),
    (lambda: superpose.check_claim("mp", problem="and2", quantity="params", kind="upper",
                                   constant=-2.0), "-2.0"),
    (lambda: superpose.check_claim("mp", problem="and2", quantity="params", kind="upper",
                                   construction="nope"), "'nope' is not a construction of and2"),
    (lambda: superpose.build("and2", 100, sparsity=0), "sparsity=0"),
    (lambda: superpose.fuzz(42), "circuit=42"),
])
def test_a_bad_keyword_raises_invalid_argument_naming_the_value_in_one_line(call, named):
    with pytest.raises(InvalidArgument) as info:
        call()
    message = str(info.value)
    assert named in message and "\n" not in message


def test_check_claim_errors_name_check_claim_not_a_claim_file():
    with pytest.raises(InvalidArgument, match=r"^check_claim: claim 'MY-CLAIM': key 'kind'"):
        superpose.check_claim("mp", problem="and2", quantity="params", kind="sideways")


def test_claims_lists_the_ledger_then_the_registered_problems_claims_with_typed_kinds():
    listed = superpose.claims()
    ids = [c.id for c in listed]
    assert ids[0] == "LB-PARAMS" and {"UB-AND-PARAMS", "OR-NEURONS", "AND3-PARAMS"} <= set(ids)
    assert all(isinstance(c.kind, Kind) for c in listed)
    assert json.dumps([c.kind for c in listed[:3]]) == '["lower", "lower", "upper"]'


def test_problems_is_the_package_and_called_gives_the_registered_specs():
    names = [spec.name for spec in superpose.problems()]
    assert names[:3] == ["and2", "perm", "represent"] and {"or2", "and3", "uand"} <= set(names)
    assert superpose.problems.OR2.name == "or2"  # still the package of or2, and3, uand


def test_a_claim_is_keyword_only_and_its_kind_is_a_kind():
    fields = dict(id="X", statement="s", source="me", quantity="neurons", problem="and2",
                  bound="O(1)")
    claim = superpose.Claim(kind="theta", **fields)
    assert claim.kind is Kind.THETA and claim.kind == "theta" and f"{claim.kind}" == "theta"
    assert claim == superpose.Claim(kind=Kind.THETA, **fields)
    with pytest.raises(TypeError):
        superpose.Claim("X", "s", "me", "upper", "neurons", "and2", "O(1)")
    with pytest.raises(InvalidArgument, match="kind='sideways' must be one of lower, upper"):
        superpose.Claim(kind="sideways", **fields)


def test_the_example_plugin_imports_only_from_superpose_plugin_which_exports_it_all():
    source = (REPO_ROOT / "examples" / "plugin" / "superpose_majority" / "__init__.py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = [node for node in tree.body if isinstance(node, ast.ImportFrom)
                and node.module.startswith("superpose")]
    assert [node.module for node in imported] == ["superpose.plugin"]
    assert {alias.name for alias in imported[0].names} <= set(superpose.plugin.__all__)
    for name in superpose.plugin.__all__:
        assert getattr(superpose.plugin, name) is not None
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    plugin_guide = readme.split("## Add a problem", 1)[1].split("\n## ", 1)[0]
    assert "from superpose.plugin import" in plugin_guide
    assert "from superpose.circuits" not in plugin_guide
    assert "from superpose.theory" not in plugin_guide
