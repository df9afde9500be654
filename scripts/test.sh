#!/usr/bin/env bash
# The test suite (README's test command). The ONNX export tests run the exported models in
# onnxruntime: the pinned Python packages they need go into .venv-test first (from PyPI, once).
# Extra arguments go to `cargo test`.
#
# The build has the wgpu backend besides the CPU one, so the GPU test set (crates/mobilevit-cli/
# tests/gpu.rs) runs on whatever adapter wgpu finds; without one it says so and passes, unless
# MOBILEVIT_REQUIRE_GPU is set (CI sets it and installs Mesa's lavapipe, a software Vulkan).
# Where Open MPI is installed, the `mpi` feature and its tests (mpirun on this machine) too
# (scripts/features.sh).
#
# The same build also makes the C library (target/release/libmobilevit.{so,a}) and the CLI that
# the C API's tests (crates/mobilevit-capi/tests) and the Python engine's tests use; then
# scripts/test_python.sh builds the wheel with pip into a fresh venv and runs pytest, and
# scripts/test_browser.sh builds the WebAssembly site and drives it and `mobilevit serve`'s page
# in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MOBILEVIT_TEST_VENV:-.venv-test}
if ! "$venv/bin/python" -c "import onnxruntime, onnx, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    onnxruntime==1.32.0 onnx==1.23.2 numpy==2.4.6
fi
MOBILEVIT_TEST_PYTHON="$(cd "$venv" && pwd)/bin/python"
export MOBILEVIT_TEST_PYTHON
features="$(bash scripts/features.sh)"
# --all-targets: the same feature resolution as `cargo test` (dev-dependencies included), so
# the test build below reuses every unit and only the libraries and binaries are extra.
cargo build --release --workspace --all-targets --features "$features"
cargo test --release --workspace --features "$features" "$@"
bash scripts/test_python.sh
bash scripts/test_browser.sh
