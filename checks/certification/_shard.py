"""Certification split into shards, run apart (processes, machines) and merged.

``certify(circuit, shard=(i, n))`` decides one of n parts that together cover everything
(:func:`checks.certify`). :func:`merge_shards` combines the n certificates into the verdict one
run would give:

* REFUTED if some shard is REFUTED (its counterexample, replayed by that shard);
* otherwise UNKNOWN if some shard is UNKNOWN, with the reasons;
* otherwise PROVED, and only when the shards are exactly 0..n-1 of one n, for one sparsity and
  one method, so that their parts cover the whole input space.

This merge trusts the certificates it is given. For shards this process did not compute (files
from elsewhere, other processes), use :func:`superpose.checks.certification.audited_merge`,
which replays and spot-checks them against the circuit first (``superpose certify FILE
--merge``, ``--jobs`` and ``--dask`` do).
"""

from __future__ import annotations

import itertools
import math

from superpose.checks.certification._certify import Certificate
from superpose.circuits import Counterexample
from superpose.circuits.validate import check_shard
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument

__all__ = ["certificate_from_dict", "merge_shards", "parse_shard"]


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` as (i, n), or InvalidArgument naming the rule.

    >>> parse_shard("2/8")
    (2, 8)
    """
    index, sep, count = str(text).partition("/")
    if not sep or not index.strip().isdigit() or not count.strip().isdigit():
        raise InvalidArgument(f"shard={text!r} must look like i/n with whole numbers, e.g. 0/4")
    return check_shard((int(index), int(count)))


def merge_shards(certificates: list[Certificate]) -> Certificate:
    """The verdict of one run, from the certificates of shards 0..n-1 (module docstring)."""
    if not certificates:
        raise InvalidArgument("no shard certificates to merge; pass the n files of one run")
    first = certificates[0]
    n = first.shard[1]
    for cert in certificates:
        if (cert.shard[1], cert.sparsity, cert.method) != (n, first.sparsity, first.method):
            raise InvalidArgument(
                f"shard {cert.shard[0]}/{cert.shard[1]} (s={cert.sparsity}, {cert.method}) does "
                f"not belong with shard {first.shard[0]}/{n} (s={first.sparsity}, "
                f"{first.method}); merge the shards of one run only")
    indices = sorted(c.shard[0] for c in certificates)
    seconds = sum(c.seconds for c in certificates)
    stats = {"shards": n, "shard_seconds": [round(c.seconds, 3) for c in
                                            sorted(certificates, key=lambda c: c.shard)]}
    covered = sum(c.inputs_covered for c in certificates)
    space = first.input_space
    refuted = sorted((c for c in certificates if c.verdict is Verdict.REFUTED),
                     key=lambda c: c.shard)
    if refuted:
        return Certificate(Verdict.REFUTED, first.sparsity, space, covered, seconds,
                           first.method, refuted[0].counterexample, stats=stats,
                           shard=(0, 1))
    reasons = [f"shard {c.shard[0]}/{n}: {c.reason}" for c in
               sorted(certificates, key=lambda c: c.shard) if c.verdict is Verdict.UNKNOWN]
    if len(set(indices)) != len(indices):
        reasons.append(f"shards {sorted({i for i in indices if indices.count(i) > 1})} of {n} "
                       "were given twice")
    given = set(indices)
    if len(given) < n:  # n may be huge: name the first few missing, never list range(n)
        absent = list(itertools.islice((i for i in range(n) if i not in given), 10))
        more = n - len(given) - len(absent)
        reasons.append(f"shards {absent}{f' and {more} more' if more else ''} of {n} are "
                       "missing")
    if reasons:
        return Certificate(Verdict.UNKNOWN, first.sparsity, space, covered, seconds,
                           first.method, reason="; ".join(reasons), stats=stats, shard=(0, 1))
    return Certificate(Verdict.PROVED, first.sparsity, space, space, seconds, first.method,
                       stats=stats, shard=(0, 1))


def certificate_from_dict(doc: dict) -> Certificate:
    """A certificate back from ``Certificate.as_dict()`` (a shard's ``--json`` output)."""
    try:
        ex = None
        if doc.get("counterexample") is not None:
            wrong = doc["wrong_output"]
            ex = Counterexample(tuple(int(f) for f in doc["counterexample"]),
                                int(wrong["output"]), int(wrong["expected"]), int(wrong["got"]))
        seconds = float(doc["seconds"])
        if not (math.isfinite(seconds) and seconds >= 0):  # its JSON could not hold it
            raise ValueError(f"seconds={doc['seconds']!r} must be a finite number >= 0")
        return Certificate(Verdict(doc["verdict"]), int(doc["sparsity"]),
                           int(doc["input_space"]), int(doc["inputs_covered"]),
                           seconds, str(doc["method"]), ex,
                           str(doc.get("reason", "")), dict(doc.get("stats", {})),
                           parse_shard(doc.get("shard", "0/1")))
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise InvalidArgument(f"a shard certificate is malformed ({exc!s}); pass the --json "
                              "output of 'superpose certify FILE --shard i/n'") from None
