"""What superpose derives from a circuit file and keeps between runs (gain tables, transposes,
decode indexes, Hypothesis's example database), under :func:`cache_dir`."""

from superpose.circuits.cache._dirs import CACHE_ENV, cache_dir
from superpose.circuits.cache._store import (
    CACHE_VERSION,
    DEFAULT_MAX_BYTES,
    DerivedCache,
    file_sha256,
)

__all__ = ["CACHE_ENV", "CACHE_VERSION", "cache_dir", "DEFAULT_MAX_BYTES", "DerivedCache",
           "file_sha256"]
