"""A verify report as Markdown (for a pull-request comment or a paper's appendix) and as JUnit
XML (for CI test views), beside the text and JSON of :mod:`superpose.checks.report._report`.

Both carry the same facts as the JSON: every claim with its verdict and reason, the evidence
of each check (verdict, whether it is decisive, method, sizes, the finite statement it decided,
its numbers, its replay command), the measured sizes, the seeds, the versions and the command
that replays the run. Verdicts map onto JUnit as: PROVED passes, REFUTED is a ``<failure>``,
UNKNOWN is ``<skipped>`` (a test view has no "inconclusive"; the exit code keeps it apart).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from superpose.checks.report._report import (
    claim_origins,
    claim_sizes,
    render_measurements,
    run_seeds,
    verdict_counts,
    verify_replay,
    versions,
)
from superpose.checks.verification import ClaimResult, VerifyReport
from superpose.theory import Evidence, Verdict

__all__ = ["render_markdown", "render_junit", "LEDGER_CLASSNAME", "FILE_CLASSNAME"]

#: The JUnit ``classname`` of the suite's claims (the ledger's and the registered problems')
#: and of a claim file's claims; the pytest plugin uses the same names, so both JUnit files
#: group claims alike.
LEDGER_CLASSNAME = "superpose.claims"
FILE_CLASSNAME = "superpose.claims.file"

_EXIT_MEANING = {0: "nothing refuted", 1: "a claim refuted", 3: "inconclusive"}
_MD_SPECIAL = re.compile(r"([\\`*_|]|<(?=[A-Za-z/!?])|\](?=\())")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _md(text: object) -> str:
    """Text for a Markdown paragraph or table cell: one line, with the characters escaped that
    could break a table or start emphasis, code, an HTML tag or a link (``<=`` and ``[x]``
    stay as they are)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _code(text: str) -> str:
    """An inline code span (for ids, check names and commands), safe inside a table."""
    text = " ".join(text.split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def _verdict_md(verdict: Verdict) -> str:
    return f"**{verdict.value}**" if verdict is Verdict.REFUTED else verdict.value


def _evidence_md(e: Evidence) -> list[str]:
    role = "decisive" if e.decisive else "refute-only"
    lines = [f"- {_code(e.check)}: {_verdict_md(e.verdict)} ({role}). {_md(e.method)}; "
             f"sizes: {_md(e.sizes)}.",
             f"  - statement: {_md(e.statement)}",
             f"  - evidence: {_md(e.detail)}"]
    if e.replay:
        lines.append(f"  - replay: {_code(e.replay)}")
    return lines


def _claim_md(result: ClaimResult, report: VerifyReport) -> list[str]:
    c = result.claim
    lines = ["", f"#### {c.id}: {result.verdict.value}", "",
             f"{_md(c.statement)} (source: {_md(c.source)}; about {_md(c.about)}).", "",
             f"Verdict {_verdict_md(result.verdict)}: {_md(result.reason)}."]
    if c.assumptions:
        lines += ["", "Assumptions: " + "; ".join(_md(a) for a in c.assumptions) + "."]
    sizes = claim_sizes(result, report.measurements)
    if sizes:
        lines += ["", "Measured: " + "; ".join(
            f"{p} m' = {', '.join(map(str, v['m_prime']))}, s = "
            f"{', '.join(map(str, v['sparsities']))}, families {', '.join(v['families'])} "
            f"({v['circuits']} circuits)" for p, v in sizes.items()) + "."]
    lines.append("")
    if not result.evidence:
        lines.append("No check bears on this claim yet.")
    for e in result.evidence:
        lines += _evidence_md(e)
    return lines


def render_markdown(report: VerifyReport, strict: bool = False, replay: str | None = None) -> str:
    """The report as GitHub-flavoured Markdown: a summary line, the claims table (id, verdict,
    statement, reason), one evidence section per claim, the measurements table, then the
    versions, seeds and the replay command. ``strict`` and ``replay`` as in
    :func:`superpose.checks.report._report.report_json`."""
    results = report.results + report.extra_claims
    counts = verdict_counts(results)
    code = report.exit_code(strict)
    lines = ["## superpose verify", "",
             f"**{len(results)} claims: {counts['PROVED']} PROVED, {counts['REFUTED']} REFUTED, "
             f"{counts['UNKNOWN']} UNKNOWN** (exit code {code}, {_EXIT_MEANING.get(code, '')}) "
             f"in {report.seconds:.1f} s with superpose {versions()['superpose']}.", "",
             "| Claim | Verdict | Statement | Reason |", "|---|---|---|---|"]
    for result in results:
        c = result.claim
        lines.append(f"| {_code(c.id)} | {_verdict_md(result.verdict)} | {_md(c.statement)} "
                     f"| {_md(result.reason)} |")
    lines += ["", "PROVED means every decisive check proved its finite statement (for an upper "
              "bound: at every measured size); fuzzing can only refute. Lower bounds are proved "
              "given their premises.", "", "### Evidence"]
    for result in results:
        lines += _claim_md(result, report)
    if report.measurements:
        lines += ["", "### Measurements", "", render_measurements(report.measurements)]
    seeds = run_seeds(report.config)
    settings = report.config.settings
    lines += ["", "### Reproduce", "",
              "| Package | Version |", "|---|---|"]
    lines += [f"| {_md(name)} | {_md(version)} |" for name, version in versions().items()]
    lines += ["", f"Seeds: seed {seeds['seed']}, instance seed {seeds['instance_seed']}, fuzz "
              f"seed {seeds['fuzz_seed']}; {settings.samples} fuzzing samples per circuit, "
              f"certified up to m' = {settings.certify_max_m_prime}.", "",
              "```", replay if replay is not None else verify_replay(report.config), "```", ""]
    return "\n".join(lines)


def _xml_text(text: object) -> str:
    return _XML_INVALID.sub("?", str(text))


def _claim_text(result: ClaimResult) -> str:
    """The claim and its evidence as plain text (a testcase's system-out)."""
    c = result.claim
    lines = [f"{c.id} {result.verdict.value}: {c.statement} [{c.source}; about {c.about}]",
             f"reason: {result.reason}"]
    for e in result.evidence:
        role = "decisive" if e.decisive else "refute-only"
        lines.append(f"  {e.check} {e.verdict.value} ({role}): {e.method} | {e.sizes} | "
                     f"{e.detail}")
        lines.append(f"    statement: {e.statement}")
        if e.replay:
            lines.append(f"    replay: {e.replay}")
    return "\n".join(lines)


def _testcase(parent: ET.Element, result: ClaimResult, classname: str) -> None:
    case = ET.SubElement(parent, "testcase", classname=classname, name=result.claim.id)
    if result.verdict is Verdict.REFUTED:
        refuting = [e for e in result.evidence if e.verdict is Verdict.REFUTED]
        failure = ET.SubElement(case, "failure", message=_xml_text(result.reason),
                                type="REFUTED")
        failure.text = _xml_text("\n".join(
            f"{e.check}: {e.detail}" + (f"\nreplay: {e.replay}" if e.replay else "")
            for e in refuting))
    elif result.verdict is Verdict.UNKNOWN:
        ET.SubElement(case, "skipped", message=_xml_text(f"UNKNOWN: {result.reason}"),
                      type="UNKNOWN")
    out = ET.SubElement(case, "system-out")
    out.text = _xml_text(_claim_text(result))


def _suite(parent: ET.Element, name: str, results: list[ClaimResult], seconds: float,
           properties: dict[str, str]) -> ET.Element:
    counts = verdict_counts(results)
    suite = ET.SubElement(parent, "testsuite", name=name, tests=str(len(results)),
                          failures=str(counts["REFUTED"]), errors="0",
                          skipped=str(counts["UNKNOWN"]), time=f"{seconds:.3f}")
    props = ET.SubElement(suite, "properties")
    for key, value in properties.items():
        ET.SubElement(props, "property", name=key, value=_xml_text(value))
    for result in results:
        _testcase(suite, result, name)
    return suite


def render_junit(report: VerifyReport, strict: bool = False, replay: str | None = None) -> str:
    """The report as JUnit XML: a ``<testsuite>`` of the suite's claims, the ledger's and the
    registered problems' (classname ``superpose.claims``) and, when a claim file was checked,
    one of its claims (classname ``superpose.claims.file``); one ``<testcase>`` per claim
    named by its id. The suites' properties hold the versions, the seeds, the exit code and the
    replay command; the whole run's seconds are on the first suite (verify does not time
    claims one by one)."""
    origins = claim_origins(report)
    results = [r for r, _ in origins]
    files = [r for r, origin in origins if origin == "file"]
    counts = verdict_counts(results)
    root = ET.Element("testsuites", name="superpose verify", tests=str(len(results)),
                      failures=str(counts["REFUTED"]), errors="0",
                      skipped=str(counts["UNKNOWN"]), time=f"{report.seconds:.3f}")
    properties = {f"version:{k}": v for k, v in versions().items()}
    properties |= {k: str(v) for k, v in run_seeds(report.config).items()}
    properties["exit_code"] = str(report.exit_code(strict))
    properties["replay"] = replay if replay is not None else verify_replay(report.config)
    _suite(root, LEDGER_CLASSNAME, [r for r, origin in origins if origin != "file"],
           report.seconds, properties)
    if files:
        _suite(root, FILE_CLASSNAME, files, 0.0, properties)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
