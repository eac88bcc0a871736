// What software each rank runs with — ccbench and Node, the MPI, Gloo, NCCL and RCCL it loads
// (versions and paths), the GPU driver and runtime, and the environment variables that steer them —
// and where the ranks' hosts disagree. A different library or network plugin on one node is a known
// cause of multi-node hangs and silent slowness, so rank 0 says it in one line and the JSON keeps it.
import { DEFAULT_ADDON, type Addon } from '../native/addon.js';
import { VERSION } from '../paths.js';
import { jobSpecific } from '../job-variables.js';
import { relevantEnvironment } from './environment.js';

/** Fact name → value, flat so ranks compare key by key; environment variables as `$NAME`. */
export type Software = Record<string, string>;

export interface SoftwareDifference {
  fact: string;
  values: { value: string; hosts: string[]; ranks: number[] }[]; // '(unset)' where a rank lacks it
}

const UNSET = '(unset)';
// Set per rank by design (GPU binding by local rank or by Slurm's gres), so they differ between
// ranks of one healthy job.
const PER_RANK = /^(CUDA_VISIBLE_DEVICES|HIP_VISIBLE_DEVICES|ROCR_VISIBLE_DEVICES|GPU_DEVICE_ORDINAL)$/;

/** This rank's software. ncclLib: the --nccl-lib path, as the backend will load it. */
export function softwareOf(addon: Addon, ncclLib: string | undefined, env = process.env): Software {
  const caps = addon.capabilities();
  const gpu = addon.gpuVendor();
  const lib = (rccl: boolean) => {
    const i = addon.ncclInfo(rccl, ncclLib ?? '');
    return i.error !== undefined ? 'not found' : `${i.version ?? '?'} (${i.path ?? '?'})`;
  };
  const s: Software = {
    ccbench: VERSION,
    'Node.js': process.version,
    addon: env.CCBENCH_ADDON || DEFAULT_ADDON,
    MPI: caps.mpiLibrary || 'none',
    Gloo: caps.glooLibrary || 'none',
    NCCL: lib(false),
    RCCL: lib(true),
    'GPU driver': gpu ? `${gpu.vendor} ${gpu.driverVersion}` : 'none',
    'GPU runtime': gpu ? `${gpu.runtime} ${gpu.runtimeVersion} (${gpu.runtimePath})` : 'none',
  };
  for (const [k, v] of Object.entries(relevantEnvironment(env)))
    if (!jobSpecific(k) && !PER_RANK.test(k)) s[`$${k}`] = v;
  return s;
}

/**
 * Facts on which hosts disagree: for each fact, the set of values a host's ranks have must be the
 * same on every host (ranks of one host are not compared with each other: that would be one
 * node's own configuration, not a mismatch between nodes).
 */
export function softwareDifferences(perRank: Software[], hosts: string[]): SoftwareDifference[] {
  const facts = [...new Set(perRank.flatMap((s) => Object.keys(s)))];
  const hostList = [...new Set(hosts)];
  if (hostList.length < 2) return [];
  const out: SoftwareDifference[] = [];
  for (const fact of facts) {
    const setOf = (h: string) =>
      [...new Set(perRank.filter((_, r) => hosts[r] === h).map((s) => s[fact] ?? UNSET))].sort().join('\n');
    const first = setOf(hostList[0]);
    if (hostList.every((h) => setOf(h) === first)) continue;
    const byValue = new Map<string, { value: string; hosts: string[]; ranks: number[] }>();
    perRank.forEach((s, r) => {
      const value = s[fact] ?? UNSET;
      const v = byValue.get(value) ?? { value, hosts: [], ranks: [] };
      if (!v.hosts.includes(hosts[r])) v.hosts.push(hosts[r]);
      v.ranks.push(r);
      byValue.set(value, v);
    });
    out.push({ fact, values: [...byValue.values()] });
  }
  return out;
}

/** rank 0's one line about them ('' when the hosts agree). */
export function differenceWarning(diffs: SoftwareDifference[]): string {
  if (diffs.length === 0) return '';
  const shown = diffs
    .slice(0, 3)
    .map((d) => `${d.fact}: ${d.values.map((v) => `${v.hosts.join(',')} ${v.value}`).join(' vs ')}`);
  const more = diffs.length > 3 ? `; and ${diffs.length - 3} more` : '';
  return (
    `ccbench: warning: the hosts run different software — ${shown.join('; ')}${more}. ` +
    'A mismatched library or network plugin on one node is a known cause of multi-node hangs; ' +
    'the JSON lists them all (software_differences)'
  );
}
