// Result records and run metadata built by hand, for the exporters' tests (no run behind them:
// the exporters only read records, so these exercise their formatting and parsing for real).
import type { Plan } from '../src/plan/plan.js';
import type { RunMeta } from '../src/report/meta.js';
import type { ResultRow } from '../src/report/row.js';
import type { TimeStats } from '../src/report/stats.js';

export const stats = (avg: number, samples = 100, o: Partial<TimeStats> = {}): TimeStats => ({
  avg,
  min: avg - 1,
  max: avg + 1,
  p50: avg,
  p90: avg + 0.5,
  p99: avg + 0.75,
  stdev: 0.25,
  samples,
  p50_ci: null,
  ...o,
});

export function row(o: Partial<ResultRow> = {}): ResultRow {
  return {
    op: 'allreduce',
    ranks: 2,
    size_bytes: 1024,
    count: 256,
    dtype: 'float32',
    redop: 'sum',
    root: -1,
    in_place: false,
    iters: 1000,
    iters_planned: 1000,
    warmup: 100,
    cycle: 1,
    time_us: stats(12.25),
    alg_bytes: 1024,
    algbw_gbs: 0.08,
    busbw_gbs: 0.08,
    bus_factor: 1,
    wrong: null,
    ...o,
  };
}

export function meta(plan: Plan, o: Partial<RunMeta> = {}): RunMeta {
  return {
    ccbench: { version: '0.0.0-test', node: process.version, executable: process.execPath },
    command: ['ccbench', 'allreduce'],
    cwd: '/tmp',
    start_time: '2024-01-01T00:00:00.000Z',
    launcher: 'local',
    backend: { name: 'mpi', library: 'test MPI', device: 'host memory' },
    mpi: null,
    system: {
      ccbench: { version: '0.0.0-test', node: process.version, addon: 'none' },
      backends: [],
      gpu: { error: 'none' },
      nccl: { error: 'none' },
      rccl: { error: 'none' },
      mpi: null,
    } as unknown as RunMeta['system'],
    world_size: plan.np,
    hosts: ['node0'],
    ranks: Array.from({ length: plan.np }, (_, r) => ({
      rank: r,
      host: 'node0',
      pid: 100 + r,
      local_rank: r,
      device: 'host memory',
    })),
    plan,
    ...o,
  };
}
