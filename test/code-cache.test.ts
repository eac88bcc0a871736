// bin/ccbench.js runs the CLI's bundle from the V8 code cache the build writes (scripts/build-js.mjs):
// the cache must be one V8 accepts under the flags every rank runs with, and the loader must work
// without it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, ROOT, tempDir } from './helpers.js';

const BUNDLE = join(ROOT, 'dist', 'bundle', 'ccbench.cjs');

describe('the code cache of the CLI bundle', () => {
  test('V8 accepts it with the flags of the #! line and of every rank', () => {
    assert.ok(existsSync(`${BUNDLE}.cache`), 'npm run build:ts writes dist/bundle/ccbench.cjs.cache');
    // Compiled the way bin/ccbench.js compiles it, in a process started as a rank is.
    const probe = `
      const { readFileSync } = require('node:fs');
      const { Script } = require('node:vm');
      const f = ${JSON.stringify(BUNDLE)};
      const s = new Script('(function (exports, require, module, __filename, __dirname) {' + readFileSync(f, 'utf8') + '\\n})',
        { filename: f, cachedData: readFileSync(f + '.cache') });
      process.stdout.write(String(s.cachedDataRejected));`;
    const rejected = execFileSync(process.execPath, ['--single-threaded', '-e', probe], { encoding: 'utf8' });
    assert.equal(rejected, 'false');
  });

  test('the commands kept out of the bundle load from it (vm.Script runs no import() of its own)', () => {
    for (const cmd of [
      ['plot', 'no-such.json', '-o', 'x.jpg'],
      ['report', 'no-such.json', '-o', 'x.txt'],
    ]) {
      const r = spawnSync(process.execPath, ['--single-threaded', CLI, ...cmd], { encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.doesNotMatch(r.stderr, /internal error|import/, r.stderr);
    }
  });

  test('without a cache the CLI compiles its bundle and runs', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
    copyFileSync(CLI, join(dir, 'bin', 'ccbench.js'));
    copyFileSync(join(ROOT, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
    copyFileSync(BUNDLE, join(dir, 'dist', 'bundle', 'ccbench.cjs'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json')); // the version (paths.ts)
    const out = execFileSync(process.execPath, ['--single-threaded', join(dir, 'bin', 'ccbench.js'), '--version'], {
      encoding: 'utf8',
    });
    assert.match(out, /^\d+\.\d+\.\d+\n$/);
    assert.ok(!existsSync(join(dir, 'dist', 'bundle', 'ccbench.cjs.cache')), 'a run does not write one');
  });
});
