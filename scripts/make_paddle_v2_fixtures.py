#!/usr/bin/env python3
"""Produce MobileViT v2 parity fixtures from PaddleClas's MobileViTV2_x0_5 with formula weights.

The Paddle companion of scripts/make_v2_fixtures.py (timm / HF transformers). PaddleClas 2.6.0's
``MobileViTV2_x0_5`` (``paddleclas.ppcls.arch.backbone.model_zoo.mobilevit_v2``, built with
``pretrained=False``, nothing downloaded) gets exactly the formula weights of make_v2_fixtures.py
(the FORMULA of scripts/weight_formula.py, defined on timm's ``mobilevitv2_050`` state_dict key
names, which both scripts import): each Paddle key is renamed to its timm key by the rules below,
the formula tensor of that timm key is generated and stored under the Paddle key. The model runs
the same formula inputs in eval mode. Files:

    {out}/paddle_050_formula.pdparams       paddle.save(model.state_dict()) after loading the
                                            formula weights: a plain pickle (protocol 4) of a
                                            dict, Paddle structured name -> numpy.ndarray
                                            (float32, C-contiguous), BN ``_mean``/``_variance``
                                            included (no num_batches_tracked in Paddle), plus the
                                            entry "StructuredToParameterName@@" (a dict of
                                            structured name -> internal parameter name; skip
                                            it), as scripts/make_paddle_fixtures.py writes them.
                                            ``classifier.fc.weight`` is Paddle's Linear layout
                                            [in, out] = [256, 1000]: the transpose of the formula
                                            tensor of timm's ``head.fc.weight`` [1000, 256]
    {out}/paddle_050_logits_{H}x{W}.npy     float32 [2, 1000], eval, paddle.no_grad(), for the
                                            formula input ("input", [2, 3, H, W], value u), at
                                            256x256 and 192x192 by default
    {out}/paddle_meta.json                  versions, parameter counts, the Paddle -> timm key
                                            map (with each key's formula rule, shapes and the
                                            sha256 of the stored little-endian bytes), the
                                            .pdparams pickle structure, logits statistics, max
                                            |Paddle - timm| per size (timm run on the same
                                            formula weights, see --timm-python), the sizes
                                            PaddleClas refuses, and the sha256 of each file

Sizes: PaddleClas's MobileViTV2Block has no resize for feature maps that are not a multiple of
the 2x2 patch (ml-cvnets and timm resize the block input up bilinearly; PaddleClas dropped that):
its unfold floors and the following reshape raises, so the input side must be a multiple of 64.
The 200x200 of the timm/HF fixtures is therefore replaced here by 192x192, and the script checks
that 200x200 is indeed refused (recorded in the meta file as "refused_sizes").

Paddle -> timm key names: these regex rules, applied in order to each Paddle key (each to the
result of the previous one; RENAME_RULES below):

    \\._mean$ -> .running_mean ;  \\._variance$ -> .running_var
    ^conv_1\\. -> stem.
    ^layer_1\\. -> stages.0. ; ... ; ^layer_5\\. -> stages.4.
    ^classifier\\.fc\\. -> head.fc.
    \\.block\\.exp_1x1\\. -> .conv1_1x1. ; \\.block\\.conv_3x3\\. -> .conv2_kxk. ;
        \\.block\\.red_1x1\\. -> .conv3_1x1.
    \\.local_rep\\.0\\. -> .conv_kxk. ; \\.local_rep\\.1\\.conv\\.weight$ -> .conv_1x1.weight
    \\.global_rep\\.(\\d+)\\.pre_norm_attn\\.0\\. -> .transformer.\\1.norm1.
    \\.global_rep\\.(\\d+)\\.pre_norm_attn\\.1\\.(qkv_proj|out_proj)\\.
        -> .transformer.\\1.attn.\\2.
    \\.global_rep\\.(\\d+)\\.pre_norm_ffn\\.0\\. -> .transformer.\\1.norm2.
    \\.global_rep\\.(\\d+)\\.pre_norm_ffn\\.1\\. -> .transformer.\\1.mlp.fc1.
    \\.global_rep\\.(\\d+)\\.pre_norm_ffn\\.4\\. -> .transformer.\\1.mlp.fc2.
    \\.global_rep\\.\\d+\\.(weight|bias)$ -> .norm.\\1        (the GroupNorm after the last layer)
    (^stem|conv1_1x1|conv2_kxk|conv3_1x1|conv_kxk|conv_proj)\\.norm\\. -> \\1.bn.

The script asserts that the renamed key set equals timm's ``mobilevitv2_050`` state_dict keys
minus the 25 ``num_batches_tracked`` (taken from ``--timm-meta``, the meta.json written by
make_v2_fixtures.py, and, when --timm-python runs, also from the live timm model), that the map
is one-to-one, that every shape agrees (``classifier.fc.weight`` transposed), that the formula
rule of each timm name agrees with the type of the Paddle layer that owns the key (BatchNorm2D /
GroupNorm: norm; Conv2D / Linear: weight, bias), and that every generated tensor has the sha256
that meta.json records for its timm key.

The formula code (rule_from_name, formula_values, formula_input, tensor_sha256, BATCH) is
imported from scripts/weight_formula.py, the numpy-only module that make_v2_fixtures.py and
make_paddle_v3_fixtures.py import too (make_v2_fixtures.py itself imports torch, timm and
safetensors, which the Paddle venv does not have). The script runs its self_check() (the numpy
code against a pure-Python-int implementation, here under the Paddle venv's numpy) and records
that in the meta file ("formula_code").

timm comparison (``--timm-python``, default /work/refvenv/bin/python when it exists; ``none`` to
skip): the script runs that interpreter on a small child program that imports
scripts/make_v2_fixtures.py (build_timm, and rule_from_name, formula_values, formula_input, which
it imports from scripts/weight_formula.py: the same formula code as here), loads the formula
weights into timm's ``mobilevitv2_050`` (strict) and runs the same inputs; the parent records max
|Paddle - timm| per size (expected at float32 rounding, ~1e-6: PaddleClas's MobileViTV2 is timm's
network at these sizes) and fails above --max-timm-diff. Where
tests/fixtures/v2/timm_050_logits_256x256.npy exists, the difference to that committed file is
recorded too.

Pinned reference versions (the fixtures were generated with exactly these):

    paddlepaddle==3.3.1 (CPU), paddleclas==2.6.0, numpy==2.4.6
    (timm side: torch==2.15.0, timm==1.0.31, as make_v2_fixtures.py pins them)

From the repository root:

    /work/refvenv-paddle/bin/python scripts/make_paddle_v2_fixtures.py
        # default: sizes 256,192, into tests/fixtures/v2, timm via /work/refvenv/bin/python

    .venv-paddle/bin/python scripts/make_paddle_v2_fixtures.py --sizes 256,320 \\
        --out fixtures-tmp --timm-python .venv-ref/bin/python

Computation is float32 on the CPU, one thread (OMP/MKL) in both interpreters.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from importlib.metadata import version as dist_version  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import paddle  # noqa: E402
import paddle.nn as nn  # noqa: E402

from paddleclas.ppcls.arch.backbone.model_zoo import mobilevit_v2 as pc_v2  # noqa: E402

from fixture_common import (add_version_flag, files_table, logits_summary,  # noqa: E402
                            new_parser, parse_sizes, pickle_info, print_logits, print_written,
                            version_mismatch, write_meta)
from weight_formula import (BATCH, formula_input, formula_values,  # noqa: E402
                            rule_from_name, self_check_record, tensor_sha256)

PINNED = {"paddlepaddle": "3.3.1", "paddleclas": "2.6.0"}
MODEL = "MobileViTV2_x0_5"
TAG = "050"
TIMM_MODEL = f"mobilevitv2_{TAG}"
NUM_CLASSES = 1000
NAME_TABLE_KEY = "StructuredToParameterName@@"
FC_WEIGHT = "classifier.fc.weight"  # Paddle Linear: [in, out], timm's head.fc.weight transposed
REFUSED_PROBE = (200, 200)  # not a multiple of 64: PaddleClas's unfold/reshape must raise
REPO = Path(__file__).resolve().parent.parent
V2_SCRIPT = Path(__file__).resolve().parent / "make_v2_fixtures.py"
DEFAULT_TIMM_PYTHON = "/work/refvenv/bin/python"

RENAME_RULES = [
    (r"\._mean$", ".running_mean"),
    (r"\._variance$", ".running_var"),
    (r"^conv_1\.", "stem."),
    (r"^layer_1\.", "stages.0."),
    (r"^layer_2\.", "stages.1."),
    (r"^layer_3\.", "stages.2."),
    (r"^layer_4\.", "stages.3."),
    (r"^layer_5\.", "stages.4."),
    (r"^classifier\.fc\.", "head.fc."),
    (r"\.block\.exp_1x1\.", ".conv1_1x1."),
    (r"\.block\.conv_3x3\.", ".conv2_kxk."),
    (r"\.block\.red_1x1\.", ".conv3_1x1."),
    (r"\.local_rep\.0\.", ".conv_kxk."),
    (r"\.local_rep\.1\.conv\.weight$", ".conv_1x1.weight"),
    (r"\.global_rep\.(\d+)\.pre_norm_attn\.0\.", r".transformer.\1.norm1."),
    (r"\.global_rep\.(\d+)\.pre_norm_attn\.1\.(qkv_proj|out_proj)\.", r".transformer.\1.attn.\2."),
    (r"\.global_rep\.(\d+)\.pre_norm_ffn\.0\.", r".transformer.\1.norm2."),
    (r"\.global_rep\.(\d+)\.pre_norm_ffn\.1\.", r".transformer.\1.mlp.fc1."),
    (r"\.global_rep\.(\d+)\.pre_norm_ffn\.4\.", r".transformer.\1.mlp.fc2."),
    (r"\.global_rep\.\d+\.(weight|bias)$", r".norm.\1"),
    (r"(^stem|conv1_1x1|conv2_kxk|conv3_1x1|conv_kxk|conv_proj)\.norm\.", r"\1.bn."),
]


def paddle_to_timm_key(key: str) -> str:
    for pat, rep in RENAME_RULES:
        key = re.sub(pat, rep, key)
    return key


# ---------------------------------------------------------------------------------------------
# timm side (a child process in the torch/timm venv, running make_v2_fixtures.py's own code)
# ---------------------------------------------------------------------------------------------

TIMM_CHILD = r"""
import json, sys
import numpy as np
import torch
sys.path.insert(0, sys.argv[1])
import make_v2_fixtures as m
torch.set_num_threads(1)
out, sizes = sys.argv[2], json.loads(sys.argv[3])
model = m.build_timm(sys.argv[4])
sd = model.state_dict()
weights = {k: torch.from_numpy(m.formula_values(k, tuple(v.shape), m.rule_from_name(k)))
           for k, v in sd.items()}
