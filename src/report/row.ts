// One result record: a point of the sweep with its statistics and bandwidths. This is the
// schema of the JSON "results" entries and of the CSV rows (units in the key names).
import { algBytes, getOp } from '../ops/index.js';
import type { Point } from '../plan/plan.js';
import type { TimeStats } from './stats.js';

export interface ResultRow {
  op: string;
  ranks: number;
  size_bytes: number; // nccl-tests' size column: max(send, receive) bytes per rank
  count: number; // elements passed to the library (per rank / per peer for chunked ops)
  dtype: string;
  redop: string;
  root: number;
  in_place: boolean;
  iters: number; // timed iterations run (with --graph: ops per graph launch)
  iters_planned: number; // what --iters or OSU's default asked for; more than iters when --max-time-per-size cut the size short
  warmup: number;
  graph_launches?: number; // --graph: launches timed (one sample each)
  cycle: number; // 1..--repeat
  time_us: TimeStats;
  alg_bytes: number; // S in algbw = S / t
  algbw_gbs: number | null; // GB/s, 1 GB = 1e9 B; from time_us.avg; null without data
  busbw_gbs: number | null;
  bus_factor: number;
  wrong: number | null; // elements that failed --check, summed over ranks; null without --check
}

export function makeRow(
  p: Point,
  stats: TimeStats,
  wrong: number | null,
  cycle = 1,
  graph?: { iters: number; launches: number },
): ResultRow {
  const op = getOp(p.op);
  const bytes = algBytes(op, p.count, p.typeSize, p.ranks);
  const factor = op.busFactor(p.ranks);
  // bytes / (µs · 1e-6) / 1e9 = bytes / µs / 1e3
  const algbw = bytes > 0 && stats.avg > 0 ? bytes / stats.avg / 1e3 : null;
  return {
    op: p.op,
    ranks: p.ranks,
    size_bytes: p.sizeBytes,
    count: p.count,
    dtype: p.dtype,
    redop: p.redop,
    root: p.root,
    in_place: p.inPlace,
    iters: graph ? graph.iters : stats.samples,
    iters_planned: p.iters,
    warmup: p.warmup,
    ...(graph && { graph_launches: graph.launches }),
    cycle,
    time_us: stats,
    alg_bytes: bytes,
    algbw_gbs: algbw,
    busbw_gbs: algbw === null ? null : algbw * factor,
    bus_factor: factor,
    wrong,
  };
}
