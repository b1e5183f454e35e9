"""Mutants of correct circuits: planted bugs, random edits and equivalent rewrites.

Every mutant is a function ``(circuit, rng) -> Mutation``: a new :class:`circuits.Circuit` (same
problem, sparsity, seed, construction name and constants as the base, so nothing but the network
tells it apart), a one-line description and the details as a dict. The same circuit and the same
generator state give the same mutant. Nothing here decides whether a mutant is wrong: the
self-test (``superpose.checks.selftest._selftest``) asks ``circuits.exhaustive`` for that.

Kinds (``intent`` says what the kind is meant to produce; the ground truth has the last word):

* ``weight-changed`` (either): one stored nonzero weight of a random layer gets a random nonzero
  delta in -3..3, or (one time in four) is set to 0.
* ``threshold-lowered`` (either): one unit's threshold is lowered by 1, 2 or 3; the unit is
  drawn among those the lowering makes fire on some s-sparse input (live at the unit), if any.
* ``unit-dropped`` (either): one unit of a random layer 0..L is *deleted*: its row of W_l and
  its threshold, its column of W_{l+1}; where it sat in a code (input code for layer 0, output
  code for layer L) it leaves every support that held it and the later units are re-indexed.
  An output whose Q_k held it then reads the AND of the rest of Q_k. Shapes stay valid.
* ``planted-rare-false-positive`` (wrong): an output k and one input y with s active features
  and truth_k(y) = 0 are drawn; a detector unit is appended to layer 1 with weight +1 from the
  units of a_0(y) and -1 from every other unit of layer 0, threshold |a_0(y)|, so it fires iff
  a_0 = a_0(y) exactly; it is relayed (weight 1, threshold 1) through layers 2..L-1 and feeds
  every unit q of Q_k in layer L with weight max(1, theta_q - (sum of q's negative weights)),
  enough to fire q whatever else is on. Output k then reads 1 on y; on inputs where the detector
  is silent the network is unchanged. A one-layer network first gets an identity layer
  (``identity-layer-appended`` with c = 1) so that the detector has a layer to sit in.
* ``s3-only`` (wrong at s = 3 only): the same with y of exactly 3 features and a
  positive-only detector (+1 from a_0(y), threshold |a_0(y)|: fires iff a_0 covers a_0(y)),
  which two active features cannot reach unless their supports cover the third's.
* ``scaled-unit`` (equivalent): one unit's weights and threshold are multiplied by c in
  {2, 3, 5}: [c z >= c theta] = [z >= theta].
* ``dead-unit-added`` (equivalent): a unit is appended to a random layer 1..L, reading up to 5
  units of the layer below with weights in +-1..3 and a threshold above the sum of its positive
  weights (it can never fire), and sending weights in +-1..3 to up to 5 units of the next layer
  (none when it is in layer L, where no output support holds it).
* ``threshold-within-slack`` (equivalent at the circuit's sparsity): every unit's pre-activation
  is enumerated over every s-sparse input; a unit whose threshold can move without crossing an
  achieved value gets the farthest such threshold on one side (the largest achieved value below
  theta plus 1, or the smallest achieved value at or above theta), so it fires on exactly the
  same inputs, right at the edge of its slack.
* ``identity-layer-appended`` (equivalent): a layer L+1 with weights c I and threshold c
  (c in 1..3) copies layer L; the output code reads the copy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp

from superpose.circuits import PAD, Circuit, Layer, SupportCode, ThresholdNetwork
from superpose.circuits.constructions import append_detector
from superpose.circuits.model import enumerate_sparse_inputs, normalize_active

__all__ = ["Mutation", "NotApplicable", "MUTATORS", "INTENT", "KINDS", "WRONG_KINDS",
           "EQUIVALENT_KINDS", "weight_changed", "threshold_lowered", "unit_dropped",
           "plant_false_positive", "planted_candidates", "scaled_unit", "dead_unit_added",
           "threshold_within_slack", "identity_layer_appended", "with_network",
           "drop_code_unit"]


@dataclass(frozen=True, eq=False)
class Mutation:
    """A mutant circuit, what was changed (one line) and the change's details."""

    circuit: Circuit
    description: str
    details: dict = field(default_factory=dict)


