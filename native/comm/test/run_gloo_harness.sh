#!/usr/bin/env bash
# Builds the Gloo harness in a temporary directory and runs it on 2, 3 and 4 ranks over 127.0.0.1,
# each run bounded by `timeout 120`. Exit status 0 only if every rank of every run passed.
# --timing: afterwards, print allreduce timings on 2 ranks.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 ||
  { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bin="$work/build/gloo_harness"

run() {  # run SIZE [extra args...]: start SIZE ranks, wait for all, fail if any failed
  local n="$1"; shift
  local dir; dir="$(mktemp -d "$work/x.XXXX")"
  local pids=() status=0
  for ((r = 0; r < n; r++)); do
    timeout 120 "$bin" "$r" "$n" "$dir" 127.0.0.1 "$@" &
    pids+=("$!")
  done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
  return "$status"
}

fail=0
for n in 2 3 4; do
  echo "== $n ranks"
  run "$n" || { echo "== $n ranks: FAILED"; fail=1; }
done
if [[ "${1:-}" == "--timing" ]]; then
  echo "== timing, 2 ranks"
  run 2 --timing || fail=1
fi
exit "$fail"
