"""onnxruntime's time per kind of node for a timm MobileViT (its per-node profile), to set
beside a profile of `mobilevit bench` (docs/benchmarks.md, the seventh round).

Same environment as scripts/bench_reference.py (torch 2.15, timm 1.0.31, onnxruntime):

    .venv-ref/bin/python scripts/ort_profile.py --model mobilevit_xxs --threads 1

Convolutions are told apart by their weight's shape: 1x1, depthwise (one input channel per
group), the stem (at most four input channels) and the other 3x3 ones. Times are kernel
time per image, summed over the nodes of a kind.
"""

import argparse
import collections
import json
import os
import tempfile

import numpy as np
import onnxruntime as ort
import timm
import torch


def conv_kind(args):
    """The kind of a Conv node from its input shapes in the profile."""
    shapes = [list(shape.values())[0] for shape in args.get("input_type_shape", [])]
    if len(shapes) < 2:
        return "Conv"
    weight = shapes[1]
    if weight[2:] == [1, 1]:
        return "conv 1x1"
    if weight[1] == 1:
        return "conv depthwise"
    if weight[1] <= 4:
        return "conv stem"
    return "conv 3x3"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mobilevit_xxs")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = timm.create_model(args.model, pretrained=False).eval()
    x = torch.randn(1, 3, args.size, args.size)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        torch.onnx.export(model, x, path, opset_version=17, input_names=["x"], dynamo=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(tmp, "profile")
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        feed = {"x": x.numpy().astype(np.float32)}
        for _ in range(args.runs):
            session.run(None, feed)
        with open(session.end_profiling()) as profile:
            events = json.load(profile)
    runs = sum(1 for event in events if event.get("name") == "model_run") or 1
    totals = collections.Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            op = event["args"].get("op_name", "?")
            kind = conv_kind(event["args"]) if "Conv" in op else op
            totals[kind] += event["dur"]
    total = sum(totals.values())
    print(f"{args.model}, batch 1, {args.size}x{args.size}, {args.threads} thread(s), "
          f"{runs} runs: {total / runs:.0f} us of kernel time per image")
    for kind, micros in totals.most_common():
        print(f"  {kind:24s} {micros / runs:8.1f} us  {100 * micros / total:5.1f}%")


if __name__ == "__main__":
    main()
