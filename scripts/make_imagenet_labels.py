#!/usr/bin/env python3
"""Write the ImageNet-1k class names in index order, in PaddleClas's class-map format
(`<id> <names>` per line), from the files the timm wheel ships:
`timm/data/_info/imagenet_synsets.txt` (the 1000 WordNet ids in index order) and
`imagenet_synset_to_lemma.txt` (id -> names).

    .venv-ref/bin/python scripts/make_imagenet_labels.py crates/mobilevit-eval/src/imagenet_classes.txt

Only the standard library and an installed timm (1.0.31 was used) are needed.
"""

import os
import sys

import timm


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    info = os.path.join(os.path.dirname(timm.__file__), "data", "_info")
    with open(os.path.join(info, "imagenet_synsets.txt")) as f:
        synsets = [line.strip() for line in f if line.strip()]
    lemmas = {}
    with open(os.path.join(info, "imagenet_synset_to_lemma.txt")) as f:
        for line in f:
            wnid, _, names = line.rstrip("\n").partition("\t")
            lemmas[wnid] = names
    if len(synsets) != 1000:
        sys.exit(f"expected 1000 synsets, found {len(synsets)}")
    with open(sys.argv[1], "w") as out:
        for index, wnid in enumerate(synsets):
            out.write(f"{index} {lemmas[wnid]}\n")
    print(f"wrote {sys.argv[1]} (timm {timm.__version__})")


if __name__ == "__main__":
    main()
