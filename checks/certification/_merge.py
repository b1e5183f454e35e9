"""Merging shard certificates that were computed elsewhere: nothing in them is trusted unchecked.

A shard's ``--json`` output is data this process did not compute: it may be stale, damaged or
forged. :func:`audited_merge` therefore decides the merged verdict from the circuit itself
wherever it can, and from the shards only where it must:

1. **Every counterexample any shard holds is replayed** through the plain evaluator against
   the circuit, whatever that shard's verdict says. One that replays REFUTES the merge (it is
   a real wrong output); one that does not makes the merge UNKNOWN (the shard is inconsistent).
2. **Every shard is checked for consistency** against what this process recomputes from the
   circuit: its input space is sum_{j <= s} C(m, j); a PROVED shard holds no counterexample and
   covers its whole part (an exhaustive shard i/n the positions j = i mod n of the enumeration,
   ceil((space - i) / n) inputs; a search or Z3 shard every input for the outputs k = i mod n);
   a REFUTED shard holds a counterexample. An inconsistent shard makes the merge UNKNOWN.
3. **Every PROVED shard is spot-checked** with a seed the merge reports: an exhaustive shard by
   re-deciding one of its sub-shards exactly (positions j = i + n r mod n R, at most
   ``spot_inputs`` inputs, r drawn from the seed, each input found from its position without
   enumerating the others: ``circuits.model.sparse_inputs_at``); a search or Z3 shard by
   evaluating, through
   the plain evaluator, the root inputs (every subset of at most s of an output's sources,
   where wrong outputs concentrate) of outputs k = i mod n drawn from the seed, filled with
   random features, ``spot_inputs`` in all. A wrong output found REFUTES the merge, replayed.
4. Only then are the certificates merged (:func:`merge_shards`: PROVED only when shards
   0..n-1 of one n, sparsity and method are all there and all PROVED).

Everything is decided at the shards' sparsity (which may exceed the one the file was built
for, as ``certify --sparsity`` allows). What is still trusted (paper_notes/certify.md,
"Merging shards"): that a consistent PROVED shard's search, Z3 run or enumeration really
covered the inputs the spot check did not sample. A forged PROVED shard
of a wrong circuit whose wrong outputs all lie outside the sample is not caught; rerun that
shard (``superpose certify FILE --shard i/n``) to decide it here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np

from superpose.checks.certification._certify import Certificate
from superpose.checks.certification._shard import merge_shards
from superpose.circuits import Circuit, Counterexample, replays, shrink
from superpose.circuits.correctness import output_sources
from superpose.circuits.model import PAD, count_sparse_inputs, normalize_active, sparse_inputs_at
from superpose.theory import InvalidArgument, Verdict

__all__ = ["MergeAudit", "SPOT_INPUTS", "audited_merge", "merge_returned"]

#: inputs re-decided or evaluated per PROVED shard
SPOT_INPUTS = 2048


@dataclass
class MergeAudit:
    """What the merge checked: the seed of its spot checks, the counterexamples replayed (and
    how many replayed), the inconsistencies found, and the inputs spot-checked per shard."""

    seed: int
    replayed: int = 0
    genuine: int = 0
    problems: list[str] = field(default_factory=list)
    spot_checked: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"merge_seed": self.seed, "counterexamples_replayed": self.replayed,
                "counterexamples_genuine": self.genuine, "inconsistencies": self.problems,
                "spot_checked": self.spot_checked}


def audited_merge(circuit: Circuit, certificates: list[Certificate], seed: int,
                  spot_inputs: int = SPOT_INPUTS) -> tuple[Certificate, MergeAudit]:
    """The merged certificate of shards run elsewhere, decided as the module docstring says,
    and the audit of what was checked. A REFUTED result's counterexample has been replayed
    here; an UNKNOWN one's reason names every inconsistency."""
    merged = merge_shards(certificates)  # shards of one run (n, sparsity, method), or exit 2
    if 1 <= merged.sparsity <= circuit.m:  # else every shard is inconsistent, named below
        circuit = replace(circuit, sparsity=merged.sparsity)
    audit = MergeAudit(seed)
    certificates = sorted(certificates, key=lambda c: c.shard)
    found = _replay_all(circuit, certificates, audit)
    bad = [_inconsistencies(circuit, cert) for cert in certificates]
    for problems in bad:
        audit.problems.extend(problems)
    rng = np.random.default_rng(seed)
    for cert, problems in zip(certificates, bad):
        if found is None and cert.verdict is Verdict.PROVED and not problems:
            found = _spot_check(circuit, cert, rng, spot_inputs, audit)
    space = count_sparse_inputs(circuit.m, merged.sparsity)
    if found is not None:
        return Certificate(Verdict.REFUTED, merged.sparsity, space, merged.inputs_covered,
                           merged.seconds, merged.method, found, stats=merged.stats), audit
    if audit.problems:  # what was covered: the consistent shards' inputs, nothing forged
        reason = "; ".join(audit.problems + ([merged.reason] if merged.reason else []))
        covered = sum(c.inputs_covered for c, problems in zip(certificates, bad)
                      if not problems)
        return Certificate(Verdict.UNKNOWN, merged.sparsity, space, covered, merged.seconds,
                           merged.method, reason=reason, stats=merged.stats), audit
    return merged, audit


