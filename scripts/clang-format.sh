#!/usr/bin/env bash
# clang-format over the project's C and C++ (native/, bench/, test/): rewrite them, or with --check only
# say which would change (npm run format / npm run lint).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format not found: apt-get install clang-format" >&2; exit 2; }
mapfile -t files < <(git ls-files 'native/*.cc' 'native/*.h' 'native/*.c' 'bench/*.cc' 'bench/*.c' 'test/*.c' 2>/dev/null ||
  find native bench test -name '*.cc' -o -name '*.h' -o -name '*.c')
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
