// The portable bundle (npm run bundle): built from this checkout, unpacked elsewhere, it runs a
// real benchmark with its own Node — the ranks too.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readJson, ROOT, run, tempDir } from './helpers.js';

test('the bundle unpacks and runs a validated local Gloo job on its own Node', async () => {
  const dir = tempDir();
  const archive = join(dir, 'ccbench.tar.gz');
  execFileSync('bash', [join(ROOT, 'scripts', 'bundle.sh'), archive], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
  assert.ok(statSync(archive).size < 64 * 1024 * 1024, 'small enough to carry to a GPU machine');
  execFileSync('tar', ['-C', dir, '-xzf', archive]);
  const top = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n')[0].replace(/\/$/, '');
  const bin = join(dir, top, 'bin', 'ccbench');
  for (const f of [
    'lib/node',
    'lib/libstdc++.so.6',
    'build/Release/ccbench.node',
    'node_modules/commander/package.json',
  ])
    assert.ok(existsSync(join(dir, top, f)), f);
  assert.ok(!existsSync(join(dir, top, 'node_modules', 'cmake-js')), 'build-only packages left out');

  const json = join(dir, 'r.json');
  const r = await run(
    bin,
    ['allreduce', '--launcher', 'local', '-n', '2', '--backend', 'gloo', '--sizes', '8:1K', '--check', '--json', json],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const doc = readJson(json);
  assert.equal(doc.status, 'complete');
  assert.equal(doc.ccbench.executable, join(dir, top, 'lib', 'node'), 'rank 0 ran on the bundled Node');
});
