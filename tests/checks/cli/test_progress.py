"""Progress bars: drawn only for a person at a terminal, counting right when drawn, and never
changing what a command prints to a pipe; the callbacks of the long loops count monotonely."""

from __future__ import annotations

from typing import ClassVar

import pytest

from superpose.checks import certify
from superpose.checks.cli import _progress
from superpose.circuits import build, exhaustive, fuzz
from superpose.theory import InvalidArgument, Verdict
from tests.cli import run


class _Terminal:
    def isatty(self) -> bool:
        return True


class _Recording(_progress.tqdm):
    """A tqdm that remembers (n, total, disabled) when it closes."""

    closed: ClassVar[list] = []

    def close(self):
        if not getattr(self, "_recorded", False):
            self._recorded = True
            _Recording.closed.append((self.n, self.total, self.disable))
        super().close()


@pytest.fixture
def recording(monkeypatch):
    _Recording.closed = []
    monkeypatch.setattr(_progress, "tqdm", _Recording)
    return _Recording.closed


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(_progress.FORCE_ENV, raising=False)


def test_bars_are_off_when_stderr_is_not_a_terminal(clean_env):
    assert not _progress.enabled()  # pytest captures stderr
    assert _progress.enabled(stream=_Terminal())


def test_bars_are_off_when_ci_is_set_or_quiet(clean_env, monkeypatch):
    assert not _progress.enabled(quiet=True, stream=_Terminal())
    monkeypatch.setenv("CI", "true")
    assert not _progress.enabled(stream=_Terminal())
    monkeypatch.setenv("CI", "")
    assert _progress.enabled(stream=_Terminal())


def test_the_environment_forces_bars_on_or_off_and_quiet_wins(clean_env, monkeypatch):
    monkeypatch.setenv("CI", "1")
    monkeypatch.setenv(_progress.FORCE_ENV, "1")
    assert _progress.enabled()
    assert not _progress.enabled(quiet=True)
    monkeypatch.setenv(_progress.FORCE_ENV, "0")
    assert not _progress.enabled(stream=_Terminal())
    monkeypatch.setenv(_progress.FORCE_ENV, "yes")
    with pytest.raises(InvalidArgument, match="SUPERPOSE_PROGRESS='yes'"):
        _progress.enabled()


def test_a_forced_steps_bar_counts_every_step_on_stderr(clean_env, monkeypatch, capsys,
                                                        recording):
    monkeypatch.setenv(_progress.FORCE_ENV, "1")
    with _progress.steps("stages", 3) as step:
        for name in ("build", "count", "save"):
            step(name)
    out, err = capsys.readouterr()
    assert recording == [(3, 3, False)]
    assert out == "" and "stages" in err


def test_a_disabled_bar_prints_nothing_and_is_not_even_made(clean_env, capsys, recording):
    """Bars off: steps and counters take their calls and print nothing, and no tqdm bar is
    made (so a command run without a terminal never imports tqdm)."""
    with _progress.steps("stages", 2) as step:
        step("a")
        step("b")
    with _progress.counter("chunks") as progress:
        progress(5, 10)
    assert capsys.readouterr() == ("", "")
    assert recording == []
    with _progress.bar("direct") as b:  # a bar asked for is still one: disabled, counting nothing
        b.update(3)
    assert recording == [(0, None, True)]


def test_a_forced_counter_follows_done_of_total_and_restarts_on_a_new_phase(
        clean_env, monkeypatch, recording):
    monkeypatch.setenv(_progress.FORCE_ENV, "1")
    with _progress.counter("certify") as progress:
        progress(4, 10)
        progress(10, 10)
    with _progress.counter("certify") as progress:
        progress(10, 10)
        progress(2, 3)  # the search hands 3 outputs to Z3
    assert recording == [(10, 10, False), (2, 3, False)]


def _monotone(calls: list[tuple[int, int]]) -> bool:
    dones = [d for d, _ in calls]
    return dones == sorted(dones) and len({t for _, t in calls}) == 1


def test_exhaustive_and_fuzz_report_monotone_counts_up_to_the_inputs_checked():
    circuit = build("and2", 30, "disjoint", 0, 2, 1)
    calls: list = []
    report = exhaustive(circuit, progress=lambda d, t: calls.append((d, t)))
    assert _monotone(calls) and calls[-1] == (report.inputs_checked, report.input_space)
    calls = []
    report = fuzz(circuit, 5000, 2, progress=lambda d, t: calls.append((d, t)))
    assert _monotone(calls) and calls[-1] == (5000, 5000) and len(calls) > 1


def test_certify_reports_each_z3_output(recording):
    circuit = build("perm", 12, "random", 0, 2, 1)
    calls: list = []
    cert = certify(circuit, method="z3", progress=lambda d, t: calls.append((d, t)))
    assert cert.verdict is Verdict.PROVED
    assert calls == [(k, 12) for k in range(1, 13)]


@pytest.mark.parametrize("argv", [
    ["sweep", "represent", "--max-m-prime", "316"],
    ["build", "perm", "--m-prime", "100", "-o", "{tmp}/c.npz"],
])
def test_forced_bars_leave_stdout_unchanged_and_unforced_ones_print_nothing(
        argv, clean_env, monkeypatch, capsys, tmp_path):
    argv = [a.format(tmp=tmp_path) for a in argv]
    code, plain, plain_err = run(capsys, *argv)
    monkeypatch.setenv(_progress.FORCE_ENV, "1")
    forced_code, forced, forced_err = run(capsys, *argv)
    quiet_code, quiet, quiet_err = run(capsys, *argv, "--quiet")
    assert code == forced_code == quiet_code == 0
    assert plain == forced == quiet
    assert plain_err == quiet_err == "" and argv[0] in forced_err
