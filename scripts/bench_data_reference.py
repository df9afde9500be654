#!/usr/bin/env python3
"""Decode + random resized crop + horizontal flip + to-tensor: Pillow + torchvision against
`mobilevit data bench`, on the same JPEG files, in the same run, one core each.

Run from the repository root after `cargo build --release`, with the reference environment
(`bash scripts/reference_venv.sh .venv-ref`; torch 2.15.0, torchvision 0.29.2,
Pillow 13.0.0):

    .venv-ref/bin/python scripts/bench_data_reference.py [IMAGES ...]

Without arguments it uses the JPEG photos shipped in scikit-image and scikit-learn. Both sides
read the files into memory first and time decoding from bytes, the crop (scale 0.08-1, ratio
3/4-4/3, bilinear, 256x256), the flip and the conversion to a float32 CHW tensor in [0, 1].
Prints images/s per core for each and the ratio (ours / reference); medians of 5 rounds.
"""

import argparse
import glob
import io
import json
import os
import statistics
import subprocess
import sys
import time

import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms


def default_images():
    import skimage

    found = [os.path.join(os.path.dirname(skimage.__file__), "data", name)
             for name in ("rocket.jpg", "retina.jpg", "hubble_deep_field.jpg")]
    try:
        import sklearn
        found += sorted(glob.glob(os.path.join(os.path.dirname(sklearn.__file__),
                                               "datasets", "images", "*.jpg")))
    except ImportError:
        pass
    return [path for path in found if os.path.exists(path)]


def reference_rate(files, size, count, repeats):
    torch.set_num_threads(1)
    pipeline = transforms.Compose([
        transforms.RandomResizedCrop(size, interpolation=transforms.InterpolationMode.BILINEAR),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
    ])
    blobs = [open(path, "rb").read() for path in files]

    def one(index):
        image = Image.open(io.BytesIO(blobs[index % len(blobs)])).convert("RGB")
        return pipeline(image)

    for index in range(len(blobs)):
        one(index)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for index in range(count):
            one(index)
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="*")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--binary", default="target/release/mobilevit")
    args = parser.parse_args()
    files = args.images or default_images()
    if not files:
        sys.exit("no images given and none found in scikit-image / scikit-learn")
    for path in files:
        with Image.open(path) as image:
            print(f"  {path}: {image.format} {image.size[0]}x{image.size[1]}")
    reference = reference_rate(files, args.size, args.count, args.repeats)
    command = [args.binary, "data", "bench", *files, "--size", str(args.size), "--count",
               str(args.count), "--repeats", str(args.repeats), "--threads", "1", "--json"]
    ours = json.loads(subprocess.run(command, check=True, capture_output=True, text=True)
                      .stdout.strip().splitlines()[-1])["images_per_sec_per_core"]
    print(f"Pillow {PIL.__version__} + torchvision {torchvision.__version__}: "
          f"{reference:.1f} images/s per core")
    print(f"mobilevit data bench: {ours:.1f} images/s per core")
    print(f"ratio (ours / reference): {ours / reference:.2f}")


if __name__ == "__main__":
    main()
