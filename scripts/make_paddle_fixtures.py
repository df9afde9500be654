#!/usr/bin/env python3
"""Produce parity fixtures for mobilevit-rs from the PaddleClas reference implementation.

The companion of scripts/make_fixtures.py (timm, HF transformers, ml-cvnets) for PaddleClas's
``MobileViT_{XXS,XS,S}`` (``paddleclas.ppcls.arch.backbone.model_zoo.mobilevit``). It builds the
model with random (never downloaded) weights, perturbs them so that every branch contributes to
the output, runs deterministic inputs through it and writes:

    {out}/paddle_{V}_seed{seed}.pdparams    paddle.save(model.state_dict()): a plain pickle
                                            (protocol 4) of a dict, structured name ->
                                            numpy.ndarray (float32), plus the entry
                                            "StructuredToParameterName@@" (a dict of structured
                                            name -> internal parameter name, to be skipped).
                                            Paddle names: BN `_mean`/`_variance`, no
                                            num_batches_tracked; Linear.weight is [in, out]
    {out}/paddle_{V}_input_{H}x{W}.npy      float32 NCHW input, batch 2, N(0, 1)
    {out}/paddle_{V}_logits_{H}x{W}.npy     float32 [2, 1000], eval mode, paddle.no_grad()
    {out}/paddle_{V}_meta.json              versions, seed, recipe, parameter counts, the norm
                                            epsilons read from the built model, attention
                                            peakedness, logits stats, the resize checks below,
                                            the structure of the .pdparams pickle and the
                                            sha256 of each file

Eval preprocessing (``--preprocess IMAGE [IMAGE ...]``): with this option the script writes
only, for each image file (``{stem}``: its name without the suffix), and no model fixtures:

    {out}/preprocess_paddle_{stem}.npy      float32 [1, 3, 256, 256]: the image file's raw bytes
                                            through PaddleClas's own operators, exactly the Eval
                                            pipeline of ppcls/configs/ImageNet/MobileViT/
                                            MobileViT_{XXS,XS,S}.yaml (the three are identical):
                                            DecodeImage(to_rgb=False, channel_first=False) (cv2
                                            decode, BGR kept), ResizeImage(resize_short=292,
                                            interpolation=bilinear, backend=pil) (short side 292,
                                            each side int(round(side * 292 / short)), PIL
                                            BILINEAR on the uint8 BGR array), CropImage(size=256)
                                            (offset (side - 256) // 2), NormalizeImage(scale=
                                            1.0/255.0, mean 0, std 1, order '') ((x * float32(
                                            1/255) - 0) / 1, all in float32: for 126 of the 256
                                            byte values 1 ulp off float32(x / 255), which timm
                                            and HF give), then ToCHWImage() and a batch axis.
                                            BGR channel order

The yaml's Eval transform_ops end with NormalizeImage (HWC); PaddleClas's ImageNetDataset
(``CommonDataset.__getitem__``) then does ``img.transpose((2, 0, 1))``, which is what
ToCHWImage does. The paddleclas 2.6.0 wheel does not ship ``ppcls/data`` (nor the yaml configs):
the operators it does ship, with the same names, parameters and code paths for this pipeline, are
those of ``paddleclas.deploy.python.preprocess``, which the script uses by default. With
``--paddleclas-src DIR`` (a PaddleClas checkout) it instead takes DecodeImage, ResizeImage,
CropImage, NormalizeImage and ToCHWImage (with UnifiedResize and format_data) from
``DIR/ppcls/data/preprocess/ops/operators.py`` (via ``ast``, without ppcls's imports), checks the
Eval transform_ops of ``DIR/ppcls/configs/ImageNet/MobileViT/MobileViT_{XXS,XS,S}.yaml`` against
the list in this script, and requires the two operator sets to give bitwise-equal arrays.

    .venv-paddle/bin/python scripts/make_paddle_fixtures.py --out tests/fixtures \
        --preprocess tests/fixtures/images/chelsea.png tests/fixtures/images/rocket.jpg \
        tests/fixtures/images/camera.png tests/fixtures/images/horse.png \
        [--paddleclas-src path/to/PaddleClas]
        # the committed preprocess_paddle_*.npy

Pinned reference versions (the fixtures were generated with exactly these):

    paddlepaddle==3.3.1 (CPU), paddleclas==2.6.0, numpy==2.4.6

Build the environment with ``bash /work/shared/tools/reference-venv.sh --paddle .venv-paddle``
and run, from the repository root:

    .venv-paddle/bin/python scripts/make_paddle_fixtures.py --variants xxs,xs,s --out fixtures-tmp
        # default sizes 256,224,200,193x301, seed 0 (default --variants is xxs only and the
        # default --out is fixtures-tmp: nothing of this is committed unless chosen by hand)

PaddleClas differs numerically from timm/HF/ml-cvnets in two places, which these fixtures pin
down (spec 1.6-1.8): the LayerNorm after the last transformer layer of each MobileViT block has
epsilon 1e-6 (``Transformer.norm``; the other LayerNorms 1e-5), and when a feature map is not a
multiple of the 2x2 patch, the block resizes up with ``F.interpolate(mode="bilinear")``
(align_corners=False, align_mode=0: half-pixel, as torch) but back down with
``F.interpolate(x, size=[orig_h, orig_w])``, i.e. the default ``mode="nearest"``. 256x256 needs no
resize; 224x224 resizes only the last block (7x7 -> 8x8 -> 7x7); 200x200 and 193x301 resize all
three. For every resize the blocks meet, the script checks Paddle's kernels against plain index
formulas (nearest: source index floor(dst * in / out); bilinear: src = (dst + 0.5) * in / out -
0.5, clamped at 0) and records the result in the meta file.

The script refuses to run with other paddlepaddle/paddleclas versions unless
``--allow-other-versions`` is given. Nothing is downloaded (``pretrained=False``); computation is
float32 on the CPU.

Perturbation recipe (the timm recipe of make_fixtures.py, with numpy draws): after
``paddle.seed(seed)`` and ``MobileViT_{V}(class_num=1000)``, one ``numpy.random.default_rng(seed)``
draws, in ``model.named_sublayers()`` order:

    BatchNorm2D  weight ~ U(0.5, 1.5), bias ~ N(0, 0.1), _mean ~ N(0, 0.1), _variance ~ U(0.5, 2.0)
    LayerNorm    weight ~ U(0.5, 1.5), bias ~ N(0, 0.1)
    Linear       attn.qkv: weight ~ N(0, QKV_STD); every other Linear (attn.proj, mlp.fc1,
                 mlp.fc2, linear): weight ~ N(0, 1/sqrt(fan_in)) with fan_in = weight.shape[0]
                 (Paddle stores [in, out]); all biases ~ N(0, 0.05)
    Conv2D       kept as PaddleClas initialises them (KaimingUniform in ConvBnAct, Paddle's
                 default Normal(0, sqrt(2/fan_in)) for the plain pw-linear and 1x1 C->d convs)

Each draw is made in float64 with the array's shape and cast to float32. QKV_STD is 0.3 as in
make_fixtures.py. Inputs: ``numpy.random.default_rng(seed * 1_000_003 + H * 1000 + W)
.standard_normal((2, 3, H, W))`` cast to float32.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "2")

import math  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from importlib.metadata import version as dist_version  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import paddle  # noqa: E402
import paddle.nn as nn  # noqa: E402
import paddle.nn.functional as F  # noqa: E402

from paddleclas.ppcls.arch.backbone.model_zoo import mobilevit as pc_mobilevit  # noqa: E402

from fixture_common import (BATCH, LINEAR_BIAS_STD, QKV_STD, add_common_args,  # noqa: E402
                            add_version_flag, attention_stats, files_table, finish_common_args,
                            logits_summary, new_parser, pickle_info, print_attention,
                            print_logits, print_written, version_mismatch, write_meta)

PINNED = {"paddlepaddle": "3.3.1", "paddleclas": "2.6.0"}
MODEL_CLASSES = {"xxs": "MobileViT_XXS", "xs": "MobileViT_XS", "s": "MobileViT_S"}
NAME_TABLE_KEY = "StructuredToParameterName@@"

RECIPE = {
    "order": "model.named_sublayers() order, one numpy.random.default_rng(seed) (float64 draws "
             "cast to float32), after paddle.seed(seed) and MobileViT_{V}(class_num=1000)",
    "BatchNorm2D": {"weight": "U(0.5, 1.5)", "bias": "N(0, 0.1)",
                    "_mean": "N(0, 0.1)", "_variance": "U(0.5, 2.0)"},
    "LayerNorm": {"weight": "U(0.5, 1.5)", "bias": "N(0, 0.1)"},
    "Linear": {"attn.qkv.weight": f"N(0, {QKV_STD})",
               "other.weight": "N(0, 1/sqrt(fan_in)), fan_in = weight.shape[0] ([in, out])",
               "bias": f"N(0, {LINEAR_BIAS_STD})"},
    "Conv2D": "PaddleClas init (unchanged)",
    "inputs": "numpy.random.default_rng(seed*1_000_003 + H*1000 + W).standard_normal("
              f"[{BATCH}, 3, H, W]) cast to float32",
}


def parse_args(argv=None):
    p = new_parser(__doc__)
    add_common_args(p, sizes_default="256,224,200,193x301", out_default="fixtures-tmp")
    p.add_argument("--preprocess", metavar="IMAGE", nargs="+", default=None,
                   help="write only preprocess_paddle_{stem}.npy for these image files (the "
                        "MobileViT yaml's Eval preprocessing), no model fixtures; only --out, "
                        "--paddleclas-src and --allow-other-versions apply")
    p.add_argument("--paddleclas-src", metavar="DIR", default=None,
                   help="a PaddleClas checkout: with --preprocess, use the operators of its "
                        "ppcls/data/preprocess/ops/operators.py (checked bitwise against the "
                        "wheel's deploy operators) and check the Eval ops of its MobileViT yamls")
    add_version_flag(p, PINNED)
    args = p.parse_args(argv)
    if args.paddleclas_src is not None and not args.preprocess:
        p.error("--paddleclas-src applies only with --preprocess")
    finish_common_args(p, args)
    return args


def versions() -> dict:
    return {"paddlepaddle": paddle.__version__, "paddleclas": dist_version("paddleclas"),
            "numpy": np.__version__, "python": platform.python_version()}


def check_versions(allow_other: bool) -> None:
    v = versions()
    found = {k: v[k] for k in PINNED}
    if found != PINNED:
        version_mismatch(f"version mismatch: found {found}, pinned {PINNED}", allow_other)


def perturb(model: nn.Layer, seed: int) -> None:
    """Overwrite norm affines, BN running stats and Linear weights, deterministically."""
    rng = np.random.default_rng(seed)

    def normal(t, std):
        t.set_value(rng.normal(0.0, std, size=tuple(t.shape)).astype(np.float32))

    def uniform(t, lo, hi):
        t.set_value(rng.uniform(lo, hi, size=tuple(t.shape)).astype(np.float32))

    for name, m in model.named_sublayers():
        if isinstance(m, nn.BatchNorm2D):
            uniform(m.weight, 0.5, 1.5)
            normal(m.bias, 0.1)
            normal(m._mean, 0.1)
            uniform(m._variance, 0.5, 2.0)
        elif isinstance(m, nn.LayerNorm):
            uniform(m.weight, 0.5, 1.5)
            normal(m.bias, 0.1)
        elif isinstance(m, nn.Linear):
            fan_in = m.weight.shape[0]  # Paddle Linear.weight is [in, out]
            std = QKV_STD if name.endswith("attn.qkv") else 1.0 / math.sqrt(fan_in)
            normal(m.weight, std)
            if m.bias is not None:
                normal(m.bias, LINEAR_BIAS_STD)


def make_input(seed: int, h: int, w: int) -> np.ndarray:
    rng = np.random.default_rng(seed * 1_000_003 + h * 1000 + w)
    return rng.standard_normal((BATCH, 3, h, w)).astype(np.float32)


def attention_hooks(model: nn.Layer, stats: dict):
    """For each Attention layer, the mean over query rows of the largest softmax probability,
    recomputed (numpy, float64) from the layer's input and its own qkv weights."""
    handles = []
    for name, m in model.named_sublayers():
        if not isinstance(m, pc_mobilevit.Attention):
            continue

        def hook(layer, inputs, _out, name=name):
            x = inputs[0].numpy().astype(np.float64)
            b, n, _ = x.shape
            heads = layer.num_heads
            qkv = x @ layer.qkv.weight.numpy().astype(np.float64) + layer.qkv.bias.numpy()
            qkv = qkv.reshape(b, n, 3, heads, -1).transpose(2, 0, 3, 1, 4)
            q, k = qkv[0] * layer.scales, qkv[1]
            logits = q @ k.transpose(0, 1, 3, 2)
            logits -= logits.max(-1, keepdims=True)
            attn = np.exp(logits)
            attn /= attn.sum(-1, keepdims=True)
            stats[name] = attention_stats(
                n, attn.max(-1), -(attn * np.log(np.clip(attn, 1e-30, None))).sum(-1))
        handles.append(m.register_forward_post_hook(hook))
    return handles


