// Shared by the tests on the namespace cluster of test/cluster/cluster.sh (cluster.test.ts and
// cluster-faults.test.ts): bringing it up (or saying why not), running commands on its hosts.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run, type RunOptions } from './helpers.js';

export const FIXTURE = join(ROOT, 'test', 'cluster', 'cluster.sh');
export const D = '/var/tmp/ccbench-cluster'; // the fixture's directory (seen by every host, unlike /tmp)
export const COMPUTE = ['n1', 'n2'];
// Open MPI across the hosts: its TCP transport and daemons on the hosts' interface, orted started
// through the namespace-entering rsh agent (as mpi-operator's kubexec.sh does for pods). No
// binding: every host's first rank would be bound to core 0 of what is one machine, and two
// spinning ranks on one core take turns by scheduler slices (8 B latency 4 ms instead of 5 µs).
export const MPIRUN_ARGS =
  `-H ${COMPUTE.join(',')} --mca plm_rsh_agent ${D}/nsrsh --mca plm_rsh_no_tree_spawn 1 --bind-to none ` +
  '--mca pml ob1 --mca btl self,tcp --mca btl_tcp_if_include eth0 --mca oob_tcp_if_include eth0';

export interface Prepared {
  why?: string; // why the tests cannot run
  skip?: string; // the same, unless CCBENCH_REQUIRE_CLUSTER=1 (.ci/run) makes it a failure
  startedHere: boolean; // so stop it afterwards
}

/** Brings the cluster up unless it is; says why it cannot. */
export function prepare(): Prepared {
  const required = process.env.CCBENCH_REQUIRE_CLUSTER === '1';
  const cannot = (why: string): Prepared => ({ why, skip: required ? undefined : why, startedHere: false });
  if (process.getuid?.() !== 0) return cannot('needs root (network namespaces, mounts, Slurm daemons): run as root');
  if (spawnSync(FIXTURE, ['status'], { stdio: 'ignore', timeout: 20_000 }).status === 0) return { startedHere: false };
  const r = spawnSync(FIXTURE, ['start'], { encoding: 'utf8', timeout: 90_000 });
  if (r.status === 0) return { startedHere: true };
  spawnSync(FIXTURE, ['stop'], { stdio: 'ignore', timeout: 60_000 });
  const line = (r.stderr ?? '').split('\n').find((l) => l.includes('FAILED')) ?? `exit ${r.status}`;
  return cannot(`the namespace cluster did not start (${line.trim()})`);
}

export function stop(p: Prepared): void {
  if (p.startedHere) spawnSync(FIXTURE, ['stop'], { stdio: 'ignore', timeout: 60_000 });
}

/** A command on one of the cluster's hosts. */
export function onHost(host: string, args: string[], o: RunOptions = {}) {
  return run(FIXTURE, ['run', host, ...args], { timeoutMs: 90_000, ...o });
}

// This checkout's ccbench, not the one the cluster's PATH links to (that of whoever started it).
export const ccbenchOn = (host: string, args: string[], o: RunOptions = {}) =>
  onHost(host, [join(ROOT, 'bin', 'ccbench.js'), ...args], o);

export function addressOf(host: string): string {
  const line = readFileSync(join(D, 'hosts'), 'utf8')
    .split('\n')
    .find((l) => l.split(/\s+/)[1] === host);
  return line?.split(/\s+/)[0] ?? '?';
}

/** Every compute host idle in Slurm (a step cut off by a fault completes once its host is back). */
export function nodesIdle(): boolean {
  const out = execFileSync(FIXTURE, ['run', 'ctl', 'sinfo', '-h', '-N', '-o', '%t'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return out
    .trim()
    .split('\n')
    .every((s) => s === 'idle');
}
