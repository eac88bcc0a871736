#!/usr/bin/env bash
# Builds the GPU loader tests and their test-double libraries in a temporary directory and runs
# them (no GPU needed), bounded by `timeout`. Exit status 0 only if every case passed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake -S "$here" -B "$work/build" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/build" -j 4 >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
mkdir -p "$work/tmp"
CCB_TEST_TMP="$work/tmp" timeout 300 "$work/build/gpu_loader_tests"