def block_size_hooks(model: nn.Layer, store: dict):
    """Record the H x W each MobileViT block meets (input of its conv2, the map it may resize)."""
    handles = []
    for name, m in model.named_sublayers():
        if isinstance(m, pc_mobilevit.MobileViTBlock):
            def hook(layer, inputs, name=name):
                store[name] = list(inputs[0].shape[2:])
            handles.append(m.register_forward_pre_hook(hook))
    return handles


def ref_nearest(x: np.ndarray, oh: int, ow: int) -> np.ndarray:
    ih, iw = x.shape[-2:]
    rows = np.floor(np.arange(oh) * ih / oh).astype(np.int64)
    cols = np.floor(np.arange(ow) * iw / ow).astype(np.int64)
    return x[..., rows[:, None], cols[None, :]]


def ref_bilinear(x: np.ndarray, oh: int, ow: int) -> np.ndarray:
    """Half-pixel bilinear (align_corners=False), as torch; source coordinates clamped at 0."""
    def axis(n_in, n_out):
        src = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = np.floor(src).astype(np.int64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0
    r0, r1, rl = axis(x.shape[-2], oh)
    c0, c1, cl = axis(x.shape[-1], ow)
    x = x.astype(np.float64)
    top = x[..., r0, :] * (1 - rl)[:, None] + x[..., r1, :] * rl[:, None]
    return top[..., c0] * (1 - cl) + top[..., c1] * cl


def resize_checks(sizes: dict) -> dict:
    """Paddle's bilinear-up and nearest-down resizes against the index formulas, for every
    feature-map size a MobileViT block met."""
    out = {}
    rng = np.random.default_rng(12345)
    for name, (h, w) in sizes.items():
        nh, nw = math.ceil(h / 2) * 2, math.ceil(w / 2) * 2
        if (nh, nw) == (h, w):
            out[name] = {"hw": [h, w], "resized": False}
            continue
        x = rng.standard_normal((1, 3, h, w)).astype(np.float32)
        up = F.interpolate(paddle.to_tensor(x), size=[nh, nw], mode="bilinear").numpy()
        y = rng.standard_normal((1, 3, nh, nw)).astype(np.float32)
        down = F.interpolate(paddle.to_tensor(y), size=[h, w]).numpy()
        out[name] = {
            "hw": [h, w], "resized": True, "padded_hw": [nh, nw],
            "bilinear_up_max_abs_diff_vs_half_pixel": float(np.abs(up - ref_bilinear(x, nh, nw)).max()),
            "nearest_down_equals_floor_index": bool(np.array_equal(down, ref_nearest(y, h, w))),
            "nearest_down_differs_from_bilinear_down_max_abs":
                float(np.abs(down - ref_bilinear(y, h, w)).max()),
        }
    return out


def pdparams_info(path: Path) -> dict:
    data = path.read_bytes()
    obj = pickle.loads(data)  # our own file, just written
    arrays = {k: v for k, v in obj.items() if k != NAME_TABLE_KEY}
    table = obj.get(NAME_TABLE_KEY)
    return {
        **pickle_info(data),
        "top_level_type": type(obj).__name__,
        "entries": len(obj),
        "value_types": sorted({f"{type(v).__module__}.{type(v).__name__}" for v in arrays.values()}),
        "dtypes": sorted({str(v.dtype) for v in arrays.values()}),
        "all_c_contiguous": all(v.flags["C_CONTIGUOUS"] for v in arrays.values()),
        "name_table_key": NAME_TABLE_KEY,
        "name_table_type": type(table).__name__,
        "name_table_entries": len(table) if table is not None else None,
        "name_table_sample": dict(list(table.items())[:3]) if table else None,
        "name_table_is_last": list(obj)[-1] == NAME_TABLE_KEY,
    }


def norm_settings(model: nn.Layer) -> dict:
    eps = {}
    for name, m in model.named_sublayers():
        if isinstance(m, nn.LayerNorm):
            kind = "final_layernorm" if name.endswith("transformer.norm") else "layernorm"
            eps.setdefault(kind, set()).add(float(m._epsilon))
        elif isinstance(m, nn.BatchNorm2D):
            eps.setdefault("batchnorm", set()).add(float(m._epsilon))
            eps.setdefault("batchnorm_momentum_paddle_convention", set()).add(float(m._momentum))
    return {k: sorted(v) for k, v in eps.items()}


def run_variant(variant: str, args, out: Path) -> None:
    paddle.seed(args.seed)
    model = getattr(pc_mobilevit, MODEL_CLASSES[variant])(class_num=1000)
    model.eval()
    perturb(model, args.seed)

    written: list[Path] = []
    sd = model.state_dict()
    params_path = out / f"paddle_{variant}_seed{args.seed}.pdparams"
    paddle.save(sd, str(params_path))
    written.append(params_path)

    n_params = sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)
    n_all = sum(int(np.prod(v.shape)) for v in sd.values())
    runs, block_sizes = {}, {}
    for (h, w) in args.sizes:
        x = make_input(args.seed, h, w)
        attn_stats, sizes = {}, {}
        handles = attention_hooks(model, attn_stats) + block_size_hooks(model, sizes)
        with paddle.no_grad():
            logits_np = model(paddle.to_tensor(x)).numpy().astype(np.float32)
        for hd in handles:
            hd.remove()
        if not np.all(np.isfinite(logits_np)):
            sys.exit(f"non-finite logits for {variant} {h}x{w}")
        tag = f"{h}x{w}"
        paths = [out / f"paddle_{variant}_input_{tag}.npy",
                 out / f"paddle_{variant}_logits_{tag}.npy"]
        np.save(paths[0], x)
        np.save(paths[1], logits_np)
        written += paths
        checks = resize_checks(sizes)
        block_sizes[tag] = checks

        summary = logits_summary(logits_np)
        print_logits(f"paddle {variant} {tag}", summary)
        print_attention(attn_stats, 36)
        for name, c in checks.items():
            if c["resized"]:
                print(f"    resize {name}: {c['hw']} -> {c['padded_hw']} -> {c['hw']}  bilinear-up "
                      f"max|d| {c['bilinear_up_max_abs_diff_vs_half_pixel']:.2e}  nearest-down == "
                      f"floor index: {c['nearest_down_equals_floor_index']}")
                if not c["nearest_down_equals_floor_index"] or \
                        c["bilinear_up_max_abs_diff_vs_half_pixel"] > 1e-5:
                    sys.exit(f"[{variant} {tag}] Paddle resize differs from the index formulas")
        runs[tag] = {
            "input_shape": list(x.shape),
            **summary,
            "mobilevit_block_resizes": checks,
            "attention": attn_stats,
        }

    meta = {
        "model": f"PaddleClas {MODEL_CLASSES[variant]}(class_num=1000), pretrained=False",
        "versions": versions(),
        "pinned": PINNED,
        "seed": args.seed,
        "dtype": "float32", "device": str(paddle.get_device()),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "perturbation": RECIPE,
        "norm_epsilons": norm_settings(model),
        "trainable_params": n_params,
        "state_dict_elements": n_all,
        "state_dict_tensors": len(sd),
        "pdparams": pdparams_info(params_path),
        "runs": runs,
        "files": files_table(written),
    }
    meta_path = out / f"paddle_{variant}_meta.json"
    write_meta(meta_path, meta)
    print(f"[paddle {variant}] trainable params {n_params:,}; state dict {len(sd)} tensors, "
          f"{n_all:,} elements; norm eps {meta['norm_epsilons']}")
    print_written(written + [meta_path])


