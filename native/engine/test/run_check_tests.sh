#!/usr/bin/env bash
# Builds and runs check_test (the --check patterns against every op, dtype, reduction and rank
# count, misrouting included) in a temporary directory, bounded by `timeout 300`.
# --bench [MiB] [reps]: afterwards, check_bench's fill / check cost per GiB.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
common=("$native/engine/check.cc" "$native"/ops/*.cc "$native/common/dtype.cc")
flags=(-std=c++17 -O3 -DNDEBUG -Wall -Wextra -Werror)
"${CXX:-g++}" "${flags[@]}" "$here/check_test.cc" "${common[@]}" -o "$work/check_test"
timeout 300 "$work/check_test"
if [[ "${1:-}" == "--bench" ]]; then
  shift
  "${CXX:-g++}" "${flags[@]}" "$here/check_bench.cc" "${common[@]}" -o "$work/check_bench"
  "$work/check_bench" "$@"
fi
