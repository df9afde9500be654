#!/usr/bin/env python3
"""Produce MobileViT v2 parity fixtures (timm and HF transformers) from formula weights.

The Rust port of MobileViT v2 is checked against timm's ``mobilevitv2_{050,200}`` and HF
transformers' ``MobileViTV2ForImageClassification``. The weights are not committed (the largest
width has 18M parameters): every tensor comes from the deterministic formula below, applied to
timm's state_dict key names and shapes, which the Rust tests re-implement bit for bit. The same
tensors, renamed to HF's keys, go into the HF model, and both references run the same formula
inputs in eval mode.

Files (``{W}`` is the width tag, 050 or 200 by default; ``{H}x{W}`` the input size):

    {out}/timm_{W}_logits_{H}x{W}.npy   float32 [2, 1000]: timm ``mobilevitv2_{W}``
                                        (pretrained=False), formula weights, eval, no_grad
    {out}/hf_{W}_logits_{H}x{W}.npy     float32 [2, 1000]: HF ``MobileViTV2ForImageClassification``
                                        (MobileViTV2Config(width_multiplier, num_labels=1000),
                                        everything else default), the same tensors under HF's
                                        key names, eval, ``model(pixel_values=x).logits`` on the
                                        raw formula input (no image processor)
    {out}/hf_050_formula.safetensors    width 0.5 only: the formula weights under HF's key names,
                                        all of HF's state_dict, num_batches_tracked (int64 0)
                                        included as HF's state_dict has it, written by
                                        safetensors.torch.save_file with metadata
                                        {"format": "pt"} (as save_pretrained writes it)
    {out}/meta.json                     versions, the FORMULA, per width: parameter counts, every
                                        timm key (with its HF key, shape, dtype, formula rule and
                                        the sha256 of its little-endian bytes), max |timm - HF| per
                                        size, logits statistics; test vectors of the formula; the
                                        sha256 and size of every file above

Input sizes: 256x256, where timm and HF are the same network (every MobileViTv2 block input is
even; the script asserts max |timm - HF| < 1e-5), and 200x200, where some MobileViTv2 block
inputs are odd (25x25, 13x13, 7x7): timm then resizes the block input up to the next even size
(bilinear, align_corners=True) and keeps that size, while HF's unfold drops the last row/column
and its fold zero-fills it, so the two references differ there (printed and recorded; the
script requires the difference to be non-zero, since that is what the fixture is for).

FORMULA: the formula (FNV-1a seed of NAME, splitmix64 stream, values by NAME's rule, the inputs)
is written out, and implemented, in scripts/weight_formula.py, which the Paddle scripts import
too. In short: a tensor is named by its timm state_dict key NAME; its draws u in [0, 1) come from
a splitmix64 stream seeded by the 64-bit FNV-1a of NAME; BN running_var and norm weights are
0.5 + u, running_mean and norm biases (u - 0.5) * 0.4, other weights ((u - 0.5) * 2.0) *
sqrt(3.0 / fan_in), other biases (u - 0.5) * 0.2, num_batches_tracked int64 0; the input is the
stream of "input" as [2, 3, H, W]. The same f32 tensors are used under HF's key names (a rename
only: the layouts are identical). The script derives each key's rule from its module's type
(isinstance BatchNorm2d / GroupNorm vs Conv2d / Linear) and asserts that it agrees with the name
rule. meta.json records the full FORMULA text and the formula's test vectors, which the Rust
tests check.

timm <-> HF key map (timm stage k, block i; HF encoder layer k), as in the v2 spec section 5:

    stem.{conv,bn}.*                       mobilevitv2.conv_stem.{convolution,normalization}.*
    stages.{0,1}.i.conv1_1x1/conv2_kxk/conv3_1x1.{conv,bn}.*
                                           mobilevitv2.encoder.layer.k.layer.i.
                                               expand_1x1/conv_3x3/reduce_1x1.{convolution,normalization}.*
    stages.{2,3,4}.0.<same MV2 names>      mobilevitv2.encoder.layer.k.downsampling_layer.<same>
    stages.k.1.conv_kxk.{conv,bn}.*        mobilevitv2.encoder.layer.k.conv_kxk.{convolution,normalization}.*
    stages.k.1.conv_1x1.weight             mobilevitv2.encoder.layer.k.conv_1x1.convolution.weight
    stages.k.1.transformer.j.norm1.*       mobilevitv2.encoder.layer.k.transformer.layer.j.layernorm_before.*
    stages.k.1.transformer.j.attn.qkv_proj.*   ... .transformer.layer.j.attention.qkv_proj.convolution.*
    stages.k.1.transformer.j.attn.out_proj.*   ... .transformer.layer.j.attention.out_proj.convolution.*
    stages.k.1.transformer.j.norm2.*       ... .transformer.layer.j.layernorm_after.*
    stages.k.1.transformer.j.mlp.fc1.*     ... .transformer.layer.j.ffn.conv1.convolution.*
    stages.k.1.transformer.j.mlp.fc2.*     ... .transformer.layer.j.ffn.conv2.convolution.*
    stages.k.1.norm.*                      mobilevitv2.encoder.layer.k.layernorm.*
    stages.k.1.conv_proj.{conv,bn}.*       mobilevitv2.encoder.layer.k.conv_projection.{convolution,normalization}.*
    head.fc.*                              classifier.*

The script checks that the map is one-to-one onto HF's state_dict, that shapes agree, that HF's
state_dict order is timm's order mapped, and that each HF module has the same kind (norm or
conv/linear) as its timm counterpart. The numpy implementation of the formula is checked against
a pure-Python-int implementation on whole small tensors and on the start of the input stream
(weight_formula.self_check).

Pinned reference versions: torch==2.15.0 (CPU), timm==1.0.31, transformers==5.25.0. From the
repository root:

    /work/refvenv/bin/python scripts/make_v2_fixtures.py
        # default: widths 050,200, sizes 256,200, into tests/fixtures/v2

    .venv-ref/bin/python scripts/make_v2_fixtures.py --widths 050 --sizes 256,224,97x131 \\
        --out fixtures-tmp
        # other sizes / widths (scratch)

Nothing is downloaded: models are built with pretrained=False / from a config, and every tensor
is then overwritten (load_state_dict(strict=True)) with the formula values. Computation is
float32 on the CPU with --threads threads (default 1).
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

import timm

from fixture_common import (add_version_flag, files_table, logits_summary, new_parser,
                            parse_choices, parse_sizes, print_written, version_mismatch,
                            write_meta)
from weight_formula import (BATCH, FORMULA, NORM_MODULE_NAMES, formula_input, formula_values,
                            rule_from_name, self_check, tensor_sha256)

PINNED = {"torch": "2.15.0", "timm": "1.0.31", "transformers": "5.25.0"}
NUM_CLASSES = 1000
# The official widths: timm tag -> width multiplier.
WIDTHS = {"050": 0.5, "075": 0.75, "100": 1.0, "125": 1.25, "150": 1.5, "175": 1.75, "200": 2.0}
HF_SAFETENSORS_WIDTH = "050"
SAME_TOL = 1e-5  # max |timm - HF| where both references are the same network


# ---------------------------------------------------------------------------------------------
# The formula rule from the module type (the formula itself: scripts/weight_formula.py)
# ---------------------------------------------------------------------------------------------

def rule_from_module(model: nn.Module, name: str) -> str:
    """The formula rule of a key, from the type of the module that owns it."""
    mod_path, _, leaf = name.rpartition(".")
    mod = model.get_submodule(mod_path)
    if isinstance(mod, (nn.BatchNorm2d, nn.GroupNorm)):  # timm BatchNormAct2d, GroupNorm1 too
        if leaf in ("weight", "bias"):
            return "norm_" + leaf
        if leaf in ("running_mean", "running_var", "num_batches_tracked") and \
                isinstance(mod, nn.BatchNorm2d):
            return leaf
    elif isinstance(mod, (nn.Conv2d, nn.Linear)) and leaf in ("weight", "bias"):
        return leaf
    raise ValueError(f"{name}: unexpected {type(mod).__name__}.{leaf}")


# ---------------------------------------------------------------------------------------------
# timm <-> HF keys
# ---------------------------------------------------------------------------------------------

_UNIT = (("conv.", "convolution."), ("bn.", "normalization."))
_MV2 = (("conv1_1x1.", "expand_1x1."), ("conv2_kxk.", "conv_3x3."), ("conv3_1x1.", "reduce_1x1."))
_TF = (("norm1.", "layernorm_before."), ("norm2.", "layernorm_after."),
       ("attn.qkv_proj.", "attention.qkv_proj.convolution."),
       ("attn.out_proj.", "attention.out_proj.convolution."),
       ("mlp.fc1.", "ffn.conv1.convolution."), ("mlp.fc2.", "ffn.conv2.convolution."))


def _swap(rest: str, table, key: str) -> str:
    for a, b in table:
        if rest.startswith(a):
            return b + rest[len(a):]
    raise KeyError(key)


def timm_to_hf_key(key: str) -> str:
    parts = key.split(".")
    if parts[0] == "stem":
        return "mobilevitv2.conv_stem." + _swap(".".join(parts[1:]), _UNIT, key)
    if parts[:2] == ["head", "fc"]:
        return "classifier." + ".".join(parts[2:])
    if parts[0] != "stages":
        raise KeyError(key)
    k, i, rest = int(parts[1]), int(parts[2]), ".".join(parts[3:])
    pre = f"mobilevitv2.encoder.layer.{k}."
    if k < 2 or i == 0:
        mv2 = _swap(rest, _MV2, key)
        name, _, unit = mv2.partition(".")
        where = f"layer.{i}." if k < 2 else "downsampling_layer."
        return pre + where + name + "." + _swap(unit, _UNIT, key)
    if rest.startswith("conv_kxk."):
        return pre + "conv_kxk." + _swap(rest[len("conv_kxk."):], _UNIT, key)
    if rest.startswith("conv_proj."):
        return pre + "conv_projection." + _swap(rest[len("conv_proj."):], _UNIT, key)
    if rest.startswith("conv_1x1."):
        return pre + "conv_1x1.convolution." + rest[len("conv_1x1."):]
    if rest.startswith("norm."):
        return pre + "layernorm." + rest[len("norm."):]
    if rest.startswith("transformer."):
        j, _, tail = rest[len("transformer."):].partition(".")
        return pre + f"transformer.layer.{int(j)}." + _swap(tail, _TF, key)
    raise KeyError(key)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

def build_timm(tag: str) -> nn.Module:
    torch.manual_seed(0)  # the random init is overwritten; this only makes the build repeatable
    return timm.create_model(f"mobilevitv2_{tag}", pretrained=False,
                             num_classes=NUM_CLASSES).float().eval()


def build_hf(tag: str):
    from transformers import MobileViTV2Config, MobileViTV2ForImageClassification
    torch.manual_seed(0)
    config = MobileViTV2Config(width_multiplier=WIDTHS[tag], num_labels=NUM_CLASSES)
    return MobileViTV2ForImageClassification(config).float().eval(), config


def shape_hooks(tmodel: nn.Module, hmodel: nn.Module, store: dict) -> list:
    """Record the (H, W) each reference's MobileViTv2 blocks receive (timm: before its own
    resize, at the block's entry; HF: the input of conv_kxk) and its final feature map."""
    def pre(key):
        def hook(_m, inputs):
            store.setdefault(key, []).append(list(inputs[0].shape[2:]))
        return hook

    def post(key):
        def hook(_m, _i, output):
            store[key] = list(output.shape)
        return hook

    handles = []
    for k in (2, 3, 4):
        handles.append(tmodel.stages[k][1].register_forward_pre_hook(pre("timm_blocks")))
        handles.append(hmodel.mobilevitv2.encoder.layer[k].conv_kxk.register_forward_pre_hook(
            pre("hf_blocks")))
    handles.append(tmodel.stages.register_forward_hook(post("timm_final")))
    handles.append(hmodel.mobilevitv2.encoder.layer[4].register_forward_hook(post("hf_final")))
    return handles


