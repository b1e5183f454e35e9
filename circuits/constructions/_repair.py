"""Vetoes: switch off one output unit whenever a given set of input features is present.

A veto for (A, q) adds, for a network with layers 1..L (L >= 2):

* in layer 1 a unit v with weight 1 from every input unit of U_A = the union of P_a over a in A
  and threshold |U_A|, so v fires iff every unit of U_A is on (on every input containing A, and
  on any input whose supports happen to cover U_A; always, when U_A is empty);
* in each hidden layer 2..L-1 a relay unit (weight 1 from the unit below, threshold 1);
* in layer L the weight -W from the last of these to unit q, with
  W = 1 + max(0, sum of q's positive weights - theta_q), so q is off whenever v fires.

Nothing else changes, and the codes stay fixed (only weights and hidden units are added), so a
veto is legal under the fixed-code rule. It can only turn q off: it removes the false positives
of every output whose support holds q on inputs that fire v, and may add false negatives there,
which is why :func:`checks.repair` certifies every trial before it keeps a veto.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from superpose.circuits.model import Circuit, Layer, ThresholdNetwork
from superpose.theory.errors import InvalidArgument

__all__ = ["Veto", "append_detector", "veto", "veto_candidates"]


@dataclass(frozen=True)
class Veto:
    """Output unit ``unit`` (of the last layer) is vetoed when features ``active`` are present;
    added to repair the false positive of output ``output`` on that input."""

    active: tuple[int, ...]
    output: int
    unit: int

    def as_dict(self) -> dict:
        return {"active": list(self.active), "output": self.output, "unit": self.unit}


def veto_candidates(circuit: Circuit, output: int) -> list[int]:
    """The units of Q_output, those read by the fewest outputs first (ties: lower index)."""
    code = circuit.network.output_code
    units = code.row(output)
    readers = np.bincount(code.indices, minlength=code.width)[units]
    return [int(u) for u in units[np.lexsort((units, readers))]]


def veto(circuit: Circuit, v: Veto) -> Circuit:
    """``circuit`` with the veto ``v`` added (see the module docstring); the vetoes so far are
    listed in ``constants["vetoes"]``."""
    net = circuit.network
    if len(net.layers) < 2:
        raise InvalidArgument(f"a veto needs a hidden layer, but the circuit has "
                              f"{len(net.layers)} layer(s); repair applies to networks of depth "
                              ">= 2")
    if any(not 0 <= a < circuit.m for a in v.active):
        raise InvalidArgument(f"veto active={list(v.active)} must list features in "
                              f"[0, m={circuit.m})")
    if not 0 <= v.unit < net.widths[-1]:
        raise InvalidArgument(f"veto unit={v.unit} must lie in [0, {net.widths[-1]}), the last "
                              "layer's width")
    covered = np.unique(np.concatenate([net.input_code.row(a) for a in v.active]
                                       + [np.zeros(0, np.int64)]))
    last = net.layers[-1]
    row = last.weights.getrow(v.unit).data
    strength = 1 + max(0, int(row[row > 0].sum()) - int(last.theta[v.unit]))
    network = append_detector(net, covered, np.ones(len(covered), np.int64), len(covered),
                              {v.unit: -strength})
    vetoes = list(circuit.constants.get("vetoes", [])) + [v.as_dict()]
    return replace(circuit, network=network, constants={**circuit.constants, "vetoes": vetoes})


def append_detector(net: ThresholdNetwork, columns, values, theta: int,
                    targets: dict[int, int]) -> ThresholdNetwork:
    """``net`` (depth >= 2) with a detector: a layer-1 unit with weights ``values`` at input
    units ``columns`` and threshold ``theta``, relayed through layers 2..L-1 (weight 1,
    threshold 1), feeding last-layer unit q with weight ``targets[q]``."""
    layers = [_append_row(net.layers[0], columns, values, theta)]
    for layer in net.layers[1:-1]:
        widened = _append_column(layer, {})
        layers.append(_append_row(widened, [widened.weights.shape[1] - 1], [1], 1))
    layers.append(_append_column(net.layers[-1], targets))
    return ThresholdNetwork(net.input_code, tuple(layers), net.output_code)


def _append_row(layer: Layer, columns, values, theta: int) -> Layer:
    """``layer`` with one more unit reading ``values`` at ``columns``, threshold ``theta``."""
    row = sp.csr_matrix((np.asarray(values, np.int64), (np.zeros(len(columns), np.int64),
                                                       np.asarray(columns, np.int64))),
                        shape=(1, layer.weights.shape[1]))
    return Layer(sp.vstack([layer.weights, row]).tocsr(), np.append(layer.theta, theta))


def _append_column(layer: Layer, weights: dict[int, int]) -> Layer:
    """``layer`` reading one more unit below, with weight ``weights[u]`` into each unit u."""
    rows = np.array(sorted(weights), dtype=np.int64)
    data = np.array([weights[u] for u in rows.tolist()], dtype=np.int64)
    col = sp.csr_matrix((data, (rows, np.zeros(len(rows), np.int64))),
                        shape=(layer.weights.shape[0], 1))
    return Layer(sp.hstack([layer.weights, col]).tocsr(), layer.theta)
