"""The pytest plugin (entry point ``pytest11``: ``superpose``): every claim as a test item.

``pytest --superpose`` adds one item per claim of the ledger and of every registered problem
(node id ``superpose.claims::<ID>``) and, with ``--superpose-claims FILE``, one per claim of
that TOML file (``superpose.claims.file::<ID>``), next to whatever else pytest collects, so it
works in a directory with no tests at all. The first claim item that runs calls
:func:`checks.verify` once for the session (the cost of ``superpose verify``); every item then
reports its claim:

* PROVED passes;
* REFUTED fails, with the reason, each refuting check's evidence and replay command, the seeds,
  and the pytest and ``superpose verify`` commands that rerun it;
* UNKNOWN is skipped with the reason, or fails with ``--superpose-strict``.

``-k`` and ``-m superpose`` select items as usual (verify still runs every claim: the
consistency checks compare each claim with all the others). ``--junitxml`` names testcases by
claim id under the classname ``superpose.claims``. Without ``--superpose`` (or
``--superpose-claims``) every hook returns at once: no items, no verify, no header line.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from superpose.checks.cli import MIN_M_PRIME, integer, verify_config

__all__ = ["pytest_addoption", "pytest_configure", "pytest_collection_modifyitems",
           "pytest_report_header", "pytest_terminal_summary", "ClaimItem", "ClaimsCollector"]

LEDGER_NODE = "superpose.claims"
FILE_NODE = "superpose.claims.file"


@dataclass
class _Session:
    """What one pytest session needs: the verify configuration, the claims (the ledger's, the
    registered problems' own, the claim file's), the report once verify has run (or the error
    it raised), and how to rerun it."""

    config: object
    claims: tuple
    own: tuple
    specs: tuple
    strict: bool
    replay: str
    report: object = None
    error: BaseException | None = None
    results: dict = field(default_factory=dict)


_KEY = pytest.StashKey[_Session]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("superpose", "superpose: the claims ledger as test items")
    group.addoption("--superpose", action="store_true",
                    help="collect every claim of the superpose ledger and of every registered "
                         "problem as a test item named by its id (PROVED passes, REFUTED "
                         "fails, UNKNOWN skips)")
    group.addoption("--superpose-claims", metavar="FILE", type=Path,
                    help="also collect the claims of this TOML claim file (implies --superpose)")
    group.addoption("--superpose-max-m-prime", metavar="N", default=None,
                    type=integer("--superpose-max-m-prime", MIN_M_PRIME),
                    help="largest m' measured for every problem and sparsity (default: verify's "
                         "sizes, up to m' = 10^4, 10^3 at s = 3, 10^5 for represent, a "
                         "registered problem's own plan); a small N makes the run quick")
    group.addoption("--superpose-sparsity", metavar="S", action="append",
                    type=integer("--superpose-sparsity", 1),
                    help="sparsity to sweep for the built-in problems (repeatable); default 2 "
                         "and 3")
    group.addoption("--superpose-seed", metavar="K", type=integer("--superpose-seed", 0),
                    default=0, help="seed of the codes and weights (default 0)")
    group.addoption("--superpose-strict", action="store_true",
                    help="an UNKNOWN claim fails instead of being skipped")


def _active(config: pytest.Config) -> bool:
    return bool(config.getoption("superpose", False)
                or config.getoption("superpose_claims", None) is not None)


def _replay(config: pytest.Config) -> str:
    argv = ["pytest", "--superpose"]
    for flag, dest in (("--superpose-claims", "superpose_claims"),
                       ("--superpose-max-m-prime", "superpose_max_m_prime")):
        value = config.getoption(dest)
        if value is not None:
            argv += [flag, str(value)]
    for s in config.getoption("superpose_sparsity") or ():
        argv += ["--superpose-sparsity", str(s)]
    argv += ["--superpose-seed", str(config.getoption("superpose_seed"))]
    if config.getoption("superpose_strict"):
        argv.append("--superpose-strict")
    return shlex.join(argv)


def pytest_configure(config: pytest.Config) -> None:
    """With --superpose: build the verify configuration and read the claim file (a bad file,
    or a construction it names that is not registered, is a one-line usage error, exit 4),
    without running anything yet."""
    if not _active(config):
        return
    from superpose.checks.sweep import SweepSettings
    from superpose.checks.verification import check_claim_constructions, problem_claims
    from superpose.theory import CLAIMS, load_claim_file
    from superpose.theory.errors import SuperposeError

    config.addinivalue_line("markers", "superpose: a claim of the superpose ledger, of a "
                                       "registered problem or of a claim file")
    settings = SweepSettings(seed=config.getoption("superpose_seed"))
    run = verify_config(settings=settings, max_m_prime=config.getoption("superpose_max_m_prime"),
                        sparsities=config.getoption("superpose_sparsity"), cap_every_size=True)
    path = config.getoption("superpose_claims")
    try:
        specs = tuple(load_claim_file(path)) if path is not None else ()
        check_claim_constructions(specs)
        own = problem_claims()
    except SuperposeError as exc:
        raise pytest.UsageError(f"superpose: {exc}") from None
    config.stash[_KEY] = _Session(run, tuple(CLAIMS), own, specs,
                                  bool(config.getoption("superpose_strict")), _replay(config))


class ClaimsCollector(pytest.Collector):
    """The suite's claims (the ledger's and the registered problems'), or a claim file's: one
    :class:`ClaimItem` each."""

    def __init__(self, *, records: tuple[tuple[str, str, str], ...], **kwargs):
        super().__init__(**kwargs)
        self.records = records  # (claim id, statement, key of its result)

    def collect(self):
        for claim_id, statement, key in self.records:
            item = ClaimItem.from_parent(self, name=claim_id, statement=statement, key=key)
            item.add_marker(pytest.mark.superpose)
            yield item


class ClaimFailed(Exception):
    """A claim that is REFUTED, or UNKNOWN under --superpose-strict; the message is the report."""


class ClaimItem(pytest.Item):
    """One claim: its outcome is the verdict of the session's verify run."""

    def __init__(self, *, statement: str, key: str, **kwargs):
        super().__init__(**kwargs)
        self.statement = statement
        self.key = key

    def setup(self) -> None:
        _run_verify(self.config.stash[_KEY])

    def runtest(self) -> None:
        state = self.config.stash[_KEY]
        result = state.results[self.key]
        verdict = result.verdict.value
        if verdict == "PROVED":
            return
        if verdict == "UNKNOWN" and not state.strict:
            pytest.skip(f"UNKNOWN: {_unknown_reason(result)}")
        raise ClaimFailed(_failure_text(result, state))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"superpose claim {self.name}"


