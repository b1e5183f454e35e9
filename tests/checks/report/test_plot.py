"""``superpose plot``: the plotted numbers are the circuits' exact counts, the fitted curves
envelope them, and the command writes valid PNG and SVG files (or fails in one line)."""

from __future__ import annotations

import json
import math
import sys
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from superpose.checks import SweepSettings, measure
from superpose.checks.report._plot import PlotData, draw, plot_data, plot_plan
from superpose.circuits import build
from superpose.theory import CLAIMS, Claim
from tests.cli import run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SETTINGS = SweepSettings(seed=3, instance_seed=1, samples=300)
PLAN = [("and2", "disjoint", 100), ("and2", "disjoint", 316), ("and2", "random", 100),
        ("perm", "random", 100), ("perm", "random", 316), ("represent", "all", 100),
        ("represent", "all", 316)]


@pytest.fixture(scope="module")
def measured():
    return [measure(p, f, 2, m, SETTINGS) for p, f, m in PLAN]


@pytest.fixture(scope="module")
def data(measured):
    return plot_data(measured, settings={"seed": 3})


def _panel(data, problem, quantity):
    return next(p for p in data.panels if p.problem == problem and p.quantity == quantity)


def _curve_at(curve, m_prime):
    return dict(zip(curve.m_prime, curve.values))[float(m_prime)]


def test_the_plotted_counts_are_the_counts_of_the_built_circuits(data, measured):
    assert all(m.vetoes == 0 for m in measured)  # else the plot shows the repaired circuit
    for problem, family, m_prime in PLAN:
        counts = build(problem, m_prime, family, SETTINGS.instance_seed, 2, SETTINGS.seed
                       ).counts()
        for quantity in ("neurons", "params"):
            series = next(s for s in _panel(data, problem, quantity).series
                          if s.family == family)
            got = dict(zip(series.m_prime, series.counts))[m_prime]
            assert got == getattr(counts, quantity) and isinstance(got, int)


def test_upper_curves_lie_on_or_above_every_point_and_touch_one(data):
    checked = 0
    for panel in data.panels:
        points = [(m, c) for s in panel.series for m, c in zip(s.m_prime, s.counts) if c > 0]
        for curve in panel.curves:
            values = [(_curve_at(curve, m), c) for m, c in points]
            if curve.kind == "upper":
                assert all(v >= c for v, c in values), curve.label
            else:
                assert all(v <= c for v, c in values), curve.label
            assert any(math.isclose(v, c, rel_tol=1e-9) for v, c in values), curve.label
            checked += 1
    assert checked >= 7


def test_each_panel_draws_the_bounds_its_claims_state(data):
    and2_neurons = _panel(data, "and2", "neurons")
    assert {(c.kind, c.claims) for c in and2_neurons.curves} == {
        ("upper", ("UB-AND-NEURONS",)), ("lower", ("LB-NEURONS",))}
    lower_params = [c for c in _panel(data, "perm", "params").curves if c.kind == "lower"]
    assert [c.claims for c in lower_params] == [("LB-PARAMS", "COMPRESSION")]
    represent = _panel(data, "represent", "params")
    assert not represent.curves and not represent.drawable and "0" in represent.note


def test_a_theta_claim_draws_both_envelopes_from_any_claim_list(measured):
    theta = Claim(id="MY-THETA", statement="perm neurons are Theta(m')", source="test",
                  kind="theta", quantity="neurons", problem="perm", bound="Theta(m')",
                  bounds=(("neurons", "mp"),))
    panel = _panel(plot_data(measured, claims=[theta]), "perm", "neurons")
    assert sorted(c.kind for c in panel.curves) == ["lower", "upper"]
    upper, lower = sorted(panel.curves, key=lambda c: c.kind, reverse=True)
    assert upper.constant >= lower.constant > 0
    assert upper.ratio_slope < 0  # sqrt(m') log m' neurons grow slower than m'


@given(st.lists(st.tuples(st.integers(2, 10**6), st.integers(1, 10**9)), min_size=1,
                max_size=12, unique_by=lambda t: t[0]))
def test_fitted_envelopes_hold_for_any_counts(rows):
    ms = [SimpleNamespace(problem="perm", construction="bloom", family="random", sparsity=2,
                          m_prime=m, counts=SimpleNamespace(neurons=c, params=c), vetoes=0)
          for m, c in rows]
    data = plot_data(ms, claims=CLAIMS)
    for panel in data.panels:
        assert len(panel.curves) == 2
        for curve in panel.curves:
            for m, c in rows:
                v = _curve_at(curve, m)
                assert (v >= c) if curve.kind == "upper" else (v <= c)


def test_the_same_data_draw_the_same_file_byte_for_byte(data, tmp_path):
    small = PlotData(tuple(p for p in data.panels if p.problem == "represent"), data.settings)
    for suffix in ("svg", "png"):
        a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        draw(small, a)
        draw(small, b)
        assert a.read_bytes() == b.read_bytes()


def test_plot_writes_a_png_and_its_data(tmp_path, capsys):
    out, doc = tmp_path / "x.png", tmp_path / "x.json"
    code, stdout, stderr = run(capsys, "plot", "-o", str(out), "--problem", "perm,represent",
                               "--families", "random,all", "--max-m-prime", "316",
                               "--seed", "3", "--data", str(doc))
    assert code == 0 and stderr == ""
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert f"wrote {out}" in stdout and "replay: superpose plot" in stdout
    panels = json.loads(doc.read_text())["panels"]
    assert [(p["problem"], p["quantity"]) for p in panels] == [
        ("perm", "neurons"), ("perm", "params"), ("represent", "neurons"),
        ("represent", "params")]
    perm = build("perm", 316, "random", 0, 2, 3).counts()
    assert panels[0]["series"][0]["counts"][-1] == perm.neurons
    assert panels[1]["series"][0]["counts"][-1] == perm.params


def test_plot_writes_an_svg_that_parses_as_xml(tmp_path, capsys):
    out = tmp_path / "x.svg"
    code, _, _ = run(capsys, "plot", "-o", str(out), "--problem", "represent",
                     "--max-m-prime", "316")
    assert code == 0
    assert ET.parse(out).getroot().tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("argv, words", [
    (["-o", "x.pdf"], ".png or .svg"),
    (["--problem", "nosuch"], "problem='nosuch'"),
    (["--problem", "perm", "--families", "star"], "family='star'"),
    (["--problem", "perm", "--max-m-prime", "99"], "max_m_prime=99"),
    (["-o", "no/such/folder/x.png"], "does not exist"),
])
def test_bad_input_is_one_line_with_exit_2_before_measuring(argv, words, tmp_path, capsys,
                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "plot", *argv)
    assert code == 2 and out == "" and words in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_missing_matplotlib_exits_4_with_the_pip_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    code, out, err = run(capsys, "plot", "-o", str(tmp_path / "x.png"))
    assert code == 4 and out == ""
    assert "pip install 'superpose[plot]'" in err and err.count("\n") == 1
    assert not (tmp_path / "x.png").exists()


def test_the_plan_keeps_listed_families_per_problem_and_its_sizes():
    plan = plot_plan(("and2", "represent"), ("star",), None, 1000)
    assert {(p, f) for p, f, _, _ in plan} == {("and2", "star"), ("represent", "all")}
    assert sorted({m for _, _, _, m in plan}) == [100, 316, 1000]
    assert {s for _, _, s, _ in plot_plan(("perm",), None, 3, 100)} == {3}