def merge_returned(circuit: Circuit, certificates: list[Certificate], failures: list[str],
                   seed: int, sparsity: int, method: str) -> tuple[Certificate, MergeAudit]:
    """The audited merge (:func:`audited_merge`) of the shards that came back from workers
    (processes, Dask tasks), and ``failures``: one line for each shard that did not (failed,
    or read another file). With a failure the verdict is never PROVED: REFUTED if a returned
    shard's counterexample replays here, else UNKNOWN naming every failure."""
    if certificates:
        cert, audit = audited_merge(circuit, certificates, seed)
    else:
        cert = Certificate(Verdict.UNKNOWN, sparsity, count_sparse_inputs(circuit.m, sparsity),
                           0, 0.0, method, reason="no shard came back", shard=(0, 1))
        audit = MergeAudit(seed)
    if failures and cert.verdict is not Verdict.REFUTED:  # never PROVED with a shard missing
        cert = replace(cert, verdict=Verdict.UNKNOWN,
                       reason="; ".join([cert.reason] * bool(cert.reason) + failures))
    return cert, audit


def _label(cert: Certificate) -> str:
    return f"shard {cert.shard[0]}/{cert.shard[1]}"


def _replay_all(circuit, certificates, audit: MergeAudit) -> Counterexample | None:
    """The first counterexample (in shard order) that replays; the others are counted, and a
    counterexample that does not replay is an inconsistency."""
    first = None
    for cert in certificates:
        ex = cert.counterexample
        if ex is None:
            continue
        audit.replayed += 1
        if _replays(circuit, ex):
            audit.genuine += 1
            first = first or ex
        else:
            audit.problems.append(f"{_label(cert)} holds the counterexample "
                                  f"{list(ex.active)} (output {ex.output}), which does not "
                                  "replay against this file")
    return first


def _replays(circuit: Circuit, ex: Counterexample) -> bool:
    """``replays``, for a counterexample read from a file: one whose input the evaluator
    refuses (a feature out of range, a repeated one, too many) is not a counterexample here,
    and neither is an output out of range (no output reads it)."""
    try:
        return replays(circuit, ex)
    except InvalidArgument:
        return False


