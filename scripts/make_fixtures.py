#!/usr/bin/env python3
"""Produce parity fixtures for mobilevit-rs from timm, HF transformers and the ml-cvnets layout.

The Rust (Burn) port of MobileViT v1 is checked against timm's ``mobilevit_{xxs,xs,s}``, HF
transformers' ``MobileViTForImageClassification`` and, through its key names, ml-cvnets. This
script builds each reference model with random (never downloaded) weights, perturbs those weights
so that every branch of the network contributes to the output, runs a few deterministic inputs
through it and writes everything a Rust test needs. ``--sources`` picks the sources (default
``timm``; the default run reproduces the committed tests/fixtures byte for byte).

timm (``--sources timm``):

    {out}/timm_{V}_seed{seed}.safetensors   full perturbed state_dict (timm key names), including
                                            BN running stats and num_batches_tracked (int64);
                                            every floating tensor is contiguous float32
    {out}/timm_{V}_seed{seed}.pth           with --timm-pth (the default whenever hf or cvnets is
                                            also requested): torch.save(model.state_dict()) of the
                                            same model, PyTorch's zip format
    {out}/timm_{V}_input_{H}x{W}.npy        float32 NCHW input, batch 2, N(0, 1)
    {out}/timm_{V}_logits_{H}x{W}.npy       float32 [2, 1000], eval mode, torch.no_grad()
    {out}/timm_{V}_stage{k}_{H}x{W}.npy     with --debug-stages only: outputs of the stem
                                            (k=stem), model.stages[k] (k=0..4) and final_conv
                                            (k=final_conv)
    {out}/timm_{V}_meta.json                versions, seed, perturbation recipe, parameter and
                                            buffer counts, attention peakedness, logits stats and
                                            the sha256 of each file written above

HF transformers (``--sources hf``): ``MobileViTForImageClassification`` built from a
``MobileViTConfig`` set up as transformers' ``convert_mlcvnets_to_pytorch.py::get_mobilevit_config``
does (hidden_sizes, neck_hidden_sizes; XXS also expand_ratio 2.0 and hidden_dropout_prob 0.05;
num_labels 1000), seeded with ``torch.manual_seed(seed)``, eval mode, same perturbation recipe
(query, key and value each get the qkv std):

    {out}/hf_{V}_seed{seed}.safetensors     model.state_dict() with HF key names (``mobilevit.``
                                            prefix, ``classifier.*``), metadata {"format": "pt"}
    {out}/hf_{V}_pytorch_model.bin          torch.save of the same state dict (zip format)
    {out}/hf_{V}_input_{H}x{W}.npy          the same inputs as timm's (same seed and generator)
    {out}/hf_{V}_logits_{H}x{W}.npy         ``model(pixel_values=x).logits`` on the raw tensor
                                            (no image processor)
    {out}/hf_{V}_meta.json                  as for timm, plus the config and the cross-check
                                            below

ml-cvnets (``--sources cvnets``): ml-cvnets is not on PyPI, so its checkpoint is derived from the
perturbed HF model: HF key names are mapped back to the ml-cvnets v0.1 names (spec 3.1, e.g.
``conv_1.block.conv.weight``, ``layer_3.1.global_rep.0.pre_norm_mha.1.qkv_proj.weight``,
``classifier.fc.weight``, BN ``num_batches_tracked`` kept) by inverting the rules of transformers'
``rename_key``, and query/key/value are fused into ``qkv_proj`` (concatenated along dim 0):

    {out}/cvnets_{V}_seed{seed}.pt          torch.save(OrderedDict state_dict), as the released
                                            checkpoints are (a plain state_dict, no wrapper)
    {out}/cvnets_{V}_input_{H}x{W}.npy      copies of the HF inputs
    {out}/cvnets_{V}_logits_{H}x{W}.npy     copies of the HF logits
    {out}/cvnets_{V}_meta.json

The cvnets state dict is proved right before it is written: it is converted back with
transformers' own ``convert_state_dict``/``rename_key``, loaded (strict) into a freshly built HF
model, and every tensor and the logits must equal the perturbed HF model's exactly. transformers
5.x no longer ships ``convert_mlcvnets_to_pytorch.py`` (neither in the wheel nor in the sdist), so
pass that file from a transformers git checkout with ``--hf-convert-script PATH`` (only its
``rename_key`` and ``convert_state_dict`` functions are taken, via ``ast``, without running its
imports); without it the script falls back to its own forward rename and says so in the meta.

Cross-checks done with hf/cvnets (numbers go into the meta files; the run fails if one is off):
the perturbed timm weights, mapped timm -> ml-cvnets -> HF (spec 3.2/3.3), make the HF model give
timm's logits; the cvnets state dict, mapped ml-cvnets -> timm, makes timm give the HF logits. Both
are float-rounding close, not bitwise (timm uses fused SDPA, HF scales after QK^T).

Eval preprocessing (``--preprocess IMAGE [IMAGE ...]``): with this option the script writes
only the following, one pair per image file (``{stem}`` is the file name without its suffix), and
none of the model fixtures above (so a run without it stays byte-identical to before):

    {out}/preprocess_timm_{stem}.npy        float32 [1, 3, 256, 256]: exactly what timm gives for
                                            mobilevit_xxs, i.e.
                                            ``cfg = timm.data.resolve_data_config({}, model=
                                            timm.create_model('mobilevit_xxs', pretrained=False))``,
                                            ``t = timm.data.create_transform(**cfg)``,
                                            ``t(PIL.Image.open(path).convert('RGB')).unsqueeze(0)``.
                                            With timm 1.0.31: Resize(284, bicubic, antialias;
                                            short side 284 = floor(256 / 0.9), long side
                                            int(284 * long / short)), CenterCrop(256) (torchvision:
                                            offset int(round((side - 256) / 2.0)), Python's
                                            round-half-to-even), MaybeToTensor (uint8 -> float32,
                                            then / 255 in float32), Normalize(mean 0, std 1); RGB
                                            order
    {out}/preprocess_hf_{stem}.npy          float32 [1, 3, 256, 256]: transformers' image processor
                                            with the settings of the apple/mobilevit-{xx-small,
                                            x-small,small} hub ``preprocessor_config.json`` (spec 4:
                                            size 288, crop 256, resample 2, do_flip_channel_order
                                            true): do_resize, size {"shortest_edge": 288}, resample
                                            2 (PIL.Image.BILINEAR), do_center_crop, crop_size 256x256,
                                            do_rescale with 1/255, do_flip_channel_order (RGB -> BGR),
                                            no normalisation; applied to the PIL RGB image with
                                            ``return_tensors="np"``. The slow, PIL/NumPy processor is
                                            used: in transformers 5.x that is
                                            ``MobileViTImageProcessorPil``, while the plain name
                                            ``MobileViTImageProcessor`` is now the torchvision
                                            ("fast") backend (in 4.x the plain name was the slow one
                                            and the fast one was ``...Fast``). The slow processor
                                            resizes the uint8 image with PIL (short side 288, long
                                            side int(288 * long / short)), rescales in float64 and
                                            casts to float32, then crops at ((side - 256) // 2).
                                            Both give float32(x / 255) for every byte value x

Every image is opened with PIL and converted with ``.convert("RGB")`` before either pipeline (a
grayscale image is replicated to three channels; an RGBA image loses its alpha channel, nothing
is composited). The PaddleClas counterpart is ``scripts/make_paddle_fixtures.py --preprocess``.

    .venv-ref/bin/python scripts/make_fixtures.py --preprocess tests/fixtures/images/chelsea.png \
        tests/fixtures/images/rocket.jpg tests/fixtures/images/camera.png \
        tests/fixtures/images/horse.png
        # the committed preprocess_{timm,hf}_*.npy (default --out tests/fixtures)

Pinned reference versions (the fixtures were generated with exactly these):

    torch==2.15.0 (CPU use of the registry wheel), timm==1.0.31, numpy==2.4.6,
    safetensors==0.8.0; for hf/cvnets also transformers==5.24.0

Build the environment with ``bash /work/shared/tools/reference-venv.sh .venv-ref`` and run, from
the repository root:

    .venv-ref/bin/python scripts/make_fixtures.py
        # default: XXS only, sizes 256x256 and 200x200, seed 0, into tests/fixtures

    .venv-ref/bin/python scripts/make_fixtures.py --variants xxs,xs,s \\
        --sizes 256,200,224,193x301 --debug-stages --out fixtures-tmp
        # everything, including per-stage outputs (scratch, not committed)

    .venv-ref/bin/python scripts/make_fixtures.py --sources timm,hf,cvnets \\
        --variants xxs,xs,s --sizes 256,224,200,193x301 --out fixtures-tmp \\
        --hf-convert-script path/to/transformers/src/transformers/models/mobilevit/convert_mlcvnets_to_pytorch.py
        # all three sources (timm also as .pth), for the weight-loading tests

Why 200x200: 200/32 is not an integer, so the MobileViT blocks see 25x25, 13x13 and 7x7 feature
maps, which are not multiples of the 2x2 patch; timm then resizes bilinearly
(align_corners=False) to the next even size before unfolding and back after folding.

The script refuses to run with other torch/timm/transformers versions unless
``--allow-other-versions`` is given. Nothing is downloaded: the models are built with
``pretrained=False`` / from a config. Computation runs in float32 on the CPU with 2 threads.

Perturbation recipe (all draws from one ``torch.Generator`` seeded with ``seed``, applied in
``model.named_modules()`` order after ``torch.manual_seed(seed)`` and ``timm.create_model``, or
``MobileViTForImageClassification(config)`` for HF; the HF model's module order differs from
timm's, so its values differ too):

    BatchNorm2d  weight ~ U(0.5, 1.5), bias ~ N(0, 0.1), running_mean ~ N(0, 0.1),
                 running_var ~ U(0.5, 2.0)           (this also removes timm's zero-init gammas)
    LayerNorm    weight ~ U(0.5, 1.5), bias ~ N(0, 0.1)
    Linear       attn.qkv (HF: attention.attention.{query,key,value}): weight ~ N(0, QKV_STD);
                 every other Linear (attn.proj, mlp.fc1, mlp.fc2, head.fc; HF attention.output.dense,
                 intermediate.dense, output.dense, classifier): weight ~ N(0, 1/sqrt(fan_in));
                 all biases ~ N(0, 0.05)
    Conv2d       kept as timm initialises them, N(0, sqrt(2/fan_out)); for HF redrawn the same
                 way in the same pass (HF's own init, N(0, 0.02), shrinks the signal layer by
                 layer until every token, and the logits of different images, are nearly alike)

QKV_STD (0.3) makes the softmax clearly non-uniform; the script prints, for every attention
layer, the mean over rows of the largest attention probability next to the uniform value 1/N.

Inputs are standard normal (torch.randn), not uniform [0, 1): with i.i.d. uniform noise the
tokens entering the second transformer layer of stage 2 are so alike that its attention is
nearly uniform, which would hide layout bugs there.
"""

