"""Rendering verify reports and sweeps as text, Markdown and JSON (the only printing code)."""

from __future__ import annotations

import json
import platform
import textwrap
from importlib import metadata

from checks._sweep import Measurement
from checks._verify import VerifyReport

__all__ = ["render_text", "report_json", "measurement_rows", "render_measurements", "versions"]


def versions() -> dict[str, str]:
    """Versions of the suite, its solvers and Python, for reproducible reports."""
    out = {"python": platform.python_version()}
    for dist in ("superpose", "numpy", "scipy", "sympy", "z3-solver", "hypothesis"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def render_text(report: VerifyReport, verbose: bool = False) -> str:
    """The claims table: id, verdict and statement, then the checks behind each claim.

    By default one short line per check, and the symbolic steps of a claim folded into one line;
    ``verbose`` shows every check and step in full (method, sizes, evidence, the finite
    statement it decided, its replay command) and the measured counts.
    """
    lines = [f"{'CLAIM':<16} {'VERDICT':<8} STATEMENT / CHECK: METHOD | SIZES | EVIDENCE",
             "-" * 100]
    results = report.results + report.extra_claims
    for result in results:
        claim = result.claim
        lines.append(f"{claim.id:<16} {result.verdict.value:<8} {claim.statement} "
                     f"[{claim.source}]")
        if not result.evidence:
            lines.append(f"{'':<25}{result.reason}")
        steps = [e for e in result.evidence if e.check.startswith("derive:")]
        if steps and not verbose:
            verdicts = sorted({e.verdict.value for e in steps})
            names = ", ".join(e.check.removeprefix("derive:") for e in steps)
            lines.extend(_wrap(f"{len(steps)} symbolic steps {'/'.join(verdicts)}: {names} "
                               "(-v shows each limit and its premises)"))
        for e in result.evidence:
            if e in steps and not verbose:
                continue
            if verbose:
                lines.extend(_wrap(f"{e.check} {e.verdict.value}: {e.method} | {e.sizes} | "
                                   f"{e.detail}"))
                lines.append(f"{'':<27}statement checked: {e.statement}")
            else:
                lines.extend(_wrap(f"{e.check} {e.verdict.value}: {_shorten(e.detail)}"))
            if e.replay and (verbose or e.verdict.value == "REFUTED"):
                lines.append(f"{'':<27}replay: {e.replay}")
    counts = {v: 0 for v in ("PROVED", "REFUTED", "UNKNOWN")}
    for result in results:
        counts[result.verdict.value] += 1
    s = report.config.settings
    lines.append("-" * 100)
    lines.append(f"{counts['PROVED']} proved, {counts['REFUTED']} refuted, {counts['UNKNOWN']} "
                 f"unknown in {report.seconds:.1f}s (seed {s.seed}, instance seed "
                 f"{s.instance_seed}, fuzz seed {s.fuzz_seed}, {s.samples} samples per circuit)")
    lines.append("PROVED for an upper bound = the finite statements above hold at every listed "
                 "size; fuzzing can only refute; -v shows everything.")
    if verbose and report.measurements:
        lines.append("")
        lines.append(render_measurements(report.measurements, markdown=False))
    return "\n".join(lines)


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, 100, initial_indent=" " * 25, subsequent_indent=" " * 27)


def _shorten(text: str, width: int = 230) -> str:
    return text if len(text) <= width else text[: width - 5].rstrip() + " ..."


def measurement_rows(ms: list[Measurement]) -> list[dict]:
    """One dict per measured circuit: sizes, exact counts, ratios and correctness."""
    rows = []
    for m in ms:
        c = m.counts
        rows.append({
            "problem": m.problem, "construction": m.construction, "family": m.family,
            "sparsity": m.sparsity, "m_prime": m.m_prime, "m": m.m, "neurons": c.neurons,
            "neurons_without_input": c.neurons_without_input, "relus": c.relus,
            "params": c.params, "bits": c.bits,
            "neurons_ratio": round(m.ratio("neurons"), 3),
            "params_ratio": round(m.ratio("params"), 3),
            "superposition": round(m.superposition, 3),
            "check": m.correctness.method, "inputs": m.correctness.inputs_checked,
            "wrong_outputs": m.correctness.wrong_outputs,
            "certified": (m.certificate.verdict.value if m.certificate is not None else
                          "PROVED" if m.correctness.complete and not m.correctness.wrong_outputs
                          else "REFUTED" if m.correctness.complete else "-"),
            "certify_seconds": (round(m.certificate.seconds, 3)
                                if m.certificate is not None else None),
            "vetoes": m.vetoes,
            "build_seconds": round(m.build_seconds, 3), "seed": m.settings.seed,
            "instance_seed": m.settings.instance_seed,
        })
    return rows


_COLUMNS = (("problem", "problem"), ("family", "family"), ("sparsity", "s"), ("m_prime", "m'"),
            ("m", "m"), ("neurons", "neurons"), ("neurons_ratio", "N/(√m' log m')"),
            ("params", "params"), ("params_ratio", "P/(m' log² m')"),
            ("superposition", "m'/N"), ("check", "check"), ("inputs", "inputs"),
            ("wrong_outputs", "wrong"), ("certified", "certified"), ("vetoes", "vetoes"))


def render_measurements(ms: list[Measurement], markdown: bool = True) -> str:
    """The measurement table (Markdown, or aligned plain text)."""
    rows = measurement_rows(ms)
    header = [title for _, title in _COLUMNS]
    body = [[str(row[key]) for key, _ in _COLUMNS] for row in rows]
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(out)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    return "\n".join([fmt.format(*header)] + [fmt.format(*r) for r in body])


def report_json(report: VerifyReport) -> str:
    """The whole report as JSON: claims, evidence, measurements, settings and versions."""
    def claim_dict(result):
        c = result.claim
        return {"id": c.id, "statement": c.statement, "source": c.source, "kind": c.kind,
                "quantity": c.quantity, "problem": c.problem, "bound": c.bound,
                "assumptions": list(c.assumptions), "verdict": result.verdict.value,
                "reason": result.reason,
                "evidence": [{"check": e.check, "verdict": e.verdict.value,
                              "statement": e.statement, "method": e.method, "sizes": e.sizes,
                              "detail": e.detail, "decisive": e.decisive, "replay": e.replay,
                              "data": e.data} for e in result.evidence]}
    s = report.config.settings
    payload = {
        "claims": [claim_dict(r) for r in report.results + report.extra_claims],
        "measurements": measurement_rows(report.measurements),
        "settings": {"seed": s.seed, "instance_seed": s.instance_seed, "samples": s.samples,
                     "fuzz_seed": s.fuzz_seed, "exhaustive_limit": s.exhaustive_limit,
                     "certify_max_m_prime": s.certify_max_m_prime,
                     "certify_timeout": s.certify_timeout,
                     "solver_timeout": report.config.solver_timeout,
                     "max_m_prime": report.config.max_m_prime,
                     "sparsities": list(report.config.sparsities),
                     "slope_tolerance": report.config.slope_tolerance},
        "exit_code": report.exit_code(),
        "seconds": round(report.seconds, 3),
        "versions": versions(),
    }
    return json.dumps(payload, indent=2, default=str)
