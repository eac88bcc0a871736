// What differs between the runs' environments: ccbench and library versions and paths, GPUs,
// driver and runtime, MPI, hosts and ranks per node, how the run was timed, and the environment
// variables each run recorded (system/environment.ts). Variables that only name the job (Open
// MPI's job id, session directories, daemon URIs) differ on every run and are left out.
import type { ResultDocument } from '../report/schema.js';
import { jobSpecific } from '../job-variables.js';

export interface EnvDifference {
  fact: string;
  values: string[]; // one per file; '(unset)' where a file does not say
}

const UNSET = '(unset)';

function library(l: { library: string; version: string; path: string } | { error: string }): string {
  return 'error' in l ? 'not found' : `${l.library} ${l.version} (${l.path})`;
}

function countBy(items: string[]): string {
  const m = new Map<string, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m].map(([k, n]) => `${k} ×${n}`).join(', ');
}

/** The facts of one run, by name, in the order they are shown. */
export function runFacts(d: ResultDocument): Map<string, string> {
  const f = new Map<string, string>();
  const sys = d.system;
  const gpu = sys.gpu as Partial<{
    vendor: string;
    count: number;
    runtime: string;
    runtime_version: string;
    driver_version: string;
    runtime_path: string;
  }>;
  f.set('ccbench version', d.ccbench.version);
  f.set('Node.js', d.ccbench.node);
  f.set('backend', `${d.backend.name} (${d.backend.library})`);
  f.set('buffers', d.backend.device);
  f.set('launcher', d.launcher);
  f.set('hosts', d.hosts.join(', '));
  f.set('ranks', String(d.world_size));
  f.set('ranks per node', countBy(d.ranks.map((r) => r.host)));
  f.set(
    'CPUs per node',
    [...new Map(d.ranks.map((r) => [r.host, r.cpus ?? '?'])).entries()].map(([h, c]) => `${h}: ${c}`).join(', '),
  );
  f.set('device per rank', countBy(d.ranks.map((r) => `${r.host}: ${r.device}`)));
  f.set('GPUs (rank 0 node)', gpu.vendor ? `${gpu.vendor} ×${gpu.count}` : 'none');
  f.set('GPU driver', gpu.driver_version ?? 'none');
  f.set('GPU runtime', gpu.runtime ? `${gpu.runtime} ${gpu.runtime_version} (${gpu.runtime_path})` : 'none');
  f.set('NCCL', library(sys.nccl));
  f.set('RCCL', library(sys.rccl));
  f.set(
    'backends available',
    sys.backends
      .filter((b) => b.available)
      .map((b) => b.name)
      .join(', ') || 'none',
  );
  f.set('MPI', sys.mpi ? sys.mpi.library_version : 'none');
  f.set('MPI GPU awareness', (sys.mpi as { gpu_awareness?: string } | null)?.gpu_awareness ?? 'none');
  f.set(
    'oversubscribed',
    (d.oversubscribed ?? []).map((o) => `${o.host}: ${o.ranks} ranks on ${o.cpus} CPUs`).join(', ') || 'no',
  );
  const p = d.plan as unknown as Record<string, unknown>;
  f.set('timing', String(p.timing));
  f.set('iterations', p.iters === undefined ? 'by size (OSU)' : String(p.iters));
  f.set('warm-up', p.warmup === undefined ? 'by size (OSU)' : String(p.warmup));
  f.set('max time per size', `${String(p.maxTimePerSize)} s`);
  f.set('repeat', String(p.repeat));
  f.set('graph launches', String(p.graphLaunches ?? 0));
  f.set('check', String(p.check));
  for (const [k, v] of Object.entries(d.environment ?? {})) if (!jobSpecific(k)) f.set(`$${k}`, v);
  return f;
}

export function environmentDiff(docs: ResultDocument[]): {
  differences: EnvDifference[];
  same: number;
  ignored: string[];
} {
  const facts = docs.map(runFacts);
  const names: string[] = [];
  for (const f of facts) for (const k of f.keys()) if (!names.includes(k)) names.push(k);
  const differences: EnvDifference[] = [];
  let same = 0;
  for (const fact of names) {
    const values = facts.map((f) => f.get(fact) ?? UNSET);
    if (values.every((v) => v === values[0])) same++;
    else differences.push({ fact, values });
  }
  const ignored = new Set<string>();
  for (const d of docs) for (const k of Object.keys(d.environment ?? {})) if (jobSpecific(k)) ignored.add(k);
  return { differences, same, ignored: [...ignored].sort() };
}
