// Every error a user can cause: one line on stderr naming what is wrong and how to fix it,
// exit code 2, nothing on stdout, no stack trace, no process left behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ccbench, mpirunCcbench, ROOT, strays, tempDir, type RunResult } from './helpers.js';

function assertUsageError(r: RunResult, ...needles: (string | RegExp)[]): void {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(lines.length, 1, `exactly one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0], /^ccbench: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '', 'nothing on stdout');
  for (const n of needles)
    assert.match(lines[0], typeof n === 'string' ? new RegExp(n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : n);
}

const dir = tempDir();
const existing = join(dir, 'exists.json');
writeFileSync(existing, '{}');

const CASES: [string, string[], (string | RegExp)[]][] = [
  ['malformed size range', ['allreduce', '--sizes', '8:'], ['malformed', '8:1G']],
  ['size that is not a number', ['allreduce', '--sizes', 'abc'], ["'abc' is not a size"]],
  ['empty size range', ['allreduce', '--sizes', ''], ['--sizes is empty']],
  ['minimum above maximum', ['allreduce', '--sizes', '1M:8'], ['larger than the maximum', 'swap']],
  ['factor below 2', ['allreduce', '--sizes', '8:1M:1'], ['factor']],
  [
    'size smaller than one element',
    ['allreduce', '--sizes', '2', '--dtype', 'float64'],
    ['needs at least one float64 element (8 B)', 'raise the sizes to 8 B'],
  ],
  [
    'size too small for the rank count',
    ['allgather', '--sizes', '8', '-n', '4'],
    ['needs at least 64 B', 'raise the sizes to 64 B'],
  ],
  ['unknown op', ['allredce'], ["unknown command 'allredce'", 'allreduce']],
  ['unknown dtype', ['allreduce', '--dtype', 'flot32'], ["unknown --dtype 'flot32'", 'did you mean float32']],
  ['unknown backend', ['allreduce', '--backend', 'foo'], ["'foo' is invalid", 'mpi']],
  ['unknown option', ['allreduce', '--bogus'], ["unknown option '--bogus'"]],
  [
    'dtype the backend lacks',
    ['allreduce', '--backend', 'mpi', '--dtype', 'float8e4m3'],
    ['not available on the mpi backend'],
  ],
  [
    'reduction the backend lacks',
    ['allreduce', '--backend', 'mpi', '--reduce-op', 'avg'],
    ['MPI has no average reduction'],
  ],
  ['too few ranks for the op', ['latency', '-n', '1'], ['needs at least 2 ranks']],
  ['odd rank count for a pairwise op', ['bw', '-n', '3'], ['even rank count', '3 is odd']],
  ['root outside the ranks', ['broadcast', '--root', '5', '-n', '2'], ['--root 5 is outside the ranks 0..1']],
  ['rank count in --ranks above -n', ['allreduce', '--ranks', '2,8', '-n', '4'], ['--ranks 8 is outside 1..4']],
  [
    'size larger than memory allows',
    ['allreduce', '--sizes', '12G', '--dtype', 'float64', '-n', '8'],
    ['of memory on', 'lower the largest size'],
  ],
  ['element count above the MPI limit', ['allreduce', '--sizes', '64G'], ['2147483647', 'wider --dtype']],
  ['non-numeric rank count', ['allreduce', '-n', 'abc'], ["-n takes a whole number, not 'abc'"]],
  ['non-numeric iterations', ['allreduce', '--iters', 'x'], ["--iters takes a whole number, not 'x'"]],
  ['zero iterations', ['allreduce', '--iters', '0'], ['--iters must be at least 1']],
  ['negative time cap', ['allreduce', '--max-time-per-size', '-1'], ['takes seconds']],
  ['in-place for an op without one', ['bw', '--in-place'], ['bw has no in-place form']],
  ['output in a missing directory', ['allreduce', '--json', join(dir, 'nope', 'out.json')], ['does not exist']],
  [
    'output where files cannot be created',
    ['allreduce', '--csv', '/proc/out.csv'],
    ['cannot write --csv /proc/out.csv'],
  ],
  ['output file that exists', ['allreduce', '--json', existing], ['already exists', '--overwrite']],
  ['output that is a directory', ['allreduce', '--csv', dir], ['is a directory']],
  ['same file for JSON and CSV', ['allreduce', '--json', join(dir, 'a'), '--csv', join(dir, 'a')], ['same file']],
  ['unterminated quote in launcher arguments', ['allreduce', '--launcher-args', '--host "a'], ['unterminated']],
];

describe('usage errors from the command line', () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));
  for (const [name, args, needles] of CASES)
    test(name, async () => assertUsageError(await ccbench(args, { timeoutMs: 30_000 }), ...needles));
});

describe('a missing MPI', () => {
  test('no mpirun on PATH: says how to install one', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = await ccbench(['allreduce', '--backend', 'mpi', '-n', '2'], { env: { PATH: bin }, timeoutMs: 30_000 });
    assertUsageError(r, 'mpirun was not found on PATH', 'apt-get install openmpi-bin');
  });

  // An addon built without MPI (CMake option CCBENCH_WITH_MPI=OFF), as on a machine without one.
  const noMpi = join(dir, 'build-nompi');
  before(() => {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'compile', '-O', noMpi, '--CDCCBENCH_WITH_MPI=OFF'],
      { cwd: ROOT, stdio: 'ignore', timeout: 300_000 },
    );
    assert.ok(existsSync(join(noMpi, 'Release', 'ccbench.node')));
  });

  test('an addon built without MPI: the backend says it is unavailable and how to get it', async () => {
    const r = await ccbench(['allreduce', '--backend', 'mpi', '-n', '2'], {
      env: { CCBENCH_ADDON: join(noMpi, 'Release', 'ccbench.node') },
    });
    assertUsageError(r, 'built without MPI', 'rebuild');
  });

  test('an MPI plugin that does not load (its library missing here): the reason and the way out', async () => {
    const odd = join(dir, 'odd-build');
    mkdirSync(odd);
    copyFileSync(join(ROOT, 'build', 'Release', 'ccbench.node'), join(odd, 'ccbench.node'));
    writeFileSync(join(odd, 'ccbench_mpi.so'), 'not a shared object');
    const r = await ccbench(['allreduce', '--backend', 'mpi', '-n', '2'], {
      env: { CCBENCH_ADDON: join(odd, 'ccbench.node') },
    });
    assertUsageError(r, 'its plugin does not load', 'ccbench_mpi.so', 'rebuild');
  });

  test('the same addon inside an mpirun job: one line, from rank 0 only', async () => {
    const r = await mpirunCcbench(2, ['allreduce', '--backend', 'mpi'], {
      env: { CCBENCH_ADDON: join(noMpi, 'Release', 'ccbench.node') },
    });
    assertUsageError(r, 'built without MPI');
  });
});

describe('errors inside an mpirun-started job', () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));

  test('a bad size spec is reported once, not once per rank', async () => {
    assertUsageError(await mpirunCcbench(4, ['allreduce', '--sizes', '9:3']), 'larger than the maximum');
  });

  test('-n that disagrees with the launcher is reported once', async () => {
    assertUsageError(await mpirunCcbench(2, ['allreduce', '-n', '3']), '-n 3 does not match the 2 ranks');
  });
});
