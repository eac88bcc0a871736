#!/usr/bin/env bash
# npm run bundle: one archive that runs ccbench on a Linux x86-64 machine without Node (many
# clusters have none): this Node runtime, the compiled JavaScript, the production dependencies,
# the native addon and its plugins, and the C++ runtime they were built with. Needs glibc ≥ 2.34
# on the target (the addon is built here, against Debian 12). GPU libraries are not included:
# they are found on the target at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f build/Release/ccbench.node ] || { echo "bundle: build first (npm run build)" >&2; exit 2; }
version=$(node -p "require('./package.json').version")
name="ccbench-$version-linux-$(uname -m | sed 's/x86_64/x64/')"
out="${1:-$PWD/$name.tar.gz}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/$name"
mkdir -p "$stage/bin" "$stage/lib" "$stage/build/Release"

cp "$(readlink -f "$(command -v node)")" "$stage/lib/node"
for so in libstdc++.so.6 libgcc_s.so.1; do
  cp "$(readlink -f "$(g++ -print-file-name=$so)")" "$stage/lib/$so"
done
cp -r dist package.json README.md suites schema "$stage/"
cp bin/ccbench.js bin/package.json "$stage/bin/" # the loader (the code cache under dist/bundle)
cp build/Release/*.node build/Release/*.so "$stage/build/Release/"
# What the JavaScript needs at run time (not cmake-js and node-addon-api, which build the addon):
# the dependency closure of the packages src/ imports.
node -e '
  const fs = require("fs"), path = require("path");
  const seen = new Set(), queue = ["commander", "cli-table3", "csv-stringify", "cli-progress", "vega", "vega-lite", "@resvg/resvg-js", "ajv"];
  while (queue.length) {
    const name = queue.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    const pkg = JSON.parse(fs.readFileSync(path.join("node_modules", name, "package.json"), "utf8"));
    queue.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}).filter((d) => fs.existsSync(path.join("node_modules", d))));
  }
  console.log([...seen].join("\n"));
' | while read -r dep; do
  mkdir -p "$stage/node_modules/$(dirname "$dep")"
  cp -r "node_modules/$dep" "$stage/node_modules/$dep"
done

cat > "$stage/bin/ccbench" <<'SH'
#!/bin/sh
# ccbench from the portable bundle: its own Node and C++ runtime, whatever the machine has.
here=$(dirname "$(readlink -f "$0")")
LD_LIBRARY_PATH="$here/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" NODE_EXTRA_CA_CERTS= exec "$here/../lib/node" --single-threaded "$here/ccbench.js" "$@"
SH
chmod +x "$stage/bin/ccbench"

tar -C "$work" -czf "$out" "$name"
echo "bundle: $out ($(du -h "$out" | cut -f1)); unpack anywhere and run $name/bin/ccbench"
