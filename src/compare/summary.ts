// The summary of one series for each file against the baseline: the geometric mean of the time
// ratios, the sizes where each side is faster beyond noise (or, where the noise is unknown, by the
// ratio alone), those within noise, and the crossovers, where the faster side changes with size.
import type { ComparedSeries } from './compare.js';

export interface SeriesSummary {
  series: string; // its label
  file: number; // index into files (never 0, the baseline)
  points: number;
  geomean_ratio: number; // of this file's time / the baseline's
  baseline_faster: number[]; // sizes (bytes)
  file_faster: number[];
  within_noise: number[];
  by_ratio_only: number[]; // sizes among the above whose noise was unknown
  crossovers: { size_bytes: number; faster: 'baseline' | 'file' }[]; // from this size on (up to the next)
}

export function summarize(series: ComparedSeries[], files: number): SeriesSummary[] {
  const out: SeriesSummary[] = [];
  for (const s of series)
    for (let i = 1; i < files; i++) {
      const sum: SeriesSummary = {
        series: s.label,
        file: i,
        points: 0,
        geomean_ratio: NaN,
        baseline_faster: [],
        file_faster: [],
        within_noise: [],
        by_ratio_only: [],
        crossovers: [],
      };
      let logs = 0;
      let last: 'baseline' | 'file' | undefined;
      for (const p of s.points) {
        const v = p.versus[i];
        if (!v) continue;
        sum.points++;
        logs += Math.log(v.ratio);
        let winner: 'baseline' | 'file' | undefined;
        if (v.verdict === 'unknown') {
          sum.by_ratio_only.push(p.size_bytes);
          if (v.ratio !== 1) winner = v.ratio > 1 ? 'baseline' : 'file';
        } else if (v.verdict !== 'noise') winner = v.verdict === 'slower' ? 'baseline' : 'file';
        if (!winner) sum.within_noise.push(p.size_bytes);
        else {
          (winner === 'baseline' ? sum.baseline_faster : sum.file_faster).push(p.size_bytes);
          if (last && winner !== last) sum.crossovers.push({ size_bytes: p.size_bytes, faster: winner });
          last = winner;
        }
      }
      if (sum.points === 0) continue;
      sum.geomean_ratio = Math.exp(logs / sum.points);
      out.push(sum);
    }
  return out;
}
