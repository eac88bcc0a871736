// Against a real one-node Slurm cluster on loopback (test/slurm/cluster.sh; .ci/run starts it):
// srun steps with and without MPI, ccbench starting srun itself, ccbench typed in a batch script,
// `ccbench sbatch --submit`, and a rank killed under srun. Skipped, saying why, without a cluster.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ccbench, CLI, readJson, run, sleep, slurmMissing, strays, tempDir } from './helpers.js';

const CONF = process.env.SLURM_CONF ?? '/tmp/ccbench-slurm/slurm.conf';
const env = { SLURM_CONF: CONF, CCBENCH_KEY_FILE: join(tempDir(), 'key') };

const skip = slurmMissing(env);
const dir = tempDir();
const SMALL = ['--sizes', '8:4K', '--iters', '50', '--check'];

/** Runs a batch script and waits (bounded) until the job has left the queue. */
async function batch(script: string, cwd: string): Promise<string> {
  const id = execFileSync('sbatch', ['--parsable'], {
    input: script,
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  }).trim();
  await untilGone(id);
  return id;
}

async function untilGone(id: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (execFileSync('squeue', ['-h', '-j', id], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim() === '')
      return;
    await sleep(250);
  }
  throw new Error(`job ${id} still queued after 60 s`);
}

function resultKeys(file: string): string[] {
  return Object.keys(readJson(file)).sort();
}

