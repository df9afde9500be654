#!/usr/bin/env python3
"""Produce fixtures for PaddleClas's RandAugmentV3 (crates/mobilevit-data/src/rand_augment.rs).

PaddleClas's ``RandAugmentV3`` (``ppcls/data/preprocess/ops/randaugment.py``, the augmentation
of its MobileViTv2/v3 training configs) draws ``num_layers`` (default 2) of fourteen operations
uniformly and applies each with the level ``level_map[op]`` computed from ``magnitude`` (default
3; ``abso_level = magnitude / 10``): shearX/shearY ``0.3 * l``, translateX/translateY
``150 / 331 * l`` (times the image width or height), rotate ``30 * l`` degrees,
color/contrast/sharpness/brightness ``0.9 * l`` (factor ``1 +- level``), posterize
``8 - int(4 * l)`` bits, solarize ``255 * (1 - l)``, autocontrast/equalize/invert no level. The
nine signed operations draw their sign with ``random.choice([-1, 1])`` inside the operation. Each
operation is one Pillow call on an 8-bit RGB image: ``Image.transform(size, AFFINE, coefficients,
interpolation, fillcolor=fill)``, ``Image.rotate(angle, interpolation, fillcolor=fill)``,
``ImageEnhance.{Color,Contrast,Sharpness,Brightness}(img).enhance(factor)`` and
``ImageOps.{posterize,solarize,autocontrast,equalize,invert}``.

This script applies every operation as RandAugmentV3's lambdas do (the same Pillow call with the
same arguments, written here from reading PaddleClas's source; no PaddleClas code is copied) and
writes what Pillow returns, so that the Rust port can be checked byte for byte. The random draws
themselves (``np.random.choice`` of the operation, ``random.choice`` of the sign) are not
reproduced: the fixtures pin each operation with the value it receives.

Images (``images`` in cases.json): ``tests/fixtures/images/chelsea.png`` resized with Pillow's
BILINEAR to 36x28 (``chelsea36x28``: even sides, the rotation centre on a pixel corner) and to
31x23 (``chelsea31x23``: odd sides), and a 12x12 resize (``chelsea12x12``: square, for rotate's
quarter-turn fast paths).

Cases on the two chelsea images (``origin: "RandAugmentV3"``): for magnitudes 3 and 9, every one
of the fourteen operations with bicubic interpolation and fill (0, 0, 0) (V3's defaults), with
both signs for the signed ones; and at magnitude 9 the five geometric operations with bilinear
and nearest interpolation, both signs, fill (124, 116, 104). (PaddleClas's ``_pil_interp`` turns
any interpolation name other than bicubic, lanczos and hamming into BILINEAR, so nearest is
reached only through ``apply_op``; Pillow's transform refuses lanczos and hamming.)
Cases on chelsea12x12 and chelsea31x23 (``origin: "extra"``): values RandAugmentV3 never passes
but ``apply_op`` accepts: rotate by 0, 90, 180, 270, 360, 450, -90, tiny angles and 180 plus a
tiny angle (Pillow's fast paths: 0 is a copy, 180 a transpose, 90 and 270 a transpose only for
square images, which is also why rotate by 180 with LANCZOS works), shear and translation of 0
and -0 and beyond the image, enhance factors 0, 1, 1 + 1e-9 (1 in single precision), 2.5, -0.5,
posterize 1 and 8, solarize 0, 128 and 256. Refused calls (``refused``): Pillow raises
ValueError for them (transform with lanczos, hamming or box; posterize outside 1..8 or with a
fraction).

Random cases (``random``): RANDOM_CASES calls on random images of 1..16 x 1..16 pixels (five
kinds: uniform noise, one to three values per channel, gradients, extremes, skewed histograms),
random operations with values from magnitudes 0..10 (integers and fractions, now and then up to
30) and both signs, random fills, interpolations bicubic, bilinear and nearest. Python's
``random.Random(RANDOM_SEED)`` draws them, so they are the same on every run.

Files, under --out (default tests/fixtures/augment):

    input_{image}.npy      uint8 [H, W, 3]: the image, RGB
    outputs_{image}.npy    uint8 [N, H, W, 3]: case ``index`` of that image (cases.json)
    random_inputs.npy      uint8 [total]: the random cases' images, concatenated ([H, W, 3] each)
    random_outputs.npy     uint8 [total]: their outputs (same offsets and sizes as the inputs)
    cases.json             versions; the images; ``levels``: PaddleClas's level_map for
                           magnitudes 0..10; ``cases``: image, index, op (PaddleClas's name),
                           value (exactly what Pillow receives: the signed shear, the signed
                           translation in pixels, the signed angle in degrees, the enhance factor,
                           the bits, the threshold; 0 for the operations without a level),
                           value_bits (the float64 bits of value, 16 hex digits), interpolation,
                           fill, and for V3 cases magnitude and sign; ``refused``; ``random``
                           (offset, width, height and the same fields); the sha256 of each file

Pinned reference versions (the fixtures were generated with exactly these): Pillow 13.0.0, numpy
2.4.6 (only to write the .npy files), CPython 3.11. The PaddleClas source read is
``ppcls/data/preprocess/ops/randaugment.py`` as of PaddleClas commit
98935e0bb77cfcac93a644f1fe5c9f516e4bdf44 (the last one touching it; also what
d178931fca432204e6b7422bac4f92e09ff22fa4 holds).

``--paddleclas-ops DIR`` (optional): a PaddleClas checkout's ``ppcls/data/preprocess/ops``
folder. The script then also loads ``RandAugmentV3`` from its ``randaugment.py`` (with its
paddle and sibling imports stubbed; ``_pil_interp`` taken from ``timm_autoaugment.py`` via
``ast``) and checks that its ``level_map`` equals ``levels`` for every magnitude and that its own
lambdas, with ``random.choice`` forced to each sign, give exactly the fixture outputs of every
V3 case with bicubic or bilinear interpolation. The default run does not need PaddleClas.

Run from the repository root (rewrites the committed files byte for byte):

    /work/refvenv/bin/python scripts/make_augment_fixtures.py
"""

