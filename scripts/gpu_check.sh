#!/usr/bin/env bash
# Everything a GPU machine should prove, in one run: build the backend, run the GPU test set on
# it (parity with the fixtures, training steps against the CPU, train/eval/predict through the
# binary, and with two or more GPUs data parallel against one device), then benchmark
# inference (batch 1 and 256) and training (batch 128) of XXS, XS and S at 256x256 in
# images/s; when PyTorch with CUDA and timm are importable, time timm's same models in eager
# mode and under torch.compile in the same run, alternating, and print the ratios. Ends with
# one table; exits non-zero if any check failed.
#
#   bash scripts/gpu_check.sh                   # CUDA (the default)
#   bash scripts/gpu_check.sh --backend wgpu    # the same through wgpu (Vulkan, Metal, DX12)
#   bash scripts/gpu_check.sh --quick           # XXS only, tiny batches: checks the script
#
# Without a GPU it says so and exits 0 having checked nothing. PYTHON names the interpreter
# with torch and timm (default: python3). docs/benchmarks.md records what it measured.
set -uo pipefail
cd "$(dirname "$0")/.."

backend=cuda
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=${2:?--backend needs cuda or wgpu}; shift 2 ;;
    --quick) quick=1; shift ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "gpu_check: unknown argument '$1' (--backend cuda|wgpu, --quick)" >&2; exit 2 ;;
  esac
done
case "$backend" in
  cuda | wgpu) ;;
  *) echo "gpu_check: --backend must be cuda or wgpu, not '$backend'" >&2; exit 2 ;;
esac

export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0 CARGO_PROFILE_RELEASE_DEBUG=0
python=${PYTHON:-python3}
features=$(bash scripts/features.sh "$backend")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
checks=()

record() { # name status
  checks+=("$(printf '%-62s %s' "$1" "$2")")
  [ "$2" = ok ] || failed=1
}

echo "== gpu_check: backend $backend$([ $quick = 1 ] && echo ', quick')"
gpus=1
if [ "$backend" = cuda ]; then
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "gpu_check: no CUDA GPU on this machine (nvidia-smi not found): nothing was checked."
    echo "gpu_check: run it where an NVIDIA GPU and its driver are installed; on any machine,"
    echo "gpu_check: 'bash scripts/gpu_check.sh --backend wgpu' runs the same checks through wgpu."
    exit 0
  fi
  if ! nvidia-smi -L >"$work/gpus" 2>&1; then
    echo "gpu_check: nvidia-smi fails: $(cat "$work/gpus")" >&2
    exit 1
  fi
  gpus=$(grep -c '^GPU' "$work/gpus")
  cat "$work/gpus"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
fi

echo "== build (release, --features $features)"
if ! cargo test --release --workspace --features "$features" --no-run; then
  echo "gpu_check: the $backend build failed" >&2
  exit 1
fi
bin=target/release/mobilevit

echo "== GPU tests on $backend ($gpus device(s))"
test_gpu() {
  MOBILEVIT_TEST_GPU=$backend MOBILEVIT_REQUIRE_GPU=1 MOBILEVIT_TEST_GPU_COUNT=$gpus \
    cargo test --release --workspace --features "$features" --test gpu -- "$@"
}
if [ $quick = 1 ]; then
  tests=(timm_and_paddleclas_logits_match_the_fixtures)
else
  mapfile -t tests < <(test_gpu --list --format terse 2>/dev/null | sed -n 's/: test$//p')
fi
[ ${#tests[@]} -gt 0 ] || record "list the GPU tests" FAILED
for name in "${tests[@]}"; do
  echo "-- $name"
  if test_gpu --exact "$name" --nocapture; then
    record "test $name" ok
  else
    record "test $name" FAILED
  fi
done

# Does timm on CUDA exist here? Then it is timed beside ours, case by case.
reference=0
if [ "$backend" = cuda ] && "$python" -c \
  'import sys, torch, timm; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  reference=1
  "$python" -c 'import torch, timm; print("reference: torch", torch.__version__, "timm", timm.__version__)'
else
  echo "reference: PyTorch with CUDA and timm not importable by $python: ours alone"
fi

if [ $quick = 1 ]; then
  models=(xxs) cases=("infer 1" "train 2") size=64 iterations=2 warmup=1
else
  models=(xxs xs s) cases=("infer 1" "infer 256" "train 128") size=256 iterations=20 warmup=5
fi
rows=()
for model in "${models[@]}"; do
  for case in "${cases[@]}"; do
    read -r mode batch <<<"$case"
    echo "== bench $model $mode batch $batch ${size}x${size}"
    ours=$("$bin" bench --device "$backend" --model "$model" --mode "$mode" --batch "$batch" \
      --image-size "$size" --iterations $iterations --warmup $warmup --json 2>"$work/bench.err" \
      | tail -1 | "$python" -c 'import json, sys; print("%.1f" % json.load(sys.stdin)["images_per_sec"])' 2>/dev/null)
    if [ -z "$ours" ]; then
      cat "$work/bench.err" >&2
      record "bench $model $mode $batch" FAILED
      ours="-"
    fi
    eager="-" eager_ratio="-" compiled="-" compiled_ratio="-"
    if [ $reference = 1 ]; then
      if timm=$("$python" scripts/bench_timm_gpu.py --model "mobilevit_$model" --mode "$mode" \
        --batch "$batch" --image-size "$size" --iterations $iterations --warmup $warmup); then
        read -r eager compiled <<<"$("$python" -c '
import json, sys
r = json.loads(sys.argv[1])
fmt = lambda v: "-" if v is None else f"{v:.1f}"
print(fmt(r["eager"]), fmt(r["compile"]))' "$timm")"
        ratio() { "$python" -c 'import sys; a, b = sys.argv[1:]; print("-" if "-" in (a, b) else f"{float(a) / float(b):.2f}")' "$1" "$2"; }
        eager_ratio=$(ratio "$ours" "$eager")
        compiled_ratio=$(ratio "$ours" "$compiled")
      else
        record "timm bench $model $mode $batch" FAILED
      fi
    fi
    rows+=("$(printf '%-4s %-5s %6s %12s %12s %8s %12s %8s' "$model" "$mode" "$batch" \
      "$ours" "$eager" "$eager_ratio" "$compiled" "$compiled_ratio")")
  done
done

echo
echo "== gpu_check summary: $backend, $gpus device(s), ${size}x${size}, images/s (median iteration)"
printf '%-4s %-5s %6s %12s %12s %8s %12s %8s\n' model mode batch ours "timm eager" ratio \
  "timm compile" ratio
printf '%s\n' "${rows[@]}"
echo
printf '%s\n' "${checks[@]}"
if [ $failed = 1 ]; then
  echo "gpu_check: FAILED"
  exit 1
fi
echo "gpu_check: all checks passed"