def run_width(tag: str, sizes, out: Path) -> tuple[dict, list[Path]]:
    tmodel = build_timm(tag)
    hmodel, config = build_hf(tag)
    tsd, hsd = tmodel.state_dict(), hmodel.state_dict()

    # Keys, rules and the HF map.
    entries, timm_tensors = [], {}
    hf_keys = []
    for name, t in tsd.items():
        rule = rule_from_module(tmodel, name)
        if rule != rule_from_name(name):
            sys.exit(f"[{tag}] {name}: module type says {rule}, name rule says "
                     f"{rule_from_name(name)}")
        hname = timm_to_hf_key(name)
        if hname not in hsd:
            sys.exit(f"[{tag}] {name} -> {hname}: not an HF key")
        if tuple(hsd[hname].shape) != tuple(t.shape) or hsd[hname].dtype != t.dtype:
            sys.exit(f"[{tag}] {name}: timm {tuple(t.shape)} {t.dtype}, HF {hname} "
                     f"{tuple(hsd[hname].shape)} {hsd[hname].dtype}")
        if rule_from_module(hmodel, hname) != rule:
            sys.exit(f"[{tag}] {name}: HF module of {hname} is of another kind")
        shape = tuple(t.shape)
        expected_dtype = torch.int64 if rule == "num_batches_tracked" else torch.float32
        if t.dtype != expected_dtype:
            sys.exit(f"[{tag}] {name}: dtype {t.dtype}, expected {expected_dtype}")
        arr = formula_values(name, shape, rule)
        timm_tensors[name] = torch.from_numpy(arr)
        hf_keys.append(hname)
        entries.append({"timm": name, "hf": hname, "shape": list(shape),
                        "dtype": "int64" if rule == "num_batches_tracked" else "float32",
                        "rule": rule, "sha256": tensor_sha256(arr)})
    if len(set(hf_keys)) != len(hf_keys) or set(hf_keys) != set(hsd):
        sys.exit(f"[{tag}] the timm -> HF key map is not one-to-one onto HF's state_dict")
    hf_order_same = hf_keys == list(hsd)
    if not hf_order_same:
        sys.exit(f"[{tag}] HF's state_dict order is not timm's order mapped")

    tmodel.load_state_dict(timm_tensors, strict=True)
    hf_tensors = {timm_to_hf_key(k): v for k, v in timm_tensors.items()}
    hmodel.load_state_dict(hf_tensors, strict=True)
    for k, v in tmodel.state_dict().items():
        if not torch.equal(v, timm_tensors[k]):
            sys.exit(f"[{tag}] timm {k} did not load as given")
    for k, v in hmodel.state_dict().items():
        if not torch.equal(v, hf_tensors[k]):
            sys.exit(f"[{tag}] HF {k} did not load as given")

    written: list[Path] = []
    st_info = None
    if tag == HF_SAFETENSORS_WIDTH:
        st_path = out / f"hf_{tag}_formula.safetensors"
        save_file({k: v.contiguous().clone() for k, v in hmodel.state_dict().items()},
                  str(st_path), metadata={"format": "pt"})
        st_path.chmod(0o644)  # safetensors creates the file as 0600
        back = load_file(str(st_path))
        if set(back) != set(hmodel.state_dict()):
            sys.exit(f"[{tag}] {st_path.name}: keys differ from HF's state_dict")
        for k, v in back.items():
            if v.dtype != hf_tensors[k].dtype or not torch.equal(v, hf_tensors[k]):
                sys.exit(f"[{tag}] {st_path.name}: {k} differs after reading back")
        st_info = {"file": st_path.name, "tensors": len(back), "metadata": {"format": "pt"},
                   "writer": f"safetensors.torch.save_file (safetensors {safetensors.__version__})"}
        written.append(st_path)

    n_params = sum(p.numel() for p in tmodel.parameters())
    n_params_hf = sum(p.numel() for p in hmodel.parameters())
    bn_stats = sum(v.numel() for k, v in tsd.items()
                   if k.endswith(("running_mean", "running_var")))
    if n_params != n_params_hf:
        sys.exit(f"[{tag}] parameter counts differ: timm {n_params:,}, HF {n_params_hf:,}")

    runs = {}
    for (h, w) in sizes:
        size = f"{h}x{w}"
        x_np = formula_input(h, w)
        x = torch.from_numpy(x_np)
        shapes: dict = {}
        handles = shape_hooks(tmodel, hmodel, shapes)
        with torch.no_grad():
            tl = tmodel(x)
            hl = hmodel(pixel_values=x).logits
        for hd in handles:
            hd.remove()
        tl_np = tl.float().contiguous().numpy().astype(np.float32)
        hl_np = hl.float().contiguous().numpy().astype(np.float32)
        for who, a in (("timm", tl_np), ("HF", hl_np)):
            if a.shape != (BATCH, NUM_CLASSES) or not np.all(np.isfinite(a)):
                sys.exit(f"[{tag} {size}] {who} logits: shape {a.shape} or non-finite values")
        diff = float(np.abs(tl_np - hl_np).max())
        if shapes["timm_blocks"] != shapes["hf_blocks"]:
            sys.exit(f"[{tag} {size}] MobileViTv2 block inputs differ: {shapes}")
        any_odd = any(a % 2 or b % 2 for a, b in shapes["timm_blocks"])
        if not any_odd and diff >= SAME_TOL:
            sys.exit(f"[{tag} {size}] timm and HF should agree here, max |diff| {diff:.3g}")
        if any_odd and diff == 0.0:
            sys.exit(f"[{tag} {size}] odd block inputs but timm and HF logits are identical")
        paths = [out / f"timm_{tag}_logits_{size}.npy", out / f"hf_{tag}_logits_{size}.npy"]
        np.save(paths[0], tl_np)
        np.save(paths[1], hl_np)
        written += paths
        runs[size] = {
            "input_shape": [BATCH, 3, h, w],
            "input_sha256_f32_le": tensor_sha256(x_np),
            "mobilevitv2_block_input_hw": shapes["timm_blocks"],
            "odd_block_inputs": any_odd,
            "timm_final_feature_map": shapes["timm_final"],
            "hf_final_feature_map": shapes["hf_final"],
            "max_abs_timm_minus_hf": diff,
            "timm": logits_summary(tl_np),
            "hf": logits_summary(hl_np),
        }

    hf_cfg = config.to_dict()
    meta = {
        "timm_model": f"mobilevitv2_{tag} (pretrained=False, num_classes={NUM_CLASSES})",
        "hf_model": "MobileViTV2ForImageClassification(MobileViTV2Config("
                    f"width_multiplier={WIDTHS[tag]}, num_labels={NUM_CLASSES}))",
        "width_multiplier": WIDTHS[tag],
        "hf_config": {k: hf_cfg[k] for k in (
            "width_multiplier", "num_labels", "num_channels", "patch_size", "expand_ratio",
            "hidden_act", "conv_kernel_size", "output_stride", "mlp_ratio", "ffn_dropout",
            "attn_dropout", "layer_norm_eps", "base_attn_unit_dims", "n_attn_blocks")
            if k in hf_cfg} | {"num_labels": config.num_labels},
        "trainable_params": n_params,
        "bn_running_stat_elements": bn_stats,
        "params_plus_bn_stats": n_params + bn_stats,
        "num_batches_tracked_scalars": sum(1 for k in tsd if k.endswith("num_batches_tracked")),
        "state_dict_tensors": len(tsd),
        "hf_state_dict_order_is_timm_order_mapped": hf_order_same,
        "hf_safetensors": st_info,
        "runs": runs,
        "keys": entries,
    }
    return meta, written


