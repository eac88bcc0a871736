// The one-file build the CLI runs (dist/bundle/ccbench.cjs): the compiled TypeScript of dist/src
// and its npm dependencies in one CommonJS file. Node 20 loads ~85 small modules more slowly than
// one file, and an ES module more slowly than CommonJS (its loader starts first: ~15 ms a process
// on this project's VM), and every rank pays that at start-up (npm run bench:startup). dist/src
// stays the module tree (ES modules) the tests import and the package ships. Run by `npm run
// build:ts`, after tsc.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/bundle/ccbench.cjs', // two levels below the package root, as dist/src/*.js (paths.ts)
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // `plot` and `report` (Vega, resvg's native module) load only when they run: they stay in
  // dist/src, imported from there, and out of the file every rank parses.
  plugins: [
    {
      name: 'lazy-loads',
      setup(b) {
        b.onResolve({ filter: /^\.\.\/(plot|html)\/command\.js$/ }, (a) => ({
          path: a.path.replace('../', '../src/'),
          external: true,
        }));
        // commander requires child_process at its start for external subcommands, which ccbench
        // has none of: it gets child_process when it spawns one (src/builtins.ts says why).
        b.onResolve({ filter: /^node:child_process$/ }, (a) =>
          /[\\/]node_modules[\\/]commander[\\/]/.test(a.importer)
            ? { path: 'lazy', namespace: 'child-process' }
            : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'child-process' }, () => ({
          contents: "module.exports = { get spawn() { return require('node:child_process').spawn; } };",
          loader: 'js',
        }));
      },
    },
  ],
  // The modules' import.meta.url (createRequire, paths.ts) is the bundle's own.
  define: { 'import.meta.url': 'ccbenchBundleUrl' },
  // ccbenchImport: bin/ccbench.js's import() (see below); Node's own where the file runs as it is.
  banner: {
    js: "const ccbenchBundleUrl = require('node:url').pathToFileURL(__filename).href; const ccbenchImport = globalThis.ccbenchImport ?? ((s) => import(s));",
  },
});

// bin/ccbench.js wraps the file as CommonJS itself, where a #! line would not parse, and compiles
// it with vm.Script, where Node 20 runs no import(): the lazy commands load through ccbenchImport.
const out = 'dist/bundle/ccbench.cjs';
const text = readFileSync(out, 'utf8').replace(/^#!.*\n/, '');
const lazy = text.split('await import("../src/').length - 1;
if (lazy !== 2) throw new Error(`build-js: expected the import() of plot and report in the bundle, found ${lazy}`);
writeFileSync(out, text.replaceAll('await import("../src/', 'await ccbenchImport("../src/'));
// V8's code cache of the file, as one run of the CLI leaves it (bin/ccbench.js).
rmSync(`${out}.cache`, { force: true });
execFileSync(process.execPath, ['--single-threaded', 'bin/ccbench.js', '--version'], {
  env: { ...process.env, CCBENCH_WRITE_CODE_CACHE: '1' },
  stdio: 'ignore',
});