from __future__ import annotations

import ast
import json
import platform
import random
import struct
import sys
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageEnhance, ImageOps

import fixture_common as fc

PINNED = {"Pillow": "13.0.0", "numpy": "2.4.6"}
ROOT = Path(__file__).resolve().parent.parent
SOURCE_IMAGE = ROOT / "tests/fixtures/images/chelsea.png"
SIZES = {"chelsea36x28": (36, 28), "chelsea31x23": (31, 23), "chelsea12x12": (12, 12)}
RANDAUGMENT_IMAGES = ("chelsea36x28", "chelsea31x23")
MAGNITUDES = (3, 9)
BLACK = (0, 0, 0)
GREY = (124, 116, 104)
RANDOM_CASES = 300
RANDOM_SEED = 20240917

# PaddleClas's level_map order.
OPS = ("shearX", "shearY", "translateX", "translateY", "rotate", "color", "posterize",
       "solarize", "contrast", "sharpness", "brightness", "autocontrast", "equalize", "invert")
SIGNED = ("shearX", "shearY", "translateX", "translateY", "rotate", "color", "contrast",
          "sharpness", "brightness")
GEOMETRIC = ("shearX", "shearY", "translateX", "translateY", "rotate")
FILTERS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
           "bicubic": Image.Resampling.BICUBIC, "box": Image.Resampling.BOX,
           "hamming": Image.Resampling.HAMMING, "lanczos": Image.Resampling.LANCZOS}


# ---------------------------------------------------------------------------------------------
# RandAugmentV3's arithmetic, as read from PaddleClas
# ---------------------------------------------------------------------------------------------

