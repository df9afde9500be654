#!/usr/bin/env python3
"""timm's MobileViT on a CUDA GPU, timed as `mobilevit bench --device cuda` times ours: the
same model, batch and input size, inference (eval mode, no autograd) or a training step
(forward, label-smoothed cross-entropy, backward, AdamW), in PyTorch eager and, when it works,
under `torch.compile`. Prints one JSON line: {"eager": images/s, "compile": images/s or null,
"compile_error": message or null}.

    python scripts/bench_timm_gpu.py --model mobilevit_xxs --batch 256 --mode infer

scripts/gpu_check.sh calls it when PyTorch with CUDA and timm are importable.
"""

import argparse
import json
import statistics
import time

import timm
import torch


def rate(step, batch, iterations, warmup):
    """Images per second at the median iteration, each iteration synchronised."""
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def make_step(model, args):
    images = torch.randn(args.batch, 3, args.image_size, args.image_size, device="cuda")
    if args.mode == "infer":
        model.eval()

        def infer():
            with torch.inference_mode():
                model(images)

        return infer
    labels = torch.arange(args.batch, device="cuda") % 1000
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, eps=1e-8)
    model.train()

    def train():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(images), labels).backward()
        optimizer.step()

    return train


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="timm name, e.g. mobilevit_xxs")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--mode", choices=["infer", "train"], default="infer")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = True
    model = timm.create_model(args.model, pretrained=False).cuda()
    result = {"eager": rate(make_step(model, args), args.batch, args.iterations, args.warmup)}
    result["compile"], result["compile_error"] = None, None
    if not args.no_compile:
        try:
            compiled = torch.compile(timm.create_model(args.model, pretrained=False).cuda())
            step = make_step(compiled, args)
            result["compile"] = rate(step, args.batch, args.iterations, args.warmup)
        except Exception as error:  # noqa: BLE001 - any failure means "no compile figure"
            result["compile_error"] = f"{type(error).__name__}: {error}"[:300]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
