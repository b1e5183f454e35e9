"""What a Dask worker runs: one certify shard, or one circuit of a sweep. Each task first checks
that the worker runs the client's superpose code (:func:`code_digest`), and a shard that the
file it read is the client's (its sha256), so that neither other code nor another file at the
same path can pass; then it runs the code the single-process path runs.

Z3 contexts are not thread-safe, so one worker process runs one task at a time whatever its
thread count (a lock): start workers with one thread each and as many processes as cores.
"""

from __future__ import annotations

import threading

from superpose.checks.certification import certify
from superpose.checks.cluster._code import code_digest
from superpose.checks.sweep import Measurement, measure
from superpose.circuits.io import load_circuit_and_digest
from superpose.theory.errors import InvalidArgument

__all__ = ["certify_shard", "measure_circuit"]

_ONE_AT_A_TIME = threading.Lock()


def certify_shard(path: str, file_sha256: str, code: str, sparsity: int | None,
                  timeout: float | None, method: str, shard: tuple[int, int]) -> dict:
    """``certify(load_circuit(path), sparsity, timeout, method, shard).as_dict()``, with the
    sha256 of the file read and of the code run (``file_sha256``, ``code_sha256``), after
    checking both against the client's (InvalidArgument otherwise: the shard fails)."""
    _check_code(code)
    with _ONE_AT_A_TIME:
        circuit, digest = load_circuit_and_digest(path)
        if digest != file_sha256:
            raise InvalidArgument(f"the worker read another file at {path!r} (sha256 "
                                  f"{digest[:16]}..., the client's is {file_sha256[:16]}...); "
                                  "every worker must see the client's file at that path")
        cert = certify(circuit, sparsity, timeout, method, shard)
    return cert.as_dict() | {"file_sha256": digest, "code_sha256": code_digest()}


def measure_circuit(code: str, *call) -> tuple[str, Measurement]:
    """``measure(*call)`` (:func:`superpose.checks.sweep.measure`) and the digest of the code
    that ran it, after checking it is the client's."""
    _check_code(code)
    with _ONE_AT_A_TIME:
        return code_digest(), measure(*call)


def _check_code(code: str) -> None:
    if code != code_digest():
        raise InvalidArgument(f"the worker runs other superpose code (sha256 "
                              f"{code_digest()[:16]}..., the client's is {code[:16]}...); "
                              "install the client's superpose on every worker")
