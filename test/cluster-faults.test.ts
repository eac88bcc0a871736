// Faults across the hosts of the namespace cluster (test/cluster/cluster.sh): a compute host's
// link taken down mid-sweep, every process of the job on one host killed, a stranger connecting
// to rank 0's control plane. The job ends within --timeout + 5 s naming the rank and its host, the
// finished sizes are kept, and no process is left on any host. Skipped as cluster.test.ts is.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ccbenchOn, D, FIXTURE, MPIRUN_ARGS, nodesIdle, prepare, stop } from './cluster.js';
import { leavesNoProcess, readJson, strays, waitFor, type RunResult } from './helpers.js';

const TIMEOUT_S = 5;
// Long enough that the fault always lands mid-sweep (1 s a size, 18 sizes), bounded all the same.
const LONG = [
  'allreduce',
  '--sizes',
  '8:1M:2',
  '--iters',
  '1000000',
  '--max-time-per-size',
  '1',
  '--warmup',
  '2',
  '--check',
  '--quiet',
  '--timeout',
  String(TIMEOUT_S),
];
const cluster = prepare();
const why = cluster.why;
const FABRIC = 'ccbc-fabric';

/** n2's end of its veth pair, in the bridge's namespace. */
const link = (state: 'up' | 'down') => execFileSync('ip', ['-n', FABRIC, 'link', 'set', 'v-ccbc-n2', state]);

/** n1 and n2 answer each other's TCP again (a refused connection is an answer). */
const talks = () =>
  [
    ['n1', 'n2'],
    ['n2', 'n1'],
  ].every(([from, to]) => {
    const r = spawnSync(FIXTURE, ['run', from, 'bash', '-c', `exec 3<>/dev/tcp/${to}/9`], {
      encoding: 'utf8',
      timeout: 3000,
    });
    return r.status === 0 || /Connection refused/.test(r.stderr);
  });