class NotApplicable(ValueError):
    """The kind cannot mutate this circuit (e.g. no threshold has slack); try another base."""


# --- helpers ----------------------------------------------------------------------------------

def with_network(circuit: Circuit, input_code: SupportCode, weights: list[np.ndarray],
                 thetas: list[np.ndarray], output_code: SupportCode) -> Circuit:
    """``circuit`` with a network built from dense integer weights and thresholds."""
    layers = tuple(Layer(sp.csr_matrix(np.asarray(w, dtype=np.int64)),
                         np.asarray(t, dtype=np.int64))
                   for w, t in zip(weights, thetas, strict=True))
    return dataclasses.replace(circuit,
                               network=ThresholdNetwork(input_code, layers, output_code))


def _dense(circuit: Circuit) -> tuple[list[np.ndarray], list[np.ndarray]]:
    layers = circuit.network.layers
    return ([layer.weights.toarray() for layer in layers],
            [layer.theta.copy() for layer in layers])


def drop_code_unit(code: SupportCode, unit: int) -> SupportCode:
    """``code`` on a layer one unit narrower: ``unit`` leaves every support, later units shift
    down by one."""
    rows = np.repeat(np.arange(code.n_rows), code.sizes())
    keep = code.indices != unit
    indices = code.indices[keep]
    indices = indices - (indices > unit)
    counts = np.bincount(rows[keep], minlength=code.n_rows)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return SupportCode(indptr, indices.astype(np.int64), code.width - 1)


def _widen_code(code: SupportCode) -> SupportCode:
    """``code`` on a layer with one more unit, appended at the end and held by no support."""
    return SupportCode(code.indptr.copy(), code.indices.copy(), code.width + 1)


def _computing_unit(circuit: Circuit, rng: np.random.Generator) -> tuple[int, int]:
    """A uniform layer 1..L, then a uniform unit of it: (l, j), l 1-based."""
    widths = circuit.network.widths
    l = int(rng.integers(1, len(widths)))
    return l, int(rng.integers(widths[l]))


def _require_layers(circuit: Circuit, kind: str) -> None:
    if not circuit.network.layers:
        raise NotApplicable(f"{kind} needs a network with at least one computing layer")


# --- mutants that may or may not be wrong -----------------------------------------------------

def weight_changed(circuit: Circuit, rng: np.random.Generator) -> Mutation:
    """One stored nonzero weight changed by a nonzero delta in -3..3, or set to 0."""
    _require_layers(circuit, "weight-changed")
    weights, thetas = _dense(circuit)
    candidates = [l for l, w in enumerate(weights) if np.any(w)]
    l = candidates[int(rng.integers(len(candidates)))]
    rows, cols = np.nonzero(weights[l])
    pick = int(rng.integers(len(rows)))
    j, i = int(rows[pick]), int(cols[pick])
    old = int(weights[l][j, i])
    if rng.random() < 0.25:
        new = 0
    else:
        new = old + int(rng.choice([-3, -2, -1, 1, 2, 3]))
    weights[l][j, i] = new
    net = circuit.network
    mutant = with_network(circuit, net.input_code, weights, thetas, net.output_code)
    return Mutation(mutant, f"layer {l + 1} weight [{j}, {i}] {old} -> {new}",
                    {"layer": l + 1, "unit": j, "from_unit": i, "old": old, "new": new})


