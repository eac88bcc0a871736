// ccbench across hosts: the network-namespace cluster of test/cluster/cluster.sh (ctl, n1, n2 on
// 198.18.0.0/24, own hostnames and /tmp, slurmctld + a slurmd per compute host, fake GPUs). mpirun
// through the rsh-agent hook, ranks started by hand, srun steps, an sbatch job and GPU requests.
// Every run uses --check and a few small sizes. Needs root; .ci/run starts the cluster, and without
// it this file starts one and stops it afterwards. Skipped, saying why, where it cannot start,
// except under CCBENCH_REQUIRE_CLUSTER=1 (.ci/run), where that is a failure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { addressOf, ccbenchOn, COMPUTE, D, MPIRUN_ARGS, onHost, prepare, stop } from './cluster.js';
import { leavesNoProcess, readJson, ROOT, waitFor } from './helpers.js';

const SMALL = ['--sizes', '8:4K:8', '--iters', '20', '--warmup', '2', '--check', '--quiet', '--timeout', '30'];
const cluster = prepare();
const why = cluster.why;

/** What every multi-host result file must show: the hosts, their own addresses, a routable rank 0. */
function assertAcrossHosts(json: string, hosts: string[], sameSoftware = true): any {
  const doc = readJson(json);
  if (sameSoftware) assert.deepEqual(doc.software_differences, [], 'no false alarm: every host runs the same software');
  assert.equal(doc.status, 'complete', doc.errors?.join('; '));
  assert.ok(doc.results.length > 0 && doc.results.every((x: any) => x.wrong === 0), 'every size checked, 0 wrong');
  assert.deepEqual(doc.hosts, hosts);
  const byHost = new Map(doc.ranks.map((r: any) => [r.host, r.address]));
  assert.deepEqual([...byHost.keys()], hosts, 'ranks in host order');
  for (const [host, address] of byHost) assert.equal(address, addressOf(host as string), `${host}'s address`);
  assert.equal(new Set(byHost.values()).size, hosts.length, 'distinct addresses');
  assert.match(doc.control.address, /^198\.18\.0\.\d+$/, "rank 0's control plane on a routable address");
  assert.equal(doc.control.address, doc.ranks[0].address, "rank 0's control plane on rank 0's host");
  return doc;
}

