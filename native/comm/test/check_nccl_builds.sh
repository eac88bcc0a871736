#!/usr/bin/env bash
# Compiles the NCCL / RCCL backend without a GPU toolkit: each source with -Wall -Wextra -Werror
# into an object file (no linking: the library is loaded at run time), plus the header-only check.
# Usage: check_nccl_builds.sh [compiler]   (default: $CXX, else g++)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
comm="$(cd "$here/.." && pwd)"
cxx="${1:-${CXX:-g++}}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
flags=(-std=c++17 -Wall -Wextra -Wpedantic -Wshadow -Werror -O2 -fvisibility=hidden)

"$cxx" "${flags[@]}" -fsyntax-only "$here/nccl_compile_check.cc"
echo "ok   syntax  test/nccl_compile_check.cc"
for src in nccl.cc nccl_ops.cc; do
  "$cxx" "${flags[@]}" -fsyntax-only "$comm/$src"
  "$cxx" "${flags[@]}" -fPIC -c "$comm/$src" -o "$out/${src%.cc}.o"
  echo "ok   object  $src"
done