describe('Slurm', { skip }, () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));

  test('srun --mpi=pmix: an MPI job step with the mpi backend', async () => {
    const json = join(dir, 'srun-mpi.json');
    const r = await run(
      'srun',
      ['-n', '2', '--mpi=pmix', process.execPath, CLI, 'allreduce', '--backend', 'mpi', ...SMALL, '--json', json],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    assert.deepEqual(
      [doc.launcher, doc.world_size, doc.mpi.implementation, doc.status],
      ['slurm', 2, 'Open MPI', 'complete'],
    );
    assert.ok(doc.results.every((x: any) => x.wrong === 0));
  });

  test('srun --mpi=none: the TCP control plane with the per-user key, and Gloo', async () => {
    const json = join(dir, 'srun-tcp.json');
    const r = await run(
      'srun',
      ['-n', '2', '--mpi=none', process.execPath, CLI, 'allreduce', '--backend', 'gloo', ...SMALL, '--json', json],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    assert.deepEqual([doc.launcher, doc.mpi, doc.backend.name], ['slurm', null, 'gloo']);
    assert.ok(existsSync(env.CCBENCH_KEY_FILE), 'rank 0 created the key file');
    assert.ok(doc.results.every((x: any) => x.wrong === 0));
  });

  test('srun --mpi=none with --backend auto: the choice and its reason, in the header and the JSON', async () => {
    const json = join(dir, 'srun-auto.json');
    const r = await run(
      'srun',
      ['-n', '2', '--mpi=none', process.execPath, CLI, 'allreduce', ...SMALL, '--json', json],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# backend gloo, chosen by --backend auto: no GPU found, not an MPI job$/m);
    assert.equal(readJson(json).backend.chosen_by, 'auto: no GPU found, not an MPI job');
  });

  test('srun with more ranks than CPUs: said once, and MPI told to yield (which mpirun would do, srun does not)', async () => {
    const cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
    const json = join(dir, 'srun-oversubscribed.json');
    const r = await run(
      'srun',
      [
        '-n',
        String(2 * cpus),
        '--overcommit',
        '--mpi=pmix',
        process.execPath,
        CLI,
        'allreduce',
        '--backend',
        'mpi',
        ...SMALL,
        '--json',
        json,
      ],
      { env, timeoutMs: 120_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = readJson(json);
    assert.equal(doc.oversubscribed[0]?.ranks, 2 * cpus);
    assert.equal(doc.environment.OMPI_MCA_mpi_yield_when_idle, '1');
  });

  test('srun --mpi=none with the mpi backend: one clear line', async () => {
    const r = await run('srun', ['-n', '2', '--mpi=none', process.execPath, CLI, 'allreduce', '--backend', 'mpi'], {
      env,
      timeoutMs: 60_000,
    });
    assert.notEqual(r.code, 0);
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('ccbench'));
    assert.deepEqual(ours.length, 1, r.stderr);
    assert.match(ours[0], /no MPI process manager.*srun --mpi=pmix/);
  });

  test('--launcher srun: ccbench starts the step itself', async () => {
    const json = join(dir, 'launcher-srun.json');
    const r = await ccbench(
      ['allreduce', '--launcher', 'srun', '-n', '2', '--backend', 'gloo', ...SMALL, '--json', json],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readJson(json).launcher, 'slurm');
  });

  test('typed in a batch script without srun, ccbench knows it is not a rank and starts srun', async () => {
    const cwd = tempDir();
    const id = await batch(
      `#!/bin/bash\n#SBATCH --ntasks=2\n#SBATCH --output=%j.out\n${process.execPath} ${CLI} allreduce -n 2 --backend gloo ${SMALL.join(' ')} --json in-batch.json\n`,
      cwd,
    );
    const doc = readJson(join(cwd, 'in-batch.json'));
    assert.deepEqual(
      [doc.launcher, doc.world_size, doc.status],
      ['slurm', 2, 'complete'],
      readFileSync(join(cwd, `${id}.out`), 'utf8'),
    );
  });

  for (const backend of ['gloo', 'mpi'])
    test(`ccbench sbatch --submit (${backend}): the job's results file appears, the same kind as a local run's`, async () => {
      const cwd = tempDir();
      const r = await ccbench(
        ['sbatch', 'allreduce', '--nodes', '1', '--ntasks-per-node', '2', '--backend', backend, ...SMALL, '--submit'],
        { env, cwd },
      );
      assert.equal(r.code, 0, r.stderr);
      const id = /submitted batch job (\d+)/.exec(r.stdout)?.[1] as string;
      assert.ok(id, r.stdout);
      await untilGone(id);
      const json = join(cwd, `ccbench-allreduce-${id}.json`);
      assert.ok(existsSync(json), readFileSync(join(cwd, `ccbench-allreduce-${id}.out`), 'utf8'));
      const doc = readJson(json);
      assert.deepEqual([doc.launcher, doc.world_size, doc.backend.name, doc.status], ['slurm', 2, backend, 'complete']);
      assert.ok(doc.results.every((x: any) => x.wrong === 0));
      assert.match(readFileSync(join(cwd, `ccbench-allreduce-${id}.out`), 'utf8'), /# check: 0 wrong elements: OK/);

      const local = join(cwd, 'local.json');
      assert.equal(
        (await ccbench(['allreduce', '--launcher', 'local', '-n', '2', '--backend', 'gloo', ...SMALL, '--json', local]))
          .code,
        0,
      );
      assert.deepEqual(resultKeys(json), resultKeys(local), 'the same kind of result file');
    });

  test('a rank killed under srun: the step ends, the rank is named, finished sizes are kept', async () => {
    const json = join(dir, 'srun-kill.json');
    const runP = ccbench(
      [
        'allreduce',
        '--launcher',
        'srun',
        '-n',
        '2',
        '--backend',
        'gloo',
        '--sizes',
        '8:1K',
        '--iters',
        '100000000',
        '--max-time-per-size',
        '0.4',
        '--timeout',
        '10',
        '--json',
        json,
      ],
      { env, timeoutMs: 60_000 },
    );
    for (let i = 0; i < 300 && !(existsSync(json) && readJson(json).results.length >= 2); i++) await sleep(100);
    const t0 = Date.now();
    process.kill(readJson(json).ranks[1].pid, 'SIGKILL');
    const r = await runP;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ccbench: rank 1 \(.+\) died during allreduce \d+ B float32 sum on 2 ranks/);
    assert.ok(Date.now() - t0 < 10_000);
    const doc = readJson(json);
    assert.equal(doc.status, 'failed');
    assert.ok(doc.results.length >= 2);
  });
});
