"""A Dask client for a run: connected to a scheduler at an address, or to a LocalCluster of
this machine's cores started for the run and closed after it.

Dask (the ``dask`` extra: ``dask[distributed]``) is imported here, when a run asks for it, and
nowhere at import time; without it the run stops with one line naming the pip command
(``MissingExtra``, exit 4).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from superpose.circuits.io import require
from superpose.theory.errors import InvalidArgument, RunIncomplete

__all__ = ["CONNECT_TIMEOUT", "dask_client", "distributed_module", "first_line", "local_cores",
           "wait_for_a_worker"]

#: seconds to wait for a scheduler to answer before giving up (``--dask-timeout``)
CONNECT_TIMEOUT = 10.0


def distributed_module():
    """``distributed``, or MissingExtra naming ``pip install 'superpose[dask]'``."""
    return require("distributed", "dask", "--dask (certification and measurement on Dask)")


def local_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def dask_client(address: str | None = None, timeout: float = CONNECT_TIMEOUT,
                workers: int | None = None) -> Iterator:
    """Yield a ``distributed.Client``: of the scheduler at ``address`` (``tcp://HOST:PORT``,
    or any address Dask accepts), waited for at most ``timeout`` seconds, or, when
    ``address`` is None or empty, of a LocalCluster started here with ``workers`` worker
    processes (default: one per core) of one thread each and no memory limit, closed on
    leaving the block.

    An address Dask cannot parse, or one where no scheduler answers in time (or where
    something else answers), is InvalidArgument in one line (exit 2).
    """
    distributed = distributed_module()
    if not address:
        # on the loopback interface only; no dashboard, and the scheduler's HTTP routes on a
        # free port (the default, 8787, is often taken by another cluster: a warning); no
        # memory limit (Dask's default splits the RAM evenly and restarts a worker past 95% of
        # its share: a shard may need most of the RAM, as with --jobs)
        n = workers or local_cores()
        try:
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1,
                                               processes=True, memory_limit=0,
                                               host="127.0.0.1", dashboard_address=None,
                                               scheduler_kwargs={"dashboard_address": ":0"},
                                               silence_logs=logging.CRITICAL)
        except Exception as exc:  # no port, no process could start
            raise RunIncomplete(f"a LocalCluster of {n} workers did not start "
                                f"({type(exc).__name__}: {first_line(exc)}); run without "
                                "--dask, or start a scheduler and pass its address") from None
        try:
            with distributed.Client(cluster, set_as_default=False) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except ValueError as exc:  # no port, an unknown scheme
        raise InvalidArgument(f"--dask {address!r} is not a Dask scheduler address "
                              f"({first_line(exc)}); pass one like tcp://HOST:8786, or "
                              "--dask alone for a LocalCluster on this machine") from None
    except Exception as exc:  # refused, timed out, or whatever a non-scheduler sent back
        raise InvalidArgument(f"--dask {address!r}: no Dask scheduler answered within "
                              f"{timeout:g} s ({type(exc).__name__}: {first_line(exc)}); "
                              "start one ('dask scheduler' prints its address) or give "
                              "--dask alone for a LocalCluster on this machine") from None
    with client:
        yield client


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (at most 200 characters): what a one-line error
    quotes of an exception raised by Dask or on a worker."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no message"


def wait_for_a_worker(client, wait: float) -> None:
    """Return once the scheduler has a worker; InvalidArgument after ``wait`` seconds without
    one (tasks would queue until one came)."""
    if client.nthreads() or wait <= 0:
        return
    try:
        client.wait_for_workers(1, timeout=wait)
    except (TimeoutError, OSError):
        raise InvalidArgument(f"the Dask scheduler has no worker after {wait:g} s; start "
                              "workers ('dask worker ADDRESS') and run again") from None