from __future__ import annotations

import argparse
import ast
import math
import platform
import re
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import safetensors
import torch
import torch.nn as nn
from safetensors.torch import save_file

import timm

from fixture_common import (BATCH, LINEAR_BIAS_STD, QKV_STD, add_common_args, add_version_flag,
                            attention_stats, files_table, finish_common_args, logits_summary,
                            new_parser, parse_choices, pickle_info, print_attention, print_logits,
                            print_written, sha256, version_mismatch, write_meta)

PINNED = {"torch": "2.15.0", "timm": "1.0.31"}
PINNED_HF = {"transformers": "5.24.0"}
SOURCES = ("timm", "hf", "cvnets")

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

# Names (suffixes of named_modules()) of the Linears that get the qkv std: timm's fused attn.qkv
# and HF's separate query/key/value.
QKV_SUFFIXES = ("attn.qkv", "attention.attention.query", "attention.attention.key",
                "attention.attention.value")

HF_RECIPE = dict(RECIPE)
HF_RECIPE["order"] = ("model.named_modules() order, one torch.Generator seeded with `seed`, after "
                      "torch.manual_seed(seed) and MobileViTForImageClassification(config)")
HF_RECIPE["Linear"] = {"attention.attention.{query,key,value}.weight": f"N(0, {QKV_STD}) each",
                       "other.weight": "N(0, 1/sqrt(fan_in))",
                       "bias": f"N(0, {LINEAR_BIAS_STD})"}
