"""Shared test configuration: import path, Hypothesis profiles, the ``slow`` marker, and a
cache directory of the run's own.

Profiles (choose with the environment variable HYPOTHESIS_PROFILE, default ``ci``):

* ``ci``: few examples per property, no deadline; the whole suite runs in a few minutes on two
  cores. Failing examples are printed with their reproduction blob.
* ``thorough``: ten times the examples everywhere, and the slow sweeps reach m' = 10^5.

Tests marked ``slow`` are skipped unless the run selects them with ``-m slow`` (or any marker
expression naming ``slow``) or the environment sets SUPERPOSE_SLOW=1.

Unless SUPERPOSE_CACHE_DIR is set, it is set to a temporary folder (removed at exit), so that
what commands keep between runs (Hypothesis's example database of ``superpose fuzz``) never
lands in the user's ~/.cache/superpose; subprocesses inherit it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large,
               HealthCheck.filter_too_much]

settings.register_profile("ci", max_examples=30, deadline=None, print_blob=True,
                          suppress_health_check=_SUPPRESSED)
settings.register_profile("thorough", max_examples=300, deadline=None, print_blob=True,
                          suppress_health_check=_SUPPRESSED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if "SUPERPOSE_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="superpose-test-cache-")
    os.environ["SUPERPOSE_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


def _slow_selected(config: pytest.Config) -> bool:
    if os.environ.get("SUPERPOSE_SLOW", "") not in ("", "0"):
        return True
    return "slow" in (config.getoption("markexpr", default="") or "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _slow_selected(config):
        return
    skip = pytest.mark.skip(reason="slow sweep: run with -m slow or SUPERPOSE_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
