"""Checks that turn measured constructions into evidence for the upper-bound claims.

Each check is a function ``(run) -> list[Evidence]`` registered under the name the claims
ledger uses (``theory.CLAIMS[...].checks``). ``run`` gives the measurements of one sweep.

* ``<problem>-neurons`` / ``-params`` / ``represent-width``: for every sparsity and family,
  every measured ratio count / f(m') is at most the construction's stated constant, and the
  ratio does not grow: the least-squares slope of log(ratio) against log(m') over the top decade
  of sizes is at most ``slope_tolerance``. A ratio above the constant REFUTES the finite
  statement; one within it but still rising is UNKNOWN (measure further), never PROVED. A ratio
  that grows like log m' has slope
  1 / ln(m') there (0.11 at m' = 10^4), so the tolerance of 0.1 catches a missing log factor
  only near the top of the default range; theory/ decides the asymptotics.
* ``<problem>-correct``: two records. ``certified`` (decisive): every circuit whose s-sparse
  input space was enumerated decodes every output correctly. ``fuzzed`` (refute-only): larger
  circuits sampled on random and adversarial inputs; silence is UNKNOWN, never PROVED.
* ``premises``, ``minimal-sizes``, ``selftest``: checks of other sub-packages
  (superpose.checks.premises, .minimal, .selftest), registered by module and function name
  (:class:`DeferredCheck`) and imported only when a run calls them.
"""

from __future__ import annotations

import importlib
import math
import operator
from dataclasses import dataclass
from typing import Callable

from superpose.checks.sweep import Measurement, slope, top_decade
from superpose.circuits.registry import find_construction
from superpose.theory import Evidence, Verdict

__all__ = ["CHECKS", "DeferredCheck", "certified_check", "correctness_checks", "fuzzed_check",
           "size_check"]

_LABEL = {"neurons": "neurons / (sqrt(m') log2 m')", "params": "params / (m' log2^2 m')",
          "width": "width / log2 m'"}


def _sizes_text(ms: list[Measurement]) -> str:
    sizes = sorted({m.m_prime for m in ms})
    fams = sorted({m.family for m in ms})
    sps = sorted({m.sparsity for m in ms})
    return (f"m'={sizes[0]}..{sizes[-1]} ({len(sizes)} sizes), s={','.join(map(str, sps))}, "
            f"{len(fams)} famil{'y' if len(fams) == 1 else 'ies'}")


def size_check(name: str, ms: list[Measurement], quantity: str, tolerance: float) -> Evidence:
    """Every ratio within the stated constant, and not growing over the top decade.

    Decisive only for a construction without count formulas; where it declares them, the
    ``<problem>-count-formula`` check decides and this one stays as a refute-only cross-check.
    """
    if not ms:
        return Evidence(name, Verdict.UNKNOWN, f"{_LABEL[quantity]} within its stated constant",
                        "construction, exact counts from the circuit", "none",
                        "nothing was measured (no size, family or sparsity selected)")
    index = 1 if quantity == "params" else 0
    label = _LABEL[quantity]
    construction = ms[0].construction
    stated_of = find_construction(ms[0].problem, construction).stated
    groups: dict[tuple[int, str], list[tuple[int, float]]] = {}
    for m in ms:
        groups.setdefault((m.sparsity, m.family), []).append((m.m_prime, m.ratio(quantity)))
    failures, unknown, rising = [], [], []
    worst, steepest = (0.0, ""), (-math.inf, "")
    table = []
    for (s, fam), points in sorted(groups.items()):
        stated = stated_of(s)
        points.sort()
        top = top_decade(points)
        grow = slope(top) if len(top) >= 2 else None
        table.append({"sparsity": s, "family": fam, "stated": None if stated is None
                      else stated[index], "slope": grow,
                      "ratios": {str(m): round(r, 4) for m, r in points}})
        if stated is None:
            unknown.append(f"no stated constant for {construction} at s={s}")
            continue
        if grow is None:
            unknown.append(f"{fam} s={s}: fewer than two sizes in the top decade")
        for m_prime, r in points:
            if r > worst[0]:
                worst = (r, f"{fam} s={s} m'={m_prime}")
            if r > stated[index]:
                failures.append(f"{label} = {r:.2f} > {stated[index]:g} at {fam} s={s} "
                                f"m'={m_prime}")
        if grow is not None:
            if grow > steepest[0]:
                steepest = (grow, f"{fam} s={s}")
            if grow > tolerance:
                rising.append(f"{label} still rising at {fam} s={s}: slope {grow:.3f} > "
                              f"{tolerance:g} over m'={top[0][0]}..{top[-1][0]}")
    statement = (f"{construction}: {label} <= the stated constant at every size, with "
                 f"top-decade slope <= {tolerance:g}")
    detail = (f"max {worst[0]:.2f} ({worst[1]}); steepest top-decade slope "
              f"{steepest[0]:+.3f} ({steepest[1]})")
    if failures:
        verdict, detail = Verdict.REFUTED, "; ".join(failures[:3]) + f" [{detail}]"
    elif unknown or rising:
        verdict = Verdict.UNKNOWN
        detail = "; ".join((sorted(set(unknown)) + rising)[:3])
        if rising:
            detail += " (within the stated constant; rerun with a larger --max-m-prime)"
    else:
        verdict = Verdict.PROVED
    declared = find_construction(ms[0].problem, construction).counts is not None
    if declared and verdict is Verdict.UNKNOWN:
        detail += " (refute-only here: the count formula decides the asymptotics)"
    return Evidence(name, verdict, statement, "construction, exact counts from the circuit",
                    _sizes_text(ms), detail, data={"ratios": table}, decisive=not declared)


