"""What superpose derives from a circuit file and keeps between runs (gain tables, transposes,
decode indexes, Hypothesis's example database), under :func:`cache_dir`."""

from superpose.circuits.cache._dirs import CACHE_ENV, cache_dir

__all__ = ["CACHE_ENV", "cache_dir"]
