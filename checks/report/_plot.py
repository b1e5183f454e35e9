"""``superpose plot``: measured counts against m' on log-log axes, beside the claimed bounds.

Two steps, kept apart so the numbers can be tested (and written as JSON) without matplotlib:

* :func:`plot_data` turns measurements (:func:`checks.measure`) into one :class:`Panel` per
  (problem, quantity): the exact counts read off each built circuit, one :class:`Series` per
  family, and one :class:`Curve` per claimed bound on that problem and quantity (the ledger's
  and every registered problem's claims; bounds in m' alone, with m = m', s the sparsity
  measured and b = 1, as in verify).
* :func:`draw` draws the panels with matplotlib's Agg canvas (no screen) and writes PNG or SVG.

A bound only fixes a curve up to its constant c. The curve drawn is c f(m') with

* upper bound O(f): c = max over the panel's points of count / f(m'), the least c for which
  c f lies on or above every measured point;
* lower bound Omega(f): c = min of count / f(m'), the greatest c for which c f lies on or below
  every point (Theta draws both).

So every curve touches the data at one point, and what the picture shows is the shape: an upper
curve the points fall away from (to the right) holds with room over the range; points that
meet it at the largest m' still grow faster than f there (``ratio_slope`` > 0), which is what
verify reports as "still rising". These are fitted constants, not the paper's (it states none)
nor the construction's stated ones (verify checks those). Counts of 0 (representation has no
parameters) cannot be drawn on log axes and are left out, with a note.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import sympy

from superpose import circuits
from superpose.checks.sweep import Measurement, geometric_sizes, slope
from superpose.circuits.io import require, write_atomically, write_text_atomically
from superpose.theory import CLAIMS, MP, Bound, parse_bound
from superpose.theory.errors import InvalidArgument

__all__ = ["Series", "Curve", "Panel", "PlotData", "FORMATS", "QUANTITIES", "FIT_NOTE",
           "output_format", "plot_sizes", "plot_plan", "plot_data", "draw", "write_data"]

FORMATS = {".png": "png", ".svg": "svg"}
QUANTITIES = ("neurons", "params")
FIT_NOTE = ("constants fitted to the points: upper bounds c = max count/f(m') (c f lies on or "
            "above every point), lower bounds c = min count/f(m') (on or below every point)")
_GRID = 25  # points of each curve between the smallest and largest m' measured


@dataclass(frozen=True)
class Series:
    """One family's measured counts, exact integers read off each built circuit.

    ``slope``: least-squares slope of log count against log m' (the measured exponent), over
    the positive counts; None with fewer than two sizes."""

    family: str
    m_prime: tuple[int, ...]
    counts: tuple[int, ...]
    vetoes: tuple[int, ...]
    slope: float | None


@dataclass(frozen=True)
class Curve:
    """c f(m') for one claimed bound f; ``kind`` is upper (c = max ratio) or lower (c = min).

    ``ratio_slope``: the steepest family's least-squares slope of log(count / f) against
    log m': > 0 means that family's counts grow faster than f over the measured range."""

    claims: tuple[str, ...]
    kind: str
    bound: str
    constant: float
    ratio_slope: float | None
    m_prime: tuple[float, ...]
    values: tuple[float, ...]

    @property
    def label(self) -> str:
        fit = "max" if self.kind == "upper" else "min"
        big = "O" if self.kind == "upper" else "Omega"
        return (f"{', '.join(self.claims)}: {big}({_show(self.bound)}), c = {self.constant:.3g} "
                f"({fit} ratio)")


@dataclass(frozen=True)
class Panel:
    """The counts of one quantity of one problem's construction, and the bounds on it."""

    problem: str
    construction: str
    quantity: str
    sparsity: int
    series: tuple[Series, ...]
    curves: tuple[Curve, ...]
    note: str = ""

    @property
    def drawable(self) -> bool:
        return any(c > 0 for s in self.series for c in s.counts)


@dataclass(frozen=True)
class PlotData:
    """Everything one figure shows, and the settings it was measured with."""

    panels: tuple[Panel, ...]
    settings: dict

    def as_dict(self) -> dict:
        return {"fit": FIT_NOTE, "settings": self.settings,
                "panels": [asdict(p) for p in self.panels]}


def _show(bound: str) -> str:
    return bound.replace("mp", "m'")


def output_format(path: Path) -> str:
    """``png`` or ``svg`` from the suffix of ``path``, or a one-line InvalidArgument.

    >>> output_format(Path("figures/counts.SVG"))
    'svg'
    """
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InvalidArgument(f"-o {str(path)!r} must end in .png or .svg (the plot is written "
                              "as PNG or SVG by its suffix); e.g. -o superpose-plot.svg")
    return fmt


def plot_sizes(problem: str, max_m_prime: int) -> tuple[int, ...]:
    """The m' measured for ``problem``: geometric from 100 to ``max_m_prime`` (two per decade,
    as ``superpose sweep``) for a built-in problem; a plugin's planned sizes up to it (its
    instances may exist at some m' only, e.g. uand's m' = C(m, 2))."""
    spec = circuits.problem_spec(problem)
    if spec.provider == "built-in":
        return geometric_sizes(100, max_m_prime)
    return tuple(sorted(m for m in set(spec.plan.sizes) if m <= max_m_prime))


def plot_plan(problems: tuple[str, ...], families: tuple[str, ...] | None,
              sparsity: int | None, max_m_prime: int) -> list[tuple[str, str, int, int]]:
    """(problem, family, sparsity, m') of every circuit to measure.

    ``families``: names kept for each problem that has them (a problem with none of them keeps
    its default family); every name must belong to some problem. None: the families a plugin
    plans for verify, every family of a built-in problem.
    ``sparsity``: None gives each problem its planned one (2 for the built-ins)."""
    for name in families or ():
        if not any(name in circuits.FAMILIES[p] for p in problems):
            known = sorted({f for p in problems for f in circuits.FAMILIES[p]})
            raise InvalidArgument(f"family={name!r} belongs to none of the problems "
                                  f"{', '.join(problems)}; use some of: {', '.join(known)}")
    plan = []
    for problem in problems:
        spec = circuits.problem_spec(problem)
        if families is None:
            fams = tuple(spec.plan.families or spec.families)
        else:
            fams = tuple(f for f in spec.families if f in families) or (spec.default_family,)
        sizes = plot_sizes(problem, max_m_prime)
        if not sizes:
            raise InvalidArgument(f"{problem} has no planned size m' <= {max_m_prime} (its "
                                  f"sizes: {', '.join(map(str, spec.plan.sizes))}); raise "
                                  "--max-m-prime or leave it out of --problem")
        s = spec.plan.sparsities[0] if sparsity is None else sparsity
        plan += [(problem, f, s, m) for f in fams for m in sizes]
    return plan


def _registered_claims() -> tuple:
    """The ledger's claims and every registered problem's own claims."""
    return CLAIMS + tuple(c for spec in circuits.problem_specs() for c in spec.claims)


def _bounds(problem: str, quantity: str, sparsity: int, claims) -> dict:
    """{(kind, f(m')): claim ids} for the claims bounding ``quantity`` of ``problem``."""
    found: dict[tuple[str, sympy.Expr, str], list[str]] = {}
    for claim in claims:
        if problem not in claim.problems or claim.kind not in ("upper", "lower", "theta"):
            continue
        for q, text in claim.bounds:
            if q != quantity:
                continue
            bound = Bound(claim.id, claim.problems, q, claim.kind, parse_bound(text, claim.id),
                          text)
            expr = bound.in_mp(sparsity)
            if expr is None:
                continue
            kinds = ("upper", "lower") if claim.kind == "theta" else (claim.kind,)
            for kind in kinds:
                key = next((k for k in found if k[0] == kind and k[1] == expr),
                           (kind, expr, text))
                found.setdefault(key, []).append(claim.id)
    return found


def _fit(kind: str, points: list[tuple[int, int]], f) -> float:
    """The envelope constant: c f(m') >= every count (upper), or <= every count (lower)."""
    ratios = [count / f(m) for m, count in points]
    c = max(ratios) if kind == "upper" else min(ratios)
    step = math.inf if kind == "upper" else -math.inf
    while any((c * f(m) < count) if kind == "upper" else (c * f(m) > count)
              for m, count in points):  # undo rounding in count / f * f
        c = math.nextafter(c, step)
    return c


def _curve(ids, kind: str, text: str, expr, series, grid) -> Curve | None:
    fn = sympy.lambdify(MP, expr, "math")

    def f(m: float) -> float:
        return float(fn(float(m)))

    if not all(math.isfinite(f(m)) and f(m) > 0 for m in grid):
        return None
    per_family = [[(m, count) for m, count in zip(s.m_prime, s.counts) if count > 0]
                  for s in series]
    c = _fit(kind, [p for rows in per_family for p in rows], f)
    tilts = [slope([(m, count / f(m)) for m, count in rows]) for rows in per_family
             if len({m for m, _ in rows}) >= 2]
    return Curve(tuple(ids), kind, text, c, max(tilts, default=None), tuple(grid),
                 tuple(c * f(m) for m in grid))


def _grid(sizes: list[int]) -> list[float]:
    lo, hi = min(sizes), max(sizes)
    spaced = [lo * (hi / lo) ** (i / (_GRID - 1)) for i in range(_GRID)] if hi > lo else []
    return sorted({float(m) for m in sizes} | set(spaced))


def _panel(ms: list[Measurement], quantity: str, claims) -> Panel:
    first = ms[0]
    series = []
    for family in dict.fromkeys(m.family for m in ms):
        rows = sorted((m.m_prime, getattr(m.counts, quantity), m.vetoes)
                      for m in ms if m.family == family)
        positive = [(mp, c) for mp, c, _ in rows if c > 0]
        grows = slope(positive) if len({mp for mp, _ in positive}) >= 2 else None
        series.append(Series(family, tuple(r[0] for r in rows), tuple(r[1] for r in rows),
                             tuple(r[2] for r in rows), grows))
    points = [(mp, c) for s in series for mp, c in zip(s.m_prime, s.counts) if c > 0]
    zeros = sum(c == 0 for s in series for c in s.counts)
    note = ""
    if not points:
        note = f"every {quantity} count is 0: nothing to draw on log axes"
    elif zeros:
        note = f"{zeros} point(s) with {quantity} = 0 left out (log axes)"
    curves = []
    if points:
        grid = _grid([mp for mp, _ in points])
        for (kind, expr, text), ids in _bounds(first.problem, quantity, first.sparsity,
                                                claims).items():
            curve = _curve(ids, kind, text, expr, series, grid)
            if curve is not None:
                curves.append(curve)
    return Panel(first.problem, first.construction, quantity, first.sparsity, tuple(series),
                 tuple(curves), note)


def plot_data(measurements: list[Measurement], claims=None, settings: dict | None = None
              ) -> PlotData:
    """One panel per (problem, quantity) of the measurements, in their order; ``claims``
    defaults to the ledger and every registered problem's claims."""
    claims = _registered_claims() if claims is None else tuple(claims)
    panels = []
    for problem in dict.fromkeys(m.problem for m in measurements):
        ms = [m for m in measurements if m.problem == problem]
        panels += [_panel(ms, q, claims) for q in QUANTITIES]
    return PlotData(tuple(panels), dict(settings or {}))


def write_data(data: PlotData, path: Path) -> None:
    """The plotted numbers as JSON (``--data``)."""
    write_text_atomically(path, json.dumps(data.as_dict(), indent=2) + "\n", InvalidArgument)


_MARKERS = "os^vDPX*"
_LABEL = {"neurons": "neurons (input layer counted)", "params": "parameters (weights + thresholds)"}


def _draw_panel(ax, panel: Panel) -> None:
    ax.set_title(f"{panel.problem} ({panel.construction}, s={panel.sparsity}): "
                 f"{panel.quantity}", fontsize=10)
    if not panel.drawable:
        ax.text(0.5, 0.5, panel.note, ha="center", va="center", transform=ax.transAxes,
                fontsize=9)
        ax.set_axis_off()
        return
    for i, s in enumerate(panel.series):
        pts = [(m, c) for m, c in zip(s.m_prime, s.counts) if c > 0]
        tail = "" if s.slope is None else f" (slope {s.slope:.2f})"
        ax.plot([m for m, _ in pts], [c for _, c in pts], marker=_MARKERS[i % len(_MARKERS)],
                color=f"C{i % 10}", linewidth=1, markersize=4, label=f"{s.family}{tail}")
    styles = {"upper": ("--", "-."), "lower": (":", (0, (1, 3)))}
    for kind, colour in (("upper", "black"), ("lower", "grey")):
        for j, curve in enumerate(c for c in panel.curves if c.kind == kind):
            ax.plot(curve.m_prime, curve.values, color=colour, linewidth=1.3,
                    linestyle=styles[kind][j % 2], label=curve.label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("m' (outputs computed)", fontsize=9)
    ax.set_ylabel(_LABEL.get(panel.quantity, panel.quantity), fontsize=9)
    ax.grid(True, which="both", linewidth=0.3, alpha=0.5)
    ax.legend(fontsize=6.5, loc="best", framealpha=0.85)
    if panel.note:
        ax.text(0.98, 0.02, panel.note, ha="right", va="bottom", transform=ax.transAxes,
                fontsize=7)


def draw(data: PlotData, path: Path) -> None:
    """Draw ``data`` (one row per problem: neurons, parameters) and write it as PNG or SVG by
    the suffix of ``path``. Needs matplotlib (the ``plot`` extra); never opens a window. The
    same data give the same file, byte for byte."""
    fmt = output_format(path)
    mpl = require("matplotlib", "plot", "superpose plot")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    problems = list(dict.fromkeys(p.problem for p in data.panels))
    if not problems:
        raise InvalidArgument("nothing was measured, so there is nothing to plot; select at "
                              "least one problem")
    height = 3.6 * len(problems) + 0.8
    fig = Figure(figsize=(12, height))
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.09, right=0.98, wspace=0.27, hspace=0.42,
                        top=1 - 1.2 / height, bottom=0.55 / height)
    axes = fig.subplots(len(problems), len(QUANTITIES), squeeze=False)
    for panel in data.panels:
        row = problems.index(panel.problem)
        _draw_panel(axes[row][QUANTITIES.index(panel.quantity)], panel)
    s = data.settings
    head = "superpose: exact counts of each construction against the claimed bounds"
    if s:
        head += (f" (seed {s.get('seed')}, instance seed {s.get('instance_seed')}, "
                 f"m' <= {s.get('max_m_prime')})")
    fig.suptitle(f"{head}\n{FIT_NOTE}", fontsize=9, y=1 - 0.15 / height, va="top")
    metadata = {"svg": {"Date": None}, "png": {}}[fmt]
    with mpl.rc_context({"svg.hashsalt": "superpose", "svg.fonttype": "path"}):
        write_atomically(path, lambda fh: fig.savefig(fh, format=fmt, metadata=metadata),
                         InvalidArgument)
