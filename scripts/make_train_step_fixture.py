#!/usr/bin/env python3
"""Produce the training-step fixture for mobilevit-rs: timm mobilevit_xxs gradients and AdamW losses.

The Rust trainer (loss, backward and AdamW with PaddleClas's weight-decay groups) is checked
against PyTorch + timm on a tiny, fully deterministic run that starts from the committed perturbed
weights tests/fixtures/timm_xxs_seed0.safetensors (written by scripts/make_fixtures.py). Run from
the repository root with the reference venv (scripts' pins: torch 2.15.0 CPU, timm 1.0.31):

    .venv-ref/bin/python scripts/make_train_step_fixture.py

Outputs (``--out``, default tests/fixtures):

    {out}/timm_xxs_train_steps.safetensors  float32 tensors, all contiguous:
        input                   [2, 3, 64, 64], the batch (see the recipe)
        labels                  [2], the class indices 3 and 7 as float32 (3.0, 7.0)
        losses                  [6], losses[k] for k = 0..4 is the loss of optimizer step k,
                                computed before that step's update; losses[5] is the loss of one
                                more forward (train mode, no backward) after the fifth update
        grad.<name>             for every parameter of model.named_parameters() (timm names,
                                e.g. grad.stem.conv.weight, grad.stages.2.1.transformer.0.attn.qkv
                                .weight, grad.head.fc.bias): its gradient at step 0, i.e. the
                                gradient of losses[0] with respect to the committed weights
        after.<name>            every parameter after the five AdamW updates, and every
                                BatchNorm running_mean / running_var buffer as it is after the
                                five training steps (five running-statistics updates, one per
                                training forward; the snapshot is taken before the extra forward
                                that gives losses[5]); num_batches_tracked is not stored
      with a single metadata entry "fixture" (a JSON string: source, versions of torch, timm,
      numpy and safetensors, and the recipe in short), since safetensors writes a multi-key
      metadata map in a random order and the file's sha256 would change from run to run
    {out}/timm_xxs_train_steps_meta.json    versions, pins, the recipe, the losses as a list,
                                            the dropout check, the number of gradient tensors
                                            and elements, and the sha256 of the safetensors file

Recipe (exactly what the script does):

 1. ``torch.manual_seed(0)``, ``torch.set_num_threads(2)``,
    ``torch.use_deterministic_algorithms(True)``; float32 on the CPU.
 2. ``timm.create_model('mobilevit_xxs', pretrained=False, num_classes=1000, drop_rate=0.0,
    drop_path_rate=0.0)``; ``load_state_dict(load_file('timm_xxs_seed0.safetensors'),
    strict=True)`` (weights, BN running stats and num_batches_tracked). Every dropout module
    (``nn.Dropout`` and the other ``_DropoutNd``) must then have p == 0 and every timm DropPath
    drop_prob == 0; with timm 1.0.31 they all do (37 nn.Dropout: head.drop and, in each of the
    9 transformer blocks, attn.attn_drop, attn.proj_drop, mlp.drop1 and mlp.drop2, all built with
    p=0; no DropPath, drop_path_rate 0 gives Identity), so nothing is changed. Should a later timm
    leave one non-zero, the script sets it to 0 and says so in its output and in the meta
    ("dropout.forced_to_zero"). timm's attention takes its SDPA dropout from attn_drop.p, which
    is therefore 0 too.
 3. ``model.train()``: BatchNorm normalises with the batch statistics (biased variance) and
    updates its running stats with momentum 0.1: running_mean = 0.9 * running_mean + 0.1 * mean,
    running_var = 0.9 * running_var + 0.1 * var_unbiased (PyTorch uses the unbiased batch
    variance, n / (n - 1) times the one it normalises with, n = batch * H * W).
 4. Batch: ``torch.rand((2, 3, 64, 64), generator=torch.Generator().manual_seed(1))`` (float32,
    U[0, 1)); labels ``torch.tensor([3, 7])`` (int64).
 5. Loss: ``torch.nn.CrossEntropyLoss(label_smoothing=0.1)``, mean over the batch: per sample
    0.9 * (-log p[label]) + 0.1 * mean over the 1000 classes of (-log p[c]).
 6. Optimizer: ``torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)`` (amsgrad
    False, defaults otherwise) with PaddleClas's weight-decay groups, in named_parameters()
    order: parameters with ``p.ndim > 1`` (conv and linear weights) get weight_decay 0.01, all
    others (biases, BatchNorm and LayerNorm weights and biases, all 1-D) get 0. Per step t = 1..5
    PyTorch computes p *= 1 - lr * wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 7. For k in 0..5: ``optimizer.zero_grad()``, forward, losses[k], ``backward()``; at k == 0 the
    gradients are recorded (grad.*); ``optimizer.step()``. There is no separate forward for the
    gradients: they come from step 0 of the loop, so the BatchNorm running stats see exactly five
    updates. Then the after.* snapshot, then one more train-mode forward (under no_grad) for
    losses[5].
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

import timm
from timm.layers import DropPath

from fixture_common import (add_version_flag, files_table, new_parser, print_written, sha256,
                            version_mismatch, write_meta)

PINNED = {"torch": "2.15.0", "timm": "1.0.31"}
SEED = 0
INPUT_SEED = 1
THREADS = 2
INPUT_SHAPE = (2, 3, 64, 64)
LABELS = (3, 7)
LABEL_SMOOTHING = 0.1
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8
WEIGHT_DECAY = 0.01
STEPS = 5
WEIGHTS = "timm_xxs_seed0.safetensors"
OUT_NAME = "timm_xxs_train_steps.safetensors"
META_NAME = "timm_xxs_train_steps_meta.json"

RECIPE = (
    f"timm mobilevit_xxs (pretrained=False, num_classes=1000, drop_rate=0, drop_path_rate=0), "
    f"weights {WEIGHTS} loaded strict; torch.manual_seed({SEED}), {THREADS} threads, "
    f"deterministic, float32 CPU; model.train() (BN batch stats, momentum 0.1); input "
    f"torch.rand({list(INPUT_SHAPE)}, Generator seed {INPUT_SEED}), labels {list(LABELS)}; "
    f"CrossEntropyLoss(label_smoothing={LABEL_SMOOTHING}), batch mean; "
    f"AdamW(lr={LR}, betas={BETAS}, eps={EPS}), weight_decay {WEIGHT_DECAY} for p.ndim > 1 "
    f"else 0; {STEPS} steps on the same batch (zero_grad, forward, loss, backward, step); "
    f"grad.* = gradients of step 0; losses[0..{STEPS}] before each update, losses[{STEPS}] = one "
    f"more train-mode forward after the last update; after.* = parameters and BN running stats "
    f"after {STEPS} steps ({STEPS} running-stat updates), before that extra forward")


def parse_args(argv=None):
    p = new_parser(__doc__)
    p.add_argument("--weights", default=f"tests/fixtures/{WEIGHTS}",
                   help=f"the perturbed timm weights (default: tests/fixtures/{WEIGHTS})")
    p.add_argument("--out", default="tests/fixtures", help="output folder (default: tests/fixtures)")
    add_version_flag(p, PINNED)
    return p.parse_args(argv)


def check_versions(allow_other: bool) -> None:
    found = {"torch": torch.__version__.split("+")[0], "timm": timm.__version__}
    if any(v != PINNED[k] for k, v in found.items()):
        version_mismatch(f"version mismatch: found {found}, pinned {PINNED}", allow_other)


def zero_dropout(model: nn.Module) -> dict:
    """Check (and if need be force) p == 0 on every dropout and DropPath module."""
    seen, forced = [], []
    for name, m in model.named_modules():
        if isinstance(m, nn.modules.dropout._DropoutNd):
            seen.append(f"{name} ({type(m).__name__} p={m.p})")
            if m.p != 0.0:
                forced.append(f"{name}: {type(m).__name__} p={m.p} -> 0")
                m.p = 0.0
        elif isinstance(m, DropPath):
            seen.append(f"{name} (DropPath drop_prob={m.drop_prob})")
            if m.drop_prob != 0.0:
                forced.append(f"{name}: DropPath drop_prob={m.drop_prob} -> 0")
                m.drop_prob = 0.0
    for line in forced:
        print(f"WARNING: dropout forced to zero: {line}", file=sys.stderr)
    return {"modules": seen, "forced_to_zero": forced}


def bn_modules(model: nn.Module) -> list:
    bns = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for n, m in bns:
        if m.momentum != 0.1 or not m.track_running_stats or not m.affine:
            sys.exit(f"unexpected BatchNorm settings at {n}: momentum {m.momentum}, "
                     f"track_running_stats {m.track_running_stats}, affine {m.affine}")
    return bns


def f32(t: torch.Tensor) -> torch.Tensor:
    return t.detach().to(torch.float32).contiguous().clone()


def main(argv=None) -> None:
    args = parse_args(argv)
    check_versions(args.allow_other_versions)
    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)

    model = timm.create_model("mobilevit_xxs", pretrained=False, num_classes=1000,
                              drop_rate=0.0, drop_path_rate=0.0).float()
    model.load_state_dict(load_file(args.weights), strict=True)
    dropout = zero_dropout(model)
    bns = bn_modules(model)
    nbt0 = sorted({int(m.num_batches_tracked) for _, m in bns})
    model.train()

    x = torch.rand(INPUT_SHAPE, generator=torch.Generator().manual_seed(INPUT_SEED),
                   dtype=torch.float32)
    y = torch.tensor(LABELS, dtype=torch.int64)
    criterion = nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)

    named = list(model.named_parameters())
    if not all(p.requires_grad for _, p in named):
        sys.exit("a parameter does not require grad")
    decay = [p for _, p in named if p.ndim > 1]
    no_decay = [p for _, p in named if p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=LR, betas=BETAS, eps=EPS)

    losses, grads = [], {}
    for k in range(STEPS):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        losses.append(float(loss.detach()))
        loss.backward()
        if k == 0:
            for name, p in named:
                if p.grad is None:
                    sys.exit(f"no gradient for {name}")
                grads[f"grad.{name}"] = f32(p.grad)
        optimizer.step()
        print(f"step {k}: loss {losses[-1]:.8f}")

    after = {f"after.{n}": f32(p) for n, p in named}
    for n, b in model.named_buffers():
        if n.endswith(("running_mean", "running_var")) and b.dtype == torch.float32:
            after[f"after.{n}"] = f32(b)
    nbt = sorted({int(m.num_batches_tracked) for _, m in bns})

    with torch.no_grad():
        losses.append(float(criterion(model(x), y)))
    print(f"after {STEPS} steps: loss {losses[-1]:.8f}")
    if not all(np.isfinite(losses)):
        sys.exit(f"non-finite loss: {losses}")

    versions = {"torch": torch.__version__, "timm": timm.__version__, "numpy": np.__version__,
                "safetensors": safetensors.__version__, "python": platform.python_version()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    st_path = out / OUT_NAME
    tensors = {"input": f32(x), "labels": f32(y), "losses": torch.tensor(losses, dtype=torch.float32),
               **grads, **after}
    fixture = {"source": "timm mobilevit_xxs, scripts/make_train_step_fixture.py",
               "versions": {k: versions[k] for k in ("torch", "timm", "numpy", "safetensors")},
               "recipe": RECIPE}
    save_file(tensors, str(st_path), metadata={"fixture": json.dumps(fixture, sort_keys=True)})
    st_path.chmod(0o644)  # safetensors creates the file as 0600

    grad_elems = sum(t.numel() for t in grads.values())
    meta = {
        "model": "timm mobilevit_xxs (pretrained=False), weights " + WEIGHTS,
        "weights_sha256": sha256(Path(args.weights)),
        "versions": versions,
        "pinned": PINNED,
        "dtype": "float32", "device": "cpu", "threads": torch.get_num_threads(),
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "timm_fused_attn": bool(getattr(model.stages[2][1].transformer[0].attn, "fused_attn", False)),
        "recipe": RECIPE,
        "optimizer": {"class": "torch.optim.AdamW",
                      "defaults": {k: (list(v) if isinstance(v, tuple) else v)
                                   for k, v in optimizer.defaults.items()
                                   if isinstance(v, (bool, int, float, tuple, type(None)))},
                      "decay_tensors": len(decay), "no_decay_tensors": len(no_decay),
                      "decay_elements": sum(p.numel() for p in decay),
                      "no_decay_elements": sum(p.numel() for p in no_decay)},
        "dropout": dropout,
        "batchnorm": {"modules": len(bns), "momentum": 0.1,
                      "running_var_update": "unbiased batch variance (n / (n - 1))",
                      "num_batches_tracked_loaded": nbt0,
                      "num_batches_tracked_after_steps": nbt},
        "losses": losses,
        "grad_tensors": len(grads),
        "grad_elements": grad_elems,
        "after_tensors": len(after),
        "after_elements": sum(t.numel() for t in after.values()),
        "sha256": sha256(st_path),
        "files": files_table([st_path]),
    }
    meta_path = out / META_NAME
    write_meta(meta_path, meta)
    print(f"grad tensors {len(grads)} ({grad_elems:,} elements); after tensors {len(after)}; "
          f"dropout modules {len(dropout['modules'])}, forced {len(dropout['forced_to_zero'])}")
    print_written([st_path, meta_path])


if __name__ == "__main__":
    main()
