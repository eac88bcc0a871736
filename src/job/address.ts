// Where rank 0's control plane listens and where the others find it.
//  - --control-addr host:port (or CCBENCH_CONTROL_ADDR, which ccbench's local launcher sets);
//  - in a Slurm step: the step's first host (where rank 0 runs), at a port derived from the job
//    and step ids so every rank computes the same one; loopback when the step has one node.
import { childProcess, dns } from '../builtins.js';
import { networkInterfaces } from 'node:os';
import { UsageError } from '../errors.js';
import type { RankEnv } from './detect.js';

type Env = Record<string, string | undefined>;

export interface Endpoint {
  connect: string; // what ranks 1..n-1 connect to
  bind: string; // what rank 0 listens on (only the interface it needs)
  port: number; // 0: rank 0 picks one and ccbench's local launcher relays it
}

export function parseHostPort(text: string, flag = '--control-addr'): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[2]) > 65535)
    throw new UsageError(`${flag} '${text}' is not host:port (e.g. node001:29500 or 10.0.0.1:29500)`);
  return { host: m[1], port: Number(m[2]) };
}

/** Hosts of this Slurm step in rank order of their first rank (scontrol expands the node list). */
export function slurmStepHosts(env: Env): string[] {
  const list = env.SLURM_STEP_NODELIST ?? env.SLURM_JOB_NODELIST;
  if (!list) return [];
  try {
    return childProcess()
      .execFileSync('scontrol', ['show', 'hostnames', list], { encoding: 'utf8', timeout: 10_000 })
      .split('\n')
      .filter(Boolean);
  } catch {
    return list.includes('[') ? [] : list.split(','); // no scontrol: only plain lists can be read
  }
}

/** A port every rank of the step derives alike: 20000 + (job·100 + step) mod 30000. */
export function slurmPort(env: Env): number {
  const job = Number(env.SLURM_JOB_ID ?? 0);
  const step = Number(env.SLURM_STEP_ID ?? env.SLURM_STEPID ?? 0);
  return 20000 + ((job * 100 + step) % 30000);
}

/** This machine's address as other nodes see it: its name's address, else its first non-loopback IPv4. */
export async function routableAddress(name: string): Promise<string> {
  try {
    const { address } = await dns().lookup(name);
    if (!address.startsWith('127.') && address !== '::1') return address;
  } catch {
    // unresolvable: fall through to the interfaces
  }
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

export async function controlEndpoint(
  env: Env,
  re: RankEnv,
  explicit: string | undefined,
  myHost: string,
): Promise<Endpoint> {
  const given = explicit ?? env.CCBENCH_CONTROL_ADDR;
  if (given) {
    const { host, port } = parseHostPort(given, explicit ? '--control-addr' : 'CCBENCH_CONTROL_ADDR');
    const address = (
      await dns()
        .lookup(host)
        .catch(() => ({ address: host }))
    ).address;
    return { connect: address, bind: address, port };
  }
  if (re.launcher === 'slurm') {
    const hosts = slurmStepHosts(env);
    const port = slurmPort(env);
    if (hosts.length <= 1) return { connect: '127.0.0.1', bind: '127.0.0.1', port };
    const first = (
      await dns()
        .lookup(hosts[0])
        .catch(() => null)
    )?.address;
    if (!first)
      throw new UsageError(
        `cannot resolve ${hosts[0]}, the first host of this step; give rank 0's address with --control-addr host:port`,
      );
    return { connect: first, bind: re.rank === 0 ? await routableAddress(myHost) : first, port };
  }
  throw new UsageError(
    `this ${re.launcher} job has no MPI to bootstrap with and no control-plane address; give rank 0's address with --control-addr host:port`,
  );
}
