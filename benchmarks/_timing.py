"""Run a ``superpose`` command in a fresh process and measure it as a user would see it.

The wall time covers everything the command does (Python start-up, imports, loading, the work
and writing its output); the peak RSS is the child's own (``os.wait4``), not this process's.
The command runs the package of this checkout (``PYTHONPATH`` puts the repository first).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

__all__ = ["REPO", "run_superpose"]


def run_superpose(args: list[str], env: dict | None = None) -> dict:
    """``python -m superpose ARGS`` from the repository root: ``exit_code``,
    ``wall_seconds``, ``peak_rss_bytes``, ``stdout``, ``stderr`` and the ``command``."""
    cmd = [sys.executable, "-m", "superpose", *args]
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + [p for p in environment.get("PYTHONPATH", "").split(os.pathsep) if p])
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=out, stderr=err, env=environment, cwd=REPO)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"command": " ".join(["superpose", *args]), "exit_code": child.returncode,
                "wall_seconds": wall, "peak_rss_bytes": usage.ru_maxrss * 1024,
                "stdout": out.read(), "stderr": err.read()}
