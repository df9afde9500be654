#!/usr/bin/env python3
"""In-browser inference time of the static WebAssembly site (target/web, from
scripts/build_web.sh) in headless Chromium, beside `mobilevit bench` at batch 1 on one thread,
alternating the two for a few rounds (this machine is shared and noisy).

    target/venv-browser/bin/python scripts/bench_web.py [--rounds 3] [--iterations 30]

Both time the forward pass alone at 256x256, batch 1: the browser's through
`WebClassifier.forward` in the site's worker (one thread, WebAssembly SIMD), the CLI's through
`mobilevit bench --mode infer --threads 1`. Also prints one whole classification in the page
(decode, preprocess, forward) and the .wasm's size."""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from conftest import IMAGES, chromium_path, free_port, upload  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

BENCH_IN_WORKER = """async ([size, warmup, iterations]) => {
  const worker = new Worker("worker.js", { type: "module" });
  const call = (message) => new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => data.error ? reject(new Error(data.error)) : resolve(data.result);
    worker.postMessage({ id: 0, ...message });
  });
  await call({ kind: "load", weights: "weights.bpk" });
  const times = await call({ kind: "bench", size, warmup, iterations });
  worker.terminate();
  return times;
}"""


def native_ms(binary: Path, iterations: int) -> float:
    out = subprocess.run(
        [binary, "bench", "--model", "xxs", "--batch", "1", "--threads", "1", "--mode", "infer",
         "--iterations", str(iterations), "--warmup", "5", "--json"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["p50_ms"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", type=Path, default=ROOT / "target" / "web")
    parser.add_argument("--bin", type=Path, default=ROOT / "target" / "release" / "mobilevit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=30)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "-b", "127.0.0.1", "-d", args.site, str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=["--no-sandbox"]
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("body[data-ready=true]", timeout=120_000)
            print(f"{'round':>5}  {'browser (ms/image)':>18}  {'CLI (ms/image)':>14}  {'ratio':>6}")
            for round_ in range(1, args.rounds + 1):
                times = page.evaluate(BENCH_IN_WORKER, [256, 5, args.iterations])
                browser_ms = statistics.median(times)  # p50, as the CLI's
                cli_ms = native_ms(args.bin, args.iterations)
                print(f"{round_:>5}  {browser_ms:>18.1f}  {cli_ms:>14.1f}  {browser_ms / cli_ms:>5.2f}x")
            whole = []
            for _ in range(5):
                page.evaluate("document.getElementById('predictions').replaceChildren()")
                upload(page, IMAGES / "chelsea.png")
                whole.append(float(page.get_attribute("#predictions", "data-milliseconds")))
            print(f"whole classification in the page (chelsea.png, 451x300 PNG): "
                  f"median {statistics.median(whole):.1f} ms of {len(whole)}")
            browser.close()
    finally:
        server.terminate()
    wasm = args.site / "mobilevit_web_bg.wasm"
    print(f"{wasm.name}: {wasm.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
