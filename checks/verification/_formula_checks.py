"""The constructive half, decided: ``<problem>-count-formula`` and ``<problem>-failure-bound``.

``<problem>-count-formula`` (for the default construction's declared
``theory.constructions.CountFormulas``):

* ``/<quantity>`` (decisive), one per bound the claim states: the formula is O(bound) for
  every fixed value of the constants, at every sparsity of the run (smooth envelope, limits
  with symbolic constants, cross-checked at the defaults);
* ``/circuits`` (decisive): every measured raw draw (before repair) has every bounded count at
  most its formula at the circuit's own m, m', s and constants; one above REFUTES, naming the
  circuit and its replay line; the slack (formula / count) on the worst family is shown;
* ``step:<name>`` records (not decisive; ``-v`` shows them): each step with its premises,
  and for a step bounding a count, that count on every circuit.

``<problem>-failure-bound`` (for the declared ``FailureBound``):

* ``/asymptotic`` (decisive): the exponent e of F_env at each sparsity, whether F -> 0 at the
  constants used (the defaults, or ``VerifyConfig.failure_constants``), and the threshold of
  the named constant. PROVED when some finite value of it makes F -> 0 (the asymptotic
  statement, given the premises); the detail says whether the constants used are above it;
* ``/measured`` (refute-only): the raw-draw failure rate over ``failure_seeds`` seeds at one
  enumerable size, each circuit decided exactly (every s-sparse input, no repair), against F
  there: a one-sided 99% Clopper-Pearson lower bound above F REFUTES the derivation.

A construction that declares neither keeps the measured checks, and the evidence says so.
"""

from __future__ import annotations

import math

from superpose.circuits import build, exhaustive, problem_spec
from superpose.circuits.correctness import clopper_pearson_lower, clopper_pearson_upper
from superpose.circuits.model import count_sparse_inputs
from superpose.circuits.registry import find_construction, formula_values, replay_line
from superpose.theory import Claim, Evidence, Verdict, parse_bound
from superpose.theory.constructions import (
    class_decision,
    failure_decision,
    value_at,
)

__all__ = ["count_formula_evidence", "declared_defaults", "failure_bound_evidence",
           "file_formula_evidence"]

_CONFIDENCE = 0.99
_SYMBOLIC = "symbolic: smooth envelope, limit and gruntz with symbolic constants, ratio_limit"


def declared_defaults(run, problem: str, sparsity: int, names,
                      construction: str | None = None) -> dict:
    """The resolved constants of ``problem``'s construction (the default, or the one named)
    at ``sparsity``: from a measured circuit of the run, else from a small circuit built for
    the purpose."""
    chosen = find_construction(problem, construction).name
    for m in run.measurements(problem, chosen):
        if m.sparsity == sparsity and m.construction == chosen:
            return {k: m.constants[k] for k in names if k in m.constants}
    circuit = build(problem, 100, sparsity=sparsity, construction=chosen, check_formulas=False)
    return {k: circuit.constants[k] for k in names if k in circuit.constants}


def _default(problem: str):
    return problem_spec(problem).default_construction


def _undeclared(name: str, what: str, problem: str) -> list[Evidence]:
    construction = _default(problem).name
    return [Evidence(name, Verdict.UNKNOWN, f"{construction} declares its {what}",
                     "none", "none", f"{problem}/{construction} declares no {what}: its claims "
                     "are decided by measurement (the size and correctness checks)",
                     decisive=False)]


def count_formula_evidence(name: str, problem: str, claim: Claim, run) -> list[Evidence]:
    """The class decisions for ``claim``'s bounds, every circuit against the formula, and
    the steps."""
    construction = _default(problem)
    if construction.counts is None:
        return _undeclared(name, "count formulas", problem)
    formulas = construction.counts.parsed(f"{problem}/{construction.name} counts")
    out = []
    for quantity, text in claim.bounds:
        if quantity not in formulas.exprs:
            continue
        out.append(_class_evidence(name, problem, quantity, text, formulas, run))
    ms = [m for m in run.measurements(problem) if m.formula is not None]
    out.append(_circuits_evidence(name, ms))
    out.extend(_step_evidence(formulas, ms))
    return out


def file_formula_evidence(problem: str, bound, run, construction: str | None = None
                          ) -> list[Evidence]:
    """A claim file's upper bound (a ``theory.Bound``) about ``problem``'s construction (the
    default, or the one named) against that construction's declared count formula: the class
    decision and every measured raw draw within the formula, both decisive; nothing for a
    lower bound, another quantity, or a construction that declares no formula. The class
    evidence's ``data["grows_faster"]`` says whether the formula outgrows the bound."""
    chosen = find_construction(problem, construction)
    if bound.kind != "upper" or chosen.counts is None:
        return []
    formulas = chosen.counts.parsed(f"{problem}/{chosen.name} counts")
    if bound.quantity not in formulas.exprs:
        return []
    name = f"{problem}-count-formula"
    ms = [m for m in run.measurements(problem, chosen.name) if m.formula is not None]
    return [_class_evidence(name, problem, bound.quantity, bound.text, formulas, run,
                            bound.expr, chosen.name),
            _circuits_evidence(name, ms)]