model.load_state_dict(weights, strict=True)
res = {"keys": [[k, list(v.shape), str(v.dtype)] for k, v in sd.items()],
       "versions": {"torch": torch.__version__, "timm": m.timm.__version__,
                    "numpy": np.__version__}}
arrays = {}
for h, w in sizes:
    with torch.no_grad():
        arrays[f"{h}x{w}"] = model(torch.from_numpy(m.formula_input(h, w))).numpy().astype(
            np.float32)
np.savez(out + ".npz", **arrays)
with open(out + ".json", "w") as f:
    json.dump(res, f)
"""


def run_timm(python: str, sizes) -> tuple[dict, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        base = str(Path(tmp) / "timm")
        cmd = [python, "-c", TIMM_CHILD, str(V2_SCRIPT.parent), base,
               json.dumps([list(s) for s in sizes]), TAG]
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"timm child ({python}) failed:\n{r.stderr[-4000:]}")
        with np.load(base + ".npz") as z:
            logits = {k: z[k] for k in z.files}
        info = json.loads(Path(base + ".json").read_text())
    return logits, info


# ---------------------------------------------------------------------------------------------
# Paddle
# ---------------------------------------------------------------------------------------------

def versions() -> dict:
    return {"paddlepaddle": paddle.__version__, "paddleclas": dist_version("paddleclas"),
            "numpy": np.__version__, "python": platform.python_version()}


def check_versions(allow_other: bool) -> None:
    v = versions()
    found = {k: v[k] for k in PINNED}
    if found != PINNED:
        version_mismatch(f"version mismatch: found {found}, pinned {PINNED}", allow_other)


def build_model() -> nn.Layer:
    paddle.seed(0)  # the random init is overwritten; this only makes the build repeatable
    model = getattr(pc_v2, MODEL)(pretrained=False, class_num=NUM_CLASSES)
    model.eval()
    return model


def rule_from_layer(model: nn.Layer, key: str) -> str:
    """The formula rule of a Paddle key, from the type of the layer that owns it."""
    path, _, leaf = key.rpartition(".")
    layer = dict(model.named_sublayers())[path]
    if isinstance(layer, nn.BatchNorm2D):
        table = {"weight": "norm_weight", "bias": "norm_bias",
                 "_mean": "running_mean", "_variance": "running_var"}
    elif isinstance(layer, nn.GroupNorm):
        table = {"weight": "norm_weight", "bias": "norm_bias"}
    elif isinstance(layer, (nn.Conv2D, nn.Linear)):
        table = {"weight": "weight", "bias": "bias"}
    else:
        table = {}
    if leaf not in table:
        raise ValueError(f"{key}: unexpected {type(layer).__name__}.{leaf}")
    return table[leaf]


def load_timm_meta(path: Path) -> dict | None:
    if not path.exists():
        return None
    meta = json.loads(path.read_text())
    w = meta["widths"][TAG]
    return {"keys": {e["timm"]: e for e in w["keys"]}, "width": w,
            "formula_source_generator": meta.get("generator")}


def pdparams_info(path: Path, expected: dict) -> dict:
    data = path.read_bytes()
    obj = pickle.loads(data)  # our own file, just written
    arrays = {k: v for k, v in obj.items() if k != NAME_TABLE_KEY}
    if set(arrays) != set(expected):
        sys.exit(f"{path.name}: keys differ from the model's state_dict")
    for k, v in arrays.items():
        if not isinstance(v, np.ndarray) or v.dtype != np.float32 or \
                v.tobytes() != expected[k].tobytes() or v.shape != expected[k].shape:
            sys.exit(f"{path.name}: {k} differs from the formula tensor after reading back")
    back = paddle.load(str(path))
    for k, v in expected.items():
        if np.asarray(back[k]).tobytes() != v.tobytes():
            sys.exit(f"{path.name}: paddle.load gives another {k}")
    table = obj.get(NAME_TABLE_KEY)
    return {
        **pickle_info(data),
        "top_level_type": type(obj).__name__,
        "entries": len(obj),
        "value_types": sorted({f"{type(v).__module__}.{type(v).__name__}"
                               for v in arrays.values()}),
        "dtypes": sorted({str(v.dtype) for v in arrays.values()}),
        "all_c_contiguous": all(v.flags["C_CONTIGUOUS"] for v in arrays.values()),
        "name_table_key": NAME_TABLE_KEY,
        "name_table_type": type(table).__name__,
        "name_table_entries": len(table) if table is not None else None,
        "name_table_sample": dict(list(table.items())[:3]) if table else None,
        "name_table_is_last": list(obj)[-1] == NAME_TABLE_KEY,
        "read_back": "pickle.loads and paddle.load: every array bitwise the formula tensor",
    }


def block_size_hooks(model: nn.Layer, store: list):
    handles = []
    for _name, m in model.named_sublayers():
        if isinstance(m, pc_v2.MobileViTV2Block):
            def hook(_layer, inputs):
                store.append(list(inputs[0].shape[2:]))
            handles.append(m.register_forward_pre_hook(hook))
    return handles


def parse_args(argv=None):
    p = new_parser(__doc__)
    p.add_argument("--sizes", default="256,192",
                   help="comma-separated input sizes, multiples of 64 (PaddleClas refuses "
                        "others); N means NxN, or HxW (default: 256,192)")
    p.add_argument("--out", default="tests/fixtures/v2",
                   help="output folder (default: tests/fixtures/v2)")
    p.add_argument("--timm-meta", default="tests/fixtures/v2/meta.json",
                   help="make_v2_fixtures.py's meta.json: timm's keys, shapes and formula sha256 "
                        "(default: tests/fixtures/v2/meta.json)")
    p.add_argument("--timm-python", default=None,
                   help="python of a torch/timm venv for the timm comparison, or 'none' "
                        f"(default: {DEFAULT_TIMM_PYTHON} if it exists)")
    p.add_argument("--max-timm-diff", type=float, default=1e-4,
                   help="fail if max |Paddle - timm| exceeds this (default: 1e-4)")
    add_version_flag(p, PINNED)
    args = p.parse_args(argv)
    args.sizes = parse_sizes(p, args.sizes)
    for h, w in args.sizes:
        if h % 64 or w % 64:
            p.error(f"size {h}x{w}: PaddleClas MobileViTV2 needs multiples of 64")
    if args.timm_python is None:
        args.timm_python = DEFAULT_TIMM_PYTHON if Path(DEFAULT_TIMM_PYTHON).exists() else "none"
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    check_versions(args.allow_other_versions)
    paddle.set_device("cpu")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    formula_code = self_check_record()  # under this venv's numpy; exits on a difference
    tmeta = load_timm_meta(Path(args.timm_meta))
    timm_logits, timm_info = ({}, None)
    if args.timm_python != "none":
        timm_logits, timm_info = run_timm(args.timm_python, args.sizes)
    if tmeta is None and timm_info is None:
        sys.exit(f"no timm key list: {args.timm_meta} is missing and --timm-python is 'none'")

    # timm's keys (minus num_batches_tracked) and shapes, from meta.json and/or live timm.
    timm_sources = {}
    if tmeta is not None:
        timm_sources["meta.json"] = {k: tuple(e["shape"]) for k, e in tmeta["keys"].items()
                                     if not k.endswith("num_batches_tracked")}
    if timm_info is not None:
        timm_sources["live timm"] = {k: tuple(s) for k, s, _dt in timm_info["keys"]
                                     if not k.endswith("num_batches_tracked")}
    all_timm_keys = (list(tmeta["keys"]) if tmeta is not None
                     else [k for k, _s, _dt in timm_info["keys"]])
    n_nbt = sum(1 for k in all_timm_keys if k.endswith("num_batches_tracked"))
    srcs = list(timm_sources.values())
    if any(s != srcs[0] for s in srcs[1:]):
        sys.exit("meta.json's timm keys/shapes differ from the live timm model's")
    timm_shapes = srcs[0]

    model = build_model()
    sd = model.state_dict()
    trainable = {n for n, p in model.named_parameters() if not p.stop_gradient}

    key_map, entries, tensors = {}, [], {}
    for pkey, t in sd.items():
        tkey = paddle_to_timm_key(pkey)
        if tkey not in timm_shapes:
            sys.exit(f"{pkey} -> {tkey}: not a timm {TIMM_MODEL} key")
        if tkey in key_map.values():
            sys.exit(f"{pkey} -> {tkey}: two Paddle keys map to the same timm key")
        key_map[pkey] = tkey
        rule = rule_from_name(tkey)
        if rule != rule_from_layer(model, pkey):
            sys.exit(f"{pkey}: Paddle layer type says {rule_from_layer(model, pkey)}, "
                     f"timm name {tkey} says {rule}")
        pshape, tshape = tuple(t.shape), timm_shapes[tkey]
        transposed = pkey == FC_WEIGHT
        if (pshape != tuple(reversed(tshape))) if transposed else (pshape != tshape):
            sys.exit(f"{pkey} {pshape} vs timm {tkey} {tshape}")
        if t.dtype != paddle.float32:
            sys.exit(f"{pkey}: dtype {t.dtype}")
        arr = formula_values(tkey, tshape, rule)
        timm_sha = tensor_sha256(arr)
        if tmeta is not None and tmeta["keys"][tkey]["sha256"] != timm_sha:
            sys.exit(f"{tkey}: formula tensor sha256 differs from meta.json's")
        if transposed:
            arr = np.ascontiguousarray(arr.T)
        tensors[pkey] = arr
        entries.append({"paddle": pkey, "timm": tkey, "paddle_shape": list(pshape),
                        "timm_shape": list(tshape), "rule": rule,
                        "stored_transposed": transposed, "trainable": pkey in trainable,
                        "sha256": tensor_sha256(arr),
                        "timm_sha256_matches_meta_json": tmeta is not None})
    missing = set(timm_shapes) - set(key_map.values())
    if missing:
        sys.exit(f"timm keys with no Paddle key: {sorted(missing)}")

    model.set_state_dict({k: paddle.to_tensor(v) for k, v in tensors.items()})
    for k, v in model.state_dict().items():
        if v.numpy().tobytes() != tensors[k].tobytes():
            sys.exit(f"Paddle {k} did not load as given")

    written: list[Path] = []
    params_path = out / f"paddle_{TAG}_formula.pdparams"
    paddle.save(model.state_dict(), str(params_path))
    params_path.chmod(0o644)
    written.append(params_path)
    pd_info = pdparams_info(params_path, tensors)

    n_trainable = sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)
    n_all = sum(int(np.prod(v.shape)) for v in tensors.values())
    n_bn = sum(int(np.prod(v.shape)) for k, v in tensors.items()
               if k.endswith(("._mean", "._variance")))
    if n_trainable + n_bn != n_all:
        sys.exit(f"parameter counts: trainable {n_trainable} + BN stats {n_bn} != {n_all}")
    if tmeta is not None and (tmeta["width"]["trainable_params"], tmeta["width"][
            "params_plus_bn_stats"]) != (n_trainable, n_all):
        sys.exit(f"parameter counts differ from timm's meta.json: Paddle {n_trainable:,} / "
                 f"{n_all:,}")

    runs = {}
    for (h, w) in args.sizes:
        size = f"{h}x{w}"
        x = formula_input(h, w)
        blocks: list = []
        handles = block_size_hooks(model, blocks)
        with paddle.no_grad():
            logits = model(paddle.to_tensor(x)).numpy().astype(np.float32)
        for hd in handles:
            hd.remove()
        if logits.shape != (BATCH, NUM_CLASSES) or not np.all(np.isfinite(logits)):
            sys.exit(f"[{size}] logits: shape {logits.shape} or non-finite values")
        path = out / f"paddle_{TAG}_logits_{size}.npy"
        np.save(path, logits)
        written.append(path)
        run = {"input_shape": [BATCH, 3, h, w], "input_sha256_f32_le": tensor_sha256(x),
               "mobilevitv2_block_input_hw": blocks, **logits_summary(logits)}
        tm_run = (tmeta or {}).get("width", {}).get("runs", {}).get(size)
        if tm_run is not None and tm_run["input_sha256_f32_le"] != run["input_sha256_f32_le"]:
            sys.exit(f"[{size}] formula input sha256 differs from meta.json's")
        if size in timm_logits:
            d = float(np.abs(logits - timm_logits[size]).max())
            run["max_abs_paddle_minus_timm"] = d
            run["timm_argmax"] = timm_logits[size].argmax(1).tolist()
            if d > args.max_timm_diff:
                sys.exit(f"[{size}] max |Paddle - timm| {d:.3g} > {args.max_timm_diff}")
        committed = Path(args.timm_meta).parent / f"timm_{TAG}_logits_{size}.npy"
        if committed.exists():
            c = np.load(committed)
            run["max_abs_paddle_minus_committed_timm_fixture"] = float(np.abs(logits - c).max())
            if size in timm_logits:
                run["live_timm_equals_committed_timm_fixture"] = bool(
                    np.array_equal(timm_logits[size], c))
        runs[size] = run
        print_logits(f"paddle {TAG} {size}", run)
        extra = []
        if "max_abs_paddle_minus_timm" in run:
            extra.append(f"max|paddle - timm| {run['max_abs_paddle_minus_timm']:.3g} "
                         f"(timm argmax {run['timm_argmax']})")
        if "max_abs_paddle_minus_committed_timm_fixture" in run:
            extra.append(f"max|paddle - {committed.name}| "
                         f"{run['max_abs_paddle_minus_committed_timm_fixture']:.3g}")
        print(f"    block inputs {blocks}" + ("; " + "; ".join(extra) if extra else ""))

    refused = {}
    h, w = REFUSED_PROBE
    try:
        with paddle.no_grad():
            model(paddle.to_tensor(formula_input(h, w)))
    except Exception as e:  # noqa: BLE001 - the refusal is what is recorded
        msg = str(e).strip().splitlines()
        refused[f"{h}x{w}"] = {"error_type": type(e).__name__,
                               "message_first_line": next((m for m in msg if m.strip()), "")}
    else:
        sys.exit(f"PaddleClas MobileViTV2 ran at {h}x{w}; expected it to refuse that size")
    print(f"[refused] {h}x{w}: {refused[f'{h}x{w}']['error_type']}: "
          f"{refused[f'{h}x{w}']['message_first_line'][:120]}")

    meta = {
        "generator": "scripts/make_paddle_v2_fixtures.py",
        "model": f"PaddleClas {MODEL}(pretrained=False, class_num={NUM_CLASSES}), eval",
        "timm_model": f"{TIMM_MODEL} (pretrained=False, num_classes={NUM_CLASSES})",
        "versions": versions(),
        "pinned": PINNED,
        "timm_side": ({"python": args.timm_python, "versions": timm_info["versions"],
                       "code": "make_v2_fixtures.build_timm / formula_values / formula_input"}
                      if timm_info else None),
        "dtype": "float32", "device": str(paddle.get_device()),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "batch": BATCH,
        "formula": "FORMULA of scripts/weight_formula.py (see tests/fixtures/v2/meta.json "
                   "'formula'), applied to the timm key of each Paddle key; classifier.fc.weight "
                   "is the transpose of the formula tensor of timm's head.fc.weight",
        "formula_code": formula_code,
        "timm_keys_from": list(timm_sources),
        "trainable_params": n_trainable,
        "bn_running_stat_elements": n_bn,
        "params_plus_bn_stats": n_all,
        "state_dict_tensors": len(tensors),
        "timm_num_batches_tracked_not_in_paddle": n_nbt,
        "rename_rules": [[p, r] for p, r in RENAME_RULES],
        "pdparams": pd_info,
        "runs": runs,
        "refused_sizes": refused,
        "keys": entries,
        "files": files_table(written),
    }
    meta_path = out / "paddle_meta.json"
    write_meta(meta_path, meta)

    print(f"[versions] {versions()}" + (f"; timm side {timm_info['versions']}" if timm_info
                                        else ""))
    print(f"[formula] {formula_code['module']}: numpy == pure-Python-int implementation "
          "(self-check passed)" + (f"; every tensor's sha256 as in {args.timm_meta}" if tmeta
                                   else ""))
    print(f"[{MODEL}] trainable params {n_trainable:,}; + BN stats {n_all:,}; "
          f"{len(tensors)} keys = timm's {len(tensors) + n_nbt} minus {n_nbt} num_batches_tracked "
          f"(checked against {' and '.join(timm_sources)})")
    print_written(written + [meta_path])
    total = sum(p.stat().st_size for p in written + [meta_path])
    print(f"    {total:>11,d}  total")


if __name__ == "__main__":
    main()
