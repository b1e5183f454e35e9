"""Certification, verify and sweep on Dask (a LocalCluster of 2 worker processes): the same
verdicts and reports as one process; a worker killed mid-run has its task rerun; a shard that
failed, came back about another file or from other code, or was forged, never merges into
PROVED; a bad scheduler address is one line (exit 2), soon. Skipped without the dask extra."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("distributed")

import cloudpickle  # noqa: E402  (installed with distributed)

from superpose.checks import certify  # noqa: E402
from superpose.checks.cluster import (  # noqa: E402
    certify_on_dask,
    certify_shard,
    dask_client,
    measure_on_dask,
)
from superpose.checks.sweep import SweepSettings  # noqa: E402
from superpose.circuits import load_circuit, replays, save_circuit  # noqa: E402
from superpose.theory import Verdict  # noqa: E402
from superpose.theory.errors import InvalidArgument, RunIncomplete  # noqa: E402
from tests.cli import run  # noqa: E402
from tests.strategies import built  # noqa: E402

# the tasks below that wrap certify_shard live in this test module, which workers cannot
# import: send them by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster():
    with dask_client(None, workers=2) as c:
        yield c


@pytest.fixture
def client(cluster):
    """The module's LocalCluster, with both workers up (a killed one restarts first)."""
    cluster.wait_for_workers(2, timeout=60)
    return cluster


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    return {"proved": save_circuit(built("and2", 1000, "random", 0, 2, 0), folder / "p.npz"),
            "refuted": save_circuit(built("and2", 300, "nearcut", 0, 2, 22), folder / "r.npz")}


def _same_decision(a, b) -> bool:
    return (a.verdict, a.sparsity, a.input_space, a.method) == \
        (b.verdict, b.sparsity, b.input_space, b.method)


@pytest.mark.parametrize("kind", ["proved", "refuted"])
def test_the_dask_certificate_is_the_single_process_one(client, files, kind):
    path = files[kind]
    alone = certify(load_circuit(path))
    out = certify_on_dask(client, path, seed=5)
    cert = out.certificate
    assert out.shards == 2 and out.failures == () and _same_decision(cert, alone)
    assert cert.verdict is (Verdict.PROVED if kind == "proved" else Verdict.REFUTED)
    if kind == "proved":
        assert cert.inputs_covered == alone.inputs_covered == alone.input_space
        assert sorted(out.audit.spot_checked) == ["shard 0/2", "shard 1/2"]
    else:  # a wrong input of the file, replayed by the merge here
        assert replays(load_circuit(path), cert.counterexample)
        assert out.audit.genuine >= 1


def _dies_once(marker: str, log: str, *args) -> dict:
    """certify_shard, except that the first task to start (of any worker) kills its own
    worker process first; every start is logged as 'shard pid'."""
    with open(log, "a") as f:
        f.write(f"{args[-1][0]} {os.getpid()}\n")
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return certify_shard(*args)
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_mid_run_has_its_task_rerun_and_the_verdict_is_unchanged(
        client, files, tmp_path):
    log = tmp_path / "starts.log"
    task = functools.partial(_dies_once, str(tmp_path / "killed"), str(log))
    out = certify_on_dask(client, files["proved"], seed=5, shards=2, task=task)
    starts = [line.split() for line in log.read_text().splitlines()]
    shards = [s for s, _ in starts]
    (twice,) = [s for s in set(shards) if shards.count(s) == 2]  # killed, then rerun
    assert sorted(shards) == sorted(["0", "1", twice])
    assert len({pid for s, pid in starts if s == twice}) == 2  # on a new worker process
    assert out.failures == () and out.certificate.verdict is Verdict.PROVED
    assert out.certificate.inputs_covered == out.certificate.input_space


def _fails_for(index: int, *args) -> dict:
    if args[-1][0] == index:
        raise RuntimeError(f"shard {index} lost on purpose")
    return certify_shard(*args)


