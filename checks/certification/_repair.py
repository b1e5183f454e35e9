"""Repair: certify a circuit and veto each false positive the certifier finds, until PROVED.

The loop (a Las Vegas completion of a random construction):

1. certify the circuit; PROVED or UNKNOWN ends the loop;
2. REFUTED by a false positive (output k reads 1 on the shrunk input A, and should not): for each
   unit q of Q_k, fewest readers first, add the veto (A, q) of
   :func:`superpose.circuits.constructions.veto` and certify the result; keep the first trial that
   is PROVED or whose counterexample is again a false positive (so the veto added no false negative
   that certify found first), and go to 2;
3. a false negative, a trial that only swaps the false positive for a false negative on every
   q, or more than ``max_vetoes`` vetoes ends the loop REFUTED, with the last counterexample.

Every kept circuit is certified by :func:`checks.certify`, so the final verdict is that of the
returned circuit, never inherited from an earlier one. Each veto removes the false positive it
targets on every input that fires it, so the loop makes progress; ``max_vetoes`` bounds it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from superpose.checks.certification._certify import Certificate, certify
from superpose.circuits import Circuit
from superpose.circuits.constructions import Veto, veto, veto_candidates
from superpose.circuits.validate import check_int
from superpose.theory import Verdict

__all__ = ["Repair", "repair", "MAX_VETOES"]

MAX_VETOES = 16


@dataclass(frozen=True)
class Repair:
    """The repaired circuit, its certificate, the vetoes kept and the trials rejected."""

    circuit: Circuit
    certificate: Certificate
    vetoes: tuple[Veto, ...]
    rejected: int
    seconds: float
    reason: str = ""

    @property
    def verdict(self) -> Verdict:
        return self.certificate.verdict

    def as_dict(self) -> dict:
        return {"verdict": self.verdict.value, "vetoes": [v.as_dict() for v in self.vetoes],
                "rejected_trials": self.rejected, "seconds": round(self.seconds, 3),
                "reason": self.reason, "certificate": self.certificate.as_dict()}


def repair(circuit: Circuit, timeout: float | None = None,
           max_vetoes: int = MAX_VETOES) -> Repair:
    """Certify ``circuit`` and veto its false positives one by one (module docstring)."""
    max_vetoes = check_int("max_vetoes", max_vetoes, minimum=0)
    start = time.perf_counter()
    deadline = math.inf if timeout is None else start + timeout

    def left():
        return None if timeout is None else max(deadline - time.perf_counter(), 1e-3)

    cert = certify(circuit, timeout=left())
    kept: list[Veto] = []
    rejected = 0
    reason = ""
    while cert.verdict is Verdict.REFUTED:
        ex = cert.counterexample
        if ex.expected == 1:
            reason = f"output {ex.output} is a false negative on {list(ex.active)}; a veto " \
                     "only switches units off"
            break
        if len(circuit.network.layers) < 2:
            reason = "a veto needs a hidden layer, and this network has one layer only"
            break
        if len(kept) >= max_vetoes:
            reason = f"stopped after max_vetoes={max_vetoes} vetoes"
            break
        for unit in veto_candidates(circuit, ex.output):
            trial = veto(circuit, Veto(tuple(ex.active), ex.output, unit))
            trial_cert = certify(trial, timeout=left())
            if trial_cert.verdict is Verdict.UNKNOWN:
                # the trial is undecided; what is returned is the circuit before it, whose
                # own certificate (REFUTED, with its counterexample) stands
                reason = f"certifying a veto of output {ex.output} was undecided: " \
                         f"{trial_cert.reason}"
                return Repair(circuit, cert, tuple(kept), rejected,
                              time.perf_counter() - start, reason)
            if trial_cert.verdict is Verdict.PROVED or trial_cert.counterexample.expected == 0:
                circuit, cert = trial, trial_cert
                kept.append(Veto(tuple(ex.active), ex.output, unit))
                break
            rejected += 1
        else:
            reason = f"every veto of output {ex.output} on {list(ex.active)} added a false " \
                     "negative"
            break
    return Repair(circuit, cert, tuple(kept), rejected, time.perf_counter() - start,
                  reason or cert.reason)
