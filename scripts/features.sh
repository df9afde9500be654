#!/usr/bin/env bash
# The cargo features the test build, CI's lints and scripts/gpu_check.sh share, so that Burn is
# compiled once: the wgpu backend (or $1, e.g. cuda) and, where an MPI library and libclang
# are installed, the `mpi` feature with its tests (Debian: libopenmpi-dev openmpi-bin
# libclang-dev). Prints them comma-separated; sourced or run.
backend=${1:-wgpu}
features="mobilevit-cli/$backend"
has_libclang() {
  ldconfig -p 2>/dev/null | grep -q 'libclang' \
    || compgen -G '/usr/lib/llvm-*/lib/libclang*.so*' >/dev/null \
    || compgen -G '/usr/lib/*/libclang*.so*' >/dev/null
}
if command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1 && has_libclang; then
  features="$features,mobilevit-cli/mpi"
elif [ -n "${MOBILEVIT_REQUIRE_MPI:-}" ]; then
  echo "MOBILEVIT_REQUIRE_MPI is set and there is no MPI library (mpicc, mpirun, libclang)" >&2
  exit 1
else
  echo "note: no MPI library (mpicc, mpirun, libclang) here: building without the mpi feature" >&2
fi
echo "$features"
