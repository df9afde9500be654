"""The Python and C engines' forward pass beside `mobilevit bench`, in one session.

    target/venv-python-engine/bin/python scripts/bench_engines.py [--rounds 3]

Times XXS at 256x256 on all cores, batch 1 and 32, alternating the three in each round:
`mobilevit bench --mode infer` (the CLI, its own timer), `mobilevit_rs.Model.forward` (the
wheel scripts/test_python.sh installs) and `mobilevit_forward` from target/release/
libmobilevit.so (through ctypes; a call costs microseconds against milliseconds of work).
Prints images/s and each binding's ratio to the CLI.
"""

import argparse
import ctypes
import json
import subprocess
import time
from pathlib import Path

import numpy as np

import mobilevit_rs as mv

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = REPO / "tests" / "fixtures" / "timm_xxs_seed0.safetensors"
CLI = REPO / "target" / "release" / "mobilevit"
LIBRARY = REPO / "target" / "release" / "libmobilevit.so"


def cli_images_per_second(batch, iterations, warmup):
    output = subprocess.run(
        [str(CLI), "bench", "--model", "xxs", "--batch", str(batch), "--iterations",
         str(iterations), "--warmup", str(warmup), "--json"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])["images_per_sec"]


def timed(run, batch, iterations, warmup):
    for _ in range(warmup):
        run()
    start = time.perf_counter()
    for _ in range(iterations):
        run()
    return batch * iterations / (time.perf_counter() - start)


def c_engine():
    lib = ctypes.CDLL(str(LIBRARY))
    lib.mobilevit_load.restype = ctypes.c_void_p
    lib.mobilevit_load.argtypes = [ctypes.c_char_p]
    lib.mobilevit_forward.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32,
                                      ctypes.c_uint32, ctypes.c_uint32, ctypes.c_void_p]
    lib.mobilevit_last_error.restype = ctypes.c_char_p
    model = lib.mobilevit_load(str(WEIGHTS).encode())
    if not model:
        raise SystemExit(lib.mobilevit_last_error().decode())
    return lib, model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    python_model = mv.load(WEIGHTS)
    lib, c_model = c_engine()
    rng = np.random.default_rng(0)
    for batch, iterations, warmup in [(1, 100, 10), (32, 5, 1)]:
        x = rng.standard_normal((batch, 3, 256, 256), dtype=np.float32)
        out = np.empty((batch, 1000), dtype=np.float32)

        def c_forward():
            status = lib.mobilevit_forward(c_model, x.ctypes.data, batch, 256, 256,
                                           out.ctypes.data)
            if status != 0:
                raise SystemExit(lib.mobilevit_last_error().decode())

        for round_ in range(1, args.rounds + 1):
            cli = cli_images_per_second(batch, iterations, warmup)
            python = timed(lambda: python_model.forward(x), batch, iterations, warmup)
            c = timed(c_forward, batch, iterations, warmup)
            print(f"batch {batch:2d} round {round_}: CLI {cli:6.1f}  Python {python:6.1f} "
                  f"({python / cli:.2f}x)  C {c:6.1f} ({c / cli:.2f}x) images/s", flush=True)


if __name__ == "__main__":
    main()