# ---------------------------------------------------------------------------------------------
# Eval preprocessing (--preprocess)
# ---------------------------------------------------------------------------------------------

# DataLoader.Eval.dataset.transform_ops of ppcls/configs/ImageNet/MobileViT/MobileViT_XXS.yaml (XS
# and S are the same), as the yaml writes them; ppcls's create_operators instantiates each entry
# as getattr(preprocess, name)(**params). ToCHWImage follows (see the docstring).
EVAL_TRANSFORM_OPS = [
    {"DecodeImage": {"to_rgb": False, "channel_first": False}},
    {"ResizeImage": {"resize_short": 292, "interpolation": "bilinear", "backend": "pil"}},
    {"CropImage": {"size": 256}},
    {"NormalizeImage": {"scale": "1.0/255.0", "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0],
                        "order": ""}},
]
PREPROCESS_SHAPE = (1, 3, 256, 256)
PPCLS_OPERATORS = "ppcls/data/preprocess/ops/operators.py"
PPCLS_YAML = "ppcls/configs/ImageNet/MobileViT/MobileViT_{}.yaml"
OPERATOR_NAMES = ("format_data", "UnifiedResize", "OperatorParamError", "DecodeImage",
                  "ResizeImage", "CropImage", "NormalizeImage", "ToCHWImage")


