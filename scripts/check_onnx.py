"""Runs an exported model in onnxruntime and compares its logits with ours.

    python scripts/check_onnx.py MODEL.onnx INPUT.npy EXPECTED.npy [--tolerance 1e-4]

INPUT is float32 NCHW, EXPECTED the logits `mobilevit forward` gave for it. The model is first
checked by the `onnx` package's full checker (with shape inference). Prints the largest
absolute difference; exits 1 when it is above the tolerance. Versions used by the tests:
onnxruntime==1.32.0 onnx==1.23.2 numpy==2.4.6 (installed by scripts/test.sh).
"""

import argparse
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("input")
    parser.add_argument("expected")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()

    onnx.checker.check_model(onnx.load(args.model), full_check=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    images = np.load(args.input)
    expected = np.load(args.expected)
    (logits,) = session.run(["logits"], {"images": images})
    if logits.shape != expected.shape:
        print(f"{args.model}: shape {logits.shape}, expected {expected.shape}")
        return 1
    diff = float(np.abs(logits - expected).max())
    verdict = "ok" if diff <= args.tolerance else "FAILED"
    print(f"{args.model} on {images.shape}: max |logit diff| {diff:.2e} ({verdict}, tolerance {args.tolerance:g})")
    return 0 if diff <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
