"""Tuning glibc's allocator for a command whose threads allocate large arrays.

NumPy takes every array of more than a few hundred bytes from ``malloc``. glibc serves a block
of at least its mmap threshold (128 KiB at first, then the size of the largest block freed so
far, up to 32 MiB) by mapping fresh pages, and gives back the free top of a heap once it
exceeds the trim threshold; the heaps of threads other than the main one are trimmed that way
after almost every free. Either way the next array of that size is handed pages the kernel
must fault in and zero again, and on this project's 2-core virtual machines those faults
cost more than the array work itself: ``superpose fuzz`` at m' = 10^5 spent a third of its
time in the kernel, its two checking threads taking turns at the page-table lock.

:func:`tune_allocator` fixes the mmap threshold at glibc's largest, 32 MiB (blocks below it
come from the heaps and are reused), and the trim threshold at 64 MiB (a heap keeps up to that
much free memory for the next arrays instead of unmapping it), or at what the command asks:
``superpose certify`` asks ``SEARCH_TRIM_THRESHOLD``, 1 GiB, as its one-threaded search frees
and takes again arrays of tens of MiB at every chunk (star at m' = 10^5: 51 s to 47 s of
search, the same peak memory). The results of a command do not depend on it; only where its
memory comes from. It is the command line's choice for its own process, never made by the
library.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["MMAP_THRESHOLD", "SEARCH_TRIM_THRESHOLD", "TRIM_THRESHOLD", "tune_allocator"]

MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20
SEARCH_TRIM_THRESHOLD = 1 << 30
_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3


def tune_allocator(trim: int = TRIM_THRESHOLD) -> bool:
    """Set glibc's mmap threshold and its trim threshold to ``trim`` bytes (module
    docstring); True when both were set, False where there is no glibc ``mallopt`` (another
    C library or system), which leaves the allocator as it was."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) \
        and bool(mallopt(_M_TRIM_THRESHOLD, trim))