def _run_verify(state: _Session) -> None:
    """Run verify once per session; a crash is re-raised in every claim's setup (an error,
    not a verdict)."""
    if state.report is None and state.error is None:
        from superpose.checks.verification import verify
        try:
            report = verify(state.config, claims=state.claims, claim_specs=state.specs,
                            own_claims=state.own)
            state.results = _by_key(state, report)
            state.report = report
        except Exception as exc:  # reported as an error of every claim item, never a pass
            state.error = exc
    if state.error is not None:
        raise state.error


def _keys(state: _Session) -> list[tuple[str, str]]:
    """(key, claim id) of every claim item, in the order verify reports them."""
    return ([(f"ledger:{i}", c.id) for i, c in enumerate(state.claims)]
            + [(f"own:{i}", c.id) for i, c in enumerate(state.own)]
            + [(f"file:{i}", s.id) for i, s in enumerate(state.specs)])


def _by_key(state: _Session, report) -> dict:
    """The report's results by item key; a report whose claims are not those collected is an
    error, never a misattributed verdict."""
    results = report.results + report.extra_claims
    keys = _keys(state)
    if [r.claim.id for r in results] != [claim_id for _, claim_id in keys]:
        raise RuntimeError("superpose: verify reported other claims than the plugin collected: "
                           f"{[r.claim.id for r in results]} != {[i for _, i in keys]}")
    return {key: r for (key, _), r in zip(keys, results, strict=True)}


