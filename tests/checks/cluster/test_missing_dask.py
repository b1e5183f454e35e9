"""``--dask`` without the dask extra: one line naming the pip command, exit 4, for every command
that takes it; and nothing imports Dask before ``--dask`` asks for it. These run whether or not
Dask is installed (the extra is hidden from the import)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from superpose.circuits import save_circuit
from tests.cli import run
from tests.strategies import built, hide_module


@pytest.mark.parametrize("argv", [
    ("certify", "{c}", "--dask"),
    ("certify", "{c}", "--dask", "tcp://127.0.0.1:8786"),
    ("verify", "--problem", "or2", "--max-m-prime", "100", "--dask"),
    ("sweep", "or2", "--max-m-prime", "100", "--dask"),
])
def test_dask_options_without_the_extra_exit_four_naming_the_pip_command(
        tmp_path, capsys, monkeypatch, argv):
    path = save_circuit(built("and2", 100, "random", 0, 2, 0), tmp_path / "c.npz")
    hide_module(monkeypatch, "distributed")
    code, out, err = run(capsys, *(a.format(c=path) for a in argv))
    assert code == 4 and out == "" and err.count("\n") == 1
    assert "pip install 'superpose[dask]'" in err and "'distributed'" in err


def test_nothing_imports_dask_until_a_run_asks_for_it():
    code = ("import json, sys\n"
            "import superpose.checks.cluster, superpose.checks.cli.certify\n"
            "import superpose.checks.cli.verify, superpose.checks.cli.sweep\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
