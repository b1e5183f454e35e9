"""What the ``superpose`` commands and the pytest plugin share: one-line argparse errors with
exit 2, typed arguments whose messages name the bad value and the rule, the options several
commands define alike (``--json``, ``-q``, the seeds, ``--no-repair``, ...), the checks and
settings of a sweep, and the :class:`VerifyConfig` built from options (the exit codes are
:mod:`superpose.checks.exit_codes`).

Cheap to import: the pytest plugin loads it in every pytest run, so everything beyond argparse
is imported inside the function that needs it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["MIN_M_PRIME", "NO_REPAIR_HELP", "PROBLEM_HELP", "Parser", "add_dask", "add_file",
           "add_instance_seed", "add_int", "add_json", "add_no_repair", "add_problem", "add_quiet",
           "add_seeds", "check_dask", "check_sweep", "check_not_an_input", "check_writable",
           "constant_override", "dask_session", "index_list", "integer", "positive_float",
           "problem_constant", "shard", "sweep_settings", "verify_config"]

PROBLEM_HELP = ("a registered problem: and2, perm, represent, or one a package adds "
                "('superpose problems' lists them)")
NO_REPAIR_HELP = ("measure the raw random draw: do not veto the false positives of a circuit "
                  "found wrong (by default it is repaired, see 'superpose repair')")
MIN_M_PRIME = 100  # the smallest size a sweep measures


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        from superpose.checks.exit_codes import EXIT_BAD_INPUT

        self.exit(EXIT_BAD_INPUT, f"superpose: error: {message}; see 'superpose --help'\n")


# --- argparse types ---------------------------------------------------------------------------

def integer(name: str, minimum: int | None = None):
    """An argparse type: a base-10 integer (at least ``minimum`` if given), named ``name`` in
    the error message."""
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be an integer") from None
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"{name}={value} must be >= {minimum}")
        return value
    return parse


def positive_float(name: str):
    """An argparse type: a finite number > 0, named ``name`` in the error message."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be a number") from None
        if not (value > 0 and value != float("inf")):
            raise argparse.ArgumentTypeError(f"{name}={text!r} must be a finite number > 0")
        return value
    return parse


def index_list(name: str, noun: str = "indices", example: str = "2,0,1"):
    """An argparse type: comma-separated base-10 integers as a tuple (spaces and empty parts
    ignored), named ``name`` in the error message."""
    def parse(text: str) -> tuple[int, ...]:
        parts = [p for p in text.replace(" ", "").split(",") if p]
        try:
            return tuple(int(p, 10) for p in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name}={text!r} must be comma-separated {noun}, e.g. {example}") from None
    return parse


def shard(text: str) -> tuple[int, int]:
    """An argparse type: ``I/N``, a shard of a certification."""
    from superpose.checks.certification import parse_shard
    from superpose.theory.errors import InvalidArgument

    try:
        return parse_shard(text)
    except InvalidArgument as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --- options several commands define alike ----------------------------------------------------

def add_int(p, flag: str, default: int | None = None, **kwargs) -> None:
    """``flag N``: an :func:`integer` named by the option's destination (``--max-m-prime``:
    ``max_m_prime``)."""
    name = flag.lstrip("-").replace("-", "_")
    p.add_argument(flag, type=integer(name), default=default, **kwargs)


def add_file(p) -> None:
    """The positional circuit file."""
    p.add_argument("file", type=Path)


def add_problem(p) -> None:
    """The positional registered problem."""
    from superpose.circuits import PROBLEM_NAMES

    p.add_argument("problem", choices=PROBLEM_NAMES, metavar="PROBLEM", help=PROBLEM_HELP)


