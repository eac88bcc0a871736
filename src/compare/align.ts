// Which records of different files measure the same thing: the same op, rank count, size, dtype,
// reduction, in-place form, root and alltoallv's pattern (the backend, library and machine may
// differ: comparing them is the point). Records of one point from several --repeat cycles are one
// point, aggregated.
import type { MedianCi, ResultRow } from '../report/schema.js';

/** One point of one file: its cycles taken together. */
export interface Measured {
  p50: number; // µs: the median over cycles of each cycle's median (p50)
  ci: MedianCi | null; // the cycles' intervals' envelope; null where one has none
  avg: number; // µs: the median over cycles of the mean
  busbw: number | null; // GB/s: the median over cycles (nccl-tests' busbw, from the mean)
  cycles: number;
  iters: number; // timed iterations of the first cycle
}

export interface SeriesKey {
  op: string;
  ranks: number;
  dtype: string;
  redop: string;
  in_place: boolean;
  root: number;
  pattern?: string; // alltoallv: one series per traffic pattern
}

export const seriesId = (r: SeriesKey): string =>
  `${r.op}|${r.ranks}|${r.dtype}|${r.redop}|${r.in_place ? 'in' : 'out'}|${r.root}${r.pattern ? `|${r.pattern}` : ''}`;

export function seriesLabel(k: SeriesKey): string {
  const parts = [k.op, ...(k.pattern ? [`pattern ${k.pattern}`] : []), `${k.ranks} ranks`, k.dtype];
  if (k.redop !== 'none') parts.push(k.redop);
  if (k.root >= 0) parts.push(`root ${k.root}`);
  parts.push(k.in_place ? 'in-place' : 'out-of-place');
  return parts.join(' · ');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function measured(rows: ResultRow[]): Measured {
  if (rows.length === 1) {
    // one cycle, the common case (and most of the time of a large comparison)
    const r = rows[0];
    const t = r.time_us;
    return { p50: t.p50, ci: t.p50_ci, avg: t.avg, busbw: r.busbw_gbs, cycles: 1, iters: r.iters };
  }
  const cis = rows.map((r) => r.time_us.p50_ci);
  const bws = rows.map((r) => r.busbw_gbs).filter((b): b is number => b !== null);
  return {
    p50: median(rows.map((r) => r.time_us.p50)),
    ci: cis.every((c): c is MedianCi => c !== null)
      ? {
          lo: Math.min(...cis.map((c) => c.lo)),
          hi: Math.max(...cis.map((c) => c.hi)),
          level: Math.min(...cis.map((c) => c.level)),
        }
      : null,
    avg: median(rows.map((r) => r.time_us.avg)),
    busbw: bws.length ? median(bws) : null,
    cycles: rows.length,
    iters: rows[0].iters,
  };
}

/** A file's records as series (in the file's order) of points by size (ascending). */
export interface Grouped {
  series: Map<string, { key: SeriesKey; points: Map<number, Measured> }>;
}

export function group(rows: ResultRow[]): Grouped {
  const bySeries = new Map<string, { key: SeriesKey; rows: Map<number, ResultRow[]> }>();
  for (const r of rows) {
    const id = seriesId(r);
    let s = bySeries.get(id);
    if (!s) {
      s = {
        key: {
          op: r.op,
          ranks: r.ranks,
          dtype: r.dtype,
          redop: r.redop,
          in_place: r.in_place,
          root: r.root,
          ...(r.pattern !== undefined && { pattern: r.pattern }),
        },
        rows: new Map(),
      };
      bySeries.set(id, s);
    }
    const at = s.rows.get(r.size_bytes);
    if (at) at.push(r);
    else s.rows.set(r.size_bytes, [r]);
  }
  const series: Grouped['series'] = new Map();
  for (const [id, s] of bySeries) {
    const sizes = [...s.rows.keys()].sort((a, b) => a - b);
    series.set(id, { key: s.key, points: new Map(sizes.map((z) => [z, measured(s.rows.get(z)!)])) });
  }
  return { series };
}
