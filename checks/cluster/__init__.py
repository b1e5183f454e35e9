"""Certification and measurement on a Dask cluster (the optional ``dask`` extra): each certify
shard, or each circuit of verify and sweep, is one Dask task; shard results are merged through
the same audited merge as ``certify --merge``. Dask is imported only when a client is made
(paper_notes/cluster.md says how to run on a cluster and what is trusted)."""

from superpose.checks.cluster._certify import ClusterCertification, certify_on_dask
from superpose.checks.cluster._client import CONNECT_TIMEOUT, dask_client, local_cores
from superpose.checks.cluster._code import check_workers, code_digest
from superpose.checks.cluster._measure import measure_on_dask
from superpose.checks.cluster._tasks import certify_shard, measure_circuit

__all__ = [
    "certify_on_dask",
    "certify_shard",
    "check_workers",
    "ClusterCertification",
    "code_digest",
    "CONNECT_TIMEOUT",
    "dask_client",
    "local_cores",
    "measure_circuit",
    "measure_on_dask",
]
