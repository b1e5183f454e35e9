"""A threshold network as a dense float32 ReLU model, written as ONNX or PyTorch (torch.export).

The model maps x in {0,1}^(B x m) (float32) to the decoded outputs y in {0,1}^(B x m') (float32)
through L + 2 *stages* (paper_notes/export.md). Stage i takes a in {0,1}^(B x d_in) to

    a' = relu(z - theta + 1) - relu(z - theta),   z = a M_i   (M_i integer, d_in x d_out),

which is exactly [z >= theta] for integer z (``threshold_to_relus``). The stages are: the input
code (M = C, the m x d_0 support matrix, theta = 1: unit p is on iff some active feature's support
holds it), each layer l (M = W_l^T, theta_l), and the decoding (M = Q^T, theta_k = |Q_k|: output
k is on iff every unit of Q_k is on).

Exactness: every partial sum of a_i M[:, j] plus the bias lies in [-B_j, B_j], with
B_j = sum_i |M_ij| + |theta_j| + 1. If every B_j < 2^24, each such value is an integer that
float32 represents exactly, so every float32 operation is exact in any summation order and the
model computes the circuit bit for bit. :func:`export_plan` checks it; a threshold beyond its
unit's reach is first clipped to the nearest value with the same effect.

The NumPy plan needs neither onnx nor torch; they are imported only to write or run a file.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from superpose.circuits.io._atomic import write_atomically
from superpose.circuits.io._optional import require
from superpose.circuits.model import PAD, Circuit, ThresholdNetwork, random_sparse_inputs
from superpose.circuits.validate import check_choice, check_int
from superpose.theory.errors import InvalidArgument

__all__ = ["EXACT_LIMIT", "EXPORT_FORMATS", "MAX_DENSE_WEIGHTS", "ONNX_OPSET", "ExportPlan",
           "Stage", "dense_weights", "evaluate_dense", "export_inputs", "export_plan",
           "run_export", "save_export"]

EXPORT_FORMATS = ("onnx", "torch")
#: float32 holds every integer of magnitude <= 2^24; the plan keeps every value below it.
EXACT_LIMIT = 1 << 24
#: At most this many dense weights (2^27 float32 = 512 MiB, under ONNX's 2 GiB protobuf cap).
MAX_DENSE_WEIGHTS = 1 << 27
ONNX_OPSET, ONNX_IR_VERSION = 17, 8


@dataclass(frozen=True, eq=False)
class Stage:
    """a' = relu(a M + 1 - theta) - relu(a M - theta): M (d_in x d_out) and theta (d_out), both
    integer-valued float32; ``bound`` = max_j sum_i |M_ij| + |theta_j| + 1 (< 2^24)."""

    name: str
    matrix: np.ndarray
    theta: np.ndarray
    bound: int

    @property
    def bias_on(self) -> np.ndarray:
        return (1 - self.theta).astype(np.float32)

    @property
    def bias_off(self) -> np.ndarray:
        return (-self.theta).astype(np.float32)

    def apply(self, a: np.ndarray) -> np.ndarray:
        z = a @ self.matrix
        return np.maximum(z + self.bias_on, 0) - np.maximum(z + self.bias_off, 0)


@dataclass(frozen=True, eq=False)
class ExportPlan:
    """The stages of the exported model, x (B x m) -> y (B x m'), and its sizes."""

    m: int
    m_prime: int
    stages: tuple[Stage, ...]

    @property
    def weights(self) -> int:
        """Dense matrix entries (zeros included), the quantity MAX_DENSE_WEIGHTS limits."""
        return sum(s.matrix.size for s in self.stages)

    @property
    def biases(self) -> int:
        return 2 * sum(s.theta.size for s in self.stages)

    @property
    def bound(self) -> int:
        """The largest magnitude any pre-activation or partial sum can take (< 2^24)."""
        return max(s.bound for s in self.stages)

    def forward(self, x) -> np.ndarray:
        """y = the model's output on x (B x m, 0/1), computed in float32 with NumPy."""
        a = np.asarray(x, dtype=np.float32)
        if a.ndim != 2 or a.shape[1] != self.m:
            raise InvalidArgument(f"x of shape {a.shape} must be (B, m={self.m}); pass one "
                                  "0/1 row per input")
        for stage in self.stages:
            a = stage.apply(a)
        return a

    def as_dict(self) -> dict:
        return {"m": self.m, "m_prime": self.m_prime, "affine_layers": len(self.stages),
                "weights": self.weights, "biases": self.biases, "max_preactivation": self.bound,
                "stages": [s.name for s in self.stages]}


def dense_weights(network: ThresholdNetwork) -> int:
    """m d_0 + sum_l d_{l-1} d_l + d_L m': the dense model's matrix entries, from the widths."""
    dims = (network.m,) + network.widths + (network.m_prime,)
    return sum(int(a) * int(b) for a, b in itertools.pairwise(dims))


def export_plan(network: ThresholdNetwork) -> ExportPlan:
    """The exact float32 stages of ``network``; InvalidArgument (one line) if the dense model
    would hold more than MAX_DENSE_WEIGHTS weights or a value could reach 2^24."""
    size = dense_weights(network)
    if size > MAX_DENSE_WEIGHTS:
        raise InvalidArgument(
            f"the dense model would hold {size:,} weights, more than the export limit "
            f"2^27 = {MAX_DENSE_WEIGHTS:,} (512 MiB of float32); export a circuit with a "
            "smaller m' (superpose build ... --m-prime N)")
    code_in, code_out = network.input_code, network.output_code
    stages = [_stage("input code", code_in.matrix(), np.ones(code_in.width, np.int64))]
    for l, layer in enumerate(network.layers, start=1):
        stages.append(_stage(f"layer {l}", layer.weights.T, layer.theta))
    stages.append(_stage("decode", code_out.matrix().T, code_out.sizes()))
    return ExportPlan(network.m, network.m_prime, tuple(stages))


def _stage(name: str, matrix: sp.spmatrix, theta: np.ndarray) -> Stage:
    """One stage from integer M (d_in x d_out, sparse) and theta, clipped and bound-checked."""
    mat = sp.csc_matrix(matrix, dtype=np.int64)
    mat.sum_duplicates()
    top = max(abs(int(mat.data.min())), abs(int(mat.data.max()))) if mat.nnz else 0
    if top >= EXACT_LIMIT:
        _inexact(name, top)
    reach = np.asarray(abs(mat).sum(axis=0), dtype=np.int64).ravel()
    # [z >= theta] = [z >= clip(theta, -reach, reach + 1)] for every z in [-reach, reach].
    theta = np.clip(np.asarray(theta, dtype=np.int64), -reach, reach + 1)
    bound = reach + np.abs(theta) + 1
    worst = int(bound.max()) if bound.size else 1
    if worst >= EXACT_LIMIT:
        _inexact(f"{name}, unit {int(bound.argmax())}", worst)
    dense = np.ascontiguousarray(mat.astype(np.float32).toarray())
    return Stage(name, dense, theta.astype(np.float32), worst)


def _inexact(where: str, value: int) -> None:
    raise InvalidArgument(
        f"{where}: a pre-activation can reach {value:,} (sum of |weights|, |threshold| and 1), "
        f"but float32 is exact only below 2^24 = {EXACT_LIMIT:,}; this circuit cannot be "
        "exported exactly; export one with smaller weights")


def evaluate_dense(network: ThresholdNetwork, x) -> np.ndarray:
    """The plain evaluator's decoded outputs (float32 0/1, B x m') on dense 0/1 rows x (B x m),
    any number of ones per row."""
    x = np.asarray(x)
    rows, cols = np.nonzero(x)
    width = max(int(np.bincount(rows, minlength=len(x)).max(initial=0)), 1)
    active = np.full((len(x), width), PAD, dtype=np.int64)
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    active[rows, rank] = cols
    return network.evaluate(active).toarray().astype(np.float32)


def export_inputs(m: int, sparsity: int, n: int, seed: int) -> np.ndarray:
    """n + 1 rows of x (float32 0/1, m columns), the same for the same seed: the all-zero row,
    then n // 2 s-sparse rows, then rows with each feature on with a per-row probability drawn
    uniformly from [0, 1] (dense rows, most far beyond s ones)."""
    check_int("samples", n, minimum=0)
    rng = np.random.default_rng([check_int("seed", seed, minimum=0), 7])
    n_sparse = n // 2
    x = np.zeros((n + 1, m), dtype=np.float32)
    active = random_sparse_inputs(m, sparsity, n_sparse, rng)
    rows, cols = np.nonzero(active != PAD)
    x[1 + rows, active[rows, cols]] = 1
    density = rng.random((n - n_sparse, 1))
    x[1 + n_sparse:] = rng.random((n - n_sparse, m)) < density
    return x


def save_export(circuit: Circuit, path, fmt: str) -> ExportPlan:
    """Write ``circuit`` as an ONNX model or a torch.export program to ``path`` (written next
    to it and renamed into place); returns the plan that was written."""
    check_choice("format", fmt, EXPORT_FORMATS)
    path = Path(path)
    lib = (require("onnx", "onnx", "superpose export --format onnx") if fmt == "onnx" else
           require("torch", "torch", "superpose export --format torch"))
    plan = export_plan(circuit.network)
    meta = _metadata(circuit, plan)

    def write(fh) -> None:
        if fmt == "onnx":
            fh.write(_onnx_model(lib, plan, meta).SerializeToString())
        else:  # a file object: torch warns on a path not ending .pt2
            lib.export.save(_torch_program(lib, plan), fh,
                            extra_files={"superpose.json": json.dumps(meta, sort_keys=True)})

    write_atomically(path, write, InvalidArgument)
    return plan


def _metadata(circuit: Circuit, plan: ExportPlan) -> dict[str, str]:
    facts = {"problem": circuit.problem.name, "construction": circuit.construction,
             "family": circuit.family, "seed": circuit.seed,
             "instance_seed": circuit.instance_seed, "sparsity": circuit.sparsity,
             **plan.as_dict()}
    return {"superpose_" + k: json.dumps(v) if isinstance(v, list) else str(v)
            for k, v in facts.items()}


def _onnx_model(onnx, plan: ExportPlan, meta: dict[str, str]):
    """MatMul, Add, Relu, Add, Relu, Sub per stage; input "x" and output "y" float32 with a
    dynamic batch dimension "batch"; checked by ``onnx.checker`` before it is returned."""
    helper, tensor = onnx.helper, onnx.numpy_helper.from_array
    nodes, inits, a = [], [], "x"
    for i, s in enumerate(plan.stages):
        out = "y" if i == len(plan.stages) - 1 else f"a{i}"
        inits += [tensor(s.matrix, f"w{i}"), tensor(s.bias_on, f"b{i}_on"),
                  tensor(s.bias_off, f"b{i}_off")]
        for op, ins, res in (("MatMul", [a, f"w{i}"], f"z{i}"),
                             ("Add", [f"z{i}", f"b{i}_on"], f"u{i}"), ("Relu", [f"u{i}"], f"p{i}"),
                             ("Add", [f"z{i}", f"b{i}_off"], f"v{i}"), ("Relu", [f"v{i}"], f"q{i}"),
                             ("Sub", [f"p{i}", f"q{i}"], out)):
            nodes.append(helper.make_node(op, ins, [res], name=f"{s.name}: {res}"))
        a = out
    float32 = onnx.TensorProto.FLOAT
    graph = helper.make_graph(
        nodes, "superpose_circuit", [helper.make_tensor_value_info("x", float32,
                                                                   ["batch", plan.m])],
        [helper.make_tensor_value_info("y", float32, ["batch", plan.m_prime])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                              ir_version=ONNX_IR_VERSION, producer_name="superpose",
                              doc_string="x (B x m, 0/1 float32) -> decoded outputs y (B x m')")
    helper.set_model_props(model, meta)
    onnx.checker.check_model(model, full_check=True)
    return model


def _torch_program(torch, plan: ExportPlan):
    """A torch.export program with the plan's arrays as buffers and a dynamic batch dimension;
    it loads with ``torch.export.load(path).module()``, no superpose needed."""

    class ThresholdCircuit(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for i, s in enumerate(plan.stages):
                self.register_buffer(f"w{i}", torch.from_numpy(s.matrix))
                self.register_buffer(f"b{i}_on", torch.from_numpy(s.bias_on))
                self.register_buffer(f"b{i}_off", torch.from_numpy(s.bias_off))

        def forward(self, x):
            for i in range(len(plan.stages)):
                z = x @ getattr(self, f"w{i}")
                x = (torch.relu(z + getattr(self, f"b{i}_on"))
                     - torch.relu(z + getattr(self, f"b{i}_off")))
            return x

    batch = torch.export.Dim("batch")
    return torch.export.export(ThresholdCircuit(), (torch.zeros(2, plan.m),),
                               dynamic_shapes={"x": {0: batch}})


def run_export(path, fmt: str, x) -> np.ndarray:
    """Load an exported file with onnxruntime or torch (not superpose) and run it on x."""
    check_choice("format", fmt, EXPORT_FORMATS)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if fmt == "onnx":
        ort = require("onnxruntime", "onnx", "running an exported ONNX model")
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return session.run(["y"], {"x": x})[0]
    torch = require("torch", "torch", "running an exported torch model")
    with open(path, "rb") as f, torch.no_grad():
        return torch.export.load(f).module()(torch.from_numpy(x)).numpy()
