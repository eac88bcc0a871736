// What a result file says about its run besides the rows: the metadata rank 0 gathers, the
// status, and the units. Shared by every exporter.
import { getOp } from '../ops/index.js';
import type { Plan } from '../plan/plan.js';
import type { RunMetaFields } from './schema.js';

/** The run's metadata: its schema is RUN_META in schema.ts. */
export type RunMeta = RunMetaFields;

export type RunStatus = 'running' | 'complete' | 'check-failed' | 'interrupted' | 'failed';

/** How a run ended, as every exporter's close() receives it. */
export interface RunEnd {
  status: RunStatus;
  endTime: string | null;
  errors: string[];
  wrong: number | null; // wrong elements in all rows; null without --check
}

export const UNITS = {
  time: 'microseconds per operation (latency: one-way = round trip / 2; bw, bibw: per message)',
  bandwidth: 'GB/s, 1 GB = 1e9 bytes',
  size: 'bytes; nccl-tests convention: max(send, receive) bytes per rank (allgather, alltoall, ... : the whole array)',
  time_stats:
    "avg/min/max: across ranks of each rank's mean; p50/p90/p99/stdev: over iterations of the slowest rank (nearest rank)",
  algbw: 'alg_bytes / time_us.avg',
  busbw: 'algbw * bus_factor (nccl-tests doc/PERFORMANCE.md)',
} as const;

/** What one sample is, as the title says it (and the README's "What the numbers mean"). */
export function timingNote(timing: Plan['timing'], op: string, concurrent = 1, mix = false, groups = 0): string {
  const d = getOp(op);
  if (groups > 0)
    return `disjoint groups of ${groups} ranks, all at once, each on its own communicator: one sample = ${d.timed} (the slowest rank of all groups); slowdown = group 0 together / group 0 alone`;
  if (mix)
    return `a mix: every item at once, each on its own communicator (MPI non-blocking starts, then waits): one sample = the common start to this item's end; slowdown = that / this item alone`;
  if (concurrent > 1)
    return `${concurrent} copies at once on ${concurrent} communicators (MPI non-blocking starts, then waits): one sample = all started to the last done; slowdown = together / one copy alone`;
  if (timing === 'overlap')
    return `overlap timing (OSU non-blocking): one sample = start the op, compute for its pure time, wait; overlap = 100 − 100·(overall − compute)/pure`;
  if (timing === 'batch')
    return `batch timing: the iterations back to back, timed as one and divided by their number (nccl-tests); one iteration = ${d.timed}`;
  return (
    `per-op timing: one sample = ${d.timed}, ` +
    (d.barrierPerIter ? 'an untimed barrier between samples (OSU)' : 'samples back to back (OSU)')
  );
}

/** The title above each table: op, ranks, backend, device, form, timing, cycle. */
export function tableTitle(meta: RunMeta, op: string, ranks: number, inPlace: boolean, cycle: number): string {
  const { backend: b, plan } = meta;
  return (
    `# ${op} · ${ranks} ranks · ${b.name} (${b.library}) · ${b.device} · ${inPlace ? 'in-place' : 'out-of-place'} · ` +
    timingNote(plan.timing, op, plan.concurrent, plan.mix, plan.groups) +
    (plan.repeat > 1 ? ` · cycle ${cycle} of ${plan.repeat}` : '')
  );
}

/** Facts about the whole run that a reader of a printed table must know, one line each. */
export function runFacts(meta: RunMeta): string[] {
  const facts: string[] = [];
  const b = meta.backend;
  if (b.chosen_by) facts.push(`backend ${b.name}, chosen by --backend ${b.chosen_by}`);
  for (const m of meta.conditions?.missing ?? []) facts.push(m);
  for (const o of meta.oversubscribed ?? [])
    facts.push(
      o.one_machine
        ? `${o.ranks} ranks of hosts ${o.host}, one machine (one kernel), are bound to ${o.cpus} CPU${o.cpus === 1 ? '' : 's'} between them: they take turns, so times include waiting for a CPU; bind them apart or not at all (mpirun --bind-to none)`
        : `${o.ranks} ranks share ${o.cpus} CPU${o.cpus === 1 ? '' : 's'} on ${o.host}: times include waiting for a CPU (MPI ranks yield when idle)`,
    );
  return facts;
}