def threshold_lowered(circuit: Circuit, rng: np.random.Generator) -> Mutation:
    """One unit's threshold lowered by 1, 2 or 3: a uniform unit among those that the lowering
    makes fire on some s-sparse input where they did not (*live* at the unit), or a uniform
    unit of a uniform layer when there is none."""
    _require_layers(circuit, "threshold-lowered")
    amount = int(rng.integers(1, 4))
    below, _ = _preactivation_slack(circuit, circuit.sparsity)
    live = [(l + 1, int(j)) for l, lo in enumerate(below)
            for j in np.flatnonzero(lo >= circuit.network.layers[l].theta - amount)]
    if live:
        l, j = live[int(rng.integers(len(live)))]
    else:
        l, j = _computing_unit(circuit, rng)
    weights, thetas = _dense(circuit)
    old = int(thetas[l - 1][j])
    thetas[l - 1][j] = old - amount
    net = circuit.network
    mutant = with_network(circuit, net.input_code, weights, thetas, net.output_code)
    return Mutation(mutant, f"layer {l} unit {j} threshold {old} -> {old - amount}"
                            + (" (live: the unit fires on more inputs)" if live else ""),
                    {"layer": l, "unit": j, "old": old, "new": old - amount,
                     "live": bool(live)})


def unit_dropped(circuit: Circuit, rng: np.random.Generator) -> Mutation:
    """One unit of a uniform layer 0..L deleted (row, column and code entries; re-indexed)."""
    net = circuit.network
    widths = net.widths
    layers_with_room = [l for l, w in enumerate(widths) if w > 1]
    if not layers_with_room:
        raise NotApplicable("unit-dropped needs a layer with at least two units")
    l = layers_with_room[int(rng.integers(len(layers_with_room)))]
    j = int(rng.integers(widths[l]))
    weights, thetas = _dense(circuit)
    in_code, out_code = net.input_code, net.output_code
    if l == 0:
        in_code = drop_code_unit(in_code, j)
    else:
        weights[l - 1] = np.delete(weights[l - 1], j, axis=0)
        thetas[l - 1] = np.delete(thetas[l - 1], j)
    if l < len(weights):
        weights[l] = np.delete(weights[l], j, axis=1)
    if l == len(weights):
        held = int(np.count_nonzero(out_code.indices == j))
        out_code = drop_code_unit(out_code, j)
    else:
        held = None
    mutant = with_network(circuit, in_code, weights, thetas, out_code)
    where = "input" if l == 0 else ("output" if l == len(weights) else "hidden")
    text = f"layer {l} unit {j} deleted ({where} layer"
    text += f"; it was in {held} output supports)" if held is not None else ")"
    return Mutation(mutant, text, {"layer": l, "unit": j, "output_supports_holding": held})


# --- planted false positives ------------------------------------------------------------------

def identity_layer_appended(circuit: Circuit, rng: np.random.Generator | None = None,
                            c: int | None = None) -> Mutation:
    """A copy layer L+1 (weights c I, threshold c) read by the same output code."""
    if c is None:
        c = int(rng.integers(1, 4)) if rng is not None else 1
    net = circuit.network
    weights, thetas = _dense(circuit)
    d = net.widths[-1]
    weights.append(c * np.eye(d, dtype=np.int64))
    thetas.append(np.full(d, c, dtype=np.int64))
    mutant = with_network(circuit, net.input_code, weights, thetas, net.output_code)
    return Mutation(mutant, f"layer {len(weights)} appended: {c} x identity, threshold {c}",
                    {"layer": len(weights), "c": c})


def _draw_false_input(circuit: Circuit, k: int, size: int, rng: np.random.Generator):
    """A uniform set of ``size`` features on which output k is false (None after 200 tries)."""
    for _ in range(200):
        y = np.sort(rng.choice(circuit.m, size=size, replace=False))
        row = normalize_active(y[None, :], circuit.m, max(size, circuit.sparsity))
        if k not in set(circuit.problem.truth(row).indices.tolist()):
            return [int(f) for f in y]
    return None


