// Launch paths and faults on one machine: the local launcher (no MPI) with Gloo, mpirun, the
// choice `auto` makes, and what happens when a rank is killed, stopped, or fails to start.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chooseLauncher } from '../src/launch/launch.js';
import type { NativeCapabilities } from '../src/native/addon.js';
import { ccbench, freePort, readJson, strays, tempDir, waitFor, type RunResult } from './helpers.js';

const dir = tempDir();
const LONG = ['--sizes', '8:1K', '--iters', '100000000', '--max-time-per-size', '0.4'];

/** Starts a long sweep, lets it finish two sizes, signals `victim`, returns the run and the time it took to end. */
async function faultRun(
  args: string[],
  victim: number,
  signal: NodeJS.Signals,
  json: string,
): Promise<{ r: RunResult; endMs: number }> {
  const run = ccbench([...args, ...LONG, '--json', json]);
  await waitFor(() => existsSync(json) && readJson(json).results.length >= 2);
  const t0 = Date.now();
  process.kill(readJson(json).ranks[victim].pid as number, signal);
  const r = await run;
  return { r, endMs: Date.now() - t0 };
}

const oneLine = (r: RunResult) => r.stderr.trim().split('\n');

describe('launchers', () => {
  after(async () => {
    await waitFor(() => strays().length === 0, 10_000).catch(() => {});
    assert.deepEqual(strays(), [], 'no process left behind');
  });

  test('--launcher local runs Gloo on 2 ranks with no MPI, every result checked', async () => {
    const json = join(dir, 'local.json');
    const r = await ccbench([
      'allreduce',
      '--launcher',
      'local',
      '-n',
      '2',
      '--backend',
      'gloo',
      '--check',
      '--sizes',
      '8:4K',
      '--iters',
      '50',
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# allreduce · 2 ranks · float32 · sum · \d+ iterations · gloo \(Gloo \d+\.\d+\.\d+\)/);
    const doc = readJson(json);
    assert.equal(doc.launcher, 'ccbench');
    assert.equal(doc.mpi, null, 'no MPI in a local Gloo job');
    assert.equal(doc.results.length, 10);
    assert.ok(doc.results.every((x: any) => x.wrong === 0));
  });

  test('every op on Gloo over 4 local ranks validates', async () => {
    const json = join(dir, 'gloo-all.json');
    const r = await ccbench([
      'all',
      '--launcher',
      'local',
      '-n',
      '4',
      '--backend',
      'gloo',
      '--check',
      '--sizes',
      '64:4K:4',
      '--dtype',
      'float32,int8,bfloat16',
      '--reduce-op',
      'all',
      '--root',
      '3',
      '--iters',
      '10',
      '--warmup',
      '1',
      '--quiet',
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows = readJson(json).results;
    assert.equal(new Set(rows.map((x: any) => x.op)).size, 15);
    assert.ok(rows.every((x: any) => x.wrong === 0));
  });

  test('ranks started by hand find rank 0 at --control-addr and prove CCBENCH_JOB_SECRET', async () => {
    const json = join(dir, 'by-hand.json');
    const port = await freePort();
    const args = [
      'allreduce',
      '--backend',
      'gloo',
      '--sizes',
      '8:64',
      '--iters',
      '20',
      '--check',
      '--control-addr',
      `127.0.0.1:${port}`,
      '--timeout',
      '30',
      '--json',
      json,
    ];
    const rank = (r: number, secret: string) =>
      ccbench(args, {
        env: {
          CCBENCH_RANK: String(r),
          CCBENCH_SIZE: '2',
          CCBENCH_LOCAL_RANK: String(r),
          CCBENCH_LOCAL_SIZE: '2',
          CCBENCH_JOB_SECRET: secret,
        },
      });
    const [r0, r1] = await Promise.all([rank(0, 's3cret'), rank(1, 's3cret')]);
    assert.equal(r0.code, 0, r0.stderr);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(readJson(json).results.length, 4);
    // A rank with another secret is refused; rank 0 says which rank never joined, and why.
    args.push('--timeout', '3'); // the last --timeout wins
    const [b0, b1] = await Promise.all([rank(0, 'one'), rank(1, 'other')]);
    assert.equal(b1.code, 2, b1.stderr);
    assert.match(
      b1.stderr,
      /^ccbench: rank 1 \(.+\): rank 0 at 127\.0\.0\.1:\d+ refused this rank: the ranks do not share a secret/,
    );
    assert.equal(b0.code, 4, b0.stderr);
    assert.match(
      b0.stderr,
      /^ccbench: rank 1 did not join the control plane at .* within 3 s; refused connections: .*claimed rank 1 but could not prove the job's secret/,
    );
  });

  test('the mpi backend cannot use the local launcher', async () => {
    const r = await ccbench(['allreduce', '--launcher', 'local', '--backend', 'mpi']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ccbench: the mpi backend needs an MPI launcher/);
  });

  test('auto: srun in a Slurm allocation, mpirun where installed, else local', () => {
    const caps = {
      backends: [
        { name: 'mpi', available: true, reason: '' },
        { name: 'gloo', available: true, reason: '' },
      ],
    } as NativeCapabilities;
    const path = process.env.PATH;
    assert.equal(chooseLauncher('auto', 'gloo', { PATH: path }, caps), 'mpirun');
    assert.equal(chooseLauncher('auto', 'gloo', { PATH: '/nonexistent' }, caps), 'local');
    assert.equal(
      chooseLauncher('auto', 'mpi', { PATH: '/nonexistent' }, caps),
      'mpirun',
      'so the missing mpirun is reported',
    );
    const noMpi = { backends: [{ name: 'mpi', available: false, reason: 'x' }] } as NativeCapabilities;
    assert.equal(chooseLauncher('auto', 'gloo', { PATH: path }, noMpi), 'local');
    assert.equal(chooseLauncher('local', 'gloo', {}, caps), 'local');
  });
});

describe('faults end the whole job, name the rank and keep every finished size', () => {
  after(async () => {
    await waitFor(() => strays().length === 0, 10_000).catch(() => {});
    assert.deepEqual(strays(), [], 'no process left behind');
  });

  test('local launcher: a rank killed with SIGKILL', async () => {
    const json = join(dir, 'kill-local.json');
    const { r, endMs } = await faultRun(
      ['allreduce', '--launcher', 'local', '--backend', 'gloo', '-n', '3', '--timeout', '10'],
      1,
      'SIGKILL',
      json,
    );
    assert.equal(r.code, 4, r.stderr);
    assert.deepEqual(oneLine(r).length, 1, r.stderr);
    assert.match(
      oneLine(r)[0],
      /^ccbench: rank 1 \(.+\) died during allreduce \d+ B float32 sum on 3 ranks \((warmup|timed) iteration \d+\)$/,
    );
    assert.ok(endMs < 5000, `ended in ${endMs} ms`);
    const doc = readJson(json);
    assert.equal(doc.status, 'failed');
    assert.ok(doc.results.length >= 2);
  });

  test('local launcher: a rank stopped with SIGSTOP, past --timeout', async () => {
    const json = join(dir, 'stop-local.json');
    const { r, endMs } = await faultRun(
      ['allreduce', '--launcher', 'local', '--backend', 'gloo', '-n', '3', '--timeout', '2'],
      2,
      'SIGSTOP',
      json,
    );
    assert.equal(r.code, 124, r.stderr);
    assert.deepEqual(oneLine(r).length, 1, r.stderr);
    assert.match(
      oneLine(r)[0],
      /^ccbench: rank 2 \(.+\) has sent nothing for \d+ s \(stopped or hung\) during allreduce \d+ B float32 sum on 3 ranks \((warmup|timed) iteration \d+\)$/,
    );
    assert.ok(endMs < 2000 + 5000, `ended in ${endMs} ms`);
    assert.equal(readJson(json).status, 'failed');
  });

  test('mpirun: a rank killed with SIGKILL is named; mpirun ends the rest', async () => {
    const json = join(dir, 'kill-mpi.json');
    const { r, endMs } = await faultRun(
      ['allreduce', '--backend', 'mpi', '-n', '2', '--timeout', '10'],
      1,
      'SIGKILL',
      json,
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /rank 1 \(.+\) died during allreduce \d+ B float32 sum on 2 ranks/);
    assert.ok(endMs < 8000, `ended in ${endMs} ms`);
    assert.equal(readJson(json).status, 'failed');
  });

  for (const [launcher, backend] of [
    ['local', 'gloo'],
    ['mpirun', 'mpi'],
  ])
    test(`${launcher}: a rank that fails to start is named and the others do not wait (fault injection)`, async () => {
      const r = await ccbench(
        ['allreduce', '--launcher', launcher, '--backend', backend, '-n', '3', '--sizes', '8:1K', '--timeout', '60'],
        { env: { CCBENCH_FAULT_INJECT: 'fail-start:1' } },
      );
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual(oneLine(r), [
        `ccbench: rank 1 (${hostname()}): could not start (fault injection: CCBENCH_FAULT_INJECT=fail-start:1)`,
      ]);
      assert.ok(r.ms < 20_000, `ended in ${r.ms} ms`);
    });
});