/** Kills every process on n2 that is not a Slurm daemon: the job's, whoever started them. */
function killJobOnN2(): number {
  const pids = execFileSync('ip', ['netns', 'pids', 'ccbc-n2'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  let n = 0;
  for (const p of pids) {
    let comm = '';
    try {
      comm = execFileSync('cat', [`/proc/${p}/comm`], { encoding: 'utf8' }).trim();
    } catch {
      continue; // gone
    }
    if (comm === 'slurmd' || comm === 'slurmstepd') continue;
    try {
      process.kill(Number(p), 'SIGKILL');
      n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

/** Waits until `json` holds 2 finished sizes, then does the fault; returns when it was done. */
async function midSweep(json: string, fault: () => void): Promise<number> {
  await waitFor(() => readJson(json).results.length >= 2, 60_000);
  const t = Date.now();
  fault();
  return t;
}

function assertNamed(r: RunResult, json: string, code: number, faultAt: number, cause: RegExp): void {
  const ended = Date.now() - faultAt;
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, cause);
  assert.ok(ended <= (TIMEOUT_S + 5) * 1000, `ended ${ended} ms after the fault, over --timeout + 5 s`);
  const doc = readJson(json);
  assert.equal(doc.status, 'failed');
  assert.match(doc.errors.join('\n'), cause);
  assert.ok(doc.results.length >= 2, 'the sizes finished before the fault are kept');
  assert.ok(
    doc.results.every((x: any) => x.wrong === 0),
    'and were right',
  );
}

describe('faults across the hosts of a network-namespace cluster', { skip: cluster.skip, concurrency: false }, () => {
  const work = why ? '' : mkdtempSync(join(D, 'work', 'faults-'));
  after(() => {
    if (why) return;
    link('up');
    rmSync(work, { recursive: true, force: true });
    stop(cluster);
  });
  leavesNoProcess();

  if (why) test('the cluster is up (CCBENCH_REQUIRE_CLUSTER=1)', () => assert.fail(why));
  if (why) return;

  test("n2's link down mid-sweep under mpirun: rank 1 (n2) named, mpirun ended, nothing left once it is back", async () => {
    const json = join(work, 'link-mpirun.json');
    const args = [...LONG, '-n', '2', '--launcher', 'mpirun', '--launcher-args', MPIRUN_ARGS, '--backend', 'mpi'];
    const job = ccbenchOn('ctl', [...args, '--json', json]);
    let r: RunResult;
    let at: number;
    try {
      at = await midSweep(json, () => link('down'));
      r = await job;
    } finally {
      link('up');
    }
    assertNamed(r, json, 124, at, /rank 1 \(n2\) has sent nothing for \d+ s/);
    assert.match(r.stderr, /mpirun was still running 1.5 s after rank 0 ended/);
    // Open MPI's daemon on n2 could not be told while the link was down; it ends once it is back.
    await waitFor(() => strays().length === 0, 30_000).catch(() => {});
    assert.deepEqual(strays(), [], 'no process left on any host');
  });

  test("n2's link down under srun -N2 (Gloo): rank 1 (n2) named, srun ended and its job cancelled", async () => {
    const json = join(work, 'link-srun.json');
    const args = [...LONG, '-n', '2', '--launcher', 'srun', '--launcher-args', '-N2', '--backend', 'gloo'];
    const job = ccbenchOn('ctl', [...args, '--json', json]);
    let r: RunResult;
    let at: number;
    try {
      at = await midSweep(json, () => link('down'));
      r = await job;
    } finally {
      link('up');
    }
    assertNamed(r, json, 124, at, /rank 1 \(n2\) has sent nothing for \d+ s/);
    assert.match(r.stderr, /srun was still running 1.5 s after rank 0 ended/);
    // srun was killed and its job cancelled; the step completes on n2 once it is back.
    await waitFor(() => strays().length === 0, 30_000).catch(() => {});
    assert.deepEqual(strays(), [], 'no process left on any host');
    await waitFor(nodesIdle, 30_000);
  });

  test("n2's link down under ranks started by hand (Gloo): both ends stop by themselves, naming the other", async () => {
    const json = join(work, 'link-by-hand.json');
    const args = [...LONG, '--backend', 'gloo', '--control-addr', 'n1:29501'];
    const env = (r: number) => ({ CCBENCH_RANK: String(r), CCBENCH_SIZE: '2', CCBENCH_JOB_SECRET: 'faults' });
    const r0 = ccbenchOn('n1', [...args, '--json', json], { env: env(0) });
    const r1 = ccbenchOn('n2', args, { env: env(1) });
    let ends: RunResult[];
    let at: number;
    try {
      at = await midSweep(json, () => link('down'));
      ends = await Promise.all([r0, r1]); // with the link still down: neither waits for the other
    } finally {
      link('up');
    }
    assertNamed(ends[0], json, 124, at, /rank 1 \(n2\) has sent nothing for \d+ s/);
    assert.equal(ends[1].code, 124, ends[1].stderr);
    assert.match(ends[1].stderr, /rank 1 \(n2\): rank 0 \(n1\) has sent nothing for \d+ s/);
    // The next test's mpirun job, started the moment the link was up again, hung in its first
    // collective over Open MPI's TCP transport (its --timeout does not cover MPI's own set-up).
    await waitFor(talks, 20_000);
  });

  test('every process of the job on n2 killed under mpirun (its daemon and rank): rank 1 (n2) named at once', async () => {
    const json = join(work, 'kill-mpirun.json');
    const args = [...LONG, '-n', '2', '--launcher', 'mpirun', '--launcher-args', MPIRUN_ARGS, '--backend', 'mpi'];
    const job = ccbenchOn('ctl', [...args, '--json', json]);
    const at = await midSweep(json, () => assert.ok(killJobOnN2() >= 2, 'orted and the rank'));
    const r = await job;
    assertNamed(r, json, 4, at, /rank 1 \(n2\) died during allreduce/);
    assert.doesNotMatch(r.stderr, /no rank said why/, "rank 0's word reached the commander from n1");
  });

  test('the ranks on n2 killed under srun -N2: rank 1 (n2) named, the step ends', async () => {
    const json = join(work, 'kill-srun.json');
    const args = [...LONG, '-n', '2', '--launcher', 'srun', '--launcher-args', '-N2', '--backend', 'gloo'];
    const job = ccbenchOn('ctl', [...args, '--json', json]);
    const at = await midSweep(json, () => assert.ok(killJobOnN2() >= 1, 'the rank'));
    assertNamed(await job, json, 4, at, /rank 1 \(n2\) died during allreduce/);
  });

  test("a stranger on ctl cannot join rank 0's control plane; the job's own rank 1 on n2 can", async () => {
    const json = join(work, 'stranger.json');
    const args = ['allreduce', '--backend', 'gloo', '--sizes', '8:64', '--iters', '10', '--check', '--quiet'];
    const hand = [...args, '--timeout', '20', '--control-addr', 'n1:29502'];
    const env = (r: number, secret: string) => ({
      CCBENCH_RANK: String(r),
      CCBENCH_SIZE: '2',
      CCBENCH_JOB_SECRET: secret,
    });
    const r0 = ccbenchOn('n1', [...hand, '--json', json], { env: env(0, 'the-job') });
    // ccbench itself on ctl, claiming rank 1 with another secret: refused, and told so (it gives
    // up after its own --timeout, the last one given).
    const stranger = await ccbenchOn('ctl', [...hand, '--timeout', '3'], { env: env(1, 'a-guess') });
    assert.equal(stranger.code, 2, stranger.stderr);
    assert.match(stranger.stderr, /refused this rank: the ranks do not share a secret/);
    const r1 = await ccbenchOn('n2', hand, { env: env(1, 'the-job') });
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal((await r0).code, 0);
    assert.equal(readJson(json).status, 'complete');
  });
});
