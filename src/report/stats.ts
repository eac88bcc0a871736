// Statistics over per-iteration samples, computed on rank 0 (shared/reference/metrics.md §6).
//  - avg / min / max: across ranks, of each rank's mean time per op (OSU's columns; in batch
//    timing the mean is the host time over the batch divided by the ops, as nccl-tests);
//  - p50 / p90 / p99 / stdev: over iterations of the slowest rank's time in that iteration
//    (nccl-tests -I: max across processes per iteration). Percentiles are nearest-rank.

export interface TimeStats {
  avg: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
  stdev: number; // population stdev of the slowest-rank series
  samples: number; // iterations
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}

/** Per-iteration maximum across ranks. All ranks ran the same number of iterations. */
export function slowestPerIteration(perRank: Float64Array[]): Float64Array {
  const n = perRank[0]?.length ?? 0;
  if (perRank.some((s) => s.length !== n)) throw new Error('ranks reported different iteration counts');
  const out = new Float64Array(n);
  out.fill(-Infinity);
  for (const s of perRank) for (let i = 0; i < n; i++) if (s[i] > out[i]) out[i] = s[i];
  return out;
}

/** `means`: each rank's own mean per op when the engine measured it (batch timing); else from the samples. */
export function summarize(perRank: Float64Array[], means = perRank.map(mean)): TimeStats {
  if (perRank.length === 0) throw new Error('no samples to summarize');
  const slowest = slowestPerIteration(perRank);
  const sorted = Float64Array.from(slowest).sort();
  const m = mean(slowest);
  let v = 0;
  for (let i = 0; i < slowest.length; i++) v += (slowest[i] - m) ** 2;
  return {
    avg: mean(means),
    min: Math.min(...means),
    max: Math.max(...means),
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    stdev: slowest.length ? Math.sqrt(v / slowest.length) : NaN,
    samples: slowest.length,
  };
}
