"""Running the ``superpose`` command line in-process from a test, optionally under a memory cap.

Import as ``from tests.cli import run`` (tests/conftest.py puts the repository root on
sys.path)."""

from __future__ import annotations

import contextlib
import resource

from superpose.checks.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    """``superpose ARGV...``: its exit code, stdout and stderr (captured by ``capsys``)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def mapped_bytes() -> int:
    """This process's address space (VmSize), in bytes."""
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))


@contextlib.contextmanager
def memory_cap(extra: int):
    """RLIMIT_AS lowered to this process's address space plus ``extra`` bytes while the block
    runs (a request beyond it fails with MemoryError instead of taking the machine), then put
    back. Only the soft limit moves, so it can be raised again."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = mapped_bytes() + extra
    for limit in (soft, hard):
        if limit != resource.RLIM_INFINITY:
            cap = min(cap, limit)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield cap
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
