"""`mobilevit serve`'s page (GET /) in headless Chromium: upload a photo, read #predictions;
upload a text file or a file over the size limit, read the error."""

import re
import subprocess

import pytest

from conftest import (
    ARTIFACTS,
    BIN,
    IMAGES,
    TIMEOUT_MS,
    WEIGHTS,
    assert_same_top5,
    cli_prediction,
    free_port,
    not_an_image,
    shown_predictions,
    upload,
)


@pytest.fixture(scope="module")
def server():
    port = free_port()
    process = subprocess.Popen(
        [BIN, "serve", "--weights", WEIGHTS, "--port", str(port), "--max-body-mb", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner = process.stdout.readline()
    match = re.search(r"serving on (http://\S+):", banner)
    if not match:
        process.kill()
        pytest.fail(f"the server did not start: {banner}{process.stdout.read()}")
    yield match.group(1) + "/"
    process.terminate()
    process.wait(timeout=30)


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=TIMEOUT_MS)


def test_photo_shows_the_cli_top5(page, server):
    open_page(page, server)
    assert "MobileViT_XXS, 1000 classes, running on the server" in page.inner_text("#model")
    assert "Preprocessing (timm): RGB 256x256" in page.inner_text("#model")
    upload(page, IMAGES / "chelsea.png")
    assert page.locator("#error").is_hidden()
    shown = shown_predictions(page)
    expected = cli_prediction(WEIGHTS, IMAGES / "chelsea.png")
    assert shown[0]["label"] == expected[0]["label"]
    assert_same_top5(shown, expected, tolerance=1e-6)
    assert re.fullmatch(r"chelsea\.png: \d+ ms on the server", page.inner_text("#timing"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "server_page.png", full_page=True)


def test_text_file_shows_the_error(page, server, tmp_path):
    open_page(page, server)
    upload(page, not_an_image(tmp_path))
    error = page.inner_text("#error")
    assert error.startswith("the image cannot be read:"), error
    assert page.locator("#predictions li").count() == 0


def test_too_large_shows_the_limit(page, server, tmp_path):
    open_page(page, server)
    large = tmp_path / "large.png"
    large.write_bytes(b"\0" * (3 << 19))
    upload(page, large)
    assert page.inner_text("#error") == (
        "large.png is 1.5 MiB; this server takes images up to 1.0 MiB"
    )


def test_error_after_a_photo_clears_its_rows(page, server, tmp_path):
    open_page(page, server)
    upload(page, IMAGES / "rocket.jpg")
    assert page.locator("#predictions li").count() == 5
    upload(page, not_an_image(tmp_path))
    assert page.locator("#predictions li").count() == 0
    assert page.locator("#error").is_visible()
