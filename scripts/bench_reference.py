#!/usr/bin/env python3
"""The work of `mobilevit bench`, timed in PyTorch eager (timm) and onnxruntime (timm's ONNX
export, and our own `mobilevit export` of the same weights), next to our own run, in the same
session, with the same number of threads.

    .venv-ref/bin/python scripts/bench_reference.py --model mobilevit_xxs --batch 1 --mode infer
    .venv-ref/bin/python scripts/bench_reference.py --model mobilevit_xxs --batch 32 --mode train
    .venv-ref/bin/python scripts/bench_reference.py --model MobileViTV3_XXS \
        --weights tests/fixtures/v3/paddle_MobileViTV3_XXS_formula.pdparams --rounds 3

A model timm does not have (MobileViTV3, PaddleClas only) is compared with onnxruntime on our
own `mobilevit export` of `--weights` alone; `--rounds` alternates the two that many times.

Reference environment: `bash scripts/reference_venv.sh .venv-ref` (torch 2.15.0,
timm 1.0.31, onnxruntime). PyTorch runs with glibc malloc tuned for large buffers (the MALLOC_*
variables below, set in this script's environment for the reference only). Prints images/s of each and
the ratios ours / reference.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", "17179869184")
os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", "17179869184")
os.environ.setdefault("MALLOC_TOP_PAD_", "1073741824")

import torch  # noqa: E402
import timm  # noqa: E402


def timed(step, iterations, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# Dropout of the ml-cvnets recipe, which `mobilevit bench` trains with: after the attention's
# projection and after the MLP's second linear (timm's attn.proj_drop and mlp.drop2, p=0 in
# timm's defaults), and before the classifier. MobileViTv2 (`mobilevitv2_*`) has none.
TRANSFORMER_DROPOUT = {"mobilevit_xxs": 0.05, "mobilevit_xs": 0.1, "mobilevit_s": 0.1}
CLASSIFIER_DROPOUT = {"mobilevit_xxs": 0.1, "mobilevit_xs": 0.1, "mobilevit_s": 0.1}


def with_recipe_dropout(model, name):
    """Sets timm's dropout modules to the rates `mobilevit bench` trains with."""
    transformer = TRANSFORMER_DROPOUT.get(name, 0.0)
    for module_name, module in model.named_modules():
        if module_name.endswith(("attn.proj_drop", "mlp.drop2")):
            module.p = transformer
    model.head.drop.p = CLASSIFIER_DROPOUT.get(name, 0.0)
    return model


def torch_rate(args):
    torch.set_num_threads(args.threads)
    model = with_recipe_dropout(timm.create_model(args.model, pretrained=False), args.model)
    x = torch.randn(args.batch, 3, args.size, args.size)
    if args.mode == "infer":
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
    else:
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, eps=1e-8)
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
        y = torch.arange(args.batch) % 1000

        def step():
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
    return args.batch / timed(step, args.iterations, args.warmup)


def onnx_rate(path, feed, args):
    """Images/s of an ONNX file in onnxruntime on the CPU, with the benchmark's threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return args.batch / timed(lambda: session.run(None, feed), args.iterations, args.warmup)


def ort_rate(args):
    model = timm.create_model(args.model, pretrained=False).eval()
    x = torch.randn(args.batch, 3, args.size, args.size)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        torch.onnx.export(model, x, path, opset_version=17, input_names=["x"], dynamo=False)
        return onnx_rate(path, {"x": x.numpy()}, args)


def ours_onnx_rate(args):
    """Our `mobilevit export` of the same (random) timm weights, run by onnxruntime."""
    from safetensors.torch import save_file

    model = timm.create_model(args.model, pretrained=False).eval()
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "weights.safetensors")
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, weights)
        return exported_rate(weights, tmp, args)


def exported_rate(weights, tmp, args):
    """Images/s of onnxruntime on `mobilevit export` of `weights`."""
    x = torch.randn(args.batch, 3, args.size, args.size)
    path = os.path.join(tmp, "model.onnx")
    subprocess.run([args.binary, "export", "--weights", weights, "--output", path,
                    "--image-size", str(args.size)], check=True, capture_output=True)
    return onnx_rate(path, {"images": x.numpy()}, args)


def export_only(args):
    """A model timm lacks: ours against onnxruntime on our export of `--weights`, alternated."""
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{args.model} infer, batch {args.batch}, {args.size}x{args.size}, "
              f"{args.threads} threads, onnxruntime on our export of {args.weights}")
        for round_index in range(args.rounds):
            ours_rate, _ = ours(args)
            ort_rate_ = exported_rate(args.weights, tmp, args)
            print(f"  round {round_index + 1}: mobilevit-rs {ours_rate:8.1f} images/s, "
                  f"onnxruntime {ort_rate_:8.1f} images/s (ours / onnxruntime = "
                  f"{ours_rate / ort_rate_:.2f})")


def ours(args):
    """Images/s and peak resident bytes of `mobilevit bench` (its own process)."""
    command = [args.binary, "bench", "--model", args.model, "--batch", str(args.batch),
               "--image-size", str(args.size), "--mode", args.mode, "--threads", str(args.threads),
               "--iterations", str(args.iterations), "--warmup", str(args.warmup), "--json"]
    if args.gradient_checkpointing:
        command.append("--gradient-checkpointing")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["images_per_sec"], result.get("peak_memory_bytes")


def peak_resident_bytes():
    """This process's peak resident memory (Linux VmHWM), as `mobilevit bench` reports its own."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mobilevit_xxs")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--mode", choices=["infer", "train"], default="infer")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--binary", default="target/release/mobilevit")
    parser.add_argument("--gradient-checkpointing", action="store_true",
                        help="ours: recompute memory-bound activations in the backward pass")
    parser.add_argument("--weights", help="for a model timm lacks: the weights to export")
    parser.add_argument("--rounds", type=int, default=1, help="with --weights: alternations")
    args = parser.parse_args()
    if args.weights:
        export_only(args)
        return
    ours_rate, ours_memory = ours(args)
    rates = {"mobilevit-rs": ours_rate, f"PyTorch {torch.__version__} eager": torch_rate(args)}
    # PyTorch runs first in this process, so the peak so far is its own (Python, torch and
    # timm included, as our figure includes our binary).
    torch_memory = peak_resident_bytes()
    if args.mode == "infer":
        try:
            rates["onnxruntime"] = ort_rate(args)
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            print(f"onnxruntime: skipped ({error})")
        try:
            rates["onnxruntime, our ONNX export"] = ours_onnx_rate(args)
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            print(f"onnxruntime on our export: skipped ({error})")
    print(f"{args.model} {args.mode}, batch {args.batch}, {args.size}x{args.size}, {args.threads} threads")
    for name, rate in rates.items():
        ratio = "" if name == "mobilevit-rs" else f"  (ours / this = {ours_rate / rate:.2f})"
        print(f"  {name:32s} {rate:8.1f} images/s{ratio}")
    if ours_memory and torch_memory:
        gib = 1024 ** 3
        print(f"  peak memory: mobilevit-rs {ours_memory / gib:.2f} GiB, PyTorch "
              f"{torch_memory / gib:.2f} GiB (ours / PyTorch = {ours_memory / torch_memory:.2f})")


if __name__ == "__main__":
    main()