def wheel_operators():
    """The operators the paddleclas wheel ships (paddleclas.deploy.python.preprocess)."""
    from paddleclas.deploy.python import preprocess as deploy_ops
    return {n: getattr(deploy_ops, n) for n in OPERATOR_NAMES if hasattr(deploy_ops, n)}


def source_operators(src: Path) -> dict:
    """The operator classes of a PaddleClas checkout's ppcls/data/preprocess/ops/operators.py,
    taken via ast (only OPERATOR_NAMES) and run with the names they use."""
    import ast
    import io
    import logging
    import random
    from functools import partial

    import cv2
    from PIL import Image

    path = src / PPCLS_OPERATORS
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
             and n.name in OPERATOR_NAMES]
    if sorted(n.name for n in nodes) != sorted(OPERATOR_NAMES):
        sys.exit(f"{path} does not define all of {OPERATOR_NAMES}")
    ns = {"__name__": "ppcls_operators", "partial": partial, "io": io, "math": math,
          "random": random, "cv2": cv2, "np": np, "Image": Image,
          "logger": logging.getLogger("ppcls.operators")}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), str(path), "exec"), ns)
    return {n: ns[n] for n in OPERATOR_NAMES}


def check_yaml_ops(src: Path) -> None:
    """The Eval transform_ops of the checkout's MobileViT yamls must be EVAL_TRANSFORM_OPS."""
    import yaml
    for v in MODEL_CLASSES.values():
        path = src / PPCLS_YAML.format(v.split("_", 1)[1])
        cfg = yaml.load(path.read_text(), Loader=yaml.SafeLoader)
        found = cfg["DataLoader"]["Eval"]["dataset"]["transform_ops"]
        if found != EVAL_TRANSFORM_OPS:
            sys.exit(f"{path}: Eval transform_ops {found} differ from {EVAL_TRANSFORM_OPS}")
        print(f"[paddle] {path}: Eval transform_ops as in this script")


