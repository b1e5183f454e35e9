"""The circuits of ``superpose verify`` and ``superpose sweep`` on Dask: each circuit (one call
of :func:`superpose.checks.sweep.measure`) is one task, and the measurements come back in the
order asked, each from a worker running the client's code (its digest is checked both on the
worker and here). A circuit whose task failed stops the run: RunIncomplete (exit 3), naming the
circuit and why, never a report with a circuit left out."""

from __future__ import annotations

import uuid
from typing import Callable

from superpose.checks.cluster._client import (
    CONNECT_TIMEOUT,
    distributed_module,
    first_line,
    wait_for_a_worker,
)
from superpose.checks.cluster._code import check_workers, code_digest
from superpose.checks.cluster._tasks import measure_circuit
from superpose.checks.sweep import Measurement
from superpose.theory.errors import RunIncomplete, SuperposeError

__all__ = ["measure_on_dask"]


def measure_on_dask(client, calls: list[tuple], progress: Callable[[str], None] | None = None,
                    wait: float = CONNECT_TIMEOUT) -> list[Measurement]:
    """``[measure(*call) for call in calls]``, each call a task of ``client`` (after waiting up
    to ``wait`` seconds for a first worker and checking every worker's code,
    :func:`check_workers`); ``progress`` is told each circuit's label as its task finishes. A
    task's SuperposeError (bad input) is raised as it is; any other failure (its workers
    killed past Dask's retries, the scheduler gone) is RunIncomplete."""
    distributed = distributed_module()
    wait_for_a_worker(client, wait)
    code = code_digest()
    check_workers(client, code)
    token = uuid.uuid4().hex[:8]
    futures = [client.submit(measure_circuit, code, *call, pure=False,
                             key=f"superpose-measure-{token}-{j}")
               for j, call in enumerate(calls)]
    label = {future.key: _label(call) for future, call in zip(futures, calls)}
    for future in distributed.as_completed(futures, loop=client.loop):
        if progress is not None:
            progress(label[future.key])
    out = []
    for future, call in zip(futures, calls):
        if future.status != "finished":
            exc = future.exception() if future.status == "error" else None
            if isinstance(exc, SuperposeError):
                raise exc
            why = f"{type(exc).__name__}: {first_line(exc)}" if exc is not None \
                else future.status
            raise RunIncomplete(f"the Dask task measuring {_label(call)} did not finish "
                                f"({why}); rerun, or run without --dask")
        ran, measurement = future.result()
        if ran != code or not isinstance(measurement, Measurement):
            raise RunIncomplete(f"the Dask task measuring {_label(call)} came back from other "
                                "superpose code; install the client's superpose on every "
                                "worker")
        out.append(measurement)
    return out


def _label(call: tuple) -> str:
    """``problem/family s=S m'=M`` of a call ``(problem, family, sparsity, m_prime, ...)``."""
    problem, family, sparsity, m_prime = call[:4]
    return f"{problem}/{family} s={sparsity} m'={m_prime}"
