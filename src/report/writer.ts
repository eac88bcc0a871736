// Where results go as the sweep runs: the terminal table, a CSV file and a JSON document, each
// updated after every size so an interrupted run keeps every finished size.
import { closeSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { Plan } from '../plan/plan.js';
import type { SystemFacts } from './system.js';
import { createOutput, writeAtomically } from './files.js';
import type { ResultRow } from './row.js';
import { headerLine, rowLine } from './table.js';

export interface RunMeta {
  ccbench: { version: string; node: string; executable: string };
  command: string[];
  cwd: string;
  start_time: string;
  launcher: string;
  backend: { name: string; library: string; device: string };
  mpi: { implementation: string; version: string; library_version: string } | null;
  system: SystemFacts; // rank 0's node: GPUs' runtime and driver, NCCL / RCCL, MPI, the build
  world_size: number;
  hosts: string[];
  ranks: { rank: number; host: string; pid: number; local_rank: number; device: string }[];
  plan: Plan;
}

export type RunStatus = 'running' | 'complete' | 'interrupted' | 'failed';

export const UNITS = {
  time: 'microseconds per operation (latency: one-way = round trip / 2; bw, bibw: per message)',
  bandwidth: 'GB/s, 1 GB = 1e9 bytes',
  size: 'bytes; nccl-tests convention: max(send, receive) bytes per rank (allgather, alltoall, ... : the whole array)',
  time_stats: 'avg/min/max: across ranks of each rank\'s mean; p50/p90/p99/stdev: over iterations of the slowest rank (nearest rank)',
  algbw: 'alg_bytes / time_us.avg',
  busbw: 'algbw * bus_factor (nccl-tests doc/PERFORMANCE.md)',
} as const;

const CSV_COLUMNS = [
  'op', 'ranks', 'size_bytes', 'count', 'dtype', 'redop', 'root', 'in_place', 'iters', 'warmup', 'cycle',
  'time_avg_us', 'time_min_us', 'time_max_us', 'time_p50_us', 'time_p90_us', 'time_p99_us', 'time_stdev_us',
  'alg_bytes', 'algbw_gbs', 'busbw_gbs', 'bus_factor', 'wrong',
];

function csvRecord(r: ResultRow): unknown[] {
  const t = r.time_us;
  return [r.op, r.ranks, r.size_bytes, r.count, r.dtype, r.redop, r.root, r.in_place, r.iters, r.warmup, r.cycle,
    t.avg, t.min, t.max, t.p50, t.p90, t.p99, t.stdev, r.alg_bytes, r.algbw_gbs ?? '', r.busbw_gbs ?? '',
    r.bus_factor, r.wrong ?? ''];
}

// csv-stringify would write false as an empty field (like a missing value): spell booleans out.
function toCsv(record: unknown[]): string {
  return stringify([record], { cast: { boolean: (v) => (v ? 'true' : 'false') } });
}

export class ResultWriter {
  private readonly rows: ResultRow[] = [];
  private csvFd: number | undefined;
  private tableKey = '';
  private status: RunStatus = 'running';
  private endTime: string | null = null;
  private errors: string[] = [];

  constructor(private readonly meta: RunMeta, private readonly out: (line: string) => void) {}

  /** Creates the files (refusing to replace existing ones unless --overwrite). */
  open(): void {
    const { json, csv, overwrite } = this.meta.plan.output;
    if (json) closeSync(createOutput(json, '--json', overwrite));
    if (csv) {
      this.csvFd = createOutput(csv, '--csv', overwrite);
      writeSync(this.csvFd, toCsv(CSV_COLUMNS));
    }
    this.flushJson();
    for (const note of this.meta.plan.notes) process.stderr.write(`ccbench: note: ${note}\n`);
  }

  add(row: ResultRow, title: string): void {
    this.rows.push(row);
    if (!this.meta.plan.output.quiet) {
      const key = `${row.op}/${row.ranks}/${row.cycle}`;
      if (key !== this.tableKey) {
        this.tableKey = key;
        this.out(`\n${title}\n${headerLine()}`);
      }
      this.out(rowLine(row));
    }
    if (this.csvFd !== undefined) writeSync(this.csvFd, toCsv(csvRecord(row)));
    this.flushJson();
  }

  close(status: RunStatus, error?: string): void {
    this.status = status;
    this.endTime = new Date().toISOString();
    if (error && !this.errors.includes(error)) this.errors.push(error);
    this.flushJson();
    if (this.csvFd !== undefined) {
      closeSync(this.csvFd);
      this.csvFd = undefined;
    }
  }

  get results(): readonly ResultRow[] {
    return this.rows;
  }

  private flushJson(): void {
    const path = this.meta.plan.output.json;
    if (!path) return;
    const doc = {
      schema: 'ccbench.result/1',
      ...this.meta,
      end_time: this.endTime,
      status: this.status,
      errors: this.errors,
      units: UNITS,
      results: this.rows,
    };
    writeAtomically(path, JSON.stringify(doc, null, 1) + '\n');
  }
}
