"""The digest of the superpose code a process runs, so that a worker running other code (another
version, another checkout), or none, is caught before any task is sent to it."""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

from superpose.theory.errors import InvalidArgument

__all__ = ["PACKAGES", "check_workers", "code_digest"]

#: the packages whose sources are hashed (the installed superpose)
PACKAGES = ("superpose", "superpose.theory", "superpose.circuits", "superpose.checks",
            "superpose.problems")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The hex sha256 over the ``.py`` files of :data:`PACKAGES`: each file's path under its
    package and the sha256 of its bytes, in sorted order. Two processes agree exactly when
    they run the same sources, wherever and however installed (a wheel or an editable
    install of one commit agree; an edited file does not)."""
    roots = {name: Path(root).resolve() for name in PACKAGES
             for root in importlib.util.find_spec(name).submodule_search_locations or ()}
    total = hashlib.sha256()
    for name, root in roots.items():
        # an installed wheel nests superpose/theory inside superpose/, an editable install
        # does not: each file is hashed once, under the package whose root is nearest
        others = [r for r in roots.values() if r != root and r.is_relative_to(root)]
        for path in sorted(root.rglob("*.py")):
            if not any(path.is_relative_to(r) for r in others):
                total.update(f"{name}/{path.relative_to(root).as_posix()}\0".encode())
                total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def check_workers(client, code: str) -> int:
    """The number of workers ``client``'s scheduler has, after asking each for its
    :func:`code_digest` (``Client.run``): InvalidArgument naming the first worker that cannot
    import superpose or runs other code than ``code``. A worker without superpose cannot even
    read a task: it would drop out of the cluster and the task be retried on it forever."""
    answers = client.run(code_digest, on_error="return")
    for worker, answer in sorted(answers.items()):
        if answer != code:
            why = (f"runs other superpose code (sha256 {answer[:16]}..., the client's is "
                   f"{code[:16]}...)" if isinstance(answer, str) else
                   f"cannot run superpose ({str(answer)[:200]})")
            raise InvalidArgument(f"the Dask worker {worker} {why}; install the client's "
                                  "superpose on every worker")
    return len(answers)
