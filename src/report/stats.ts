// Statistics over per-iteration samples, computed on rank 0 (shared/reference/metrics.md §6).
//  - avg / min / max: across ranks, of each rank's mean time per op (OSU's columns; in batch
//    timing the mean is the host time over the batch divided by the ops, as nccl-tests);
//  - p50 / p90 / p99 / stdev: over iterations of the slowest rank's time in that iteration
//    (nccl-tests -I: max across processes per iteration). Percentiles are nearest-rank;
//  - p50_ci: a 95% confidence interval of that series' median, from its order statistics
//    (distribution-free; see medianInterval).

import type { MedianCi, TimeStats } from './schema.js';

export type { TimeStats } from './schema.js'; // its schema: TIME_STATS there

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
    p50_ci: medianInterval(sorted),
  };
}

/**
 * The distribution-free confidence interval of the median: [x(j), x(n-j+1)] of the sorted samples,
 * with j the largest index for which P(B <= j-1) <= 2.5%, B ~ Binomial(n, 1/2); its coverage is
 * exactly 1 - 2 P(B <= j-1) whatever the distribution (J.-Y. Le Boudec, Performance Evaluation of
 * Computer and Communication Systems, EPFL Press 2010, Theorem 2.1; W. J. Conover, Practical
 * Nonparametric Statistics, 3rd ed., §3.2). Below 6 samples no pair of order statistics reaches
 * 95%: the interval is [min, max] with its lower coverage, 1 - 2^(1-n). Null without samples.
 */
export function medianInterval(sorted: ArrayLike<number>, alpha = 0.05): MedianCi | null {
  const n = sorted.length;
  if (n === 0) return null;
  // Binomial(n, 1/2) CDF term by term, in logs (2^-n underflows beyond ~1000 samples).
  let logPmf = -n * Math.LN2; // P(B = 0)
  let cdf = Math.exp(logPmf); // P(B <= j - 1) for j = 1
  let j = 0; // the largest j found so far with P(B <= j-1) <= alpha/2
  let tail = 1;
  for (let k = 0; cdf <= alpha / 2 && k < n / 2; k++) {
    j = k + 1;
    tail = cdf;
    logPmf += Math.log(n - k) - Math.log(k + 1); // P(B = k + 1)
    cdf += Math.exp(logPmf);
  }
  if (j === 0) return { lo: sorted[0], hi: sorted[n - 1], level: 1 - 2 ** (1 - n) };
  return { lo: sorted[j - 1], hi: sorted[n - j], level: 1 - 2 * tail };
}
