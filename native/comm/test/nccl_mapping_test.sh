#!/usr/bin/env bash
# Builds and runs the NCCL backend's logic test (no GPU, no NCCL: a simulated library on rank
# threads, see nccl_fake.h) in a temporary directory, bounded by `timeout 300`.
# Usage: nccl_mapping_test.sh [--sanitize]   (--sanitize: also run under ASan + UBSan)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$(cd "$here/../.." && pwd)"
cxx="${CXX:-g++}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sources=(
  "$here/nccl_mapping_test.cc" "$here/nccl_engine_test.cc" "$here/nccl_fake.cc"
  "$native/comm/nccl.cc" "$native/comm/nccl_ops.cc" "$native/comm/comm.cc"
  "$native/engine/engine.cc" "$native/engine/overlap.cc" "$native/engine/concurrent.cc" "$native/engine/replay.cc" "$native/engine/check.cc" "$native"/ops/*.cc
  "$native/common/dtype.cc" "$native/device/host.cc"
)
flags=(-std=c++17 -Wall -Wextra -Werror -pthread)

build_and_run() {  # build_and_run NAME [extra flags...]
  local name="$1"; shift
  "$cxx" "${flags[@]}" "$@" "${sources[@]}" -o "$work/$name"
  echo "== $name"
  timeout 300 "$work/$name"
}

build_and_run nccl_mapping_test -O2
if [[ "${1:-}" == "--sanitize" ]]; then
  build_and_run nccl_mapping_test_asan -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
fi