def level(op: str, magnitude: float):
    """``RandAugmentV3(magnitude=...).level_map[op]`` (max_level 10)."""
    l = magnitude / 10
    return {
        "shearX": 0.3 * l, "shearY": 0.3 * l,
        "translateX": 150.0 / 331.0 * l, "translateY": 150.0 / 331.0 * l,
        "rotate": 30 * l,
        "color": 0.9 * l, "contrast": 0.9 * l, "sharpness": 0.9 * l, "brightness": 0.9 * l,
        "posterize": 8 - int(4.0 * l),
        "solarize": 255.0 * (1 - l),
        "autocontrast": 0, "equalize": 0, "invert": 0,
    }[op]


def pil_value(op: str, lvl, sign: int | None, size: tuple[int, int]):
    """The value V3's lambda for `op` hands to Pillow, given its level and drawn sign."""
    if op in ("shearX", "shearY", "rotate"):
        return lvl * sign
    if op == "translateX":
        return lvl * size[0] * sign
    if op == "translateY":
        return lvl * size[1] * sign
    if op in ("color", "contrast", "sharpness", "brightness"):
        return 1 + lvl * sign
    return lvl


def pil_op(img: Image.Image, op: str, value, interpolation: str, fill) -> Image.Image:
    """The Pillow call of V3's lambda for `op`, receiving `value`."""
    resample = FILTERS[interpolation]
    affine = {
        "shearX": (1, value, 0, 0, 1, 0), "shearY": (1, 0, 0, value, 1, 0),
        "translateX": (1, 0, value, 0, 1, 0), "translateY": (1, 0, 0, 0, 1, value),
    }
    if op in affine:
        return img.transform(img.size, Image.Transform.AFFINE, affine[op], resample,
                             fillcolor=fill)
    if op == "rotate":
        return img.rotate(value, resample, fillcolor=fill)
    enhance = {"color": ImageEnhance.Color, "contrast": ImageEnhance.Contrast,
               "sharpness": ImageEnhance.Sharpness, "brightness": ImageEnhance.Brightness}
    if op in enhance:
        return enhance[op](img).enhance(value)
    if op == "posterize":
        return ImageOps.posterize(img, value)
    if op == "solarize":
        return ImageOps.solarize(img, value)
    return {"autocontrast": ImageOps.autocontrast, "equalize": ImageOps.equalize,
            "invert": ImageOps.invert}[op](img)


def bits(value) -> str:
    """The float64 bits of `value`, 16 hex digits."""
    return struct.pack(">d", float(value)).hex()


def case_fields(op: str, value, interpolation: str, fill) -> dict:
    return {"op": op, "value": value, "value_bits": bits(value),
            "interpolation": interpolation, "fill": list(fill)}


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

def make_images() -> dict[str, Image.Image]:
    src = Image.open(SOURCE_IMAGE).convert("RGB")
    return {name: src.resize(size, Image.Resampling.BILINEAR) for name, size in SIZES.items()}


def randaugment_cases(name: str, img: Image.Image) -> list[dict]:
    cases = []

    def add(op, magnitude, sign, interpolation, fill):
        value = pil_value(op, level(op, magnitude), sign, img.size)
        cases.append({"image": name, **case_fields(op, value, interpolation, fill),
                      "magnitude": magnitude, "sign": sign, "origin": "RandAugmentV3"})

    for magnitude in MAGNITUDES:
        for op in OPS:
            for sign in ((1, -1) if op in SIGNED else (None,)):
                add(op, magnitude, sign, "bicubic", BLACK)
    for interpolation in ("bilinear", "nearest"):
        for op in GEOMETRIC:
            for sign in (1, -1):
                add(op, MAGNITUDES[-1], sign, interpolation, GREY)
    return cases


