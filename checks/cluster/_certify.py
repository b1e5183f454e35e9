"""Certification on Dask: each shard of :func:`superpose.checks.certify` is one task, and what
comes back is merged by :func:`superpose.checks.audited_merge`, exactly as ``certify --merge``
merges shard files: every counterexample replayed here, every shard checked against the file
and every PROVED shard spot-checked. Nothing a worker sends becomes PROVED unchecked.

A shard whose task failed (an error on its worker, its workers killed past Dask's retries, a
worker that read another file or runs other code) is missing from the merge, so the merged
verdict is never PROVED: REFUTED if another shard's counterexample replays here, else UNKNOWN
naming every failure. A worker that dies mid-task has the task rerun by Dask (up to the
scheduler's ``allowed-failures``); the rerun's certificate is the one merged.

Workers receive the file's absolute path, not its bytes (circuit files at m' >= 10^6 are
gigabytes): every worker must see the same file at that path (a shared filesystem), and each
task hashes the file it read and refuses one whose sha256 differs from the client's.
"""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass
from typing import Callable

from superpose.checks.certification import (
    METHODS,
    Certificate,
    MergeAudit,
    certificate_from_dict,
    merge_returned,
)
from superpose.checks.cluster._client import (
    CONNECT_TIMEOUT,
    distributed_module,
    first_line,
    wait_for_a_worker,
)
from superpose.checks.cluster._code import check_workers, code_digest
from superpose.checks.cluster._tasks import certify_shard
from superpose.circuits.io import load_circuit_and_digest
from superpose.circuits.model import check_sparsity
from superpose.circuits.validate import check_choice, check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["ClusterCertification", "certify_on_dask"]


@dataclass(frozen=True)
class ClusterCertification:
    """The merged certificate of a Dask run, the audit of its merge, how many shards ran on
    how many workers, and why any shard is missing (``failures``, one line each)."""

    certificate: Certificate
    audit: MergeAudit
    shards: int
    workers: int
    failures: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"shards": self.shards, "workers": self.workers, "failures": list(self.failures)}


def certify_on_dask(client, path, seed: int, *, shards: int | None = None,
                    sparsity: int | None = None, timeout: float | None = None,
                    method: str = "auto", loaded=None, wait: float = CONNECT_TIMEOUT,
                    task: Callable[..., dict] = certify_shard,
                    progress: Callable[[int, int], None] | None = None
                    ) -> ClusterCertification:
    """Certify the circuit file ``path`` as ``shards`` Dask tasks of ``client`` (default: one
    per worker, waiting up to ``wait`` seconds for a first one), then merge them with
    :func:`audited_merge` seeded by ``seed`` (module docstring). Every worker is first asked
    for the digest of its code (:func:`check_workers`): one that cannot import superpose or
    runs other code is InvalidArgument before any shard is sent.

    ``sparsity``, ``timeout`` (per shard) and ``method`` are :func:`certify`'s; ``loaded`` is
    ``load_circuit_and_digest(path)`` when the caller has it already. ``task`` is what each
    task runs (:func:`certify_shard`'s signature; a test wraps it). ``progress(done, n)`` is
    told the shards finished so far.
    """
    distributed = distributed_module()
    circuit, digest = loaded if loaded is not None else load_circuit_and_digest(path)
    check_choice("method", method, METHODS)
    if sparsity is not None:
        check_sparsity(sparsity, circuit.m)
    if timeout is not None and (isinstance(timeout, bool)
                                or not isinstance(timeout, (int, float))
                                or not 0 < timeout < math.inf):
        raise InvalidArgument(f"timeout={timeout!r} must be a finite number of seconds > 0, "
                              "or None for no limit")
    circuit.network.check_fits_evaluation()
    if shards is not None:
        check_int("shards", shards, minimum=1)
    wait_for_a_worker(client, wait if shards is None else 0)
    code = code_digest()
    workers = check_workers(client, code)
    n = workers if shards is None else shards
    token = uuid.uuid4().hex[:8]
    futures = [client.submit(task, os.path.abspath(path), digest, code, sparsity, timeout,
                             method, (i, n), key=f"superpose-certify-{token}-{i}-of-{n}",
                             pure=False)
               for i in range(n)]
    for done, _ in enumerate(distributed.as_completed(futures, loop=client.loop), 1):
        if progress is not None:
            progress(done, n)
    certificates, failures = [], []
    for i, future in enumerate(futures):
        cert, failure = _shard_result(future, (i, n), digest, code)
        if cert is not None:
            certificates.append(cert)
        else:
            failures.append(failure)
    s = circuit.sparsity if sparsity is None else sparsity
    cert, audit = merge_returned(circuit, certificates, failures, seed, s, method)
    return ClusterCertification(cert, audit, n, workers, tuple(failures))


def _shard_result(future, shard: tuple[int, int], digest: str, code: str):
    """(the certificate of ``shard``, None), or (None, why it is missing)."""
    label = f"shard {shard[0]}/{shard[1]}"
    if future.status != "finished":
        exc = future.exception() if future.status == "error" else None
        why = f"{type(exc).__name__}: {first_line(exc)}" if exc is not None else future.status
        return None, f"{label} failed on Dask ({why})"
    doc = future.result()
    if not isinstance(doc, dict) or doc.get("file_sha256") != digest \
            or doc.get("code_sha256") != code:
        return None, f"{label} came back about another file or from other code; dropped"
    try:
        cert = certificate_from_dict(doc)
    except InvalidArgument:
        return None, f"{label} came back malformed; dropped"
    if cert.shard != shard:
        return None, f"{label} came back as shard {cert.shard[0]}/{cert.shard[1]}; dropped"
    return cert, None

