"""Runs an exported model in onnxruntime on a tensor and prints its preprocessing metadata.

    python scripts/onnx_run.py MODEL.onnx INPUT.npy OUTPUT.npy

INPUT is float32 NCHW; the logits go to OUTPUT. Prints one JSON object: the model's metadata
properties (`preprocess.*`, as `mobilevit export` writes them). Used by the tests that check
every consumer of a weights file gives the same scores; versions as in scripts/check_onnx.py.
"""

import json
import sys

import numpy as np
import onnxruntime as ort


def main() -> int:
    model, source, target = sys.argv[1:4]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    (logits,) = session.run(["logits"], {"images": np.load(source)})
    np.save(target, logits.astype(np.float32))
    print(json.dumps(session.get_modelmeta().custom_metadata_map))
    return 0


if __name__ == "__main__":
    sys.exit(main())