describe('across the hosts of a network-namespace cluster', { skip: cluster.skip, concurrency: false }, () => {
  const work = why ? '' : mkdtempSync(join(D, 'work', 'test-'));
  after(() => {
    if (why) return;
    rmSync(work, { recursive: true, force: true });
    stop(cluster);
  });
  leavesNoProcess();

  if (why) test('the cluster is up (CCBENCH_REQUIRE_CLUSTER=1)', () => assert.fail(why));
  if (why) return;

  test('the hosts: own names, addresses and /tmp, and no way in from the root namespace', async () => {
    for (const h of ['ctl', ...COMPUTE]) {
      const r = await onHost(h, ['sh', '-c', 'hostname; ip -4 -o addr show eth0']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${h}\\n.* inet ${addressOf(h).replace(/\./g, '\\.')}/24 `));
    }
    assert.equal((await onHost('n1', ['sh', '-c', 'echo private > /tmp/ccbench-probe'])).code, 0);
    assert.equal((await onHost('n2', ['test', '-e', '/tmp/ccbench-probe'])).code, 1, "n1's /tmp is not n2's");
    assert.doesNotMatch(execFileSync('ip', ['-4', 'addr', 'show'], { encoding: 'utf8' }), /198\.18\.0\./);
    assert.doesNotMatch(execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }), /^198\.18\.0\./m);
  });

  test('mpirun from ctl starts ranks on n1 and n2 through the rsh agent (MPI over TCP)', async () => {
    const json = join(work, 'mpirun.json');
    const r = await ccbenchOn('ctl', [
      'allreduce',
      '-n',
      '2',
      '--launcher',
      'mpirun',
      '--launcher-args',
      MPIRUN_ARGS,
      '--backend',
      'mpi',
      ...SMALL,
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = assertAcrossHosts(json, COMPUTE);
    assert.equal(doc.launcher, 'openmpi');
    assert.equal(doc.environment.OMPI_MCA_btl, 'self,tcp');
    assert.deepEqual(doc.oversubscribed, [], 'unbound (--bind-to none): no two ranks on one core');
    assert.equal(new Set(doc.ranks.map((x: any) => x.machine)).size, 1, 'the hosts are one machine');
  });

  test('ranks of n1 and n2 both bound to CPU 0 of their one machine: the JSON says they share it', async () => {
    const json = join(work, 'one-core.json');
    const args = ['latency', '--backend', 'gloo', ...SMALL, '--control-addr', 'n1:29501', '--json', json];
    const rank = (host: string, r: number) =>
      onHost(host, ['taskset', '-c', '0', join(ROOT, 'bin', 'ccbench.js'), ...args], {
        env: { CCBENCH_RANK: String(r), CCBENCH_SIZE: '2', CCBENCH_JOB_SECRET: 'cluster-test' },
      });
    const [r0, r1] = await Promise.all([rank('n1', 0), rank('n2', 1)]);
    assert.equal(r0.code, 0, r0.stderr);
    assert.equal(r1.code, 0, r1.stderr);
    const doc = assertAcrossHosts(json, COMPUTE);
    assert.deepEqual(doc.oversubscribed, [{ host: 'n1, n2', ranks: 2, cpus: 1, one_machine: true }]);
    assert.deepEqual(
      doc.ranks.map((x: any) => x.bound_cpus),
      ['0', '0'],
    );
  });

  test('ranks started by hand on n1 and n2 find rank 0 at --control-addr n1:port (Gloo); n2 runs other software', async () => {
    const json = join(work, 'by-hand.json');
    const args = ['allreduce', '--backend', 'gloo', ...SMALL, '--control-addr', 'n1:29500', '--json', json];
    // n2 alone has a network plugin variable and another library path, as a node set up apart would.
    const odd = { NCCL_NET_PLUGIN: 'ccbench-test', LD_LIBRARY_PATH: '/opt/ccbench-test/lib' };
    const rank = (host: string, r: number) =>
      ccbenchOn(host, args, {
        env: { CCBENCH_RANK: String(r), CCBENCH_SIZE: '2', CCBENCH_JOB_SECRET: 'cluster-test', ...(r === 1 && odd) },
      });
    const [r0, r1] = await Promise.all([rank('n1', 0), rank('n2', 1)]);
    assert.equal(r0.code, 0, r0.stderr);
    assert.equal(r1.code, 0, r1.stderr);
    const doc = assertAcrossHosts(json, COMPUTE, false);
    assert.equal(doc.control.address, addressOf('n1'));
    const warnings = r0.stderr.split('\n').filter((l: string) => l.includes('different software'));
    assert.equal(warnings.length, 1, r0.stderr);
    assert.match(warnings[0], /\$NCCL_NET_PLUGIN: n1 \(unset\) vs n2 ccbench-test/);
    const byFact = new Map(doc.software_differences.map((d: any) => [d.fact, d.values]));
    assert.deepEqual([...byFact.keys()].sort(), ['$LD_LIBRARY_PATH', '$NCCL_NET_PLUGIN']);
    assert.deepEqual(
      (byFact.get('$LD_LIBRARY_PATH') as any[]).find((v) => v.value === odd.LD_LIBRARY_PATH),
      { value: odd.LD_LIBRARY_PATH, hosts: ['n2'], ranks: [1] },
    );
  });

  test('srun -N2 with MPI (pmix): one rank per compute host', async () => {
    const json = join(work, 'srun-mpi.json');
    const r = await ccbenchOn('ctl', [
      'allreduce',
      '-n',
      '2',
      '--launcher',
      'srun',
      '--launcher-args',
      '-N2',
      '--backend',
      'mpi',
      ...SMALL,
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = assertAcrossHosts(json, COMPUTE);
    assert.deepEqual([doc.launcher, doc.backend.name], ['slurm', 'mpi']);
  });

  test('srun -N2 with Gloo on the TCP control plane, one fake GPU per task', async () => {
    const json = join(work, 'srun-gloo.json');
    const r = await ccbenchOn('ctl', [
      'allgather',
      '-n',
      '4',
      '--launcher',
      'srun',
      '--launcher-args',
      '-N2 --gpus-per-node=2 --gpus-per-task=1',
      '--backend',
      'gloo',
      ...SMALL,
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = assertAcrossHosts(json, COMPUTE);
    assert.deepEqual(
      doc.ranks.map((x: any) => `${x.host}/${x.local_rank}`),
      ['n1/0', 'n1/1', 'n2/0', 'n2/1'],
    );
    // Slurm's gres plugin gave rank 0 (local rank 0) its own GPU, as the JSON records.
    assert.equal(doc.environment.CUDA_VISIBLE_DEVICES, '0');
    assert.equal(doc.environment.ROCR_VISIBLE_DEVICES, '0');
  });

  test('ccbench sbatch --nodes 2 --gpus-per-node 2 --submit: the job runs on both hosts, its file appears', async () => {
    const cwd = mkdtempSync(join(work, 'sbatch-'));
    const r = await ccbenchOn(
      'ctl',
      [
        'sbatch',
        'allreduce',
        '--nodes',
        '2',
        '--gpus-per-node',
        '2',
        ...SMALL.filter((a) => a !== '--quiet'),
        '--submit',
      ],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr);
    const id = /submitted batch job (\d+)/.exec(r.stdout)?.[1] as string;
    assert.ok(id, r.stdout);
    const json = join(cwd, `ccbench-allreduce-${id}.json`);
    const out = join(cwd, `ccbench-allreduce-${id}.out`);
    await waitFor(() => existsSync(json) && readJson(json).status !== 'running', 60_000).catch(() => {
      assert.fail(`no finished ${json} within 60 s: ${existsSync(out) ? readFileSync(out, 'utf8') : 'no output'}`);
    });
    const doc = assertAcrossHosts(json, COMPUTE);
    assert.equal(doc.world_size, 4, 'one rank per GPU of each node');
    assert.equal(doc.plan.gpusPerNode, 2);
    assert.equal(doc.environment.CUDA_VISIBLE_DEVICES, '0,1', "the node's two GPUs, shared by its tasks");
  });

  test('NCCL on fake GPUs fails at once, clearly, on ctl and on the compute hosts', async () => {
    const commander = await ccbenchOn('ctl', [
      'allreduce',
      '-n',
      '2',
      '--launcher',
      'srun',
      '--launcher-args',
      '-N2 --gpus-per-node=2',
      '--backend',
      'nccl',
      ...SMALL,
    ]);
    assert.equal(commander.code, 2, commander.stderr);
    assert.match(commander.stderr, /^ccbench: .*NCCL/i);
    // Ranks started by srun itself: each host has Slurm's GPUs but no runtime that sees them.
    const ranks = await onHost(
      'ctl',
      ['srun', '-N2', '-n2', '--gpus-per-node=2', 'ccbench', 'allreduce', '--backend', 'nccl', ...SMALL],
      { timeoutMs: 40_000 },
    );
    assert.equal(ranks.code, 2, ranks.stderr);
    assert.match(
      ranks.stderr,
      /^ccbench: rank \d \((n1|n2)\) failed during opening the nccl backend: no GPU is visible/m,
    );
    assert.ok(ranks.ms < 30_000, `ended in ${ranks.ms} ms`);
  });
});
