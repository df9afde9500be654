#!/usr/bin/env bash
# The Python engine's tests: `pip install ./crates/mobilevit-py[test]` (maturin, from PyPI,
# builds the wheel; it shares target/ and Burn's build with scripts/test.sh) into a fresh venv,
# then pytest against the committed fixtures and the CLI (target/release/mobilevit).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MOBILEVIT_PY_VENV:-target/venv-python-engine}
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "./crates/mobilevit-py[test]"
MOBILEVIT_BIN="$PWD/target/release/mobilevit" "$venv/bin/python" -m pytest -q crates/mobilevit-py/tests