def extra_cases() -> tuple[list[dict], list[dict]]:
    """Values outside RandAugmentV3's reach (apply_op accepts them), and refused calls."""
    extra = []

    def add(image, op, value, interpolation="bicubic", fill=GREY):
        extra.append({"image": image, **case_fields(op, value, interpolation, fill),
                      "magnitude": None, "sign": None, "origin": "extra"})

    for angle in (0, 90, 180, 270, 360, 450, -90, -180, 1e-13, -1e-20, 180 + 1e-13):
        add("chelsea12x12", "rotate", float(angle))
    add("chelsea12x12", "rotate", 180.0, "lanczos")
    add("chelsea12x12", "rotate", 90.0, "box")
    add("chelsea12x12", "rotate", 45.0, "nearest")
    for angle in (90.0, 180.0, 270.0, 0.0):
        add("chelsea31x23", "rotate", angle, "bilinear")
    add("chelsea31x23", "rotate", 180.0, "lanczos")
    for interpolation in ("nearest", "bicubic"):
        add("chelsea31x23", "shearX", 0.0, interpolation)
        add("chelsea31x23", "shearY", -0.0, interpolation)
        add("chelsea31x23", "translateX", 40.5, interpolation)
        add("chelsea31x23", "translateY", -7.25, interpolation)
        add("chelsea31x23", "shearX", 1.7, interpolation)
    for op in ("color", "contrast", "sharpness", "brightness"):
        for factor in (0.0, 1.0, 1.0 + 1e-9, 2.5, -0.5):
            add("chelsea12x12", op, factor)
    for value in (1, 8):
        add("chelsea12x12", "posterize", value)
    for value in (0.0, 128, 256.0):
        add("chelsea12x12", "solarize", value)

    refused = []
    for op, value, interpolation in (("shearX", 0.3, "lanczos"), ("translateY", 5.0, "hamming"),
                                     ("rotate", 30.0, "box"), ("rotate", 90.0, "lanczos"),
                                     ("posterize", 0, "bicubic"), ("posterize", 9, "bicubic"),
                                     ("posterize", 7.5, "bicubic")):
        refused.append({"image": "chelsea31x23", **case_fields(op, value, interpolation, GREY)})
    return extra, refused


def random_image(rng: random.Random, w: int, h: int) -> np.ndarray:
    kind = rng.randrange(5)
    if kind == 0:
        px = [rng.randrange(256) for _ in range(w * h * 3)]
    elif kind == 1:
        values = [rng.sample(range(256), rng.randint(1, 3)) for _ in range(3)]
        px = [rng.choice(values[i % 3]) for i in range(w * h * 3)]
    elif kind == 2:
        px = []
        for y in range(h):
            for x in range(w):
                px += [x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) * 37 % 256]
    elif kind == 3:
        px = [rng.choice((0, 1, 254, 255)) for _ in range(w * h * 3)]
    else:
        px = [min(255, int(rng.expovariate(0.05))) for _ in range(w * h * 3)]
    return np.array(px, np.uint8).reshape(h, w, 3)


def random_cases() -> tuple[list[dict], np.ndarray, np.ndarray]:
    rng = random.Random(RANDOM_SEED)
    cases, inputs, outputs, offset = [], [], [], 0
    while len(cases) < RANDOM_CASES:
        w, h = rng.randint(1, 16), rng.randint(1, 16)
        if rng.random() < 0.15:
            h = w
        arr = random_image(rng, w, h)
        op = rng.choice(OPS)
        r = rng.random()
        magnitude = (rng.randint(0, 10) if r < 0.6 else
                     rng.uniform(0, 10) if r < 0.9 else rng.uniform(0, 30))
        sign = rng.choice((-1, 1))
        value = pil_value(op, level(op, magnitude), sign, (w, h))
        if op == "rotate" and rng.random() < 0.15:
            value = rng.choice((0.0, 90.0, -90.0, 180.0, 270.0, 450.0, 1e-14, 180 + 1e-13))
        if op == "posterize" and not 1 <= value <= 8:
            continue
        fill = (tuple(rng.randrange(256) for _ in range(3)) if rng.random() < 0.7 else BLACK)
        interpolation = rng.choice(("bicubic", "bicubic", "bilinear", "nearest"))
        out = np.asarray(pil_op(Image.fromarray(arr), op, value, interpolation, fill))
        assert out.shape == arr.shape and out.dtype == np.uint8
        cases.append({"offset": offset, "width": w, "height": h,
                      **case_fields(op, value, interpolation, fill)})
        inputs.append(arr.ravel())
        outputs.append(out.ravel())
        offset += arr.size
    return cases, np.concatenate(inputs), np.concatenate(outputs)


