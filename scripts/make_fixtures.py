#!/usr/bin/env python3
"""Produce parity fixtures for mobilevit-rs from the timm reference implementation.

The Rust (Burn) port of MobileViT v1 is checked against timm's ``mobilevit_{xxs,xs,s}``. This
script builds the timm model with random (never downloaded) weights, perturbs those weights so that
every branch of the network contributes to the output, runs a few deterministic inputs through it
and writes everything a Rust test needs:

    {out}/timm_{V}_seed{seed}.safetensors   full perturbed state_dict (timm key names), including
                                            BN running stats and num_batches_tracked (int64);
                                            every floating tensor is contiguous float32
    {out}/timm_{V}_input_{H}x{W}.npy        float32 NCHW input, batch 2, N(0, 1)
    {out}/timm_{V}_logits_{H}x{W}.npy       float32 [2, 1000], eval mode, torch.no_grad()
    {out}/timm_{V}_stage{k}_{H}x{W}.npy     with --debug-stages only: outputs of the stem
                                            (k=stem), model.stages[k] (k=0..4) and final_conv
                                            (k=final_conv)
    {out}/timm_{V}_meta.json                versions, seed, perturbation recipe, parameter and
                                            buffer counts, attention peakedness, logits stats and
                                            the sha256 of each file written above

Pinned reference versions (the fixtures were generated with exactly these):

    torch==2.15.0 (CPU use of the registry wheel), timm==1.0.31, numpy==2.4.6,
    safetensors==0.8.0

Build the environment with ``bash /work/shared/tools/reference-venv.sh .venv-ref`` and run, from
the repository root:

    .venv-ref/bin/python scripts/make_fixtures.py
        # default: XXS only, sizes 256x256 and 200x200, seed 0, into tests/fixtures

    .venv-ref/bin/python scripts/make_fixtures.py --variants xxs,xs,s \\
        --sizes 256,200,224,193x301 --debug-stages --out fixtures-tmp
        # everything, including per-stage outputs (scratch, not committed)

Why 200x200: 200/32 is not an integer, so the MobileViT blocks see 25x25, 13x13 and 7x7 feature
maps, which are not multiples of the 2x2 patch; timm then resizes bilinearly
(align_corners=False) to the next even size before unfolding and back after folding.

The script refuses to run with other torch/timm versions unless ``--allow-other-versions`` is
given. Nothing is downloaded: the model is built with ``pretrained=False``. Computation runs in
float32 on the CPU with 2 threads.

Perturbation recipe (all draws from one ``torch.Generator`` seeded with ``seed``, applied in
``model.named_modules()`` order after ``torch.manual_seed(seed)`` and ``timm.create_model``):

    BatchNorm2d  weight ~ U(0.5, 1.5), bias ~ N(0, 0.1), running_mean ~ N(0, 0.1),
                 running_var ~ U(0.5, 2.0)           (this also removes timm's zero-init gammas)
    LayerNorm    weight ~ U(0.5, 1.5), bias ~ N(0, 0.1)
    Linear       attn.qkv: weight ~ N(0, QKV_STD); every other Linear (attn.proj, mlp.fc1,
                 mlp.fc2, head.fc): weight ~ N(0, 1/sqrt(fan_in)); all biases ~ N(0, 0.05)
    Conv2d       kept as timm initialises them

QKV_STD (0.3) makes the softmax clearly non-uniform; the script prints, for every attention
layer, the mean over rows of the largest attention probability next to the uniform value 1/N.

Inputs are standard normal (torch.randn), not uniform [0, 1): with i.i.d. uniform noise the
tokens entering the second transformer layer of stage 2 are so alike that its attention is
nearly uniform, which would hide layout bugs there.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import re
import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
import torch.nn as nn
from safetensors.torch import save_file

import timm

PINNED = {"torch": "2.15.0", "timm": "1.0.31"}
VARIANTS = ("xxs", "xs", "s")
BATCH = 2
QKV_STD = 0.3
LINEAR_BIAS_STD = 0.05

RECIPE = {
    "order": "model.named_modules() order, one torch.Generator seeded with `seed`, "
             "after torch.manual_seed(seed) and timm.create_model(pretrained=False)",
    "BatchNorm2d": {"weight": "U(0.5, 1.5)", "bias": "N(0, 0.1)",
                    "running_mean": "N(0, 0.1)", "running_var": "U(0.5, 2.0)"},
    "LayerNorm": {"weight": "U(0.5, 1.5)", "bias": "N(0, 0.1)"},
    "Linear": {"attn.qkv.weight": f"N(0, {QKV_STD})",
               "other.weight": "N(0, 1/sqrt(fan_in))",
               "bias": f"N(0, {LINEAR_BIAS_STD})"},
    "Conv2d": "timm init (unchanged)",
    "inputs": "N(0, 1) (torch.randn), torch.Generator seeded with seed*1_000_003 + H*1000 + W, "
              f"shape [{BATCH}, 3, H, W]",
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variants", default="xxs",
                   help="comma-separated subset of xxs,xs,s (default: xxs)")
    p.add_argument("--sizes", default="256,200",
                   help="comma-separated input sizes; N means NxN, or HxW such as 193x301 "
                        "(default: 256,200)")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and inputs (default: 0)")
    p.add_argument("--out", default="tests/fixtures", help="output folder (default: tests/fixtures)")
    p.add_argument("--debug-stages", action="store_true",
                   help="also write the outputs of stem, stages[0..4] and final_conv")
    p.add_argument("--allow-other-versions", action="store_true",
                   help=f"run even if torch/timm differ from the pins {PINNED}")
    args = p.parse_args(argv)

    args.variants = [v.strip().lower() for v in args.variants.split(",") if v.strip()]
    for v in args.variants:
        if v not in VARIANTS:
            p.error(f"unknown variant {v!r}; choose from {','.join(VARIANTS)}")
    sizes = []
    for s in args.sizes.split(","):
        s = s.strip().lower()
        m = re.fullmatch(r"(\d+)(?:x(\d+))?", s)
        if not m:
            p.error(f"bad size {s!r}; use N or HxW")
        h = int(m.group(1))
        w = int(m.group(2)) if m.group(2) else h
        if h < 32 or w < 32:
            p.error(f"size {s!r} is too small (each side must be at least 32)")
        sizes.append((h, w))
    args.sizes = sizes
    return args


def check_versions(allow_other: bool) -> None:
    found = {"torch": torch.__version__.split("+")[0], "timm": timm.__version__}
    bad = {k: v for k, v in found.items() if v != PINNED[k]}
    if bad:
        msg = f"version mismatch: found {found}, pinned {PINNED}"
        if not allow_other:
            sys.exit(msg + " (pass --allow-other-versions to run anyway)")
        print("WARNING:", msg, file=sys.stderr)


@torch.no_grad()
def perturb(model: nn.Module, seed: int) -> None:
    """Overwrite norm affines, BN running stats and Linear weights, deterministically."""
    g = torch.Generator().manual_seed(seed)

    def normal(t, std):
        t.copy_(torch.randn(t.shape, generator=g, dtype=torch.float32) * std)

    def uniform(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=g, dtype=torch.float32) * (hi - lo) + lo)

    for name, m in model.named_modules():
        if isinstance(m, nn.BatchNorm2d):  # includes timm's BatchNormAct2d
            uniform(m.weight, 0.5, 1.5)
            normal(m.bias, 0.1)
            normal(m.running_mean, 0.1)
            uniform(m.running_var, 0.5, 2.0)
        elif isinstance(m, nn.LayerNorm):
            uniform(m.weight, 0.5, 1.5)
            normal(m.bias, 0.1)
        elif isinstance(m, nn.Linear):
            std = QKV_STD if name.endswith("attn.qkv") else 1.0 / math.sqrt(m.in_features)
            normal(m.weight, std)
            if m.bias is not None:
                normal(m.bias, LINEAR_BIAS_STD)


def make_input(seed: int, h: int, w: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed * 1_000_003 + h * 1000 + w)
    return torch.randn((BATCH, 3, h, w), generator=g, dtype=torch.float32)


def attention_hooks(model: nn.Module, stats: dict):
    """Record, for each attention module, the mean over query rows of max softmax probability.

    The probabilities are recomputed from the module's input with its own qkv weights (the model
    itself may use fused SDPA, which does not expose them).
    """
    handles = []
    for name, m in model.named_modules():
        if not (hasattr(m, "qkv") and hasattr(m, "num_heads") and hasattr(m, "head_dim")):
            continue

        def hook(mod, inputs, _out, name=name):
            x = inputs[0]
            b, n, _ = x.shape
            qkv = mod.qkv(x).reshape(b, n, 3, mod.num_heads, mod.head_dim).permute(2, 0, 3, 1, 4)
            q, k, _v = qkv.unbind(0)
            attn = ((q * mod.head_dim ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
            stats[name] = {"tokens": n,
                           "uniform": 1.0 / n,
                           "mean_max_prob": float(attn.max(-1).values.mean()),
                           "mean_entropy_over_log_n": float(
                               (-(attn * attn.clamp_min(1e-30).log()).sum(-1)).mean() / math.log(n))}
        handles.append(m.register_forward_hook(hook))
    return handles


def stage_hooks(model: nn.Module, store: dict):
    mods = [("stem", model.stem)] + [(str(k), s) for k, s in enumerate(model.stages)] + \
        [("final_conv", model.final_conv)]
    handles = []
    for key, mod in mods:
        def hook(_m, _i, out, key=key):
            store[key] = out.detach().float().contiguous().numpy().copy()
        handles.append(mod.register_forward_hook(hook))
    return handles


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run_variant(variant: str, args, out: Path) -> None:
    torch.manual_seed(args.seed)
    model = timm.create_model(f"mobilevit_{variant}", pretrained=False)
    model = model.float().eval()
    perturb(model, args.seed)

    written: list[Path] = []
    sd = {}
    for k, v in model.state_dict().items():
        v = v.detach().cpu()
        if v.is_floating_point():
            v = v.float()
        sd[k] = v.contiguous().clone()
    st_path = out / f"timm_{variant}_seed{args.seed}.safetensors"
    # A single metadata entry: safetensors writes a multi-key metadata map in a random order,
    # which would make the file bytes (and its sha256) change from run to run.
    save_file(sd, str(st_path),
              metadata={"source": f"timm mobilevit_{variant}, seed {args.seed}, scripts/make_fixtures.py"})
    st_path.chmod(0o644)  # safetensors creates the file as 0600
    written.append(st_path)

    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = list(model.named_buffers())
    meta_runs = {}
    for (h, w) in args.sizes:
        x = make_input(args.seed, h, w)
        attn_stats, stages = {}, {}
        handles = attention_hooks(model, attn_stats)
        if args.debug_stages:
            handles += stage_hooks(model, stages)
        with torch.no_grad():
            logits = model(x)
        for hd in handles:
            hd.remove()
        logits_np = logits.float().contiguous().numpy()
        if not np.all(np.isfinite(logits_np)):
            sys.exit(f"non-finite logits for {variant} {h}x{w}")

        tag = f"{h}x{w}"
        paths = [out / f"timm_{variant}_input_{tag}.npy", out / f"timm_{variant}_logits_{tag}.npy"]
        np.save(paths[0], x.numpy().astype(np.float32))
        np.save(paths[1], logits_np.astype(np.float32))
        for key, arr in stages.items():
            p = out / f"timm_{variant}_stage{key}_{tag}.npy"
            np.save(p, arr.astype(np.float32))
            paths.append(p)
        written += paths

        first = next(iter(attn_stats))
        print(f"[{variant} {tag}] logits std {logits_np.std():.4f}  mean {logits_np.mean():.4f}  "
              f"absmax {np.abs(logits_np).max():.4f}  std(img0-img1) {(logits_np[0] - logits_np[1]).std():.4f}  "
              f"argmax {logits_np.argmax(1).tolist()}")
        for name, s in attn_stats.items():
            print(f"    attn {name:34s} N={s['tokens']:4d}  mean max-prob {s['mean_max_prob']:.4f} "
                  f"(uniform {s['uniform']:.4f})  entropy/logN {s['mean_entropy_over_log_n']:.3f}")
        meta_runs[tag] = {
            "input_shape": list(x.shape),
            "logits_shape": list(logits_np.shape),
            "logits_std": float(logits_np.std()),
            "logits_mean": float(logits_np.mean()),
            "logits_absmax": float(np.abs(logits_np).max()),
            "logits_std_of_row_difference": float((logits_np[0] - logits_np[1]).std()),
            "argmax": logits_np.argmax(1).tolist(),
            "first_attention_layer": first,
            "attention": attn_stats,
            "stage_shapes": {k: list(v.shape) for k, v in stages.items()},
        }

    meta = {
        "model": f"timm mobilevit_{variant} (pretrained=False)",
        "versions": {"torch": torch.__version__, "timm": timm.__version__,
                     "numpy": np.__version__, "safetensors": safetensors.__version__,
                     "python": platform.python_version()},
        "pinned": PINNED,
        "seed": args.seed,
        "dtype": "float32", "device": "cpu", "threads": torch.get_num_threads(),
        "timm_fused_attn": bool(getattr(model.stages[2][1].transformer[0].attn, "fused_attn", False)),
        "perturbation": RECIPE,
        "trainable_params": n_params,
        "buffer_tensors": len(buffers),
        "buffer_elements": sum(b.numel() for _, b in buffers),
        "state_dict_tensors": len(sd),
        "runs": meta_runs,
        "files": {p.name: {"sha256": sha256(p), "bytes": p.stat().st_size} for p in written},
    }
    meta_path = out / f"timm_{variant}_meta.json"
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")

    print(f"[{variant}] trainable params {n_params:,}; buffers {len(buffers)}")
    for p in written + [meta_path]:
        print(f"    {p.stat().st_size:>11,d}  {p}")


def main(argv=None) -> None:
    args = parse_args(argv)
    check_versions(args.allow_other_versions)
    torch.set_num_threads(2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for variant in args.variants:
        run_variant(variant, args, out)


if __name__ == "__main__":
    main()