def constant_override(text: str) -> tuple[str, float | int]:
    """``NAME=NUMBER`` (``--constant``) as (name, int or float)."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"constant={text!r} must look like NAME=NUMBER, "
                                         "e.g. c_shared=2.5")
    for kind in (int, float):
        try:
            return name, kind(value)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"constant {name}={value!r} must be a number")


def problem_constant(text: str) -> tuple[str, str, float | int]:
    """``PROBLEM:NAME=NUMBER`` (``verify --failure-constant``) as (problem, name, value)."""
    problem, sep, rest = text.partition(":")
    if not sep or not problem:
        raise argparse.ArgumentTypeError(f"failure constant={text!r} must look like "
                                         "PROBLEM:NAME=NUMBER, e.g. and2:c_r=0.5")
    return (problem, *constant_override(rest))


def add_seeds(p, seed_help: str | None = None) -> None:
    """``--seed`` (of the codes and weights) and ``--instance-seed``, both default 0."""
    add_int(p, "--seed", 0, help=seed_help or "seed of the codes and weights; default 0")
    add_instance_seed(p)


def add_instance_seed(p) -> None:
    """``--instance-seed``, default 0."""
    add_int(p, "--instance-seed", 0,
            help="seed of the problem instance (which pairs, tuples or permutation; "
            "independent of --seed); default 0")


def add_no_repair(p, help: str = NO_REPAIR_HELP) -> None:
    p.add_argument("--no-repair", action="store_true", help=help)


def add_json(p, help: str | None = None) -> None:
    p.add_argument("--json", action="store_true", help=help)


def add_quiet(p) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def add_dask(p, each: str) -> None:
    """``--dask [ADDRESS]`` (each ``each`` one Dask task; without ADDRESS on a LocalCluster of
    this machine's cores) and ``--dask-timeout SEC``; :func:`dask_session` opens the client."""
    p.add_argument("--dask", nargs="?", const="", metavar="ADDRESS",
                   help=f"run each {each} as a Dask task: on the scheduler at ADDRESS (e.g. "
                        "tcp://10.0.0.5:8786), or, without ADDRESS, on a LocalCluster of this "
                        "machine's cores; needs pip install 'superpose[dask]' "
                        "(paper_notes/cluster.md)")
    p.add_argument("--dask-timeout", type=positive_float("dask_timeout"), metavar="SEC",
                   help="with --dask: seconds to wait for the scheduler to answer and for "
                        "a first worker (default 10)")


def check_dask(args) -> None:
    """Refuse ``--dask-timeout`` without ``--dask``."""
    from superpose.theory.errors import InvalidArgument

    if args.dask is None and args.dask_timeout is not None:
        raise InvalidArgument("--dask-timeout is how long --dask waits for its scheduler "
                              "and a first worker; use it with --dask")


def dask_session(args):
    """A context manager yielding the Dask client of ``--dask`` (connected, or a LocalCluster
    started for the run and closed after it), or None without ``--dask``."""
    import contextlib

    check_dask(args)
    if args.dask is None:
        return contextlib.nullcontext(None)
    from superpose.checks.cluster import CONNECT_TIMEOUT, dask_client

    return dask_client(args.dask or None, args.dask_timeout or CONNECT_TIMEOUT)


# --- what runs before a sweep -----------------------------------------------------------------

def check_sweep(args, measures: str = "a sweep measures") -> None:
    """``--max-m-prime`` at least the smallest size measured and small enough to fit in memory
    (``circuits.validate.check_m_prime_fits``), ``--samples`` at least 1."""
    from superpose.circuits.validate import check_int, check_m_prime_fits

    check_int("max_m_prime", args.max_m_prime, minimum=MIN_M_PRIME,
              fix=f"the smallest size {measures} is {MIN_M_PRIME}")
    check_m_prime_fits(args.max_m_prime, "--max-m-prime")
    check_int("samples", args.samples, minimum=1)


def sweep_settings(args, **extra):
    """The :class:`SweepSettings` of ``--seed``, ``--instance-seed``, ``--samples`` and
    ``--no-repair``, plus ``extra`` fields."""
    from superpose.checks.sweep import SweepSettings

    return SweepSettings(seed=args.seed, instance_seed=args.instance_seed, samples=args.samples,
                         repair=not args.no_repair, **extra)


def check_writable(flag: str, path: Path, name_a_file: str = "name a file") -> None:
    """Fail before a long run, not after it, when ``path`` (given as ``flag``) cannot be
    written. Outputs are written through a new file in the same folder that is renamed over
    ``path`` (``circuits.io.write_atomically``), so it is the folder that must be writable."""
    from superpose.theory.errors import InvalidArgument

    parent = path.parent
    if path.is_dir():
        raise InvalidArgument(f"{flag} {str(path)!r} is a directory; {name_a_file}")
    if not parent.is_dir():
        raise InvalidArgument(f"{flag} {str(path)!r}: the folder {str(parent)!r} does not "
                              "exist; create it or choose another path")
    if not os.access(parent, os.W_OK):
        raise InvalidArgument(f"{flag} {str(path)!r} is not writable (the folder "
                              f"{str(parent)!r} is not); choose a writable folder")


def check_not_an_input(flag: str, output: Path, others: dict[str, Path | None]) -> None:
    """Refuse an output ``path`` (given as ``flag``) that names the same file as another path
    of the command (``others``: option -> path, None when not given): writing it would replace
    that input (or the other output) with something else."""
    from superpose.theory.errors import InvalidArgument

    for name, other in others.items():
        if other is not None and _same_file(output, other):
            raise InvalidArgument(f"{flag} {str(output)!r} is the same file as {name} "
                                  f"{str(other)!r}; writing it would replace that file, so "
                                  "choose another output path")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist yet: the same name is the same file
        return os.path.abspath(a) == os.path.abspath(b)


def verify_config(*, settings=None, max_m_prime: int | None = None,
                  sparsities: Iterable[int] | None = None,
                  problems: Iterable[str] | None = None, cap_every_size: bool = False,
                  failure_constants: Iterable[tuple[str, str, float]] = ()):
    """The default :class:`VerifyConfig` with what options set: ``superpose verify``'s and
    ``pytest --superpose``'s. ``max_m_prime`` caps the sizes at s = 2 (with ``cap_every_size``
    also those at s = 3 and of represent); ``sparsities`` are deduplicated and sorted (empty:
    the default); ``problems`` None checks every problem, an empty tuple none;
    ``failure_constants`` (problem, constant, value) replace defaults in the failure-bound
    checks."""
    from dataclasses import replace

    from superpose.checks.verification import VerifyConfig

    base = VerifyConfig()
    changes = {}
    if settings is not None:
        changes["settings"] = settings
    if max_m_prime is not None:
        changes["max_m_prime"] = max_m_prime
        if cap_every_size:
            changes["max_m_prime_s3"] = min(base.max_m_prime_s3, max_m_prime)
            changes["max_m_prime_represent"] = min(base.max_m_prime_represent, max_m_prime)
    if sparsities:
        changes["sparsities"] = tuple(sorted(set(sparsities)))
    if problems is not None:
        changes["problems"] = tuple(problems)
    if failure_constants:
        changes["failure_constants"] = tuple(failure_constants)
    return replace(base, **changes)