def check_versions(allow_other: bool) -> None:
    import transformers
    found = {"torch": torch.__version__.split("+")[0], "timm": timm.__version__,
             "transformers": transformers.__version__}
    if found != PINNED:
        version_mismatch(f"version mismatch: found {found}, pinned {PINNED}", allow_other)


def parse_args(argv=None):
    p = new_parser(__doc__)
    p.add_argument("--widths", default="050,200",
                   help=f"comma-separated subset of {','.join(WIDTHS)} (default: 050,200)")
    p.add_argument("--sizes", default="256,200",
                   help="comma-separated input sizes; N means NxN, or HxW (default: 256,200)")
    p.add_argument("--out", default="tests/fixtures/v2",
                   help="output folder (default: tests/fixtures/v2)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default: 1)")
    add_version_flag(p, PINNED)
    args = p.parse_args(argv)
    args.widths = parse_choices(p, args.widths, tuple(WIDTHS), "width")
    args.sizes = parse_sizes(p, args.sizes)
    if args.threads < 1:
        p.error("--threads must be at least 1")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    check_versions(args.allow_other_versions)
    import transformers
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    vectors = self_check()
    widths, written = {}, []
    for tag in args.widths:
        meta_w, files = run_width(tag, args.sizes, out)
        widths[tag] = meta_w
        written += files

    meta = {
        "generator": "scripts/make_v2_fixtures.py",
        "versions": {"torch": torch.__version__, "timm": timm.__version__,
                     "transformers": transformers.__version__, "numpy": np.__version__,
                     "safetensors": safetensors.__version__,
                     "python": platform.python_version()},
        "pinned": PINNED,
        "dtype": "float32", "device": "cpu", "threads": torch.get_num_threads(),
        "batch": BATCH,
        "sizes": [f"{h}x{w}" for h, w in args.sizes],
        "formula": FORMULA,
        "norm_module_names": list(NORM_MODULE_NAMES),
        "formula_test_vectors": vectors,
        "timm_vs_hf_same_network_tolerance": SAME_TOL,
        "widths": widths,
        "files": files_table(written),
    }
    meta_path = out / "meta.json"
    write_meta(meta_path, meta)

    print(f"[versions] torch {torch.__version__}, timm {timm.__version__}, "
          f"transformers {transformers.__version__}, numpy {np.__version__}; "
          f"{torch.get_num_threads()} thread(s)")
    print("[formula] numpy == pure-Python-int implementation (self-check passed); "
          f"fnv1a64('input') = {vectors['fnv1a64']['input']}")
    for tag, m in widths.items():
        print(f"[{tag}] width {m['width_multiplier']}: trainable params "
              f"{m['trainable_params']:,}; + BN stats {m['params_plus_bn_stats']:,}; "
              f"{m['state_dict_tensors']} keys (timm = HF, same order)")
        for size, r in m["runs"].items():
            t = r["timm"]
            print(f"    {size}: max|timm - HF| {r['max_abs_timm_minus_hf']:.3g}  "
                  f"(block inputs {r['mobilevitv2_block_input_hw']}, final map timm "
                  f"{r['timm_final_feature_map'][2:]} HF {r['hf_final_feature_map'][2:]})  "
                  f"timm logits std {t['logits_std']:.4f} absmax {t['logits_absmax']:.4f} "
                  f"std(img0-img1) {t['logits_std_of_row_difference']:.4f} "
                  f"argmax {t['argmax']}  HF argmax {r['hf']['argmax']}")
    print_written(written + [meta_path])
    total = sum(p.stat().st_size for p in written + [meta_path])
    print(f"    {total:>11,d}  total")


if __name__ == "__main__":
    main()
