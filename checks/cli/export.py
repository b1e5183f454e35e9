"""``superpose export FILE --format onnx|torch -o OUT``: a circuit as a dense float32 model.

The model maps x in {0,1}^(B x m) to the decoded outputs y in {0,1}^(B x m'), input code,
threshold layers (exact ReLU pairs) and decoding included (paper_notes/export.md). After
writing, the file is loaded with onnxruntime or torch (not superpose) and run on ``--check``
seeded random inputs (the all-zero row, s-sparse rows and dense 0/1 rows); every output must
equal the plain evaluator's. Exit 0 written and agreeing, 1 a disagreement (the first one is
printed with its seed), 2 bad input, 4 a missing optional dependency.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from superpose.checks.cli._args import add_file, add_int, add_json, check_not_an_input
from superpose.checks.exit_codes import EXIT_OK, EXIT_REFUTED
from superpose.circuits import load_circuit
from superpose.circuits.io import (
    EXPORT_FORMATS,
    ONNX_OPSET,
    evaluate_dense,
    export_inputs,
    run_export,
    save_export,
)
from superpose.circuits.validate import check_fits, check_int

__all__ = ["add_parser", "load_line", "run"]


def load_line(path: Path, fmt: str) -> str:
    """How to run the file in plain Python (no superpose needed); x is float32 (B x m)."""
    if fmt == "onnx":
        return (f"onnxruntime.InferenceSession({str(path)!r}, providers=['CPUExecutionProvider'])"
                ".run(['y'], {'x': x})[0]")
    target = repr(str(path)) if path.suffix == ".pt2" else f"open({str(path)!r}, 'rb')"
    return f"torch.export.load({target}).module()(x)"


def _check(circuit, path: Path, fmt: str, samples: int, seed: int) -> dict:
    """Run the written file on the seeded inputs; the first disagreement, if any."""
    x = export_inputs(circuit.m, circuit.sparsity, samples, seed)
    got = run_export(path, fmt, x)
    want = evaluate_dense(circuit.network, x)
    wrong = np.argwhere(got != want)
    out = {"checked_inputs": len(x), "check_seed": seed,
           "wrong_inputs": len(np.unique(wrong[:, 0])) if len(wrong) else 0}
    if len(wrong):
        b, k = (int(v) for v in wrong[0])
        out["first_disagreement"] = {"row": b, "active": np.flatnonzero(x[b]).tolist(),
                                     "output": k, "model": float(got[b, k]),
                                     "evaluator": float(want[b, k])}
    return out


def run(args) -> int:
    check_int("check", args.check, minimum=0, fix="use 0 to skip the check")
    check_int("seed", args.seed, minimum=0)  # before anything is written
    check_not_an_input("-o", args.output, {"FILE": args.file})
    circuit = load_circuit(args.file).materialized()
    if args.check:  # x, every layer's activations and y, float32, for the model and the check
        widths = circuit.m + sum(circuit.network.widths[1:]) + 2 * circuit.m_prime
        check_fits(f"--check {args.check} on {args.file}", 8 * (args.check + 1) * widths,
                   "pass a smaller --check")
    plan = save_export(circuit, args.output, args.format)
    info = {"file": str(args.output), "format": args.format, **plan.as_dict(),
            "file_bytes": args.output.stat().st_size,
            "load": load_line(args.output, args.format)}
    if args.check:
        info |= _check(circuit, args.output, args.format, args.check, args.seed)
    bad = info.get("first_disagreement")
    if args.json:
        print(json.dumps(info, indent=2))
        return EXIT_REFUTED if bad else EXIT_OK
    kind = f"ONNX (opset {ONNX_OPSET})" if args.format == "onnx" else "torch.export program"
    print(f"wrote {args.output}: {kind}, x float32 (B, {plan.m}) -> y float32 "
          f"(B, {plan.m_prime}); {len(plan.stages)} affine layers, each followed by a ReLU "
          f"pair; {plan.weights:,} weights, {plan.biases:,} biases; |pre-activations| <= "
          f"{plan.bound:,} < 2^24 (exact in float32); {info['file_bytes']:,} bytes")
    if not args.check:
        print("  not run after writing (--check 0)")
    elif bad:
        print(f"  DISAGREES with the evaluator on {info['wrong_inputs']} of "
              f"{info['checked_inputs']} inputs (seed {args.seed}); first: active "
              f"{bad['active']} output {bad['output']}: model {bad['model']:g}, evaluator "
              f"{bad['evaluator']:g}")
        print(f"  replay: superpose export {args.file} --format {args.format} -o "
              f"{args.output} --check {args.check} --seed {args.seed}")
    else:
        print(f"  agrees with the evaluator on all {info['checked_inputs']} inputs run "
              f"(all-zero, s-sparse and dense 0/1 rows; seed {args.seed})")
    print(f"  load: {info['load']}")
    return EXIT_REFUTED if bad else EXIT_OK


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write a circuit as an ONNX or PyTorch model of x -> y "
                       "(exit 0 written and agreeing, 1 a disagreement)")
    add_file(p)
    p.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="the file to write (e.g. model.onnx, model.pt2)")
    add_int(p, "--check", 256, metavar="N",
            help="run the written file on N seeded random inputs plus the all-zero one and "
            "compare with the evaluator (default 256; 0 skips)")
    add_int(p, "--seed", 0, help="seed of the check's inputs")
    add_json(p)
    p.set_defaults(run=run)