def plant_false_positive(circuit: Circuit, k: int, y: list[int], exact: bool = True) -> Mutation:
    """Output ``k`` reads 1 on input ``y`` through an appended detector (module docstring).

    ``exact``: the detector fires iff a_0 equals a_0(y) (weights +1 / -1); otherwise iff a_0
    covers a_0(y) (weights +1 only).
    """
    prefix = ""
    if len(circuit.network.layers) < 2:
        circuit = identity_layer_appended(circuit, c=1).circuit
        prefix = "identity layer appended (c = 1); "
    net = circuit.network
    row = normalize_active([list(y) + [PAD] * (max(len(y), circuit.sparsity) - len(y))],
                           circuit.m, max(len(y), circuit.sparsity))
    a0 = np.asarray(net.input_layer(row).todense()).ravel()
    units = np.flatnonzero(a0)
    detector = np.where(a0 > 0, 1, -1 if exact else 0).astype(np.int64)
    columns = np.flatnonzero(detector)
    last = net.layers[-1]
    boosts = {}
    for q in net.output_code.row(k):
        q = int(q)
        lowest = int(last.weights.getrow(q).data.clip(max=0).sum())
        boosts[q] = max(1, int(last.theta[q]) - lowest)
    mutant = dataclasses.replace(circuit, network=append_detector(
        net, columns, detector[columns], len(units), boosts))
    kind = "a_0 = a_0(y)" if exact else "a_0 covers a_0(y)"
    return Mutation(mutant, f"{prefix}detector for y={list(y)} ({kind}, {len(units)} input "
                            f"units) turns on output {k}",
                    {"output": int(k), "active": [int(f) for f in y], "exact": exact,
                     "detector_units": int(len(units)), "depth": len(net.layers)})


def planted_candidates(circuit: Circuit, size: int, exact: bool, rng: np.random.Generator):
    """Endless (k, y, mutation) draws for a planted false positive on ``size`` features."""
    while True:
        k = int(rng.integers(circuit.m_prime))
        if not len(circuit.network.output_code.row(k)):
            continue
        y = _draw_false_input(circuit, k, size, rng)
        if y is None:
            continue
        yield plant_false_positive(circuit, k, y, exact)


# --- equivalent rewrites ----------------------------------------------------------------------

def scaled_unit(circuit: Circuit, rng: np.random.Generator) -> Mutation:
    """One unit's weights and threshold multiplied by c in {2, 3, 5}."""
    _require_layers(circuit, "scaled-unit")
    l, j = _computing_unit(circuit, rng)
    c = int(rng.choice([2, 3, 5]))
    weights, thetas = _dense(circuit)
    weights[l - 1][j] *= c
    thetas[l - 1][j] *= c
    net = circuit.network
    mutant = with_network(circuit, net.input_code, weights, thetas, net.output_code)
    return Mutation(mutant, f"layer {l} unit {j}: weights and threshold x {c}",
                    {"layer": l, "unit": j, "c": c})


def dead_unit_added(circuit: Circuit, rng: np.random.Generator) -> Mutation:
    """A unit that can never fire, with incoming and outgoing weights, appended to a layer."""
    _require_layers(circuit, "dead-unit-added")
    net = circuit.network
    widths = net.widths
    l = int(rng.integers(1, len(widths)))
    weights, thetas = _dense(circuit)
    values = np.array([-3, -2, -1, 1, 2, 3])
    fan_in = min(5, widths[l - 1])
    row = np.zeros(widths[l - 1], np.int64)
    row[rng.choice(widths[l - 1], size=fan_in, replace=False)] = rng.choice(values, fan_in)
    theta = int(row[row > 0].sum()) + 1 + int(rng.integers(0, 3))
    weights[l - 1] = np.vstack([weights[l - 1], row])
    thetas[l - 1] = np.append(thetas[l - 1], theta)
    out_code = net.output_code
    fan_out = 0
    if l < len(weights):
        fan_out = min(5, widths[l + 1])
        col = np.zeros((widths[l + 1], 1), np.int64)
        col[rng.choice(widths[l + 1], size=fan_out, replace=False), 0] = \
            rng.choice(values, fan_out)
        weights[l] = np.hstack([weights[l], col])
    else:
        out_code = _widen_code(out_code)
    mutant = with_network(circuit, net.input_code, weights, thetas, out_code)
    return Mutation(mutant, f"layer {l} unit {widths[l]} appended: {fan_in} weights in, "
                            f"{fan_out} out, threshold {theta} > every reachable sum",
                    {"layer": l, "unit": widths[l], "theta": theta, "fan_in": fan_in,
                     "fan_out": fan_out})


