// Result rows as chart points: one point per series and size, a series being one file, op, rank
// count, backend (and dtype, reduction, in-place where those vary). Cycles of --repeat are averaged
// into one point. Linear in the rows.
import type { ResultFile } from './load.js';

export interface ChartPoint {
  file: string;
  op: string;
  pattern: string; // alltoallv's traffic pattern ('' for other ops): a series of its own
  ranks: number;
  backend: string;
  dtype: string;
  redop: string;
  inPlace: boolean;
  size: number; // bytes (nccl-tests' size column)
  time: number; // µs per op, the mean across ranks (time_us.avg)
  busbw: number | null; // GB/s
  algbw: number | null;
  series: string; // the legend's label: the parts that vary, e.g. "a · allreduce · 4 ranks"
  config: string; // the same without the file and backend, for overlays that pair files
}

export type Part = 'file' | 'op' | 'pattern' | 'ranks' | 'backend' | 'dtype' | 'redop' | 'inPlace';
const PARTS: Part[] = ['file', 'op', 'pattern', 'ranks', 'backend', 'dtype', 'redop', 'inPlace'];

function partText(p: ChartPoint, part: Part): string {
  switch (part) {
    case 'ranks':
      return `${p.ranks} ranks`;
    case 'inPlace':
      return p.inPlace ? 'in-place' : 'out-of-place';
    case 'redop':
      return p.redop === 'none' ? '' : p.redop;
    case 'file':
    case 'op':
    case 'pattern':
    case 'backend':
    case 'dtype':
      return p[part];
  }
}

/** Every point of the files, cycles averaged. */
export function chartPoints(files: ResultFile[]): ChartPoint[] {
  const byKey = new Map<string, { p: ChartPoint; n: number; bus: number; alg: number }>();
  for (const f of files) {
    const backend = f.meta.backend?.name ?? '?';
    for (const r of f.rows) {
      const key = `${f.label}\u0000${r.op}\u0000${r.pattern ?? ''}\u0000${r.ranks}\u0000${r.dtype}\u0000${r.redop}\u0000${r.in_place}\u0000${r.size_bytes}`;
      const acc = byKey.get(key);
      if (acc) {
        // another cycle of --repeat: running sums, averaged below
        acc.n++;
        acc.p.time += r.time_us.avg;
        acc.bus += r.busbw_gbs ?? 0;
        acc.alg += r.algbw_gbs ?? 0;
        continue;
      }
      byKey.set(key, {
        n: 1,
        bus: r.busbw_gbs ?? 0,
        alg: r.algbw_gbs ?? 0,
        p: {
          file: f.label,
          op: r.op,
          pattern: r.pattern ?? '',
          ranks: r.ranks,
          backend,
          dtype: r.dtype,
          redop: r.redop,
          inPlace: r.in_place,
          size: r.size_bytes,
          time: r.time_us.avg,
          busbw: r.busbw_gbs,
          algbw: r.algbw_gbs,
          series: '',
          config: '',
        },
      });
    }
  }
  const out: ChartPoint[] = [];
  for (const { p, n, bus, alg } of byKey.values()) {
    if (n > 1) {
      p.time /= n;
      if (p.busbw !== null) p.busbw = bus / n;
      if (p.algbw !== null) p.algbw = alg / n;
    }
    out.push(p);
  }
  return label(out);
}

/** The points (copies) with each series named by the parts that vary among them (the rest: commonText). */
export function label(points: ChartPoint[], omit: Part[] = []): ChartPoint[] {
  const varying = varyingParts(points).filter((v) => !omit.includes(v));
  const name = (p: ChartPoint, parts: Part[]) =>
    parts
      .map((v) => partText(p, v))
      .filter(Boolean)
      .join(' · ') || p.op;
  // What one file holds throughout (its backend) is the file's, not the configuration's.
  const noFile = varying.filter((v) => v !== 'file' && v !== 'backend');
  return points.map((p) => ({ ...p, series: name(p, varying), config: name(p, noFile) }));
}

function varyingParts(points: ChartPoint[]): Part[] {
  const seen = new Map<Part, Set<string>>(PARTS.map((k) => [k, new Set()]));
  for (const p of points) for (const k of PARTS) seen.get(k)!.add(partText(p, k));
  return PARTS.filter((k) => seen.get(k)!.size > 1);
}

/** What all these points share, for a subtitle: "allreduce · 4 ranks · mpi · float32 · sum". */
export function commonText(points: ChartPoint[]): string {
  if (points.length === 0) return '';
  const varying = new Set(varyingParts(points));
  return PARTS.filter((k) => !varying.has(k) && k !== 'file')
    .map((k) => partText(points[0], k))
    .filter(Boolean)
    .join(' · ');
}
