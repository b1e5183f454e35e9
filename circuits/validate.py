"""Argument checks that raise one-line InvalidArgument errors naming value, rule and fix."""

from __future__ import annotations

import math
import numbers
import os

from superpose.theory.errors import InvalidArgument


def check_int(name: str, value: object, *, minimum: int, maximum: int | None = None,
              fix: str = "") -> int:
    """``value`` as an int, or InvalidArgument if it is not an integer in [minimum, maximum].

    >>> check_int("m_prime", 5, minimum=1)
    5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgument(f"{name}={value!r} must be an integer{_hint(fix)}")
    value = int(value)
    if value < minimum:
        raise InvalidArgument(f"{name}={value!r} must be >= {minimum}{_hint(fix)}")
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"{name}={value!r} must be <= {maximum}{_hint(fix)}")
    return value


def check_positive(name: str, value: object, fix: str = "") -> float:
    """``value`` as a float, or InvalidArgument if it is not a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgument(f"{name}={value!r} must be a number{_hint(fix)}")
    value = float(value)
    if not value > 0 or value == float("inf"):
        raise InvalidArgument(f"{name}={value!r} must be a finite number > 0{_hint(fix)}")
    return value


def check_choice(name: str, value: object, choices) -> str:
    """``value`` if it is one of ``choices``, else InvalidArgument listing them."""
    if value not in choices:
        raise InvalidArgument(f"{name}={value!r} is not known; use one of: {', '.join(choices)}")
    return value


def _hint(fix: str) -> str:
    return f"; {fix}" if fix else ""


#: the most shards a run may have: positions and outputs are taken mod n in int64
MAX_SHARDS = 2 ** 63 - 1


def check_shard(shard: object) -> tuple[int, int]:
    """``shard`` as (i, n) with 1 <= n <= MAX_SHARDS and 0 <= i < n, or InvalidArgument.

    >>> check_shard((1, 4))
    (1, 4)
    """
    if not isinstance(shard, tuple) or len(shard) != 2:
        raise InvalidArgument(f"shard={shard!r} must be a pair (i, n); write i/n, e.g. 0/4")
    n = check_int("shard count", shard[1], minimum=1, maximum=MAX_SHARDS,
                  fix="write i/n with 1 <= n < 2^63, e.g. 0/4")
    i = check_int("shard index", shard[0], minimum=0, maximum=n - 1,
                  fix=f"shards are numbered 0..{n - 1}")
    return i, n


def available_memory() -> int:
    """Bytes of memory this process can still use: Linux's MemAvailable, else the physical
    memory, else 2^63 (no limit known); and no more than its address-space limit
    (RLIMIT_AS, ``ulimit -v``) leaves beyond what it has mapped already, so that a request
    the limit would refuse is named in one line before it is tried, not a MemoryError."""
    return min(_machine_memory(), _address_space_left())


def _machine_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return 2 ** 63


def _address_space_left() -> int:
    """RLIMIT_AS minus this process's mapped size (VmSize), or 2^63 without a limit."""
    try:
        import resource
    except ImportError:  # not a Unix
        return 2 ** 63
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return 2 ** 63
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            used = next(int(line.split()[1]) * 1024 for line in fh
                        if line.startswith("VmSize:"))
    except (OSError, ValueError, IndexError, StopIteration):
        used = 0
    return max(0, limit - used)


def check_fits(what: str, needed: int, fix: str) -> None:
    """InvalidArgument, before any work, when ``what`` needs more than :func:`available_memory`
    (``needed`` bytes, an estimate from the sizes alone), naming both figures and ``fix``.

    >>> check_fits("a tiny table", 10, "pass less")
    """
    have = available_memory()
    if needed > have:
        raise InvalidArgument(f"{what} needs about {_gigabytes(needed)} of memory and "
                              f"{_gigabytes(have)} is available; {fix}")


def check_m_prime_fits(m_prime: int, name: str = "m_prime", fix: str | None = None) -> None:
    """Refuse, before any work, a number of outputs whose circuit cannot fit in memory:
    computing m' features takes Omega(m' log m') parameters (LB-PARAMS), and an evaluator
    holds each stored parameter in 5 bytes at least (an int32 index and an int8 weight: a
    layer's transpose in its stored type), so 5 m' log2 m' bytes is a floor."""
    check_fits(f"{name}={m_prime} (a circuit of that size)",
               5 * m_prime * max(1, math.ceil(math.log2(max(m_prime, 2)))),
               fix or f"pass a smaller {name}")


def _gigabytes(n: int) -> str:
    return f"{n / 2 ** 30:.3g} GB" if n < 2 ** 30 * 1e6 else f"{float(n):.3g} bytes"