# ---------------------------------------------------------------------------------------------
# Optional check against PaddleClas's own class
# ---------------------------------------------------------------------------------------------

def load_paddleclas(ops_dir: Path):
    """PaddleClas's RandAugmentV3 class, from its source, without paddle.

    The module's relative imports (``.operators``, ``.timm_autoaugment``) and ``paddle`` imports
    are dropped; ``_pil_interp`` is taken from ``timm_autoaugment.py``; ``random`` in the module
    namespace is replaced per check so that ``random.choice`` returns the wanted sign."""
    namespace: dict = {"__name__": "paddleclas_randaugment", "RawColorJitter": None, "T": None}
    timm = ast.parse((ops_dir / "timm_autoaugment.py").read_text())
    interp = [n for n in timm.body if isinstance(n, ast.FunctionDef) and n.name == "_pil_interp"]
    exec(compile(ast.Module(body=interp, type_ignores=[]), "timm_autoaugment.py", "exec"),
         {"Image": Image}, namespace)
    module = ast.parse((ops_dir / "randaugment.py").read_text())
    body = [n for n in module.body
            if not (isinstance(n, ast.ImportFrom) and (n.level or n.module.startswith("paddle")))]
    exec(compile(ast.Module(body=body, type_ignores=[]), "randaugment.py", "exec"), namespace)
    return namespace


class _FixedSign:
    def __init__(self, sign: int) -> None:
        self.sign = sign

    def choice(self, seq):
        assert list(seq) == [-1, 1]
        return self.sign


def check_paddleclas(ops_dir: Path, images, cases, outputs) -> None:
    ns = load_paddleclas(ops_dir)
    cls = ns["RandAugmentV3"]
    default = cls()
    assert (default.num_layers, default.magnitude) == (2, 3), "V3 defaults changed"
    for magnitude in range(11):
        got = cls(magnitude=magnitude).level_map
        assert list(got) == list(OPS), list(got)
        for op in OPS:
            ours = level(op, magnitude)
            assert type(got[op]) is type(ours) and got[op] == ours, (magnitude, op, got[op], ours)
    checked = 0
    for case in cases:
        if case["origin"] != "RandAugmentV3" or case["interpolation"] == "nearest":
            continue
        ns["random"] = _FixedSign(case["sign"] if case["sign"] is not None else 1)
        ra = cls(num_layers=1, magnitude=case["magnitude"], fillcolor=tuple(case["fill"]),
                 interpolation=case["interpolation"])
        out = ra.func[case["op"]](images[case["image"]], ra.level_map[case["op"]])
        expected = outputs[case["image"]][case["index"]]
        assert np.array_equal(np.asarray(out), expected), case
        checked += 1
    print(f"PaddleClas RandAugmentV3 (from {ops_dir}): level_map equal for magnitudes 0..10, "
          f"{checked} cases byte-identical")


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def save(path: Path, arr: np.ndarray) -> Path:
    np.save(path, np.ascontiguousarray(arr, dtype=np.uint8))
    return path


