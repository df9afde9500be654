#!/usr/bin/env bash
# The static WebAssembly site: MobileViT classifying images in the browser, no server code.
#
#   scripts/build_web.sh [--weights W] [--out DIR]
#
# W: any weights `mobilevit convert` reads (default: the committed timm XXS test weights,
# seeded, not trained); converted to DIR/weights.bpk with their preprocessing recorded. DIR
# (default target/web) gets index.html, page.js, page.css (the page `mobilevit serve` serves),
# engine.js and worker.js (classifying in a WebAssembly worker), the .wasm and its JS glue.
# Serve DIR with any static file server, e.g. `python3 -m http.server -d target/web 8000`.
#
# Needs the wasm32-unknown-unknown target (rustup target add wasm32-unknown-unknown) and
# wasm-bindgen's CLI at the version of the wasm-bindgen crate in Cargo.lock; both are
# installed here when missing (from crates.io). Uses target/release/mobilevit for the
# conversion, building it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
weights=tests/fixtures/timm_xxs_seed0.safetensors
out=target/web
while [ $# -gt 0 ]; do
  case "$1" in
    --weights) weights="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: scripts/build_web.sh [--weights W] [--out DIR]" >&2; exit 2 ;;
  esac
done
[ -f "$weights" ] || { echo "$weights: no such file" >&2; exit 1; }

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$bindgen_version" ]; then
  echo "== installing wasm-bindgen-cli $bindgen_version (crates.io)"
  cargo install --quiet wasm-bindgen-cli --version "=$bindgen_version"
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

echo "== cargo build -p mobilevit-web --target wasm32-unknown-unknown (SIMD: .cargo/config.toml)"
cargo build --release -p mobilevit-web --target wasm32-unknown-unknown
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  target/wasm32-unknown-unknown/release/mobilevit_web.wasm
cp crates/mobilevit-serve/page/index.html crates/mobilevit-serve/page/page.js \
  crates/mobilevit-serve/page/page.css crates/mobilevit-web/www/engine.js \
  crates/mobilevit-web/www/worker.js "$out/"

[ -x target/release/mobilevit ] || cargo build --release -p mobilevit-cli
target/release/mobilevit convert "$weights" "$out/weights.bpk"
ls -l "$out" | awk 'NR > 1 { printf "  %-24s %10d bytes\n", $9, $5 }'
echo "static site in $out: python3 -m http.server -d $out 8000, then open http://localhost:8000/"
