"""The Python engine against the committed timm fixture and the `mobilevit` CLI.

Run by scripts/test.sh in a fresh venv where `pip install ./crates/mobilevit-py[test]` put the
wheel; MOBILEVIT_BIN names the CLI binary (default: target/release/mobilevit).
"""

import json
import os
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mobilevit_rs as mv

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures"
WEIGHTS = FIXTURES / "timm_xxs_seed0.safetensors"
CHELSEA = FIXTURES / "images" / "chelsea.png"
ROCKET = FIXTURES / "images" / "rocket.jpg"
CLI = Path(os.environ.get("MOBILEVIT_BIN", REPO / "target" / "release" / "mobilevit"))


@pytest.fixture(scope="module")
def model():
    return mv.load(WEIGHTS)


def cli_predict(image):
    output = subprocess.run(
        [str(CLI), "predict", "--weights", str(WEIGHTS), "--json", "--topk", "5", str(image)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])["topk"]


def assert_same_classes(ours, theirs):
    assert [c["class_id"] for c in ours] == [c["class_id"] for c in theirs]
    assert [c["label"] for c in ours] == [c["label"] for c in theirs]
    for a, b in zip(ours, theirs):
        assert abs(a["score"] - b["score"]) < 1e-6


def test_forward_equals_timm_logits(model):
    x = np.load(FIXTURES / "timm_xxs_input_256x256.npy")
    expected = np.load(FIXTURES / "timm_xxs_logits_256x256.npy")
    logits = model.forward(x)
    assert logits.dtype == np.float32 and logits.shape == expected.shape
    assert logits.flags.writeable
    assert np.abs(logits - expected).max() < 1e-4
    # A non-contiguous view gives the same.
    assert np.abs(model.forward(np.asfortranarray(x)) - expected).max() < 1e-4


def test_info(model):
    info = model.info
    assert info["model"] == "MobileViT_XXS"
    assert info["num_classes"] == 1000
    assert info["channel_order"] == "RGB"
    assert info["source"] == "timm"
    assert info["preprocessing"]["image_size"] == [256, 256]
    assert "MobileViT_XXS" in repr(model)


@pytest.mark.parametrize("image", [CHELSEA, ROCKET])
def test_predict_equals_the_cli(model, image):
    assert_same_classes(model.predict(image, topk=5), cli_predict(image))


def test_a_path_a_pil_image_and_an_array_give_the_same(model):
    by_path = model.predict(str(CHELSEA))
    pil = Image.open(CHELSEA)
    assert_same_classes(model.predict(pil), by_path)
    assert_same_classes(model.predict(np.asarray(pil.convert("RGB"))), by_path)
    batch = model.predict_batch([CHELSEA, ROCKET], topk=3)
    assert len(batch) == 2
    assert_same_classes(batch[0], by_path[:3])


def test_two_threads_predict_at_once(model):
    expected = {image: model.predict(image) for image in (CHELSEA, ROCKET)}
    results, errors = [], []

    def work(image):
        try:
            for _ in range(3):
                results.append((image, model.predict(image)))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(image,)) for image in (CHELSEA, ROCKET)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 6
    for image, result in results:
        assert_same_classes(result, expected[image])


def test_threads_argument():
    one = mv.load(WEIGHTS, threads=1)
    assert one.info["threads"] == 1
    with pytest.raises(ValueError, match="at least 1"):
        mv.load(WEIGHTS, threads=0)


def test_bad_paths_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        mv.load(tmp_path / "missing.bpk")
    text = tmp_path / "notes.txt"
    text.write_text("not weights")
    with pytest.raises(ValueError, match="not a weights file"):
        mv.load(text)


def test_bad_images_raise(model, tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        model.predict(tmp_path / "missing.png")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ValueError, match="notes.png"):
        model.predict(text)
    with pytest.raises(ValueError, match="uint8"):
        model.predict(np.zeros((64, 64, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="HxWx3"):
        model.predict(np.zeros((64, 64), dtype=np.uint8))
    with pytest.raises(ValueError, match="topk"):
        model.predict(CHELSEA, topk=0)


def test_bad_forward_inputs_raise(model):
    with pytest.raises(ValueError, match="float32"):
        model.forward(np.zeros((1, 3, 64, 64), dtype=np.float64))
    with pytest.raises(ValueError, match="shape"):
        model.forward(np.zeros((3, 64, 64), dtype=np.float32))
    with pytest.raises(ValueError, match="3 channels"):
        model.forward(np.zeros((1, 2, 64, 64), dtype=np.float32))
    with pytest.raises(ValueError, match="at least"):
        model.forward(np.zeros((1, 3, 8, 8), dtype=np.float32))


def test_convert_writes_a_checkpoint_with_the_same_logits(model, tmp_path):
    output = tmp_path / "xxs.bpk"
    result = mv.convert(WEIGHTS, output)
    assert result["model"] == "MobileViT_XXS" and result["num_classes"] == 1000
    converted = mv.load(output)
    x = np.load(FIXTURES / "timm_xxs_input_256x256.npy")
    assert np.array_equal(converted.forward(x), model.forward(x))
    with pytest.raises(ValueError, match="unknown weights source"):
        mv.convert(WEIGHTS, tmp_path / "x.bpk", source="onnx")