def _unknown_reason(result) -> str:
    open_checks = [e for e in result.evidence
                   if e.decisive and e.verdict.value == "UNKNOWN"]
    detail = f" ({open_checks[0].check}: {_shorten(open_checks[0].detail)})" if open_checks else ""
    return result.reason + detail


def _shorten(text: str, width: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 4].rstrip() + " ..."


def _failure_text(result, state: _Session) -> str:
    from superpose.checks.report import verify_replay

    c = result.claim
    reason = _unknown_reason(result) if result.verdict.value == "UNKNOWN" else result.reason
    lines = [f"{c.id} {result.verdict.value}: {c.statement} [{c.source}]", f"reason: {reason}"]
    for e in result.evidence:
        if e.verdict.value == "PROVED":
            continue
        role = "decisive" if e.decisive else "refute-only"
        lines.append(f"  {e.check} {e.verdict.value} ({role}): {e.detail}")
        lines.append(f"    statement checked: {e.statement}")
        if e.replay:
            lines.append(f"    replay: {e.replay}")
    s = state.config.settings
    lines.append(f"seeds: seed {s.seed}, instance seed {s.instance_seed}, fuzz seed "
                 f"{s.fuzz_seed}")
    lines.append(f"rerun: {state.replay} -k {shlex.quote(c.id)}")
    lines.append(f"   or: {verify_replay(state.config, _claims_file(state), state.strict)}")
    return "\n".join(lines)


def _claims_file(state: _Session) -> str | None:
    return state.specs[0].origin if state.specs else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Add the claim items before -k, -m and --deselect select among all items."""
    if not _active(config):
        return
    state = config.stash[_KEY]
    statements = ([c.statement for c in state.claims + state.own]
                  + [f"{s.problem} {s.kind} bound on {s.quantity}: {s.bound_text}"
                     + (f" (about construction {s.construction})" if s.construction else "")
                     for s in state.specs])
    records = [(claim_id, statement, key)
               for (key, claim_id), statement in zip(_keys(state), statements, strict=True)]
    groups = [(LEDGER_NODE, tuple(r for r in records if not r[2].startswith("file:")))]
    if state.specs:
        groups.append((FILE_NODE, tuple(r for r in records if r[2].startswith("file:"))))
    for name, group in groups:
        collector = ClaimsCollector.from_parent(session, name=name, nodeid=name, records=group)
        report = collector.ihook.pytest_make_collect_report(collector=collector)
        session.ihook.pytest_collectreport(report=report)  # counted like any collector
        items.extend(x for x in report.result if isinstance(x, pytest.Item))


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if not _active(config):
        return None
    state = config.stash[_KEY]
    c = state.config
    claims_file = _claims_file(state)
    return [f"superpose: {len(state.claims)} ledger claims, {len(state.own)} of registered "
            "problems" + (f", {len(state.specs)} from {claims_file}" if state.specs else "")
            + f"; m' up to {c.max_m_prime} (s=3: {c.max_m_prime_s3}, represent: "
            f"{c.max_m_prime_represent}), s={','.join(map(str, c.sparsities))}, seed "
            f"{c.settings.seed}" + ("; strict" if state.strict else "")]


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    if not _active(config) or config.stash[_KEY].report is None:
        return
    from superpose.checks.report import verdict_counts

    state = config.stash[_KEY]
    report = state.report
    counts = verdict_counts(report.results + report.extra_claims)
    s = state.config.settings
    terminalreporter.write_sep("-", "superpose")
    terminalreporter.write_line(
        f"{counts['PROVED']} proved, {counts['REFUTED']} refuted, {counts['UNKNOWN']} unknown "
        f"in {report.seconds:.1f}s (seed {s.seed}, instance seed {s.instance_seed}, fuzz seed "
        f"{s.fuzz_seed}); rerun: {state.replay}")
