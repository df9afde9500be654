#!/usr/bin/env bash
# The browser tests: the static WebAssembly site (scripts/build_web.sh -> target/web) and
# `mobilevit serve`'s page, driven in headless Chromium (Debian's `chromium`; Playwright for
# Python from PyPI drives it and downloads no browser). Needs target/release/mobilevit (built by
# scripts/test.sh). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "no chromium: apt-get install chromium" >&2; exit 1; }
venv=${MOBILEVIT_BROWSER_VENV:-target/venv-browser}
if ! "$venv/bin/python" -c "import playwright, pytest" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    playwright==1.65.2 pytest==9.2.0
fi
bash scripts/build_web.sh --out target/web
"$venv/bin/python" -m pytest -q tests/browser "$@"
