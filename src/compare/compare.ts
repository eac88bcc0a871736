// The comparison of result files, as one plain object: every point the baseline (the first file)
// shares with another file, each side's median time, interval and busbw, the ratio and the noise
// verdict; a summary per series; the differences of the runs' environments. Pure: documents in,
// data out (render.ts turns it into text; the HTML report can take it as it is).
import { UsageError } from '../errors.js';
import { formatBytes } from '../plan/sizes.js';
import type { ResultDocument } from '../report/schema.js';
import { group, seriesLabel, type Grouped, type Measured, type SeriesKey } from './align.js';
import { environmentDiff, type EnvDifference } from './environment.js';
import { NOISE_RULE, verdict, type Verdict } from './noise.js';
import { summarize, type SeriesSummary } from './summary.js';

export const COMPARE_SCHEMA = 'ccbench.compare/1';

export interface ComparedFile {
  label: string; // A, B, C, ...
  name: string;
  schema: string; // the version the file was written in
  backend: string;
  library: string;
  status: string;
  records: number;
  unmatched: number; // records of points the baseline does not have (or, for the baseline, no other file has)
}

export interface Versus {
  ratio: number; // this file's median time / the baseline's (> 1: slower)
  verdict: Verdict;
}

export interface ComparedPoint {
  size_bytes: number;
  sides: (Measured | null)[]; // one per file; null: that file has no such point
  versus: (Versus | null)[]; // one per file; null for the baseline and where a side is missing
}

export interface ComparedSeries extends SeriesKey {
  label: string;
  points: ComparedPoint[];
}

export interface Comparison {
  schema: typeof COMPARE_SCHEMA;
  noise_rule: string;
  files: ComparedFile[];
  series: ComparedSeries[];
  summary: SeriesSummary[];
  environment: { differences: EnvDifference[]; same: number; ignored: string[] };
}

export interface InputDocument {
  name: string;
  schema: string;
  doc: ResultDocument;
}

function describeFile(g: Grouped): string {
  const parts = [...g.series.values()].slice(0, 3).map(({ key, points }) => {
    const sizes = [...points.keys()];
    return `${seriesLabel(key)} (${formatBytes(sizes[0])}${sizes.length > 1 ? `–${formatBytes(sizes[sizes.length - 1])}` : ''})`;
  });
  return parts.join(', ') + (g.series.size > 3 ? `, and ${g.series.size - 3} more` : '') || 'no records';
}

/** Compares files[1..] with files[0]. One file: its own points, for the --min-busbw gate. */
export function compareDocuments(files: InputDocument[]): Comparison {
  if (files.length === 0) throw new UsageError('compare needs result files: ccbench compare A.json B.json');
  const grouped = files.map((f) => group(f.doc.results));
  const base = grouped[0];
  const matched = files.map(() => 0);

  const series: ComparedSeries[] = [];
  for (const [id, { key, points }] of base.series) {
    const out: ComparedPoint[] = [];
    for (const [size, b] of points) {
      const sides = grouped.map((g, i) => (i === 0 ? b : (g.series.get(id)?.points.get(size) ?? null)));
      if (files.length > 1 && sides.slice(1).every((s) => s === null)) continue;
      sides.forEach((s, i) => s && (matched[i] += s.cycles));
      const versus = sides.map((s, i) => (i === 0 || !s ? null : { ratio: s.p50 / b.p50, verdict: verdict(b, s) }));
      out.push({ size_bytes: size, sides, versus });
    }
    if (out.length) series.push({ ...key, label: seriesLabel(key), points: out });
  }

  for (let i = 1; i < files.length; i++)
    if (!series.some((s) => s.points.some((p) => p.sides[i])))
      throw new UsageError(
        `${files[0].name} and ${files[i].name} have no record in common (${files[0].name}: ${describeFile(base)}; ${files[i].name}: ${describeFile(grouped[i])}); compare aligns records of the same op, rank count, size, dtype, reduction, in-place form and root (and alltoallv's pattern)`,
      );

  return {
    schema: COMPARE_SCHEMA,
    noise_rule: NOISE_RULE,
    files: files.map((f, i) => ({
      label: String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''),
      name: f.name,
      schema: f.schema,
      backend: f.doc.backend.name,
      library: f.doc.backend.library,
      status: f.doc.status,
      records: f.doc.results.length,
      unmatched: f.doc.results.length - matched[i],
    })),
    series,
    summary: files.length > 1 ? summarize(series, files.length) : [],
    environment: environmentDiff(files.map((f) => f.doc)),
  };
}