def _class_evidence(name, problem, quantity, text, formulas, run, bound=None,
                    construction=None) -> Evidence:
    bound = parse_bound(text, name) if bound is None else bound
    decisions = []
    for s in run.config.sparsities_for(problem):
        values = declared_defaults(run, problem, s, formulas.symbols, construction)
        decisions.append((s, class_decision(formulas.exprs[quantity], formulas.regime, bound,
                                            formulas.symbols, values, s)))
    verdicts = {d.verdict for _, d in decisions}
    verdict = (Verdict.PROVED if verdicts == {Verdict.PROVED} else
               Verdict.REFUTED if Verdict.REFUTED in verdicts else Verdict.UNKNOWN)
    detail = "; ".join(f"s={s}: {d.detail}" for s, d in decisions)
    whose = f"{construction}: " if construction else ""
    return Evidence(f"{name}/{quantity}", verdict,
                    f"{whose}{quantity} <= its count formula for every instance (steps below), "
                    f"and the formula is O({text}) for every fixed value of the constants, m = "
                    f"{formulas.regime}", _SYMBOLIC, "asymptotic", detail,
                    data={"grows_faster": all(d.grows_faster for _, d in decisions)})


def _circuits_evidence(name: str, ms) -> Evidence:
    statement = "every raw draw's counts <= its count formula at the circuit's own sizes"
    method = "exact counts from the circuit against the formula in exact arithmetic"
    if not ms:
        return Evidence(f"{name}/circuits", Verdict.UNKNOWN, statement, method, "none",
                        "no circuit was measured")
    broken = [(m, c) for m in ms for c in m.formula if not c.holds]
    sizes = sorted({m.m_prime for m in ms})
    where = f"{len(ms)} circuits, m'={sizes[0]}..{sizes[-1]}"
    if broken:
        m, c = broken[0]
        return Evidence(f"{name}/circuits", Verdict.REFUTED, statement, method, where,
                        f"{m.label()} (seed {m.settings.seed}): {c.quantity} = {c.count} > "
                        f"step {c.step!r} = {c.bound:.6g} ({len(broken)} count(s) above their "
                        "formula)", replay=m.replay_command())
    slack = []
    for quantity in ("neurons", "params"):
        rows = [(c.slack, m) for m in ms for c in m.formula if c.step == quantity and c.count]
        if rows:
            worst, m = min(rows, key=lambda row: row[0])
            slack.append(f"{quantity} slack {worst:.3g} at {m.label()}")
    checked = sum(len(m.formula) for m in ms)
    return Evidence(f"{name}/circuits", Verdict.PROVED, statement, method, where,
                    f"{checked} bounded counts, none above its formula; tightest: "
                    + ", ".join(slack) + " (slack = formula / count)",
                    data={"slack": slack})


def _step_evidence(formulas, ms) -> list[Evidence]:
    out = []
    for step in formulas.steps:
        quantity = step.quantity
        premises = f" [premises: {'; '.join(step.premises)}]" if step.premises else ""
        statement = f"{step.name} = {step.text}" + (f" bounds {quantity}" if quantity else "")
        rows = [c for m in ms for c in m.formula if c.step == step.name]
        if quantity is None or not rows:
            out.append(Evidence(f"step:counts.{step.name}", Verdict.UNKNOWN, statement,
                                "hand-derived (its premises listed), parsed and substituted",
                                "every instance", f"{step.why}{premises}", decisive=False))
            continue
        broken = [c for c in rows if not c.holds]
        nonzero = [c.slack for c in rows if c.count]
        tightest = f"tightest slack {min(nonzero):.3g}" if nonzero else "every count is 0"
        out.append(Evidence(
            f"step:counts.{step.name}", Verdict.REFUTED if broken else Verdict.PROVED, statement,
            "hand-derived, and checked exactly on every measured circuit",
            f"{len(rows)} circuits", f"{step.why}{premises}; {tightest}", decisive=False))
    return out


def failure_bound_evidence(name: str, problem: str, run) -> list[Evidence]:
    """Where F -> 0 (decisive) and the raw-draw failure rate against F (refute-only)."""
    construction = _default(problem)
    if construction.failure is None:
        return _undeclared(name, "failure bound", problem)
    exact, smooth = construction.failure.parsed(f"{problem}/{construction.name} failure")
    overrides = run.config.failure_overrides(problem)
    decisions, rates = [], []
    for s in run.config.sparsities_for(problem):
        values = declared_defaults(run, problem, s, smooth.symbols) | overrides
        decisions.append((s, failure_decision(smooth.exprs["F_env"], smooth.symbols, values, s,
                                              construction.failure.thresholds)))
        rates.append(_raw_failures(problem, s, exact, values, run))
    verdict = (Verdict.PROVED if all(d.verdict is Verdict.PROVED for _, d in decisions)
               else Verdict.UNKNOWN)
    used = ", ".join(f"{k}={v}" for k, v in sorted(overrides.items())) or "the defaults"
    detail = "; ".join(
        f"s={s}: {d.detail}" + ("" if d.tends_to_zero else
                                " (constants above the threshold make F -> 0; the circuits "
                                "built here are certified one by one)")
        for s, d in decisions)
    steps = _failure_steps(exact, "failure") + _failure_steps(smooth, "envelope")
    statement = (f"P(the raw draw decodes some s-sparse input wrong) <= F -> 0 as m' -> oo for "
                 f"{', '.join(construction.failure.thresholds)} above their thresholds "
                 f"(constants used: {used})")
    return [Evidence(f"{name}/asymptotic", verdict, statement,
                     "symbolic: exponent lim log F_env / log m' with symbolic constants; "
                     "threshold by solve", "asymptotic", detail),
            _rates_evidence(name, rates)] + steps


