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
"""

from __future__ import annotations

import math
from typing import Callable

from checks._sweep import Measurement
from circuits import find_construction
from theory import Evidence, Verdict

__all__ = ["CHECKS", "slope", "top_decade"]

_LABEL = {"neurons": "neurons / (sqrt(m') log2 m')", "params": "params / (m' log2^2 m')",
          "width": "width / log2 m'"}


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(ratio) against log(m').

    >>> round(slope([(100, 1.0), (1000, 10.0)]), 6)
    1.0
    """
    xs = [math.log(m) for m, _ in points]
    ys = [math.log(r) for _, r in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def top_decade(rows: list[tuple]) -> list[tuple]:
    """The rows (m', ...) whose m' lies within a factor ten of the largest.

    >>> top_decade([(100, 'a'), (316, 'b'), (1000, 'c')])
    [(100, 'a'), (316, 'b'), (1000, 'c')]
    """
    largest = max(row[0] for row in rows)
    return [row for row in rows if row[0] * 10 >= largest]


def _sizes_text(ms: list[Measurement]) -> str:
    sizes = sorted({m.m_prime for m in ms})
    fams = sorted({m.family for m in ms})
    sps = sorted({m.sparsity for m in ms})
    return (f"m'={sizes[0]}..{sizes[-1]} ({len(sizes)} sizes), s={','.join(map(str, sps))}, "
            f"{len(fams)} famil{'y' if len(fams) == 1 else 'ies'}")


def size_check(name: str, ms: list[Measurement], quantity: str, tolerance: float) -> Evidence:
    """Every ratio within the stated constant, and not growing over the top decade."""
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
    return Evidence(name, verdict, statement, "construction, exact counts from the circuit",
                    _sizes_text(ms), detail, data={"ratios": table})


def _counterexample_text(m: Measurement) -> str:
    ex = m.counterexample
    if ex is None:
        return f"{m.correctness.wrong_outputs} wrong outputs at {m.label()}"
    return (f"{m.label()}: active={list(ex.active)} output {ex.output} reads {ex.got}, "
            f"expected {ex.expected} ({m.correctness.wrong_inputs} of "
            f"{m.correctness.inputs_checked} inputs wrong)")


def correctness_checks(name: str, ms: list[Measurement]) -> list[Evidence]:
    """A decisive record for enumerated circuits and a refute-only one for sampled ones."""
    out = []
    for method, decisive in (("exhaustive", True), ("fuzz", False)):
        group = [m for m in ms if m.correctness.method == method]
        if not group:
            if decisive:
                out.append(Evidence(f"{name}/certified", Verdict.UNKNOWN,
                                    "every s-sparse input decoded correctly",
                                    "exhaustive enumeration", "none",
                                    "no size was small enough to enumerate"))
            continue
        inputs = sum(m.correctness.inputs_checked for m in group)
        wrong = [m for m in group if m.correctness.wrong_outputs]
        bad_replay = [m for m in wrong if not m.replay_confirmed]
        replays = [m.replay_command() for m in wrong]
        if bad_replay:
            verdict = Verdict.UNKNOWN
            detail = ("a reported counterexample did not replay through the plain evaluator "
                      f"at {bad_replay[0].label()}: an evaluator bug, not a verdict")
        elif wrong:
            verdict = Verdict.REFUTED
            detail = (f"{len(wrong)} of {len(group)} circuits wrong; first: "
                      f"{_counterexample_text(wrong[0])} (replayed)")
        elif decisive:
            verdict = Verdict.PROVED
            detail = f"0 wrong outputs on all {inputs} inputs of {len(group)} circuits"
        else:
            verdict = Verdict.UNKNOWN
            detail = (f"0 wrong outputs on {inputs} sampled inputs of {len(group)} circuits; "
                      "sampling cannot prove absence")
        suffix, statement = (("certified", "every s-sparse input decoded correctly")
                             if decisive else
                             ("fuzzed", "no wrong output on random and adversarial inputs"))
        method_text = ("exhaustive enumeration of every s-sparse input" if decisive else
                       f"fuzzing, {group[0].settings.samples} inputs per circuit, "
                       f"seed {group[0].settings.fuzz_seed}")
        out.append(Evidence(f"{name}/{suffix}", verdict, statement, method_text,
                            _sizes_text(group), detail, decisive=decisive,
                            data={"circuits": [m.correctness.as_dict() | {"label": m.label()}
                                               for m in group]},
                            replay=replays[0] if replays else None))
    return out


def _size(problem: str, quantity: str) -> Callable:
    name = f"{problem}-{quantity}"
    return lambda run: [size_check(name, run.measurements(problem), quantity,
                                   run.config.slope_tolerance)]


def _correct(problem: str) -> Callable:
    return lambda run: correctness_checks(f"{problem}-correct", run.measurements(problem))


CHECKS: dict[str, Callable] = {
    "and2-neurons": _size("and2", "neurons"),
    "and2-params": _size("and2", "params"),
    "and2-correct": _correct("and2"),
    "perm-neurons": _size("perm", "neurons"),
    "perm-params": _size("perm", "params"),
    "perm-correct": _correct("perm"),
    "represent-width": _size("represent", "width"),
    "represent-correct": _correct("represent"),
}