def _counterexample_text(m: Measurement) -> str:
    ex = m.counterexample
    if ex is None:
        return f"{m.correctness.wrong_outputs} wrong outputs at {m.label()}"
    return (f"{m.label()}: active={list(ex.active)} output {ex.output} reads {ex.got}, "
            f"expected {ex.expected} ({m.correctness.wrong_inputs} of "
            f"{m.correctness.inputs_checked} inputs wrong)")


def _decided(m: Measurement) -> tuple[Verdict, int, str] | None:
    """(verdict, inputs covered, method) for a circuit decided on every s-sparse input."""
    if m.certificate is not None:
        c = m.certificate
        return c.verdict, c.inputs_covered, c.method
    if not m.correctness.complete:
        return None
    if m.correctness.wrong_outputs:
        return (Verdict.REFUTED if m.replay_confirmed else Verdict.UNKNOWN), 0, "exhaustive"
    return Verdict.PROVED, m.correctness.inputs_checked, "exhaustive"


def certified_check(name: str, ms: list[Measurement]) -> Evidence:
    """Decisive: every measured circuit small enough to enumerate or to certify."""
    statement = "every s-sparse input decoded correctly"
    method_text = "exhaustive enumeration, or the pruned structural search with Z3 (certify)"
    decided = [(m, *d) for m in ms if (d := _decided(m)) is not None]
    if not decided:
        return Evidence(f"{name}/certified", Verdict.UNKNOWN, statement, method_text, "none",
                        "no circuit was small enough to enumerate or within the certify range")
    group = [m for m, *_ in decided]
    refuted = [m for m, v, *_ in decided if v is Verdict.REFUTED]
    open_ = [m for m, v, *_ in decided if v is Verdict.UNKNOWN]
    methods = sorted({meth for *_, meth in decided})
    if refuted:
        verdict = Verdict.REFUTED
        detail = (f"{len(refuted)} of {len(group)} circuits wrong; first: "
                  f"{_counterexample_text(refuted[0])} (replayed)")
    elif open_:
        verdict = Verdict.UNKNOWN
        first = open_[0]
        why = (first.certificate.reason if first.certificate is not None else
               "a reported counterexample did not replay through the plain evaluator")
        detail = f"{len(open_)} of {len(group)} circuits undecided; {first.label()}: {why}"
    else:
        verdict = Verdict.PROVED
        inputs = sum(covered for _, _, covered, _ in decided)
        slowest = max((m.certificate.seconds for m in group if m.certificate), default=0.0)
        repaired = [m for m in group if m.vetoes]
        detail = (f"0 wrong outputs on all {inputs} s-sparse inputs of {len(group)} circuits "
                  f"({', '.join(methods)}; slowest certificate {slowest:.1f}s)"
                  + (f"; {len(repaired)} circuit(s) repaired by "
                     f"{sum(m.vetoes for m in repaired)} veto(es), counted in their sizes"
                     if repaired else ""))
    replay = (refuted or open_ or [None])[0]
    return Evidence(f"{name}/certified", verdict, statement,
                    method_text + f" ({', '.join(methods)})", _sizes_text(group), detail,
                    data={"circuits": [_decided_row(m, v, covered, meth)
                                       for m, v, covered, meth in decided]},
                    replay=replay.replay_command() if replay is not None else None)