def _preactivation_slack(circuit: Circuit, sparsity: int):
    """Per layer l (1-based), per unit: the largest pre-activation achieved below theta
    (-inf if none) and the smallest achieved at or above it (+inf if none), over every input
    with at most ``sparsity`` active features."""
    net = circuit.network
    below = [np.full(layer.width, -np.inf) for layer in net.layers]
    above = [np.full(layer.width, np.inf) for layer in net.layers]
    for chunk in enumerate_sparse_inputs(circuit.m, sparsity, 2048):
        a = net.input_layer(chunk)
        for l, layer in enumerate(net.layers):
            z = np.asarray((a @ layer.weights_t).todense())
            theta = layer.theta[None, :]
            below[l] = np.maximum(below[l], np.where(z < theta, z, -np.inf).max(axis=0))
            above[l] = np.minimum(above[l], np.where(z >= theta, z, np.inf).min(axis=0))
            fired = (z >= theta).astype(np.int64)
            a = sp.csr_matrix(fired)
    return below, above


def threshold_within_slack(circuit: Circuit, rng: np.random.Generator,
                           reach: int = 8) -> Mutation:
    """One threshold moved to the edge of its slack over every s-sparse input (at most
    ``reach`` away when no achieved value bounds it on that side)."""
    _require_layers(circuit, "threshold-within-slack")
    below, above = _preactivation_slack(circuit, circuit.sparsity)
    options = []
    for l, (lo, hi) in enumerate(zip(below, above, strict=True)):
        theta = circuit.network.layers[l].theta
        down = np.where(np.isfinite(lo), lo + 1, theta - reach).astype(np.int64)
        up = np.where(np.isfinite(hi), hi, theta + reach).astype(np.int64)
        for j in np.flatnonzero((down < theta) | (up > theta)):
            options.append((l, int(j), int(down[j]), int(up[j])))
    if not options:
        raise NotApplicable("threshold-within-slack: no threshold has slack")
    l, j, down, up = options[int(rng.integers(len(options)))]
    weights, thetas = _dense(circuit)
    old = int(thetas[l][j])
    sides = [v for v in (down, up) if v != old]
    new = sides[int(rng.integers(len(sides)))]
    thetas[l][j] = new
    net = circuit.network
    mutant = with_network(circuit, net.input_code, weights, thetas, net.output_code)
    return Mutation(mutant, f"layer {l + 1} unit {j} threshold {old} -> {new} (slack "
                            f"{down}..{up} over every {circuit.sparsity}-sparse input)",
                    {"layer": l + 1, "unit": j, "old": old, "new": new,
                     "slack": [down, up]})


# --- registry ---------------------------------------------------------------------------------

WRONG_KINDS = ("planted-rare-false-positive", "s3-only")
EQUIVALENT_KINDS = ("scaled-unit", "dead-unit-added", "threshold-within-slack",
                    "identity-layer-appended")
KINDS = ("weight-changed", "threshold-lowered", "unit-dropped") + WRONG_KINDS + EQUIVALENT_KINDS

INTENT = {"weight-changed": "either", "threshold-lowered": "either", "unit-dropped": "either",
          "planted-rare-false-positive": "wrong", "s3-only": "wrong at s=3 only",
          **{k: "equivalent" for k in EQUIVALENT_KINDS}}

MUTATORS: dict[str, Callable[[Circuit, np.random.Generator], Mutation]] = {
    "weight-changed": weight_changed,
    "threshold-lowered": threshold_lowered,
    "unit-dropped": unit_dropped,
    "scaled-unit": scaled_unit,
    "dead-unit-added": dead_unit_added,
    "threshold-within-slack": threshold_within_slack,
    "identity-layer-appended": identity_layer_appended,
}
