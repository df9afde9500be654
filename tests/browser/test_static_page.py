"""The static WebAssembly site (scripts/build_web.sh -> target/web) served by
`python3 -m http.server`, in headless Chromium: every image is decoded, preprocessed and
classified in the page, and the top-5 equals `mobilevit predict --json` within 1e-4."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import (
    ARTIFACTS,
    IMAGES,
    ROOT,
    TIMEOUT_MS,
    WEIGHTS,
    assert_same_top5,
    cli_prediction,
    free_port,
    not_an_image,
    shown_predictions,
    upload,
)

SITE = Path(os.environ.get("MOBILEVIT_WEB_SITE", ROOT / "target" / "web"))


@pytest.fixture(scope="module")
def site():
    if not (SITE / "mobilevit_web_bg.wasm").is_file():
        pytest.fail(f"no site in {SITE}: run scripts/build_web.sh first")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "-b", "127.0.0.1", "-d", SITE, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def loaded(page, site):
    page.goto(site)
    page.wait_for_selector("body[data-ready=true]", timeout=TIMEOUT_MS)
    return page


def test_runs_in_the_page(loaded):
    model = loaded.inner_text("#model")
    assert "MobileViT_XXS, 1000 classes, running in this page (WebAssembly)" in model
    assert "Preprocessing (timm): RGB 256x256" in model


@pytest.mark.parametrize("image", ["chelsea.png", "rocket.jpg", "horse.png", "camera.png"])
def test_top5_equals_the_cli(loaded, image):
    upload(loaded, IMAGES / image)
    assert loaded.locator("#error").is_hidden(), loaded.inner_text("#error")
    assert_same_top5(shown_predictions(loaded), cli_prediction(WEIGHTS, IMAGES / image), 1e-4)
    timing = loaded.inner_text("#timing")
    assert re.fullmatch(rf"{re.escape(image)}: \d+ ms in this page \(WebAssembly\)", timing)
    if image == "chelsea.png":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        loaded.screenshot(path=ARTIFACTS / "static_page.png", full_page=True)


def test_text_file_shows_the_error(loaded, tmp_path):
    upload(loaded, not_an_image(tmp_path))
    error = loaded.inner_text("#error")
    assert error == "notes.txt: cannot decode image: The image format could not be determined"
    assert loaded.locator("#predictions li").count() == 0
