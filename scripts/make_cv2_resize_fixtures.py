#!/usr/bin/env python3
"""Produce fixtures of OpenCV's ``cv2.resize(..., interpolation=cv2.INTER_LINEAR)`` on chelsea.png.

PaddleClas resizes with OpenCV unless a transform names another ``backend:`` (``ResizeImage``
and ``RandCropImage`` without one call ``cv2.resize``, and MobileViTV3's configs rely on that),
so crates/mobilevit-data/src/resize_cv2.rs reimplements OpenCV's 8-bit INTER_LINEAR byte for
byte. This script writes what its test (crates/mobilevit-data/tests/resize_cv2.rs) compares
against: tests/fixtures/images/chelsea.png (451x300, decoded by OpenCV and turned to RGB),
optionally cropped, resized by OpenCV to each case's size.

Cases (CASES below; crop = [left, top, width, height] of chelsea.png, or the whole image):

    short288      whole -> 433x288   PaddleClas's V3 eval ``ResizeImage resize_short: 288``:
                                     scale 288/300, width int(round(451*0.96)) = 433
    square256     whole -> 256x256   downscale, different factors per axis
    almost_half   whole -> 225x150   not exactly 2x in x: the bilinear path
    half          [0,0,450,300] -> 225x150   exactly 2x on both axes: OpenCV switches
                                     INTER_LINEAR to its INTER_AREA fast path (2x2 means,
                                     ``(a + b + c + d + 2) >> 2``; the bilinear arithmetic
                                     would give the same bytes: weights 1024/1024, and
                                     ``1024 * (1024 * (a + b) >> 4) >> 16 == a + b``)
    third         [0,0,450,300] -> 150x100   exactly 3x: stays bilinear
    up            [100,100,100,80] -> 250x190   upscale by 2.5 and 2.375
    mixed         [100,100,100,80] -> 60x200    down in x, up in y
    row           whole -> 97x1      one output row
    column        whole -> 1x64      one output column
    point         whole -> 1x1
    identity      [200,120,40,30] -> 40x30    same size: OpenCV copies

Files, under --out (default tests/fixtures/cv2):

    cv2_linear_{case}.npy   uint8 [height, width, 3], RGB, C-contiguous
    paddleclas_infer_horse.npy   uint8 [256, 256, 3], RGB: the pixels the Infer block of
                            PaddleClas's MobileViT_XXS.yaml (resize_short 292 with OpenCV,
                            crop 256) makes of tests/fixtures/images/horse.png; its /255 and
                            CHW layout follow exactly
    cases.json              versions; per case its crop, output width/height, file and the
                            file's sha256; the random self-check's summary; the sha256 and
                            size of each .npy file written

Checks (the script stops on any failure): every output equals this script's own numpy
re-implementation of OpenCV's fixed-point arithmetic (reimplemented(), the scheme the Rust port
follows; see its docstring), and so do --random (default 300) random images (sizes 1..80 in,
1..120 out, every tenth case an exact 2x downscale, some flat or black-and-white images) from a
fixed seed; the cv2 under it is the pinned version. OpenCV's 8-bit INTER_LINEAR never goes to
IPP (OpenCV refuses IPP's inexact 8-bit linear resize unless told otherwise), and its SIMD and
scalar code compute the same integers, so the outputs do not depend on the x86 CPU or the
thread count; ARM builds may route resize through a vendor HAL and are not covered.

Pinned reference versions (the fixtures were generated with exactly these):

    opencv-python-headless==4.14.0.94 (cv2 4.14.0), numpy==2.4.6

From the repository root:

    python3 -m venv /work/cv2venv
    /work/cv2venv/bin/pip install opencv-python-headless==4.14.0.94 numpy==2.4.6
    /work/cv2venv/bin/python scripts/make_cv2_resize_fixtures.py

The output is deterministic: rerunning writes the same bytes.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import cv2
import numpy as np

from fixture_common import (add_version_flag, files_table, new_parser, print_written,
                            sha256, version_mismatch, write_meta)

PINNED = {"cv2": "4.14.0"}
ROOT = Path(__file__).resolve().parent.parent
IMAGE = ROOT / "tests" / "fixtures" / "images" / "chelsea.png"

# name -> (crop [left, top, width, height] or None for the whole image, (out width, out height))
CASES = {
    "short288": (None, (433, 288)),
    "square256": (None, (256, 256)),
    "almost_half": (None, (225, 150)),
    "half": ([0, 0, 450, 300], (225, 150)),
    "third": ([0, 0, 450, 300], (150, 100)),
    "up": ([100, 100, 100, 80], (250, 190)),
    "mixed": ([100, 100, 100, 80], (60, 200)),
    "row": (None, (97, 1)),
    "column": (None, (1, 64)),
    "point": (None, (1, 1)),
    "identity": ([200, 120, 40, 30], (40, 30)),
}

COEF_BITS = 11  # OpenCV's INTER_RESIZE_COEF_BITS
COEF_SCALE = 1 << COEF_BITS


# ---------------------------------------------------------------------------------------------
# The arithmetic, in numpy
# ---------------------------------------------------------------------------------------------

def source_positions(src: int, dst: int) -> list[tuple[int, np.float32]]:
    """Per output index: floor and fraction of its source position, as OpenCV computes them.

    ``scale = 1 / (dst / src)`` in double; ``f = float((i + 0.5) * scale - 0.5)`` rounded to
    single precision; ``floor(f)``; the fraction ``f - floor(f)`` in single precision.
    """
    scale = 1.0 / (dst / src)
    out = []
    for i in range(dst):
        f = np.float32((i + 0.5) * scale - 0.5)
        s = int(np.floor(f))
        out.append((s, np.float32(f - np.float32(s))))
    return out


def fixed_weights(fraction: np.float32) -> tuple[int, int]:
    """``saturate_cast<short>((1 - f) * 2048)`` and ``saturate_cast<short>(f * 2048)``:
    single-precision products, rounded half to even."""
    one = np.float32(1.0)
    scale = np.float32(COEF_SCALE)
    return int(np.rint((one - fraction) * scale)), int(np.rint(fraction * scale))


def reimplemented(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """OpenCV 4.x ``cv::resize`` INTER_LINEAR on an 8-bit HxWxC image, in integers.

    * Same size: a copy.
    * Exactly 2x smaller on both axes (``1 / (dst / src)`` within DBL_EPSILON of 2): OpenCV uses
      INTER_AREA's fast path instead, ``(a + b + c + d + 2) >> 2`` over each 2x2 block (equal
      to what the bilinear passes below would give there).
    * Otherwise two separable passes with 11-bit weights. Horizontal: a source column whose
      floor is below 0 becomes column 0 with fraction 0; one at or past the last column becomes
      the last column with weight 2048 alone; the sum ``S[x0] * a0 + S[x0 + 1] * a1`` is kept
      exactly (int32, at most 255 * 2048). Vertical: the two source rows are clamped to the
      image but the weights come from the unclamped fraction, and the result is
      ``(((b0 * (R0 >> 4)) >> 16) + ((b1 * (R1 >> 4)) >> 16) + 2) >> 2`` (what OpenCV's SIMD
      and scalar code both compute), clipped to 0..255.
    """
    sh, sw, cn = img.shape
    if (sw, sh) == (width, height):
        return img.copy()
    if sw == 2 * width and sh == 2 * height:
        s = img.astype(np.int32)
        total = s[0::2, 0::2] + s[0::2, 1::2] + s[1::2, 0::2] + s[1::2, 1::2]
        return ((total + 2) >> 2).astype(np.uint8)

    x0 = np.zeros(width, np.int64)
    x1 = np.zeros(width, np.int64)
    a0 = np.zeros(width, np.int64)
    a1 = np.zeros(width, np.int64)
    for i, (s, f) in enumerate(source_positions(sw, width)):
        if s < 0:
            s, f = 0, np.float32(0.0)
        if s >= sw - 1:
            x0[i] = x1[i] = sw - 1
            a0[i], a1[i] = COEF_SCALE, 0
        else:
            x0[i], x1[i] = s, s + 1
            a0[i], a1[i] = fixed_weights(f)
    src = img.astype(np.int64)
    rows = src[:, x0, :] * a0[None, :, None] + src[:, x1, :] * a1[None, :, None]

    out = np.empty((height, width, cn), np.uint8)
    for i, (s, f) in enumerate(source_positions(sh, height)):
        b0, b1 = fixed_weights(f)
        r0 = rows[min(max(s, 0), sh - 1)]
        r1 = rows[min(max(s + 1, 0), sh - 1)]
        v = ((b0 * (r0 >> 4)) >> 16) + ((b1 * (r1 >> 4)) >> 16)
        out[i] = np.clip((v + 2) >> 2, 0, 255).astype(np.uint8)
    return out


def cv2_linear(img: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)


# ---------------------------------------------------------------------------------------------
# Checks and files
# ---------------------------------------------------------------------------------------------

def versions() -> dict:
    return {"cv2": cv2.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "machine": platform.machine()}


def check_versions(allow_other: bool) -> None:
    v = versions()
    found = {k: v[k] for k in PINNED}
    if found != PINNED:
        version_mismatch(f"version mismatch: found {found}, pinned {PINNED}", allow_other)


def first_difference(a: np.ndarray, b: np.ndarray) -> str:
    if a.shape != b.shape:
        return f"shapes {a.shape} and {b.shape}"
    where = np.argwhere(a != b)
    y, x, c = (int(v) for v in where[0])
    return (f"{len(where)} bytes differ, first at x={x} y={y} channel {c}: "
            f"{int(a[y, x, c])} vs {int(b[y, x, c])}")


def random_self_check(count: int, seed: int) -> dict:
    """cv2 against reimplemented() on `count` random images; stops at the first difference."""
    rng = np.random.default_rng(seed)
    exact_halves = 0
    for i in range(count):
        sw, sh = (int(v) for v in rng.integers(1, 81, 2))
        w, h = (int(v) for v in rng.integers(1, 121, 2))
        if i % 10 == 0:
            w, h = max(sw // 2, 1), max(sh // 2, 1)
            sw, sh = 2 * w, 2 * h
            exact_halves += 1
        img = rng.integers(0, 256, (sh, sw, 3), dtype=np.uint8)
        if i % 7 == 0:
            img[:] = rng.integers(0, 256, dtype=np.uint8)
        if i % 5 == 0:
            img = np.where(rng.random((sh, sw, 1)) < 0.5, 0, 255).astype(np.uint8).repeat(3, 2)
        expected = cv2_linear(img, w, h)
        mine = reimplemented(img, w, h)
        if not np.array_equal(expected, mine):
            sys.exit(f"random case {i} ({sw}x{sh} -> {w}x{h}): cv2 and the numpy "
                     f"re-implementation differ: {first_difference(mine, expected)}")
    return {"cases": count, "seed": seed, "exact_2x_cases": exact_halves,
            "identical": True}


def load_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        sys.exit(f"cannot read {path}")
    return np.ascontiguousarray(bgr[:, :, ::-1])


def paddleclas_infer_crop(path: Path) -> np.ndarray:
    """The pixels the ``Infer.transforms`` of PaddleClas's ``MobileViT_XXS.yaml`` feed the
    model, as PaddleClas 2.6.0 computes them: ``DecodeImage {to_rgb: True}`` (OpenCV decode,
    BGR -> RGB), ``ResizeImage {resize_short: 292}`` (no backend: OpenCV INTER_LINEAR, both sides
    ``int(round(side * 292 / short))``), ``CropImage {size: 256}`` (offsets ``(side - 256) // 2``).
    Its ``NormalizeImage`` (scale 1/255, mean 0, std 1, float32) and ``ToCHWImage`` follow;
    they are exact in float32, so the uint8 crop is the fixture."""
    img = load_rgb(path)
    h, w = img.shape[:2]
    percent = 292 / min(w, h)
    img = cv2_linear(img, int(round(w * percent)), int(round(h * percent)))
    h, w = img.shape[:2]
    top, left = (h - 256) // 2, (w - 256) // 2
    return np.ascontiguousarray(img[top:top + 256, left:left + 256])


def main(argv=None) -> None:
    p = new_parser(__doc__)
    p.add_argument("--out", default=str(ROOT / "tests" / "fixtures" / "cv2"),
                   help="output folder (default: tests/fixtures/cv2)")
    p.add_argument("--random", type=int, default=300,
                   help="random images checked against the numpy re-implementation (default 300)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random check (default 0)")
    add_version_flag(p, PINNED)
    args = p.parse_args(argv)
    check_versions(args.allow_other_versions)

    cat = load_rgb(IMAGE)
    if cat.shape != (300, 451, 3):
        sys.exit(f"{IMAGE} is {cat.shape}, expected (300, 451, 3)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    written = []
    cases = []
    for name, (crop, (w, h)) in CASES.items():
        if crop is None:
            src = cat
        else:
            left, top, cw, ch = crop
            src = np.ascontiguousarray(cat[top:top + ch, left:left + cw])
        resized = cv2_linear(src, w, h)
        if resized.shape != (h, w, 3) or resized.dtype != np.uint8:
            sys.exit(f"{name}: cv2 gave {resized.shape} {resized.dtype}")
        mine = reimplemented(src, w, h)
        if not np.array_equal(resized, mine):
            sys.exit(f"{name}: cv2 and the numpy re-implementation differ: "
                     f"{first_difference(mine, resized)}")
        path = out / f"cv2_linear_{name}.npy"
        np.save(path, np.ascontiguousarray(resized))
        written.append(path)
        cases.append({"name": name, "crop": crop, "width": w, "height": h,
                      "input": [src.shape[1], src.shape[0]], "file": path.name,
                      "sha256": sha256(path)})
        print(f"{name:12s} {src.shape[1]}x{src.shape[0]} -> {w}x{h}")

    horse = ROOT / "tests" / "fixtures" / "images" / "horse.png"
    infer = out / "paddleclas_infer_horse.npy"
    np.save(infer, paddleclas_infer_crop(horse))
    written.append(infer)
    print(f"{infer.name}: PaddleClas MobileViT_XXS.yaml Infer block on horse.png")

    random_summary = random_self_check(args.random, args.seed)
    print(f"random self-check: {random_summary['cases']} cases identical")

    meta = {
        "image": "tests/fixtures/images/chelsea.png",
        "decode": "cv2.imread(IMREAD_COLOR), BGR -> RGB",
        "call": "cv2.resize(src, (width, height), interpolation=cv2.INTER_LINEAR)",
        "layout": "uint8 [height, width, 3], RGB",
        "crop": "[left, top, width, height] of the image, null for the whole image",
        "versions": versions(),
        "pinned": PINNED,
        "cases": cases,
        "random_self_check": random_summary,
        "files": files_table(written),
    }
    meta_path = out / "cases.json"
    write_meta(meta_path, meta)
    print_written(written + [meta_path])


if __name__ == "__main__":
    main()