def _forged_proved(*args) -> dict:
    """The honest shard, reported as PROVED over its whole part whatever it found."""
    doc = certify_shard(*args)
    if doc["verdict"] != "PROVED":
        space, (i, n) = doc["input_space"], args[-1]
        doc |= {"verdict": "PROVED", "counterexample": None, "wrong_output": None,
                "reason": "", "inputs_covered": -(-(space - i) // n)}
    return doc


def _wrong_file(*args) -> dict:
    return certify_shard(*args) | {"file_sha256": "0" * 64}


def test_an_incomplete_or_forged_set_of_shards_never_merges_into_proved(
        client, files, monkeypatch):
    out = certify_on_dask(client, files["proved"], seed=5, shards=2,
                          task=functools.partial(_fails_for, 1))
    assert out.certificate.verdict is Verdict.UNKNOWN and len(out.failures) == 1
    assert "shards [1] of 2 are missing" in out.certificate.reason
    assert "shard 1/2 failed on Dask (RuntimeError: shard 1 lost on purpose)" \
        in out.certificate.reason
    out = certify_on_dask(client, files["proved"], seed=5, shards=2, task=_wrong_file)
    assert out.certificate.verdict is Verdict.UNKNOWN
    assert "came back about another file or from other code" in out.certificate.reason
    # every shard of the refuted file claims PROVED: the merge's spot check finds it wrong
    out = certify_on_dask(client, files["refuted"], seed=5, shards=2, task=_forged_proved)
    assert out.certificate.verdict is Verdict.REFUTED
    assert replays(load_circuit(files["refuted"]), out.certificate.counterexample)


def test_a_worker_reading_another_file_or_running_other_code_fails_its_shard(
        client, files, monkeypatch):
    circuit = load_circuit(files["proved"])
    out = certify_on_dask(client, files["proved"], seed=5, shards=2,
                          loaded=(circuit, "f" * 64))
    assert out.certificate.verdict is Verdict.UNKNOWN and len(out.failures) == 2
    assert "the worker read another file" in out.certificate.reason
    # the workers run the real code; the client now expects other code
    monkeypatch.setattr("superpose.checks.cluster._certify.code_digest", lambda: "0" * 64)
    with pytest.raises(InvalidArgument, match="runs other superpose code"):
        certify_on_dask(client, files["proved"], seed=5, shards=2)
    # a worker that joins after the check is checked again by each task
    monkeypatch.setattr("superpose.checks.cluster._certify.check_workers", lambda *a: 2)
    out = certify_on_dask(client, files["proved"], seed=5, shards=2)
    assert out.certificate.verdict is Verdict.UNKNOWN and len(out.failures) == 2
    assert "the worker runs other superpose code" in out.certificate.reason


BLOCK_SUPERPOSE = """import sys
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "superpose":
            raise ImportError("no superpose on this worker")
sys.meta_path.insert(0, _Blocked())
"""


def test_a_worker_without_superpose_is_named_before_any_task_is_sent(files, tmp_path):
    """Such a worker cannot even read a task: it would leave the cluster and the task be
    retried forever (tried: the run hung)."""
    import distributed

    (tmp_path / "sitecustomize.py").write_text(BLOCK_SUPERPOSE)
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None,
                                  scheduler_kwargs={"dashboard_address": ":0"}) as cluster:
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
             "--nthreads", "1", "--no-nanny"], env=dict(os.environ, PYTHONPATH=str(tmp_path)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with dask_client(cluster.scheduler_address) as c:
                c.wait_for_workers(1, timeout=60)
                with pytest.raises(InvalidArgument, match=r"the Dask worker tcp://\S+ cannot "
                                                          "run superpose .*no superpose"):
                    certify_on_dask(c, files["proved"], seed=5)
                with pytest.raises(InvalidArgument, match="cannot run superpose"):
                    measure_on_dask(c, [("or2", "random", 2, 100, SweepSettings())])
        finally:
            worker.terminate()
            worker.wait(timeout=60)


def _without_timings(doc):
    """A JSON report with every time left out (keys naming seconds, "0.12s" in texts)."""
    if isinstance(doc, dict):
        return {k: _without_timings(v) for k, v in doc.items() if "second" not in k}
    if isinstance(doc, list):
        return [_without_timings(v) for v in doc]
    if isinstance(doc, str):
        return re.sub(r"\d+(\.\d+)?s\b", "Ns", doc)
    return doc


def test_the_cli_on_a_scheduler_address_gives_the_single_process_results(
        client, files, capsys):
    address = client.scheduler.address
    code, out, _ = run(capsys, "certify", str(files["proved"]), "--json")
    code_d, out_d, _ = run(capsys, "certify", str(files["proved"]), "--json", "--dask", address)
    alone, on_dask = json.loads(out), json.loads(out_d)
    assert code == code_d == 0 and on_dask["dask"]["scheduler"] == address
    for key in ("verdict", "sparsity", "input_space", "inputs_covered", "method",
                "file_sha256"):
        assert on_dask[key] == alone[key]
    argv = ("sweep", "or2", "--max-m-prime", "100", "-q")
    assert run(capsys, *argv) == run(capsys, *argv, "--dask", address)
    argv = ("verify", "--problem", "or2", "--max-m-prime", "100", "-q", "--json")
    code, out, _ = run(capsys, *argv)
    code_d, out_d, _ = run(capsys, *argv, "--dask", address)
    assert code == code_d and _without_timings(json.loads(out)) == \
        _without_timings(json.loads(out_d))


def test_a_circuit_whose_task_failed_stops_the_run_inconclusive_never_left_out(
        client, capsys, monkeypatch):
    settings = SweepSettings()
    ok = ("or2", "random", 2, 100, settings)
    with pytest.raises(InvalidArgument, match="problem"):  # bad input on a worker stays so
        measure_on_dask(client, [ok, ("no-such-problem", "random", 2, 100, settings)])
    with pytest.raises(RunIncomplete, match=r"measuring or2/random s=2 m'=100 did not finish "
                                            r"\(AttributeError"):
        measure_on_dask(client, [ok, ("or2", "random", 2, 100, None)])
    monkeypatch.setattr("superpose.checks.cluster.measure_on_dask", _lost)
    code, out, err = run(capsys, "sweep", "or2", "--max-m-prime", "100", "-q", "--dask",
                         client.scheduler.address)
    assert code == 3 and out == "" and err == f"superpose: UNKNOWN: {LOST}\n"


LOST = "the Dask task measuring or2/random s=2 m'=100 did not finish (KilledWorker)"


def _lost(*args, **kwargs):
    raise RunIncomplete(LOST)


def test_the_cli_without_an_address_runs_on_a_local_cluster(files, capsys):
    code, out, err = run(capsys, "certify", str(files["refuted"]))
    code_d, out_d, err_d = run(capsys, "certify", str(files["refuted"]), "--dask")
    assert code == code_d == 1 and err == err_d == ""
    # the counterexample and its replay line
    assert _without_timings(out_d.splitlines()[:2]) == _without_timings(out.splitlines()[:2])
    assert "worker(s) (a LocalCluster of this machine), 0 failed" in out_d


def test_a_bad_scheduler_address_is_one_line_exit_two_without_waiting_long(files, capsys):
    code, out, err = run(capsys, "certify", str(files["proved"]), "--dask", "nonsense")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "'nonsense' is not a Dask scheduler address" in err
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{closed.getsockname()[1]}"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "superpose", "certify",
                               str(files["proved"]), "--dask", address, "--dask-timeout", "1"],
                              capture_output=True, text=True, timeout=120)
    assert time.perf_counter() - start < 30
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1
    assert "no Dask scheduler answered within 1 s" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("argv, named", [
    (("--dask", "--jobs", "2"), "exclude each other"),
    (("--shards", "2"), "use it with --dask"),
    (("--dask-timeout", "5"), "use it with --dask"),
    (("--dask", "--shards", "0"), "shards=0 must be >= 1"),
])
def test_dask_options_that_do_not_fit_are_one_line_exit_two(files, capsys, argv, named):
    code, out, err = run(capsys, "certify", str(files["proved"]), *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and named in err
