"""Certification as n shards in a local process pool (``superpose certify FILE --jobs n``),
merged as shards from anywhere else are: by :func:`merge_returned`, which replays every
counterexample here and spot-checks every PROVED shard (:func:`audited_merge`).

Each worker loads the file by its path (nothing large is pickled) and returns the sha256 of the
bytes it read. A shard whose file is not the one this process loaded (the file was replaced
during the run) is not merged, so the verdict is never PROVED from another file.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from superpose.checks.certification._certify import Certificate, certify
from superpose.checks.certification._merge import MergeAudit, merge_returned
from superpose.checks.certification._shard import certificate_from_dict
from superpose.circuits.io import load_circuit_and_digest
from superpose.theory.errors import InvalidArgument

__all__ = ["certify_in_processes"]


def certify_in_processes(path, jobs: int, *, seed: int, sparsity: int | None = None,
                         timeout: float | None = None, method: str = "auto",
                         loaded=None) -> tuple[Certificate, MergeAudit]:
    """Certify the circuit file ``path`` as ``jobs`` shards in a process pool, and merge them
    with :func:`merge_returned` (spot checks seeded by ``seed``): the certificate and the
    audit of the merge.

    ``method="auto"`` resolves from the whole circuit, so every shard picks the same method;
    ``timeout`` applies to each shard. ``loaded`` is ``load_circuit_and_digest(path)`` when
    the caller has it already. A shard whose process failed (killed, out of memory) is missing
    from the merge, which is then never PROVED; a bad argument is still InvalidArgument.
    """
    circuit, digest = loaded if loaded is not None else load_circuit_and_digest(path)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_run_shard, str(path), sparsity, timeout, method, (i, jobs))
                   for i in range(jobs)]
        returned = [_outcome(future, (i, jobs)) for i, future in enumerate(futures)]
    certificates, failures = [], []
    for i, (doc, read) in enumerate(returned):
        if doc is None:
            failures.append(read)
        elif read == digest:
            certificates.append(certificate_from_dict(doc))
        else:
            failures.append(f"shard {i}/{jobs} read another file at {str(path)!r} (sha256 "
                            f"{read[:16]}..., this process loaded {digest[:16]}...); dropped")
    s = circuit.sparsity if sparsity is None else sparsity
    return merge_returned(circuit, certificates, failures, seed, s, method)


def _outcome(future, shard: tuple[int, int]):
    """(the shard's certificate as a dict, the sha256 it read), or (None, why it failed)."""
    try:
        return future.result()
    except InvalidArgument:
        raise
    except (BrokenProcessPool, MemoryError, OSError) as exc:
        return None, (f"shard {shard[0]}/{shard[1]} failed in its process "
                      f"({type(exc).__name__}: {' '.join(str(exc).split())[:80]})")


def _run_shard(path: str, sparsity, timeout, method: str, shard: tuple[int, int]):
    """One shard's certificate (as a dict) and the sha256 of the file it read."""
    circuit, digest = load_circuit_and_digest(path)
    return certify(circuit, sparsity, timeout, method, shard).as_dict(), digest
