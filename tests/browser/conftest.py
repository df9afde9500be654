"""Shared fixtures of the browser tests: headless Chromium (Debian's, driven by Playwright),
the `mobilevit` binary, and the CLI's own predictions to compare the pages with."""

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
IMAGES = FIXTURES / "images"
WEIGHTS = FIXTURES / "timm_xxs_seed0.safetensors"
BIN = Path(os.environ.get("MOBILEVIT_BIN", ROOT / "target" / "release" / "mobilevit"))
ARTIFACTS = ROOT / "target" / "browser-tests"
# Seconds a page may take to load the model or classify one image (lavapipe-free CPU CI).
TIMEOUT_MS = 120_000


def chromium_path() -> str:
    """The system Chromium: Playwright downloads no browser here."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("no chromium on PATH: apt-get install chromium (Debian's package)")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_prediction(weights: Path, image: Path, topk: int = 5) -> list[dict]:
    """`mobilevit predict --json` on one image: its top-k, best first."""
    out = subprocess.run(
        [BIN, "predict", "--weights", weights, "--topk", str(topk), "--json", image],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["topk"]


def shown_predictions(page) -> list[dict]:
    """The rows of `#predictions`: label text, class id and score."""
    return page.eval_on_selector_all(
        "#predictions li",
        """rows => rows.map(row => ({
            label: row.querySelector('.label').textContent,
            percent: row.querySelector('.percent').textContent,
            class_id: Number(row.dataset.classId),
            score: Number(row.dataset.score),
        }))""",
    )


def upload(page, path: Path) -> None:
    """Chooses `path` in the page's file input and waits for the answer: rows or an error."""
    page.set_input_files("input[type=file]", str(path))
    page.wait_for_function(
        "document.querySelector('#predictions li') !== null"
        " || !document.getElementById('error').hidden",
        timeout=TIMEOUT_MS,
    )


def assert_same_top5(shown: list[dict], expected: list[dict], tolerance: float) -> None:
    assert [row["class_id"] for row in shown] == [row["class_id"] for row in expected]
    assert [row["label"] for row in shown] == [row["label"] for row in expected]
    for row, reference in zip(shown, expected):
        assert abs(row["score"] - reference["score"]) <= tolerance, (row, reference)
        assert row["percent"] == f"{100 * reference['score']:.1f}%"


def not_an_image(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("this is a text file, not a photo\n")
    return path
