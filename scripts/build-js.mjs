// The one-file build the CLI runs (dist/bundle/ccbench.js): the compiled TypeScript of dist/src
// and its npm dependencies in one ES module. Node 20 loads ~85 small modules more slowly than one
// file, and every rank pays that at start-up (npm run bench:startup). dist/src stays the module
// tree the tests import and the package ships. Run by `npm run build:ts`, after tsc.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/bundle/ccbench.js', // two levels below the package root, as dist/src/*.js (paths.ts)
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // `plot` and `report` (Vega, resvg's native module) load only when they run: they stay in
  // dist/src, imported from there, and out of the file every rank parses.
  plugins: [
    {
      name: 'lazy-commands',
      setup(b) {
        b.onResolve({ filter: /^\.\.\/(plot|html)\/command\.js$/ }, (a) => ({
          path: a.path.replace('../', '../src/'),
          external: true,
        }));
      },
    },
  ],
  // CommonJS dependencies (commander, cli-table3) call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as ccbenchRequire } from 'node:module'; const require = ccbenchRequire(import.meta.url);",
  },
});