def create_operators(ops: dict) -> list:
    """ppcls.data.create_operators over EVAL_TRANSFORM_OPS, then ToCHWImage."""
    built = [ops[name](**params) for entry in EVAL_TRANSFORM_OPS for name, params in entry.items()]
    return built + [ops["ToCHWImage"]()]


def transform(data, ops):
    """ppcls.data.preprocess.transform."""
    for op in ops:
        data = op(data)
    return data


def run_preprocess(images, out: Path, src: str | None) -> None:
    """preprocess_paddle_{stem}.npy for each image file."""
    import cv2
    import PIL
    from PIL import Image

    stems = [Path(f).stem for f in images]
    if len(set(stems)) != len(stems):
        sys.exit(f"--preprocess: two images share a file stem: {stems}")
    print(f"[versions] {versions()}, opencv {cv2.__version__}, Pillow {PIL.__version__}")
    wheel = create_operators(wheel_operators())
    if src is not None:
        check_yaml_ops(Path(src))
        primary = create_operators(source_operators(Path(src)))
        print(f"[paddle] operators: {Path(src) / PPCLS_OPERATORS} (cross-checked bitwise against "
              "paddleclas.deploy.python.preprocess)")
    else:
        primary = None
        print("[paddle] operators: paddleclas.deploy.python.preprocess (the wheel ships no "
              "ppcls/data; pass --paddleclas-src for ppcls/data/preprocess/ops/operators.py)")
    for op in primary or wheel:
        print(f"    {type(op).__name__}: {vars(op)}")

    written: list[Path] = []
    for f, stem in zip(images, stems):
        raw = Path(f).read_bytes()
        with Image.open(f) as im:
            print(f"[{stem}] {f}: {im.format} {im.mode} {im.size[0]}x{im.size[1]} (W x H)")
        x = transform(raw, wheel)
        if primary is not None:
            x_src = transform(raw, primary)
            if x_src.dtype != x.dtype or not np.array_equal(x_src, x):
                sys.exit(f"[{stem}] ppcls operators and the wheel's deploy operators differ")
            x = x_src
        x = np.asarray(x)[None]
        if x.dtype != np.float32 or x.shape != PREPROCESS_SHAPE:
            sys.exit(f"[{stem}] got {x.dtype} {x.shape}, expected float32 {PREPROCESS_SHAPE}")
        path = out / f"preprocess_paddle_{stem}.npy"
        np.save(path, np.ascontiguousarray(x))
        written.append(path)
        print(f"    paddle min {x.min():.6f}  max {x.max():.6f}  mean {x.mean():.6f}  channel means "
              f"{[round(float(c), 6) for c in x[0].mean((1, 2))]}"
              + ("  (ppcls == deploy operators: bitwise)" if primary is not None else ""))
    print_written(written)


def main(argv=None) -> None:
    args = parse_args(argv)
    check_versions(args.allow_other_versions)
    if args.preprocess:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        run_preprocess(args.preprocess, out, args.paddleclas_src)
        return
    paddle.set_device("cpu")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for variant in args.variants:
        run_variant(variant, args, out)


if __name__ == "__main__":
    main()