HF_RECIPE["Conv2d"] = ("weight ~ N(0, sqrt(2/fan_out)), fan_out = kh*kw*out_channels/groups, "
                       "drawn in the same pass (timm's and ml-cvnets' conv init; HF's own "
                       "N(0, 0.02) makes all tokens nearly alike)")

# MobileViTConfig fields per variant, as transformers'
# convert_mlcvnets_to_pytorch.py::get_mobilevit_config sets them (everything else default:
# num_attention_heads 4, mlp_ratio 2.0, patch_size 2, layer_norm_eps 1e-5, hidden_act silu, ...).
HF_CONFIGS = {
    "s": dict(hidden_sizes=[144, 192, 240], neck_hidden_sizes=[16, 32, 64, 96, 128, 160, 640]),
    "xs": dict(hidden_sizes=[96, 120, 144], neck_hidden_sizes=[16, 32, 48, 64, 80, 96, 384]),
    "xxs": dict(hidden_sizes=[64, 80, 96], neck_hidden_sizes=[16, 16, 24, 48, 64, 80, 320],
                hidden_dropout_prob=0.05, expand_ratio=2.0),
}
# Transformer depth of the MobileViT blocks in stages 3, 4, 5 (ml-cvnets layer_3..5).
DEPTHS = {3: 2, 4: 4, 5: 3}


def parse_args(argv=None):
    p = new_parser(__doc__)
    p.add_argument("--sources", default="timm",
                   help="comma-separated subset of timm,hf,cvnets (default: timm)")
    add_common_args(p, sizes_default="256,200", out_default="tests/fixtures")
    p.add_argument("--debug-stages", action="store_true",
                   help="also write the outputs of stem, stages[0..4] and final_conv")
    p.add_argument("--timm-pth", action=argparse.BooleanOptionalAction, default=None,
                   help="also write timm_{V}_seed{seed}.pth (torch.save of the state_dict); "
                        "default: on iff hf or cvnets is among --sources")
    p.add_argument("--hf-convert-script", metavar="PATH", default=None,
                   help="transformers' models/mobilevit/convert_mlcvnets_to_pytorch.py, whose "
                        "rename_key/convert_state_dict prove the cvnets state dict (used when "
                        "transformers itself does not ship it)")
    p.add_argument("--preprocess", metavar="IMAGE", nargs="+", default=None,
                   help="write only preprocess_{timm,hf}_{stem}.npy for these image files (the "
                        "eval preprocessing of timm mobilevit_xxs and of the HF image processor), "
                        "no model fixtures; only --out and --allow-other-versions apply")
    add_version_flag(p, {**PINNED, **PINNED_HF})
    args = p.parse_args(argv)

    args.sources = parse_choices(p, args.sources, SOURCES, "source")
    if args.timm_pth is None:
        args.timm_pth = "hf" in args.sources or "cvnets" in args.sources
    finish_common_args(p, args)
    return args


def check_versions(allow_other: bool) -> None:
    found = {"torch": torch.__version__.split("+")[0], "timm": timm.__version__}
    if any(v != PINNED[k] for k, v in found.items()):
        version_mismatch(f"version mismatch: found {found}, pinned {PINNED}", allow_other)