def dump_json(meta: dict) -> str:
    """Indented JSON, one line per case and per flat object (small, diffable)."""
    def flat(v) -> bool:
        return not isinstance(v, (dict, list)) or (
            isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v))

    def render(v, indent: int) -> str:
        pad = " " * (indent + 2)
        if isinstance(v, dict) and not all(flat(x) for x in v.values()):
            items = [f"{pad}{json.dumps(k)}: {render(x, indent + 2)}" for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return "[\n" + ",\n".join(pad + json.dumps(x) for x in v) + "\n" + " " * indent + "]"
        return json.dumps(v)
    return render(meta, 0) + "\n"


def main() -> None:
    p = fc.new_parser(__doc__)
    p.add_argument("--out", default="tests/fixtures/augment",
                   help="output folder (default: tests/fixtures/augment)")
    p.add_argument("--paddleclas-ops", type=Path, default=None, metavar="DIR",
                   help="also check against RandAugmentV3 loaded from DIR/randaugment.py "
                        "(a PaddleClas checkout's ppcls/data/preprocess/ops)")
    fc.add_version_flag(p, PINNED)
    args = p.parse_args()
    found = {"Pillow": PIL.__version__, "numpy": np.__version__}
    if found != PINNED:
        fc.version_mismatch(f"version mismatch: found {found}, pinned {PINNED}",
                            args.allow_other_versions)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    images = make_images()
    cases = [c for name in RANDAUGMENT_IMAGES for c in randaugment_cases(name, images[name])]
    extra, refused = extra_cases()
    cases += extra

    outputs: dict[str, list[np.ndarray]] = {name: [] for name in images}
    for case in cases:
        img = images[case["image"]]
        result = np.asarray(pil_op(img, case["op"], case["value"], case["interpolation"],
                                   tuple(case["fill"])))
        assert result.shape == (img.height, img.width, 3) and result.dtype == np.uint8
        case["index"] = len(outputs[case["image"]])
        outputs[case["image"]].append(result)
    for case in refused:
        img = images[case["image"]]
        try:
            pil_op(img, case["op"], case["value"], case["interpolation"], tuple(case["fill"]))
        except (ValueError, TypeError) as error:
            case["error"] = f"{type(error).__name__}: {error}"
        else:
            raise AssertionError(f"Pillow accepted {case}")
    stacked = {name: np.stack(arrs) for name, arrs in outputs.items()}

    rand_cases, rand_in, rand_out = random_cases()

    paths = []
    for name, img in images.items():
        paths.append(save(out / f"input_{name}.npy", np.asarray(img)))
        paths.append(save(out / f"outputs_{name}.npy", stacked[name]))
    paths.append(save(out / "random_inputs.npy", rand_in))
    paths.append(save(out / "random_outputs.npy", rand_out))

    if args.paddleclas_ops is not None:
        check_paddleclas(args.paddleclas_ops, images, cases, stacked)

    meta = {
        "generator": "scripts/make_augment_fixtures.py",
        "versions": {**found, "python": platform.python_version()},
        "pinned": PINNED,
        "reference": "PaddleClas ppcls/data/preprocess/ops/randaugment.py, class RandAugmentV3 "
                     "(commit 98935e0bb77cfcac93a644f1fe5c9f516e4bdf44)",
        "ops": list(OPS),
        "signed": list(SIGNED),
        "images": {name: {"width": img.width, "height": img.height,
                          "source": "tests/fixtures/images/chelsea.png, Image.resize "
                                    f"({img.width}, {img.height}), BILINEAR",
                          "input": f"input_{name}.npy", "outputs": f"outputs_{name}.npy",
                          "cases": len(outputs[name])}
                   for name, img in images.items()},
        "levels": [{"magnitude": m, "op": op, "level": level(op, m),
                    "level_bits": bits(level(op, m))}
                   for m in range(11) for op in OPS],
        "cases": [{"image": c["image"], "index": c["index"],
                   **{k: v for k, v in c.items() if k not in ("image", "index")}}
                  for c in cases],
        "refused": refused,
        "random": {"seed": RANDOM_SEED, "inputs": "random_inputs.npy",
                   "outputs": "random_outputs.npy", "cases": rand_cases},
        "files": fc.files_table(paths),
    }
    (out / "cases.json").write_text(dump_json(meta))
    paths.append(out / "cases.json")
    print(f"{len(cases)} cases on {len(images)} images, {len(refused)} refused, "
          f"{len(rand_cases)} random cases")
    fc.print_written(paths)
    total = sum(p.stat().st_size for p in paths)
    print(f"    {total:>11,d}  in total")


if __name__ == "__main__":
    sys.exit(main())
