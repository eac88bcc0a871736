// One result record: a point of the sweep with its statistics and bandwidths, as the JSON
// "results" entries and the CSV rows hold it (units in the key names; its schema: schema.ts).
import { algBytes, getOp } from '../ops/index.js';
import type { Traffic } from '../plan/patterns.js';
import type { Point } from '../plan/plan.js';
import type { Concurrency, Overlap, ResultRow, TimeStats } from './schema.js';

export type { Concurrency, Overlap, ResultRow } from './schema.js'; // its schema: RESULT_ROW there

export function makeRow(
  p: Point,
  stats: TimeStats,
  wrong: number | null,
  cycle = 1,
  graph?: { iters: number; launches: number },
  skew?: { pattern: string; traffic: Traffic; rankUs: number[] },
  overlap?: Overlap,
  concurrency?: Concurrency,
): ResultRow {
  const op = getOp(p.op);
  // alltoallv: the busiest rank's bytes (max of what it sends and receives), as nccl-tests'
  // alltoallv_perf; the factor stays alltoall's (n-1)/n.
  const bytes = skew ? skew.traffic.busiest : algBytes(op, p.count, p.typeSize, p.ranks);
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
    ...(skew && {
      pattern: skew.pattern,
      imbalance: { max_over_mean: skew.traffic.maxOverMean, gini: skew.traffic.gini },
      send_bytes: skew.traffic.send,
      recv_bytes: skew.traffic.recv,
      rank_time_us: skew.rankUs,
    }),
    ...(overlap && { overlap }),
    ...(concurrency && {
      concurrent: {
        ...concurrency,
        // k copies of one op move k times the bytes; a mix's items are not alike (null).
        aggregate_busbw_gbs: algbw === null || concurrency.mix ? null : algbw * factor * concurrency.copies,
      },
    }),
  };
}
