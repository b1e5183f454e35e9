"""Baseline evaluators of a superpose circuit, written the way a user would first write them.

Each baseline is built from a circuit read from its file (``circuits.load_circuit``) and only
reads the file's arrays (input code P, layers W_l and theta_l, output code Q); it shares no
evaluation code with the package. Every baseline computes, for a batch X (B x m, 0/1):

    A_0 = [X P > 0],   A_l = [A_{l-1} W_l^T >= theta_l] (l = 1..L),   Y = [A_L Q^T = |Q_k|],

with P (m x d_0) and Q (m' x d_L) the 0/1 incidence matrices of the codes, which is the
model's definition (an empty Q_k reads 1: 0 = 0). ``evaluate(active)`` takes the padded
(B, s) index batch and returns Y in the baseline's natural form (CSR or dense bool);
``batch`` is the largest batch its dense arrays allow within the memory budget.

* ``DenseBaseline``: dense NumPy matrices and matmuls (float32 when every pre-activation is
  below 2^24 in absolute value, so float32 is exact; float64 otherwise).
* ``CsrBaseline``: SciPy CSR products, thresholds applied on ``.toarray()`` (dense B x d_l),
  dense decode (B x m').
* ``TorchBaseline``: PyTorch on the CPU, sparse CSR weights times dense activations.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["GIB", "CsrBaseline", "DenseBaseline", "Skipped", "TorchBaseline"]

GIB = 2 ** 30


class Skipped(Exception):
    """A baseline that cannot run here; the message says why (memory, a missing package)."""


def _incidence(code, n_rows: int, width: int) -> sp.csr_matrix:
    data = np.ones(len(code.indices), dtype=np.int64)
    return sp.csr_matrix((data, code.indices, code.indptr), shape=(n_rows, width))


def _parts(circuit):
    """(P, [(W_l, theta_l)], Q, |Q_k|) as SciPy CSR int64 matrices and arrays."""
    net = circuit.network
    p = _incidence(net.input_code, net.m, net.input_code.width)
    layers = [(layer.weights.tocsr().astype(np.int64), layer.theta.astype(np.int64))
              for layer in net.layers]
    q = _incidence(net.output_code, net.m_prime, net.output_code.width)
    return p, layers, q, np.diff(net.output_code.indptr).astype(np.int64)


def _x_csr(active: np.ndarray, m: int) -> sp.csr_matrix:
    rows, cols = np.nonzero(active >= 0)
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, active[rows, cols])),
                         shape=(len(active), m))


def _batch_for(fixed_bytes: int, row_bytes: int, budget_bytes: int, wanted: int, name: str):
    """The largest batch <= wanted whose arrays fit the budget, or Skipped naming the need."""
    batch = min(wanted, (budget_bytes - fixed_bytes) // max(row_bytes, 1))
    if batch < 1:
        need = (fixed_bytes + row_bytes) / GIB
        raise Skipped(f"skipped: needs {need:.1f} GB for {name} (budget "
                      f"{budget_bytes / GIB:.1f} GB)")
    return int(batch)


class DenseBaseline:
    """Dense NumPy: X (B x m) @ P, then A @ W_l^T, then A_L @ Q^T, all as dense matrices."""

    name = "dense-numpy"

    def __init__(self, circuit, budget_bytes: int, wanted_batch: int):
        p, layers, q, sizes = _parts(circuit)
        bound = max([int(abs(w).sum(axis=1).max()) + int(abs(t).max()) if w.nnz else 0
                     for w, t in layers] + [int(sizes.max()) if sizes.size else 0,
                                            int(circuit.sparsity)])
        self.dtype = np.float32 if bound < 2 ** 24 else np.float64
        item = np.dtype(self.dtype).itemsize
        widths = [p.shape[1]] + [w.shape[0] for w, _ in layers]
        fixed = item * (p.shape[0] * p.shape[1] + sum(w.shape[0] * w.shape[1] for w, _ in layers)
                        + q.shape[0] * q.shape[1])
        row = item * (circuit.m + 2 * max(widths + [circuit.m_prime])) + circuit.m_prime
        self.batch = _batch_for(fixed, row, budget_bytes, wanted_batch, self.name)
        self.m = circuit.m
        self.p = p.toarray().astype(self.dtype)
        self.layers = [(w.toarray().T.astype(self.dtype), t.astype(self.dtype))
                       for w, t in layers]
        self.qt = q.toarray().T.astype(self.dtype)
        self.sizes = sizes.astype(self.dtype)

    def evaluate(self, active: np.ndarray) -> np.ndarray:
        x = np.zeros((len(active), self.m), dtype=self.dtype)
        rows, cols = np.nonzero(active >= 0)
        x[rows, active[rows, cols]] = 1
        a = ((x @ self.p) > 0).astype(self.dtype)
        for wt, theta in self.layers:
            a = ((a @ wt) >= theta).astype(self.dtype)
        return (a @ self.qt) == self.sizes


class CsrBaseline:
    """SciPy CSR: X as CSR, CSR products, ``.toarray()`` per layer, dense decode."""

    name = "scipy-csr"

    def __init__(self, circuit, budget_bytes: int, wanted_batch: int):
        p, layers, q, sizes = _parts(circuit)
        widths = [p.shape[1]] + [w.shape[0] for w, _ in layers]
        row = 8 * 2 * max(widths) + 8 * circuit.m_prime
        self.batch = _batch_for(0, row, budget_bytes, wanted_batch, self.name)
        self.m = circuit.m
        self.p = p
        self.layers = [(w.T.tocsr(), t) for w, t in layers]
        self.qt = q.T.tocsr()
        self.sizes = sizes

    def evaluate(self, active: np.ndarray) -> np.ndarray:
        a = (_x_csr(active, self.m) @ self.p).toarray() > 0
        for wt, theta in self.layers:
            a = (sp.csr_matrix(a) @ wt).toarray() >= theta
        return (sp.csr_matrix(a) @ self.qt).toarray() == self.sizes


class TorchBaseline:
    """PyTorch (CPU): sparse CSR P^T, W_l, Q (float32) times dense activations (d x B)."""

    name = "torch-cpu"

    def __init__(self, circuit, budget_bytes: int, wanted_batch: int):
        try:
            import torch
        except ImportError:
            raise Skipped("not installed (pip install torch)") from None
        self.torch = torch
        p, layers, q, sizes = _parts(circuit)
        bound = max([int(abs(w).sum(axis=1).max()) + int(abs(t).max()) if w.nnz else 0
                     for w, t in layers] + [int(sizes.max()) if sizes.size else 0,
                                            int(circuit.sparsity)])
        self.dtype = torch.float32 if bound < 2 ** 24 else torch.float64
        widths = [p.shape[1]] + [w.shape[0] for w, _ in layers]
        row = 4 * (circuit.m + 2 * max(widths + [circuit.m_prime])) + circuit.m_prime
        self.batch = _batch_for(0, row, budget_bytes, wanted_batch, self.name)
        self.m = circuit.m
        self.pt = self._csr(p.T.tocsr())
        self.layers = [(self._csr(w), torch.as_tensor(t, dtype=self.dtype)[:, None])
                       for w, t in layers]
        self.q = self._csr(q)
        self.sizes = torch.as_tensor(sizes, dtype=self.dtype)[:, None]

    def _csr(self, mat: sp.csr_matrix):
        torch = self.torch
        return torch.sparse_csr_tensor(torch.as_tensor(mat.indptr.astype(np.int64)),
                                       torch.as_tensor(mat.indices.astype(np.int64)),
                                       torch.as_tensor(mat.data, dtype=self.dtype),
                                       size=mat.shape)

    def evaluate(self, active: np.ndarray) -> np.ndarray:
        torch = self.torch
        xt = torch.zeros((self.m, len(active)), dtype=self.dtype)
        rows, cols = np.nonzero(active >= 0)
        xt[torch.as_tensor(active[rows, cols]), torch.as_tensor(rows)] = 1
        a = ((self.pt @ xt) > 0).to(self.dtype)
        for w, theta in self.layers:
            a = ((w @ a) >= theta).to(self.dtype)
        return ((self.q @ a) == self.sizes).T.numpy()
