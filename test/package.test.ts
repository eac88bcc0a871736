// Packaging: the npm tarball installs as a working command (compiled JS, suites, an addon built at
// install time), the install script names missing build tools in one line, and
// scripts/setup-system.sh calls apt-get directly as root and through sudo otherwise.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { readJson, ROOT, run, tempDir } from './helpers.js';

/** The absolute path of a command on this process's PATH (spawn looks commands up on the child's PATH, which these tests replace). */
function which(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return join(d, cmd);
    } catch {
      // not here
    }
  }
  return undefined;
}

const isRoot = process.getuid?.() === 0;

test(
  'npm pack, then npm install -g of the tarball, gives a ccbench that runs a validated Gloo job',
  { timeout: 15 * 60_000 },
  async (t) => {
    const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });
    if (npm.status !== 0) return t.skip(`npm is not usable here: ${npm.error?.message ?? npm.stderr.trim()}`);
    const dir = tempDir();
    try {
      // prepare compiles the TypeScript into the tarball (dist/ is git-ignored, so only it puts it there).
      let t0 = Date.now();
      execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, stdio: 'ignore', timeout: 5 * 60_000 });
      t.diagnostic(`npm pack: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const tgz = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')) as string);
      const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n');
      for (const f of [
        'bin/ccbench.js',
        'dist/src/cli/main.js',
        'dist/bundle/ccbench.cjs',
        'dist/bundle/ccbench.cjs.cache',
        'bin/package.json',
        'dist/src/compare/result-validator.cjs',
        'schema/ccbench.result-2.schema.json',
        'suites/osu.json',
        'CMakeLists.txt',
        'native/addon.cc',
        'scripts/install-native.mjs',
      ])
        assert.ok(files.includes(`package/${f}`), `${f} in the tarball`);
      for (const f of files)
        assert.doesNotMatch(
          f,
          /^package\/(dist\/test|test|results|build|node_modules)\/|\/test\//,
          'no tests, results or build outputs',
        );

      // Dependencies come from the npm cache that npm ci filled; the install script builds the addon.
      const prefix = join(dir, 'prefix');
      t0 = Date.now();
      const inst = spawnSync(
        'npm',
        [
          'install',
          '-g',
          '--prefix',
          prefix,
          '--prefer-offline',
          '--allow-scripts=ccbench',
          '--no-audit',
          '--no-fund',
          tgz,
        ],
        { cwd: dir, encoding: 'utf8', timeout: 10 * 60_000 },
      );
      assert.equal(inst.status, 0, inst.stdout + inst.stderr);
      t.diagnostic(`npm install -g (addon build included): ${((Date.now() - t0) / 1000).toFixed(1)} s`);

      // From a directory unrelated to the checkout, with no CCBENCH_ADDON pointing back into it.
      const bin = join(prefix, 'bin', 'ccbench');
      const elsewhere = join(dir, 'elsewhere');
      mkdirSync(elsewhere);
      const o = { cwd: elsewhere, env: { CCBENCH_ADDON: undefined } };
      const version = await run(bin, ['--version'], o);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), readJson(join(ROOT, 'package.json')).version);
      const list = await run(bin, ['list'], o);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /allreduce/);
      assert.match(list.stdout, /osu/, 'the suites are installed');
      const r = await run(
        bin,
        [
          'allreduce',
          '--sizes',
          '8:1K',
          '-n',
          '2',
          '--launcher',
          'local',
          '--backend',
          'gloo',
          '--check',
          '--iters',
          '10',
          '--warmup',
          '1',
        ],
        o,
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /0 wrong elements/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('the install script names a missing cmake in one line with the commands that install it', async () => {
  const dir = tempDir();
  try {
    // A PATH with the compiler and make but no cmake.
    for (const cmd of ['g++', 'c++', 'make']) {
      const path = which(cmd);
      if (path) symlinkSync(path, join(dir, cmd));
    }
    const script = join(ROOT, 'scripts', 'install-native.mjs');
    const r = await run(process.execPath, [script], { cwd: ROOT, env: { PATH: dir, CXX: undefined } });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '', 'cmake-js never started');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /cannot build the native addon: cmake not found on PATH/);
    assert.match(lines[0], /sudo apt-get install -y cmake"/);
    assert.match(lines[0], /sudo dnf install -y cmake"/);

    // Nothing at all: every missing tool, each distribution's package names.
    const none = await run(process.execPath, [script], {
      cwd: ROOT,
      env: { PATH: join(dir, 'nothing'), CXX: undefined },
    });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /apt-get install -y cmake g\+\+ make".*dnf install -y cmake gcc-c\+\+ make"/);
    assert.equal(none.stderr.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('setup-system.sh: apt-get directly as root, through sudo as a user, one clear line with neither', async (t) => {
  const dir = tempDir();
  try {
    // Readable and writable for the unprivileged user the script runs as below.
    chmodSync(dir, 0o777);
    const log = join(dir, 'calls.log');
    const script = join(dir, 'setup-system.sh');
    copyFileSync(join(ROOT, 'scripts', 'setup-system.sh'), script);
    chmodSync(script, 0o755);
    const double = (bin: string, name: string, body: string) => {
      mkdirSync(join(dir, bin), { recursive: true, mode: 0o755 });
      writeFileSync(join(dir, bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    };
    // Test double for apt-get: records its arguments and the frontend it was given; installs nothing.
    const aptGet = `printf '%s\\n' "apt-get DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> ${log}`;
    double('root-bin', 'apt-get', aptGet);
    double('user-bin', 'apt-get', aptGet);
    // Test double for sudo: records its arguments, then runs the command as the same user, as
    // sudo's own "VAR=value command" form does.
    double('user-bin', 'sudo', `printf '%s\\n' "sudo $*" >> ${log}\nexec /usr/bin/env "$@"`);
    const bash = which('bash') as string;
    const setpriv = which('setpriv');
    // As root, the "user" runs as nobody; otherwise as whoever runs the tests.
    const asUser = isRoot ? (setpriv ? [setpriv, '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined) : [];
    const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
    const setup = async (bin: string, user: boolean, args: string[] = []) => {
      rmSync(log, { force: true });
      const argv = [...(user ? (asUser as string[]) : []), bash, script, ...args];
      return run(argv[0], argv.slice(1), { cwd: dir, env: { PATH: join(dir, bin), DEBIAN_FRONTEND: undefined } });
    };
    const install =
      'install -y -q --no-install-recommends openmpi-bin libopenmpi-dev libgloo-dev cmake g++ make fonts-dejavu-core';

    await t.test('(a) as root with no sudo: apt-get directly, extra packages appended', async (t) => {
      if (!isRoot) return t.skip('needs root');
      const r = await setup('root-bin', false, ['slurm-wlm', 'munge']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(calls(), [
        'apt-get DEBIAN_FRONTEND=noninteractive update -q',
        `apt-get DEBIAN_FRONTEND=noninteractive ${install} slurm-wlm munge`,
      ]);
    });

    await t.test('(b) as a user with sudo: every apt-get through sudo', async (t) => {
      if (!asUser) return t.skip('no setpriv to run as an unprivileged user');
      const r = await setup('user-bin', true);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(calls(), [
        'sudo DEBIAN_FRONTEND=noninteractive apt-get update -q',
        'apt-get DEBIAN_FRONTEND=noninteractive update -q',
        `sudo DEBIAN_FRONTEND=noninteractive apt-get ${install}`,
        `apt-get DEBIAN_FRONTEND=noninteractive ${install}`,
      ]);
    });

    await t.test('(c) as a user without sudo: non-zero exit, one line, nothing run', async (t) => {
      if (!asUser) return t.skip('no setpriv to run as an unprivileged user');
      const r = await setup('root-bin', true);
      assert.notEqual(r.code, 0);
      assert.deepEqual(calls(), []);
      assert.match(r.stderr, /^setup-system: installing packages needs root: run this as root, or install sudo/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