def _decided_row(m: Measurement, verdict: Verdict, covered: int, method: str) -> dict:
    row = {"label": m.label(), "verdict": verdict.value, "inputs_covered": covered,
           "method": method, "vetoes": m.vetoes}
    if m.certificate is not None:
        row |= {"seconds": round(m.certificate.seconds, 3), "reason": m.certificate.reason,
                "stats": m.certificate.stats}
    return row


def fuzzed_check(name: str, ms: list[Measurement]) -> Evidence | None:
    """Refute-only: sampled random and adversarial inputs of every circuit too large to
    enumerate (certified ones included, so the fuzzer's findings stand beside the proof)."""
    group = [m for m in ms if m.correctness.method == "fuzz"]
    if not group:
        return None
    inputs = sum(m.correctness.inputs_checked for m in group)
    wrong = [m for m in group if m.correctness.wrong_outputs]
    bad_replay = [m for m in wrong if not m.replay_confirmed]
    if bad_replay:
        verdict = Verdict.UNKNOWN
        detail = ("a reported counterexample did not replay through the plain evaluator "
                  f"at {bad_replay[0].label()}: an evaluator bug, not a verdict")
    elif wrong:
        verdict = Verdict.REFUTED
        detail = (f"{len(wrong)} of {len(group)} circuits wrong; first: "
                  f"{_counterexample_text(wrong[0])} (replayed)")
    else:
        verdict = Verdict.UNKNOWN
        detail = (f"0 wrong outputs on {inputs} sampled inputs of {len(group)} circuits; "
                  "sampling cannot prove absence")
    return Evidence(f"{name}/fuzzed", verdict,
                    "no wrong output on random and adversarial inputs",
                    f"fuzzing, {group[0].settings.samples} inputs per circuit, "
                    f"seed {group[0].settings.fuzz_seed}", _sizes_text(group), detail,
                    decisive=False,
                    data={"circuits": [m.correctness.as_dict() | {"label": m.label()}
                                       for m in group]},
                    replay=wrong[0].replay_command() if wrong else None)


def correctness_checks(name: str, ms: list[Measurement]) -> list[Evidence]:
    """A decisive record for enumerated or certified circuits and a refute-only one for
    sampled ones."""
    fuzzed = fuzzed_check(name, ms)
    return [certified_check(name, ms)] + ([fuzzed] if fuzzed is not None else [])


def _size(problem: str, quantity: str) -> Callable:
    name = f"{problem}-{quantity}"
    return lambda run: [size_check(name, run.measurements(problem), quantity,
                                   run.config.slope_tolerance)]


def _correct(problem: str) -> Callable:
    return lambda run: correctness_checks(f"{problem}-correct", run.measurements(problem))


@dataclass(frozen=True)
class DeferredCheck:
    """A check that lives in another sub-package, named rather than imported: calling it with
    a run imports ``module`` (on first use only) and returns ``module.function(**kwargs)``,
    where each keyword in ``options`` takes the value of the dotted attribute path of
    ``run.config`` paired with it. So the registry costs nothing to import: Z3, the minimal
    search and the mutants load only when verify runs their check.

    >>> DeferredCheck("math", "dist", ()).target().__name__
    'dist'
    """

    module: str
    function: str
    options: tuple[tuple[str, str], ...] = ()

    def target(self) -> Callable[..., list[Evidence]]:
        """The check function itself, imported now."""
        return getattr(importlib.import_module(self.module), self.function)

    def __call__(self, run) -> list[Evidence]:
        kwargs = {name: operator.attrgetter(path)(run.config) for name, path in self.options}
        return self.target()(**kwargs)


CHECKS: dict[str, Callable] = {
    "and2-neurons": _size("and2", "neurons"),
    "and2-params": _size("and2", "params"),
    "and2-correct": _correct("and2"),
    "perm-neurons": _size("perm", "neurons"),
    "perm-params": _size("perm", "params"),
    "perm-correct": _correct("perm"),
    "represent-width": _size("represent", "width"),
    "represent-correct": _correct("represent"),
    "premises": DeferredCheck("superpose.checks.premises", "premise_evidence"),
    "minimal-sizes": DeferredCheck("superpose.checks.minimal", "minimal_evidence",
                                   (("timeout", "solver_timeout"),)),
    "selftest": DeferredCheck("superpose.checks.selftest", "selftest_evidence",
                              (("seed", "settings.seed"),)),
}