@torch.no_grad()
def perturb(model: nn.Module, seed: int, conv_fan_out: bool = False) -> None:
    """Overwrite norm affines, BN running stats and Linear weights, deterministically.

    With conv_fan_out (HF), Conv2d weights are redrawn too, N(0, sqrt(2/fan_out)) as timm's and
    ml-cvnets' init: HF initialises them N(0, 0.02), which shrinks the spatial signal layer by
    layer until all tokens (and the logits of different images) are nearly alike.
    """
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
            std = QKV_STD if name.endswith(QKV_SUFFIXES) else 1.0 / math.sqrt(m.in_features)
            normal(m.weight, std)
            if m.bias is not None:
                normal(m.bias, LINEAR_BIAS_STD)
        elif conv_fan_out and isinstance(m, nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
            normal(m.weight, math.sqrt(2.0 / fan_out))
            if m.bias is not None:
                raise ValueError(f"unexpected conv bias in {name}")


def make_input(seed: int, h: int, w: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed * 1_000_003 + h * 1000 + w)
    return torch.randn((BATCH, 3, h, w), generator=g, dtype=torch.float32)


def torch_attention_stats(attn: torch.Tensor) -> dict:
    """attention_stats of softmax probabilities [batch, heads, N, N] (reduced in float32)."""
    return attention_stats(attn.shape[-1], attn.max(-1).values,
                           -(attn * attn.clamp_min(1e-30).log()).sum(-1))


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
            stats[name] = torch_attention_stats(attn)
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
    if args.timm_pth:
        pth_path = out / f"timm_{variant}_seed{args.seed}.pth"
        torch.save(model.state_dict(), pth_path)
        written.append(pth_path)

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
        summary = logits_summary(logits_np)
        print_logits(f"{variant} {tag}", summary)
        print_attention(attn_stats, 34)
        meta_runs[tag] = {
            "input_shape": list(x.shape),
            **summary,
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
        "files": files_table(written),
    }
    if args.timm_pth:
        meta["torch_zip"] = {pth_path.name: torch_zip_info(pth_path)}
    meta_path = out / f"timm_{variant}_meta.json"
    write_meta(meta_path, meta)

    print(f"[{variant}] trainable params {n_params:,}; buffers {len(buffers)}")
    print_written(written + [meta_path])


# ---------------------------------------------------------------------------------------------
# HF transformers and ml-cvnets
# ---------------------------------------------------------------------------------------------

# Key maps between timm, ml-cvnets v0.1 and HF transformers (spec 3.1-3.3 and 3.5). A ConvLayer
# of ml-cvnets (`X.block.conv.weight`, `X.block.norm.*`) is timm's ConvNormAct (`X.conv.weight`,
# `X.bn.*`) and HF's MobileViTConvLayer (`X.convolution.weight`, `X.normalization.*`).
_P = r"(weight|bias|running_mean|running_var|num_batches_tracked)"
_UNIT_TIMM = {"conv": "block.conv", "bn": "block.norm"}
_UNIT_HF = {"convolution": "block.conv", "normalization": "block.norm"}
_MV2_TIMM = {"conv1_1x1": "exp_1x1", "conv2_kxk": "conv_3x3", "conv3_1x1": "red_1x1"}
_MV2_HF = {"expand_1x1": "exp_1x1", "conv_3x3": "conv_3x3", "reduce_1x1": "red_1x1"}
_VIT_TIMM = {"conv_kxk": "local_rep.conv_3x3", "conv_proj": "conv_proj", "conv_fusion": "fusion"}
_VIT_HF = {"conv_kxk": "local_rep.conv_3x3", "conv_projection": "conv_proj", "fusion": "fusion"}
_TF_TIMM = {"norm1": "pre_norm_mha.0", "attn.qkv": "pre_norm_mha.1.qkv_proj",
            "attn.proj": "pre_norm_mha.1.out_proj", "norm2": "pre_norm_ffn.0",
            "mlp.fc1": "pre_norm_ffn.1", "mlp.fc2": "pre_norm_ffn.4"}
_TF_HF = {"layernorm_before": "pre_norm_mha.0", "attention.output.dense": "pre_norm_mha.1.out_proj",
          "layernorm_after": "pre_norm_ffn.0", "intermediate.dense": "pre_norm_ffn.1",
          "output.dense": "pre_norm_ffn.4"}
_QKV_HF = ("query", "key", "value")

# Registration order of ml-cvnets modules / tensors, used to order the derived state dict the
# way model.state_dict() orders a released checkpoint.
_CV_RANK = {t: i for i, t in enumerate((
    "conv_1", "layer_1", "layer_2", "layer_3", "layer_4", "layer_5", "conv_1x1_exp", "classifier",
    "local_rep", "global_rep", "conv_proj", "fusion",
    "exp_1x1", "conv_3x3", "conv_1x1", "red_1x1",
    "pre_norm_mha", "pre_norm_ffn", "qkv_proj", "out_proj",
    "block", "conv", "norm", "fc",
    "weight", "bias", "running_mean", "running_var", "num_batches_tracked"))}


def cvnets_sort_key(k: str):
    return tuple((0, int(t)) if t.isdigit() else (1, _CV_RANK[t]) for t in k.split("."))


def timm_to_cvnets_key(k: str) -> str:
    """ml-cvnets v0.1 name of a timm mobilevit_* state-dict key (spec 3.1/3.2)."""
    m = re.fullmatch(rf"(stem|final_conv)\.(conv|bn)\.{_P}", k)
    if m:
        unit = {"stem": "conv_1", "final_conv": "conv_1x1_exp"}[m[1]]
        return f"{unit}.{_UNIT_TIMM[m[2]]}.{m[3]}"
    m = re.fullmatch(rf"stages\.(\d)\.(\d)\.(conv1_1x1|conv2_kxk|conv3_1x1)\.(conv|bn)\.{_P}", k)
    if m:
        return f"layer_{int(m[1]) + 1}.{m[2]}.block.{_MV2_TIMM[m[3]]}.{_UNIT_TIMM[m[4]]}.{m[5]}"
    m = re.fullmatch(rf"stages\.([234])\.1\.(conv_kxk|conv_proj|conv_fusion)\.(conv|bn)\.{_P}", k)
    if m:
        return f"layer_{int(m[1]) + 1}.1.{_VIT_TIMM[m[2]]}.{_UNIT_TIMM[m[3]]}.{m[4]}"
    m = re.fullmatch(r"stages\.([234])\.1\.conv_1x1\.weight", k)
    if m:
        return f"layer_{int(m[1]) + 1}.1.local_rep.conv_1x1.block.conv.weight"
    m = re.fullmatch(r"stages\.([234])\.1\.transformer\.(\d)\."
                     r"(norm1|attn\.qkv|attn\.proj|norm2|mlp\.fc1|mlp\.fc2)\.(weight|bias)", k)
    if m:
        return f"layer_{int(m[1]) + 1}.1.global_rep.{m[2]}.{_TF_TIMM[m[3]]}.{m[4]}"
    m = re.fullmatch(r"stages\.([234])\.1\.norm\.(weight|bias)", k)
    if m:
        layer = int(m[1]) + 1
        return f"layer_{layer}.1.global_rep.{DEPTHS[layer]}.{m[2]}"
    m = re.fullmatch(r"head\.fc\.(weight|bias)", k)
    if m:
        return f"classifier.fc.{m[1]}"
    raise KeyError(f"no ml-cvnets name for timm key {k!r}")


def hf_to_cvnets_key(k: str):
    """(ml-cvnets v0.1 name, qkv part) of an HF key; the part (0 q, 1 k, 2 v) is None except for
    attention.attention.{query,key,value}, which all map to the one fused qkv_proj tensor.

    This inverts the rules of transformers' convert_mlcvnets_to_pytorch.py::rename_key.
    """
    m = re.fullmatch(rf"mobilevit\.(conv_stem|conv_1x1_exp)\.(convolution|normalization)\.{_P}", k)
    if m:
        unit = {"conv_stem": "conv_1", "conv_1x1_exp": "conv_1x1_exp"}[m[1]]
        return f"{unit}.{_UNIT_HF[m[2]]}.{m[3]}", None
    m = re.fullmatch(rf"mobilevit\.encoder\.layer\.([01])\.layer\.(\d)\."
                     rf"(expand_1x1|conv_3x3|reduce_1x1)\.(convolution|normalization)\.{_P}", k)
    if m:
        return (f"layer_{int(m[1]) + 1}.{m[2]}.block.{_MV2_HF[m[3]]}.{_UNIT_HF[m[4]]}.{m[5]}",
                None)
    m = re.fullmatch(rf"mobilevit\.encoder\.layer\.([234])\.downsampling_layer\."
                     rf"(expand_1x1|conv_3x3|reduce_1x1)\.(convolution|normalization)\.{_P}", k)
    if m:
        return f"layer_{int(m[1]) + 1}.0.block.{_MV2_HF[m[2]]}.{_UNIT_HF[m[3]]}.{m[4]}", None
    m = re.fullmatch(rf"mobilevit\.encoder\.layer\.([234])\.(conv_kxk|conv_projection|fusion)\."
                     rf"(convolution|normalization)\.{_P}", k)
    if m:
        return f"layer_{int(m[1]) + 1}.1.{_VIT_HF[m[2]]}.{_UNIT_HF[m[3]]}.{m[4]}", None
    m = re.fullmatch(r"mobilevit\.encoder\.layer\.([234])\.conv_1x1\.convolution\.weight", k)
    if m:
        return f"layer_{int(m[1]) + 1}.1.local_rep.conv_1x1.block.conv.weight", None
    m = re.fullmatch(r"mobilevit\.encoder\.layer\.([234])\.transformer\.layer\.(\d)\."
                     r"attention\.attention\.(query|key|value)\.(weight|bias)", k)
    if m:
        return (f"layer_{int(m[1]) + 1}.1.global_rep.{m[2]}.pre_norm_mha.1.qkv_proj.{m[4]}",
                _QKV_HF.index(m[3]))
    m = re.fullmatch(r"mobilevit\.encoder\.layer\.([234])\.transformer\.layer\.(\d)\."
                     r"(layernorm_before|attention\.output\.dense|layernorm_after|"
                     r"intermediate\.dense|output\.dense)\.(weight|bias)", k)
    if m:
        return f"layer_{int(m[1]) + 1}.1.global_rep.{m[2]}.{_TF_HF[m[3]]}.{m[4]}", None
    m = re.fullmatch(r"mobilevit\.encoder\.layer\.([234])\.layernorm\.(weight|bias)", k)
    if m:
        layer = int(m[1]) + 1
        return f"layer_{layer}.1.global_rep.{DEPTHS[layer]}.{m[2]}", None
    m = re.fullmatch(r"classifier\.(weight|bias)", k)
    if m:
        return f"classifier.fc.{m[1]}", None
    raise KeyError(f"no ml-cvnets name for HF key {k!r}")


def hf_to_cvnets(hf_sd) -> OrderedDict:
    """ml-cvnets v0.1 state dict (fused qkv_proj = cat([query; key; value], dim 0))."""
    flat, parts = {}, {}
    for k, v in hf_sd.items():
        name, part = hf_to_cvnets_key(k)
        if part is None:
            if name in flat:
                raise KeyError(f"two HF keys map to {name!r}")
            flat[name] = v.detach().contiguous().clone()
        else:
            parts.setdefault(name, [None, None, None])[part] = v.detach()
    for name, qkv in parts.items():
        if any(t is None for t in qkv):
            raise KeyError(f"incomplete query/key/value for {name!r}")
        flat[name] = torch.cat(qkv, dim=0).contiguous()
    return OrderedDict(sorted(flat.items(), key=lambda kv: cvnets_sort_key(kv[0])))


def cvnets_metadata(keys) -> OrderedDict:
    """A `_metadata` table like the one model.state_dict() attaches (and torch.save pickles with
    a BUILD opcode): every module path, parents first, with its `_version` (2 for BatchNorm, 1
    otherwise). Synthetic: the real table would come from ml-cvnets' own modules."""
    md = OrderedDict()
    for k in keys:
        parts = k.split(".")[:-1]
        for i in range(len(parts) + 1):
            path = ".".join(parts[:i])
            if path not in md:
                md[path] = {"version": 2 if path.endswith(".norm") else 1}
    return md


def builtin_convert_state_dict(cv_sd, model):
    """Fallback for transformers' convert_state_dict (ml-cvnets -> HF), from spec 3.3/3.5:
    the inverse of hf_to_cvnets_key over the keys of `model`, and the qkv split into thirds."""
    inverse = {}
    for k in model.state_dict():
        name, part = hf_to_cvnets_key(k)
        inverse.setdefault(name, [None, None, None] if part is not None else k)
        if part is not None:
            inverse[name][part] = k
    out = OrderedDict()
    for k, v in cv_sd.items():
        target = inverse[k]
        if isinstance(target, str):
            out[target] = v
        else:
            d = v.shape[0] // 3
            for i, hf_key in enumerate(target):
                out[hf_key] = v[i * d:(i + 1) * d]
    return out


def load_hf_converter(script: str | None):
    """transformers' convert_state_dict (ml-cvnets -> HF) and a description of where it came from."""
    try:
        from transformers.models.mobilevit import convert_mlcvnets_to_pytorch as conv_mod
        import transformers
        return conv_mod.convert_state_dict, ("transformers.models.mobilevit."
                                             f"convert_mlcvnets_to_pytorch ({transformers.__version__})")
    except Exception:  # transformers 5.x ships no conversion scripts; older ones import requests
        pass
    if script:
        path = Path(script)
        tree = ast.parse(path.read_text(), filename=str(path))
        wanted = ("rename_key", "convert_state_dict")
        fns = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
        if sorted(n.name for n in fns) != sorted(wanted):
            sys.exit(f"{path} does not define {wanted}")
        ns = {"torch": torch}
        exec(compile(ast.Module(body=fns, type_ignores=[]), str(path), "exec"), ns)
        return ns["convert_state_dict"], (f"rename_key + convert_state_dict from {path.name} "
                                          f"(--hf-convert-script, sha256 {sha256(path)})")
    print("WARNING: transformers does not ship convert_mlcvnets_to_pytorch.py and no "
          "--hf-convert-script was given; proving the cvnets state dict with this script's own "
          "inverse map instead", file=sys.stderr)
    return builtin_convert_state_dict, "builtin (scripts/make_fixtures.py, spec 3.3 rules)"


def build_hf(variant: str, seed: int):
    from transformers import MobileViTConfig, MobileViTForImageClassification
    config = MobileViTConfig(num_labels=1000, **HF_CONFIGS[variant])
    torch.manual_seed(seed)
    return MobileViTForImageClassification(config).float().eval(), config


def build_timm(variant: str, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return timm.create_model(f"mobilevit_{variant}", pretrained=False).float().eval()


def hf_attention_hooks(model: nn.Module, stats: dict):
    """As attention_hooks, for HF's MobileViTSelfAttention (separate query/key/value)."""
    handles = []
    for name, m in model.named_modules():
        if not all(hasattr(m, a) for a in ("query", "key", "value", "attention_head_size")):
            continue

        def hook(mod, inputs, _out, name=name):
            x = inputs[0]
            b, n, _ = x.shape
            hd = mod.attention_head_size
            q = mod.query(x).view(b, n, -1, hd).transpose(1, 2)
            k = mod.key(x).view(b, n, -1, hd).transpose(1, 2)
            attn = ((q @ k.transpose(-2, -1)) / math.sqrt(hd)).softmax(-1)
            stats[name] = torch_attention_stats(attn)
        handles.append(m.register_forward_hook(hook))
    return handles


def torch_zip_info(path: Path) -> dict:
    """What a Rust reader of torch.save's zip format meets in `path`."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl")]
        info = pickle_info(z.read(pkl[0]))
        info["archive_prefix"] = pkl[0][: -len("/data.pkl")]
        info["records"] = sorted({n.split("/", 1)[1] for n in names
                                  if not n.split("/", 1)[1].startswith("data/")})
        info["tensor_records"] = sum(1 for n in names if n.split("/", 1)[1].startswith("data/"))
        info["compression"] = sorted({z.getinfo(n).compress_type for n in names})
    return info


# The same weights in timm and HF (or in ml-cvnets layout loaded into timm) agree to float
# rounding; anything above this means a mapping error.
CROSS_TOL = 1e-3


def run_hf_cvnets(variant: str, args, out: Path, convert, convert_desc: str) -> None:
    """HF fixtures (--sources hf) and the ml-cvnets checkpoint derived from them (cvnets)."""
    import transformers

    model, config = build_hf(variant, args.seed)
    perturb(model, args.seed, conv_fan_out=True)
    hf_sd = model.state_dict()
    for k, v in hf_sd.items():
        if v.is_floating_point() and (v.dtype != torch.float32 or not v.is_contiguous()):
            sys.exit(f"HF tensor {k} is not contiguous float32")

    # The perturbed timm model of the same variant and seed, for the cross-checks.
    tmodel = build_timm(variant, args.seed)
    perturb(tmodel, args.seed)
    timm_sd = tmodel.state_dict()

    # ml-cvnets state dict; its names and order must be timm's, mapped (spec 3.1/3.2).
    cv_sd = hf_to_cvnets(hf_sd)
    from_timm = [timm_to_cvnets_key(k) for k in timm_sd]
    if list(cv_sd) != from_timm:
        diff = sorted(set(cv_sd) ^ set(from_timm))[:10]
        sys.exit(f"[{variant}] ml-cvnets keys from HF and from timm differ (order or names): {diff}")
    for tk in timm_sd:
        if tuple(timm_sd[tk].shape) != tuple(cv_sd[timm_to_cvnets_key(tk)].shape):
            sys.exit(f"[{variant}] shape mismatch at timm {tk}")

    # Proof: ml-cvnets -> HF with transformers' converter, into a freshly built HF model.
    roundtrip, _ = build_hf(variant, args.seed + 1)
    converted = convert(OrderedDict((k, v.clone()) for k, v in cv_sd.items()), roundtrip)
    roundtrip.load_state_dict(converted, strict=True)
    rt_sd = roundtrip.state_dict()
    bad = [k for k in hf_sd if not torch.equal(rt_sd[k], hf_sd[k])]
    if bad or set(rt_sd) != set(hf_sd):
        sys.exit(f"[{variant}] cvnets -> HF round trip changed tensors: {bad[:5]}")

    # Cross-check 1: timm's perturbed weights, mapped timm -> ml-cvnets -> HF, in an HF model.
    timm_in_hf, _ = build_hf(variant, args.seed + 2)
    timm_in_hf.load_state_dict(convert(OrderedDict((timm_to_cvnets_key(k), v.clone())
                                                   for k, v in timm_sd.items()), timm_in_hf),
                               strict=True)
    # Cross-check 2: the ml-cvnets state dict, mapped ml-cvnets -> timm, in a timm model.
    cv_to_timm = {timm_to_cvnets_key(k): k for k in timm_sd}
    cv_in_timm = build_timm(variant, args.seed + 3)
    cv_in_timm.load_state_dict({cv_to_timm[k]: v for k, v in cv_sd.items()}, strict=True)

    written_hf: list[Path] = []
    written_cv: list[Path] = []
    if "hf" in args.sources:
        st_path = out / f"hf_{variant}_seed{args.seed}.safetensors"
        save_file({k: v.detach().contiguous().clone() for k, v in hf_sd.items()}, str(st_path),
                  metadata={"format": "pt"})
        st_path.chmod(0o644)
        bin_path = out / f"hf_{variant}_pytorch_model.bin"
        torch.save(hf_sd, bin_path)
        written_hf += [st_path, bin_path]
    if "cvnets" in args.sources:
        pt_path = out / f"cvnets_{variant}_seed{args.seed}.pt"
        to_save = OrderedDict(cv_sd)
        to_save._metadata = cvnets_metadata(cv_sd)
        torch.save(to_save, pt_path)
        written_cv.append(pt_path)

    runs = {}
    for (h, w) in args.sizes:
        x = make_input(args.seed, h, w)
        attn_stats = {}
        handles = hf_attention_hooks(model, attn_stats)
        with torch.no_grad():
            logits = model(pixel_values=x).logits
            for hd in handles:
                hd.remove()
            rt_logits = roundtrip(pixel_values=x).logits
            timm_logits = tmodel(x)
            timm_in_hf_logits = timm_in_hf(pixel_values=x).logits
            cv_in_timm_logits = cv_in_timm(x)
        logits_np = logits.float().contiguous().numpy()
        if not np.all(np.isfinite(logits_np)):
            sys.exit(f"non-finite HF logits for {variant} {h}x{w}")
        tag = f"{h}x{w}"
        checks = {
            "cvnets_roundtrip_bitwise_equal": bool(torch.equal(rt_logits, logits)),
            "cvnets_roundtrip_max_abs_diff": float((rt_logits - logits).abs().max()),
            "timm_weights_in_hf_vs_timm_max_abs_diff":
                float((timm_in_hf_logits - timm_logits).abs().max()),
            "cvnets_weights_in_timm_vs_hf_max_abs_diff":
                float((cv_in_timm_logits - logits).abs().max()),
        }
        if not checks["cvnets_roundtrip_bitwise_equal"]:
            sys.exit(f"[{variant} {tag}] cvnets -> HF round trip logits differ: {checks}")
        if max(checks["timm_weights_in_hf_vs_timm_max_abs_diff"],
               checks["cvnets_weights_in_timm_vs_hf_max_abs_diff"]) > CROSS_TOL:
            sys.exit(f"[{variant} {tag}] timm/HF cross-check failed: {checks}")

        for prefix, written in (("hf", written_hf), ("cvnets", written_cv)):
            if prefix not in args.sources:
                continue
            paths = [out / f"{prefix}_{variant}_input_{tag}.npy",
                     out / f"{prefix}_{variant}_logits_{tag}.npy"]
            np.save(paths[0], x.numpy().astype(np.float32))
            np.save(paths[1], logits_np.astype(np.float32))
            written += paths

        print(f"[hf {variant} {tag}] logits std {logits_np.std():.4f}  absmax "
              f"{np.abs(logits_np).max():.4f}  argmax {logits_np.argmax(1).tolist()}  "
              f"cvnets round trip max|d| {checks['cvnets_roundtrip_max_abs_diff']:.3g} "
              f"(bitwise {checks['cvnets_roundtrip_bitwise_equal']})  timm->HF max|d| "
              f"{checks['timm_weights_in_hf_vs_timm_max_abs_diff']:.3g}  cvnets->timm max|d| "
              f"{checks['cvnets_weights_in_timm_vs_hf_max_abs_diff']:.3g}")
        print_attention(attn_stats, 60, entropy=False)
        runs[tag] = {"input_shape": list(x.shape), **logits_summary(logits_np),
                     "checks": checks, "attention": attn_stats}

    versions = {"torch": torch.__version__, "timm": timm.__version__,
                "transformers": transformers.__version__, "numpy": np.__version__,
                "safetensors": safetensors.__version__, "python": platform.python_version()}
    common = {
        "versions": versions,
        "pinned": {**PINNED, **PINNED_HF},
        "seed": args.seed,
        "dtype": "float32", "device": "cpu", "threads": torch.get_num_threads(),
        "hf_config": {k: getattr(config, k) for k in (
            "hidden_sizes", "neck_hidden_sizes", "expand_ratio", "hidden_dropout_prob",
            "num_attention_heads", "mlp_ratio", "patch_size", "layer_norm_eps", "hidden_act",
            "qkv_bias", "num_labels")},
        "perturbation": HF_RECIPE,
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "cvnets_converter": convert_desc,
        "cross_check_tolerance": CROSS_TOL,
        "runs": runs,
    }
    for prefix, written, extra in (
            ("hf", written_hf, {
                "model": f"transformers MobileViTForImageClassification (random init), {variant}",
                "state_dict_tensors": len(hf_sd)}),
            ("cvnets", written_cv, {
                "model": f"ml-cvnets v0.1 layout, derived from the perturbed HF model ({variant}); "
                         f"inputs/logits are copies of the HF ones",
                "state_dict_tensors": len(cv_sd),
                "qkv_fusion": "qkv_proj = cat([query, key, value], dim=0)",
                "state_dict_metadata": "synthetic `_metadata` attribute (module path -> "
                                       "{'version': 2 for BatchNorm else 1}), as "
                                       "model.state_dict() attaches one"})):
        if prefix not in args.sources:
            continue
        meta = {**extra, **common,
                "torch_zip": {p.name: torch_zip_info(p) for p in written
                              if p.suffix in (".bin", ".pt")},
                "files": files_table(written)}
        meta_path = out / f"{prefix}_{variant}_meta.json"
        write_meta(meta_path, meta)
        print(f"[{prefix} {variant}] {len(written)} files")
        print_written(written + [meta_path])


def check_hf_version(allow_other: bool) -> None:
    import transformers
    found = transformers.__version__
    if found != PINNED_HF["transformers"]:
        version_mismatch(f"version mismatch: found transformers {found}, pinned {PINNED_HF}",
                         allow_other)


# ---------------------------------------------------------------------------------------------
# Eval preprocessing (--preprocess)
# ---------------------------------------------------------------------------------------------

# transformers' MobileViT image processor, set up as the apple/mobilevit-* hub
# preprocessor_config.json sets it (spec 4): {"crop_size": 256, "do_center_crop": true,
# "do_flip_channel_order": true, "do_resize": true, "resample": 2, "size": 288}; do_rescale and
# rescale_factor are the processor's defaults, written out.
HF_PREPROCESS = dict(do_resize=True, size={"shortest_edge": 288},
                     resample=2,  # PIL.Image.BILINEAR, as the hub json has it
                     do_center_crop=True, crop_size={"height": 256, "width": 256},
                     do_rescale=True, rescale_factor=1 / 255, do_flip_channel_order=True)
PREPROCESS_SHAPE = (1, 3, 256, 256)


def slow_hf_processor_class():
    """The PIL/NumPy ("slow") MobileViT image processor class and a note on which it is.

    transformers 5.x names it MobileViTImageProcessorPil (MobileViTImageProcessor is the
    torchvision backend there); transformers 4.x names it MobileViTImageProcessor.
    """
    try:
        from transformers import MobileViTImageProcessorPil as cls
        return cls, ("MobileViTImageProcessorPil (the slow PIL/NumPy backend; in this transformers "
                     "MobileViTImageProcessor is the torchvision backend)")
    except ImportError:
        from transformers import MobileViTImageProcessor as cls
        return cls, "MobileViTImageProcessor (the slow PIL/NumPy processor of transformers 4.x)"


def save_preprocessed(path: Path, arr, source: str) -> Path:
    """np.save a [1, 3, 256, 256] float32 array as it came (no cast), C order."""
    arr = np.asarray(arr)
    if arr.dtype != np.float32 or arr.shape != PREPROCESS_SHAPE:
        sys.exit(f"{source} gave {arr.dtype} {arr.shape}, expected float32 {PREPROCESS_SHAPE}")
    np.save(path, np.ascontiguousarray(arr))
    return path


def run_preprocess(images, out: Path) -> None:
    """preprocess_timm_{stem}.npy and preprocess_hf_{stem}.npy for each image file."""
    import PIL
    import torchvision
    import transformers
    from PIL import Image

    print(f"[versions] Pillow {PIL.__version__}, torchvision {torchvision.__version__}, "
          f"timm {timm.__version__}, transformers {transformers.__version__}, "
          f"numpy {np.__version__}")
    stems = [Path(f).stem for f in images]
    if len(set(stems)) != len(stems):
        sys.exit(f"--preprocess: two images share a file stem: {stems}")

    cfg = timm.data.resolve_data_config({}, model=timm.create_model("mobilevit_xxs",
                                                                    pretrained=False))
    t = timm.data.create_transform(**cfg)
    print(f"[timm] resolve_data_config: {cfg}")
    print(f"[timm] create_transform:\n{t}")

    proc_cls, proc_note = slow_hf_processor_class()
    proc = proc_cls(**HF_PREPROCESS)
    print(f"[transformers] {proc_note}")
    print(f"[transformers] {proc}")

    written: list[Path] = []
    for f, stem in zip(images, stems):
        with Image.open(f) as im:
            mode, size, fmt = im.mode, im.size, im.format
            img = im.convert("RGB")
        print(f"[{stem}] {f}: {fmt} {mode} {size[0]}x{size[1]} (W x H)")
        x_timm = t(img).unsqueeze(0).numpy()
        x_hf = proc(img, return_tensors="np")["pixel_values"]
        paths = [save_preprocessed(out / f"preprocess_timm_{stem}.npy", x_timm, "timm"),
                 save_preprocessed(out / f"preprocess_hf_{stem}.npy", x_hf, "transformers")]
        for name, x in (("timm", x_timm), ("hf", x_hf)):
            print(f"    {name:4s} min {x.min():.6f}  max {x.max():.6f}  mean {x.mean():.6f}  "
                  f"channel means {[round(float(c), 6) for c in x[0].mean((1, 2))]}")
        written += paths
        written += write_pillow_resizes(img, stem, out)
        written += write_timm_logits_of(x_timm, stem, out)
    print_written(written)


def write_timm_logits_of(x_timm, stem: str, out: Path) -> list:
    """timm_xxs_logits_{stem}.npy: the committed perturbed timm XXS weights
    (tests/fixtures/timm_xxs_seed0.safetensors, or the one in --out) on timm's own
    preprocessing of the photo, so that `predict` can be checked to rank classes as timm does."""
    from safetensors.torch import load_file

    weights = out / "timm_xxs_seed0.safetensors"
    if not weights.exists():
        weights = Path("tests/fixtures/timm_xxs_seed0.safetensors")
    if not weights.exists():
        print(f"[{stem}] no timm_xxs_seed0.safetensors: skipping the logits")
        return []
    model = timm.create_model("mobilevit_xxs", pretrained=False)
    model.load_state_dict(load_file(str(weights)))
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x_timm)).numpy().astype(np.float32)
    path = out / f"timm_xxs_logits_{stem}.npy"
    np.save(path, logits)
    return [path]


# Pillow filters and the two resizes each is checked on: a downscale of the whole image and an
# upscale of a 100x80 window (small files, both code paths of the convolution).
PILLOW_FILTERS = ("nearest", "box", "bilinear", "hamming", "bicubic", "lanczos")


def write_pillow_resizes(img, stem: str, out: Path) -> list:
    """pillow_{filter}_{down,up}_{stem}.npy: uint8 HWC results of PIL's Image.resize."""
    from PIL import Image

    cases = {"down": (img, (123, 77)), "up": (img.crop((100, 100, 200, 180)), (173, 139))}
    paths = []
    for name in PILLOW_FILTERS:
        resample = getattr(Image.Resampling, name.upper())
        for direction, (source, size) in cases.items():
            path = out / f"pillow_{name}_{direction}_{stem}.npy"
            np.save(path, np.ascontiguousarray(np.asarray(source.resize(size, resample))))
            paths.append(path)
    return paths


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.preprocess:
        check_versions(args.allow_other_versions)
        check_hf_version(args.allow_other_versions)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        run_preprocess(args.preprocess, out)
        return
    check_versions(args.allow_other_versions)
    want_hf = "hf" in args.sources or "cvnets" in args.sources
    if want_hf:
        check_hf_version(args.allow_other_versions)
        convert, convert_desc = load_hf_converter(args.hf_convert_script)
    torch.set_num_threads(2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for variant in args.variants:
        if "timm" in args.sources:
            run_variant(variant, args, out)
        if want_hf:
            run_hf_cvnets(variant, args, out, convert, convert_desc)


if __name__ == "__main__":
    main()