def _inconsistencies(circuit: Circuit, cert: Certificate) -> list[str]:
    """Why ``cert`` cannot be what certify computes for its shard of this circuit."""
    i, n = cert.shard
    if not 1 <= cert.sparsity <= circuit.m:
        return [f"{_label(cert)} is about sparsity {cert.sparsity}, outside [1, m={circuit.m}]"]
    space = count_sparse_inputs(circuit.m, cert.sparsity)
    out = []
    if cert.input_space != space:
        out.append(f"{_label(cert)} says the input space has {cert.input_space} inputs; "
                   f"this file at s = {cert.sparsity} has {space}")
    if cert.method not in ("exhaustive", "search", "z3"):
        out.append(f"{_label(cert)} names method {cert.method!r}, which certify never uses")
    if cert.verdict is Verdict.PROVED:
        part = -(-(space - i) // n) if cert.method == "exhaustive" else space
        if cert.counterexample is not None:
            out.append(f"{_label(cert)} is PROVED yet holds a counterexample")
        if cert.inputs_covered != part:
            out.append(f"{_label(cert)} is PROVED but covers {cert.inputs_covered} inputs; "
                       f"its part of this file has {part}")
    elif cert.verdict is Verdict.REFUTED and cert.counterexample is None:
        out.append(f"{_label(cert)} is REFUTED without a counterexample")
    return out


def _spot_check(circuit, cert, rng, spot_inputs: int, audit) -> Counterexample | None:
    """A wrong output found in ``cert``'s part (module docstring, step 3), replayed and
    shrunk, or None; records how many inputs were checked."""
    i, n = cert.shard
    s = cert.sparsity
    if cert.method == "exhaustive":
        space = count_sparse_inputs(circuit.m, s)
        part = -(-(space - i) // n)  # the positions j = i mod n
        pieces = max(1, -(-part // spot_inputs))
        r = int(rng.integers(pieces))
        batch = sparse_inputs_at(circuit.m, s, range(i + n * r, space, n * pieces))
    else:
        batch = _root_inputs(circuit, s, np.arange(i, circuit.m_prime, n), rng, spot_inputs)
    audit.spot_checked[_label(cert)] = len(batch)
    found = _first_wrong(circuit, batch)
    if found is None or not replays(circuit, found):
        return None
    return shrink(circuit, found)


def _root_inputs(circuit, s: int, outputs: np.ndarray, rng, count: int) -> np.ndarray:
    """About ``count`` inputs: for outputs drawn from ``outputs``, every subset of at most s of
    their sources, each filled up to s features with random ones (distinct)."""
    sources = np.asarray(output_sources(circuit), dtype=np.int64)
    width = sources.shape[1]
    subsets = [c for j in range(min(s, width) + 1) for c in itertools.combinations(range(width), j)]
    picked = rng.choice(outputs, size=max(1, count // (2 * len(subsets))), replace=True) \
        if len(outputs) else np.zeros(0, np.int64)
    rows = []
    for k in picked:
        for cols in subsets:
            base = list(dict.fromkeys(int(f) for f in sources[k, list(cols)] if f != PAD))
            rows.append(base)
            rows.append(_filled(base, circuit.m, s, rng))
    padded = [row + [PAD] * (s - len(row)) for row in rows[:count]]
    return normalize_active(np.array(padded, dtype=np.int64).reshape(-1, s), circuit.m, s)


def _filled(base: list[int], m: int, s: int, rng) -> list[int]:
    row = list(base)
    while len(row) < min(s, m):
        f = int(rng.integers(m))
        if f not in row:
            row.append(f)
    return row


def _first_wrong(circuit: Circuit, batch: np.ndarray) -> Counterexample | None:
    """The first (input, output) of ``batch`` the plain evaluator decodes wrong."""
    if not len(batch):
        return None
    truth = circuit.problem.truth(batch).tocsr()
    wrong = (circuit.network.evaluate(batch) != truth).tocoo()
    if not wrong.nnz:
        return None
    at = int(np.argmin(wrong.row * circuit.m_prime + wrong.col))
    b, k = int(wrong.row[at]), int(wrong.col[at])
    active = tuple(int(f) for f in batch[b] if f != PAD)
    expected = int(truth[b, k] != 0)
    return Counterexample(active, k, expected, 1 - expected)
