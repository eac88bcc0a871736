// What the report page shows, as a list of section makers (SECTIONS) run in order; each op's section
// is a list of parts (OP_PARTS). One more section or part is one more function in a list.
import type { Block, Comparison } from '../compare/index.js';
import { formatBytes } from '../plan/sizes.js';
import {
  busbwChart,
  defaultScalingSizes,
  heatmapChart,
  overlayChart,
  scalingChart,
  timeChart,
} from '../plot/charts.js';
import type { ResultFile } from '../plot/load.js';
import type { ChartPoint } from '../plot/series.js';
import { escapeHtml, type PageBuilder, type Section } from './page.js';
import { compareTable, metaTable, resultsTable } from './tables.js';

export interface ReportInput {
  files: ResultFile[];
  points: ChartPoint[]; // every file's rows as chart points (plot/series.ts)
  ops: string[]; // in the order the runs measured them
  // Two files or more: compare's comparison of the later files with the first (compare/compare.ts),
  // its blocks and legend (compare/render.ts); or why there is none.
  comparison: { c: Comparison; blocks: Block[]; legend: string[] } | { why: string } | null;
}

export type SectionMaker = (input: ReportInput, page: PageBuilder) => Section[];

/** One part of an op's section (its HTML, or '' when it has nothing to show). */
export type OpPart = (op: string, input: ReportInput, page: PageBuilder) => string;

const CHART = { width: 1180, height: 560 };
const SMALL = { width: 1180, height: 480 };

const slug = (s: string) => s.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

// Ops that ran at two or more sizes, and files with two or more of those: the heatmap's case.
function sizedOps(points: ChartPoint[]): string[] {
  const sizes = new Map<string, Set<number>>();
  for (const p of points) if (p.size > 0) (sizes.get(p.op) ?? sizes.set(p.op, new Set()).get(p.op)!).add(p.size);
  return [...sizes].filter(([, s]) => s.size >= 2).map(([op]) => op);
}

/** A characterisation run (several ops × sizes × rank counts): the op × size heatmap and the scaling plots. */
const overview: SectionMaker = (input, page) => {
  const parts: string[] = [];
  for (const f of input.files) {
    const pts = input.points.filter((p) => p.file === f.label);
    const ops = sizedOps(pts);
    if (ops.length < 2) continue;
    const keep = new Set(ops);
    parts.push(
      `<h3>${escapeHtml(f.label)}: busbw heatmap</h3>`,
      page.chart(
        heatmapChart(
          pts.filter((p) => keep.has(p.op)),
          { width: CHART.width, height: Math.max(260, 60 * ops.length + 160) },
        ),
        'Each op at the largest rank count it ran; colour and label: busbw in GB/s (nccl-tests definition).',
      ),
    );
  }
  for (const op of input.ops) {
    const pts = input.points.filter((p) => p.op === op);
    const sizes = defaultScalingSizes(pts);
    if (sizes.length === 0) continue;
    parts.push(
      `<h3>${escapeHtml(op)}: scaling with rank count</h3>`,
      page.chart(
        scalingChart(pts, sizes, SMALL),
        `busbw at ${sizes.map(formatBytes).join(', ')} against the rank count.`,
      ),
    );
  }
  return parts.length ? [{ id: 'overview', title: 'Overview: all operations', html: parts.join('\n') }] : [];
};

/** The op's chart: busbw vs size (time for latency, which is about time), several files overlaid. */
const opChart: OpPart = (op, input, page) => {
  const pts = input.points.filter((p) => p.op === op && p.size > 0);
  if (pts.length === 0) return '';
  if (op === 'latency') return page.chart(timeChart(pts, CHART));
  const files = new Set(pts.map((p) => p.file)).size;
  return page.chart(files > 1 ? overlayChart(pts, CHART) : busbwChart(pts, CHART));
};

const opTimeChart: OpPart = (op, input, page) => {
  const pts = input.points.filter((p) => p.op === op && p.size > 0);
  if (pts.length === 0 || op === 'latency') return '';
  return `<details><summary>time per op vs size (log–log)</summary>${page.chart(timeChart(pts, SMALL))}</details>`;
};

const opTable: OpPart = (op, input) => resultsTable(op, input.files);

/** Two files or more: the op's compare table per series (each size: each file's time and busbw, ratio, faster, noise). */
const opComparison: OpPart = (op, input) => {
  const cmp = input.comparison;
  if (!cmp || !('c' in cmp)) return '';
  const L = cmp.c.files.map((f) => f.label);
  return cmp.blocks
    .filter((b) => b.series?.op === op)
    .map(
      (b) =>
        `<h3>${escapeHtml(b.title)}: ${escapeHtml(L.slice(1).join(', '))} against ${escapeHtml(L[0])}</h3>${compareTable(b)}`,
    )
    .join('\n');
};

/** The parts of each op's section, in order. */
export const OP_PARTS: OpPart[] = [opChart, opTimeChart, opTable, opComparison];

const perOp: SectionMaker = (input, page) =>
  input.ops.map((op) => ({
    id: `op-${slug(op)}`,
    title: op,
    html: OP_PARTS.map((part) => part(op, input, page))
      .filter(Boolean)
      .join('\n'),
  }));

/** Two files or more: the files' letters, compare's summary per series, the environments' differences. */
const comparison: SectionMaker = (input) => {
  const cmp = input.comparison;
  if (!cmp) return [];
  const title = 'Comparison with the baseline';
  if ('why' in cmp)
    return [{ id: 'comparison', title, html: `<p class="note">No comparison: ${escapeHtml(cmp.why)}</p>` }];
  const series = cmp.blocks.filter((b) => b.series);
  const rows = series
    .map(
      (b) =>
        `<tr><th><a href="#op-${slug(b.series!.op)}">${escapeHtml(b.title)}</a></th><td>${b.notes.map(escapeHtml).join('<br>')}</td></tr>`,
    )
    .join('');
  const env = cmp.blocks.find((b) => !b.series && b.title.startsWith('environment'));
  const html = [
    `<ul class="note">${cmp.legend.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
    `<h3>Summary per series</h3>`,
    rows ? `<table class="meta">${rows}</table>` : '<p class="note">No series in common.</p>',
    env ? `<h3>${escapeHtml(env.title)}</h3>${compareTable(env)}` : '',
  ];
  return [{ id: 'comparison', title, html: html.join('\n') }];
};

const metadata: SectionMaker = (input) => [
  {
    id: 'runs',
    title: input.files.length > 1 ? 'The runs' : 'The run',
    html: input.files
      .map((f) => `${input.files.length > 1 ? `<h3>${escapeHtml(f.label)}</h3>` : ''}${metaTable(f)}`)
      .join('\n'),
  },
];

/** The page's sections, in order. */
export const SECTIONS: SectionMaker[] = [overview, comparison, perOp, metadata];