def _failure_steps(formulas, part: str) -> list[Evidence]:
    return [Evidence(f"step:{part}.{step.name}", Verdict.UNKNOWN, f"{step.name} = {step.text}",
                     "hand-derived (its premises listed), parsed and substituted",
                     "every instance", step.why + (f" [premises: {'; '.join(step.premises)}]"
                                                   if step.premises else ""), decisive=False)
            for step in formulas.steps]


def _raw_failures(problem: str, s: int, exact, values: dict, run) -> dict:
    """Raw draws over the run's failure seeds at the largest size <= ``failure_m_prime`` with
    at most ``failure_input_limit`` s-sparse inputs, each decided on every one of them, with F
    at that size."""
    config = run.config
    family = config.failure_family(problem)
    overrides = config.failure_overrides(problem)
    m_prime = config.failure_m_prime
    while True:
        probe = build(problem, m_prime, family, config.settings.instance_seed, s, 0,
                      constants=overrides or None, check_formulas=False)
        if count_sparse_inputs(probe.m, s) <= config.failure_input_limit or m_prime <= 8:
            break
        m_prime = max(8, m_prime * 2 // 3)
    if count_sparse_inputs(probe.m, s) > config.failure_input_limit:
        return {"s": s, "label": f"{problem}/{family} s={s}", "skipped": "too many inputs"}
    bound = float(value_at(exact, "F", {**formula_values(probe), **values}))
    wrong, seeds = 0, range(config.failure_seeds)
    first = None  # the first wrong raw draw, for the replay line
    for seed in seeds:
        run.progress(f"{problem} raw draws s={s} m'={probe.m_prime} seed {seed}")
        circuit = build(problem, m_prime, family, config.settings.instance_seed, s, seed,
                        constants=overrides or None, check_formulas=False)
        if exhaustive(circuit, stop_at_first=True).wrong_outputs:
            wrong += 1
            first = circuit if first is None else first
    n = len(seeds)
    replay = None if first is None else (replay_line(first, _default(problem))
                                         + "; superpose fuzz c.npz --exhaustive")
    return {"s": s, "label": f"{problem}/{family} s={s} m'={probe.m_prime}", "wrong": wrong,
            "n": n, "F": bound, "lower": clopper_pearson_lower(wrong, n, _CONFIDENCE),
            "upper": clopper_pearson_upper(wrong, n, _CONFIDENCE),
            "first": None if first is None else first.seed, "replay": replay}


def _rates_evidence(name: str, rates: list[dict]) -> Evidence:
    statement = ("the raw-draw failure rate does not exceed F (one-sided 99% Clopper-Pearson "
                 "lower bound <= F)")
    method = "raw draws (no repair), each decided on every s-sparse input"
    shown, refuted, replay = [], [], None
    for r in rates:
        if "skipped" in r:
            shown.append(f"{r['label']}: not measured ({r['skipped']})")
            continue
        text = (f"{r['label']}: {r['wrong']} of {r['n']} seeds wrong (99% CI "
                f"[{r['lower']:.3g}, {r['upper']:.3g}]), F = {_show(r['F'])}")
        shown.append(text)
        if r["F"] < 1 and r["lower"] > r["F"]:
            refuted.append(text)
            replay = r["replay"]
    n = max((r.get("n", 0) for r in rates), default=0)
    if refuted:
        return Evidence(f"{name}/measured", Verdict.REFUTED, statement, method,
                        f"{n} seeds", "measured rate above F, so the derivation is wrong: "
                        + "; ".join(refuted), decisive=False, replay=replay,
                        data={"rates": rates})
    informative = any(r.get("F", math.inf) < 1 for r in rates)
    return Evidence(f"{name}/measured", Verdict.PROVED if informative else Verdict.UNKNOWN,
                    statement, method, f"{n} seeds", "; ".join(shown) + (
                        "" if informative else " (F >= 1 at every size measured: the bound "
                        "says nothing there; the rates are shown beside it)"),
                    decisive=False, data={"rates": rates})


def _show(value: float) -> str:
    return f"{value:.3g}" if value < 1e6 else f"{value:.2e}"
