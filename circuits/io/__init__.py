"""Circuits on disk and beyond: the ``superpose-circuit`` file format, atomic writes, export to
ONNX and torch, and the optional dependencies they need."""

from superpose.circuits.io._atomic import write_atomically, write_text_atomically
from superpose.circuits.io._export import (
    EXPORT_FORMATS,
    MAX_DENSE_WEIGHTS,
    ONNX_OPSET,
    ExportPlan,
    dense_weights,
    evaluate_dense,
    export_inputs,
    export_plan,
    run_export,
    save_export,
)
from superpose.circuits.io._format import (
    FORMAT,
    VERSION,
    VERSION_FACTORED,
    circuit_arrays,
    load_circuit,
    load_circuit_and_digest,
    save_circuit,
    stored_sparsity,
)
from superpose.circuits.io._mapped import RELEASE_ABOVE, MappedFile
from superpose.circuits.io._markdown import markdown_cell, markdown_table
from superpose.circuits.io._optional import require

__all__ = [
    "markdown_cell",
    "markdown_table",
    "circuit_arrays",
    "load_circuit_and_digest",
    "stored_sparsity",
    "dense_weights",
    "evaluate_dense",
    "EXPORT_FORMATS",
    "export_inputs",
    "export_plan",
    "ExportPlan",
    "FORMAT",
    "load_circuit",
    "MappedFile",
    "MAX_DENSE_WEIGHTS",
    "ONNX_OPSET",
    "RELEASE_ABOVE",
    "require",
    "run_export",
    "save_circuit",
    "save_export",
    "VERSION",
    "VERSION_FACTORED",
    "write_atomically",
    "write_text_atomically",
]
