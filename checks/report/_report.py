"""Rendering verify reports and sweeps as text, Markdown and JSON (the only printing code).

Also what every report format shares: the versions, the run's configuration, the seeds, the
sizes measured for each claim, and the ``superpose verify`` command that replays the run
(:mod:`superpose.checks.report._formats` renders Markdown and JUnit XML from them).
"""

from __future__ import annotations

import json
import platform
import shlex
import textwrap
from dataclasses import asdict, replace
from importlib import metadata

from superpose.checks.sweep import Measurement
from superpose.checks.verification import ClaimResult, VerifyConfig, VerifyReport, problem_claims

__all__ = ["render_text", "report_json", "measurement_rows", "render_measurements", "versions",
           "claim_origins", "claim_sizes", "run_seeds", "config_dict", "verify_replay",
           "verdict_counts"]

#: Bumped when a key of the JSON report changes meaning or disappears.
JSON_FORMAT_VERSION = 2


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
    """The claims table: id, verdict, statement, source and what the verdict is about (a
    construction, or the problem), then the checks behind each claim.

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
                     f"[{claim.source}; about {claim.about}]")
        if not result.evidence:
            lines.append(f"{'':<25}{result.reason}")
        steps = [e for e in result.evidence if e.check.startswith("derive:")]
        hand = [e for e in result.evidence if e.check.startswith("step:")]
        if steps and not verbose:
            verdicts = sorted({e.verdict.value for e in steps})
            names = ", ".join(e.check.removeprefix("derive:") for e in steps)
            lines.extend(_wrap(f"{len(steps)} symbolic steps {'/'.join(verdicts)}: {names} "
                               "(-v shows each limit and its premises)"))
        if hand and not verbose:
            parts: dict[str, int] = {}
            for e in dict.fromkeys(e.check for e in hand):
                part = e.removeprefix("step:").split(".")[0]
                parts[part] = parts.get(part, 0) + 1
            shown = ", ".join(f"{n} {part}" for part, n in parts.items())
            lines.extend(_wrap(f"{sum(parts.values())} derivation steps of the construction "
                               f"({shown}; -v shows each with its premises and its circuit "
                               "check)"))
        steps = steps + hand
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
    counts = verdict_counts(results)
    s = report.config.settings
    lines.append("-" * 100)
    lines.append(f"{counts['PROVED']} proved, {counts['REFUTED']} refuted, {counts['UNKNOWN']} "
                 f"unknown in {report.seconds:.1f}s (seed {s.seed}, instance seed "
                 f"{s.instance_seed}, fuzz seed {s.fuzz_seed}, {s.samples} samples per circuit)")
    lines.append("PROVED for an upper bound = the asymptotic statement, given the listed "
                 "premises: its count formula is in the class, F -> 0 above the threshold, no "
                 "circuit exceeds its formula and every certified size holds; fuzzing can only "
                 "refute; -v shows everything.")
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


def verdict_counts(results: list[ClaimResult]) -> dict[str, int]:
    """How many claims got each verdict, every verdict listed (zeros included)."""
    counts = {v: 0 for v in ("PROVED", "REFUTED", "UNKNOWN")}
    for result in results:
        counts[result.verdict.value] += 1
    return counts


def claim_origins(report: VerifyReport) -> list[tuple[ClaimResult, str]]:
    """Every result with where its claim comes from: ``"ledger"`` (theory.CLAIMS),
    ``"problem"`` (a registered problem's own claim) or ``"file"`` (a claim file)."""
    own = set(problem_claims())
    return ([(r, "ledger") for r in report.results]
            + [(r, "problem" if r.claim in own else "file") for r in report.extra_claims])


def run_seeds(config: VerifyConfig) -> dict[str, int]:
    """The seeds of a run: codes and weights (``seed``), instances, and fuzzing."""
    s = config.settings
    return {"seed": s.seed, "instance_seed": s.instance_seed, "fuzz_seed": s.fuzz_seed}


def config_dict(config: VerifyConfig) -> dict:
    """Every field of the run's configuration, its sweep settings included."""
    return asdict(config)


def claim_sizes(result: ClaimResult, ms: list[Measurement]) -> dict[str, dict]:
    """The sizes measured for one claim, per problem: its m' values, families, sparsities and
    number of circuits.

    A claim draws on a problem's measurements when one of its checks is named
    ``<problem>-...`` (``and2-neurons``, ``perm-correct``) or is the ``measured`` check of a
    claim-file bound about that problem; symbolic claims draw on none (``{}``). A claim about a
    construction draws on that construction's circuits only.
    """
    if result.claim.construction:
        ms = [m for m in ms if m.construction == result.claim.construction]
    measured = {m.problem for m in ms}
    used = set()
    for e in result.evidence:
        if e.check == "measured":
            used |= set(result.claim.problems) & measured
        used |= {p for p in measured if e.check.startswith(p + "-")}
    out = {}
    for problem in sorted(used):
        mine = [m for m in ms if m.problem == problem]
        out[problem] = {"m_prime": sorted({m.m_prime for m in mine}),
                        "families": sorted({m.family for m in mine}),
                        "sparsities": sorted({m.sparsity for m in mine}),
                        "circuits": len(mine)}
    return out


def verify_replay(config: VerifyConfig, claims_file: str | None = None,
                  strict: bool = False) -> str:
    """The ``superpose verify`` command that reruns ``config``: every seed, and each other
    option where it differs from the default. A configuration that the command line cannot
    express (its families, or the s = 3 and represent caps, changed) says so."""
    s, d = config.settings, VerifyConfig().settings
    argv = ["superpose", "verify", "--max-m-prime", str(config.max_m_prime)]
    for sparsity in config.sparsities:
        argv += ["--sparsity", str(sparsity)]
    argv += ["--seed", str(s.seed), "--instance-seed", str(s.instance_seed),
             "--fuzz-seed", str(s.fuzz_seed)]
    for flag, value, default in (("--samples", s.samples, d.samples),
                                 ("--exhaustive-limit", s.exhaustive_limit, d.exhaustive_limit),
                                 ("--certify-max-m-prime", s.certify_max_m_prime,
                                  d.certify_max_m_prime),
                                 ("--certify-timeout", s.certify_timeout, d.certify_timeout)):
        if value != default:
            argv += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    if not s.repair:
        argv.append("--no-repair")
    for problem in config.problems or ():
        argv += ["--problem", problem]
    if claims_file is not None:
        argv += ["--claims", str(claims_file)]
    if strict:
        argv.append("--strict")
    command = shlex.join(argv)
    cli = replace(VerifyConfig(), max_m_prime=config.max_m_prime,
                  sparsities=config.sparsities, settings=config.settings,
                  problems=config.problems)
    if cli != config:
        differ = [k for k in asdict(config) if getattr(config, k) != getattr(cli, k)]
        command += f"  # not exact: {', '.join(differ)} differ from the command line's"
    return command


def report_json(report: VerifyReport, strict: bool = False, replay: str | None = None) -> str:
    """The whole report as JSON: claims (each with its evidence, the sizes measured for it and
    the seeds), measurements, the configuration, versions and the replay command.

    ``strict`` gives the exit code of ``verify --strict``; ``replay`` overrides the command
    built by :func:`verify_replay` (the command line passes its claim file).
    """
    seeds = run_seeds(report.config)

    def claim_dict(result, origin):
        c = result.claim
        return {"id": c.id, "origin": origin, "statement": c.statement, "source": c.source,
                "kind": c.kind, "construction": c.construction or None, "about": c.about,
                "quantity": c.quantity, "problem": c.problem, "bound": c.bound,
                "assumptions": list(c.assumptions), "verdict": result.verdict.value,
                "reason": result.reason,
                "sizes": claim_sizes(result, report.measurements), "seeds": seeds,
                "evidence": [{"check": e.check, "verdict": e.verdict.value,
                              "statement": e.statement, "method": e.method, "sizes": e.sizes,
                              "detail": e.detail, "decisive": e.decisive, "replay": e.replay,
                              "data": e.data} for e in result.evidence]}
    s = report.config.settings
    results = report.results + report.extra_claims
    payload = {
        "format": "superpose-verify-report", "format_version": JSON_FORMAT_VERSION,
        "summary": verdict_counts(results),
        "claims": [claim_dict(r, origin) for r, origin in claim_origins(report)],
        "measurements": measurement_rows(report.measurements),
        "settings": {"seed": s.seed, "instance_seed": s.instance_seed, "samples": s.samples,
                     "fuzz_seed": s.fuzz_seed, "exhaustive_limit": s.exhaustive_limit,
                     "certify_max_m_prime": s.certify_max_m_prime,
                     "certify_timeout": s.certify_timeout,
                     "solver_timeout": report.config.solver_timeout,
                     "max_m_prime": report.config.max_m_prime,
                     "sparsities": list(report.config.sparsities),
                     "slope_tolerance": report.config.slope_tolerance},
        "config": config_dict(report.config),
        "exit_code": report.exit_code(strict),
        "seconds": round(report.seconds, 3),
        "versions": versions(),
        "replay": replay if replay is not None else verify_replay(report.config),
    }
    return json.dumps(payload, indent=2, default=str)
