// The terminal table (the default on standard output), printed row by row as sizes finish, so a
// long sweep shows progress and an interrupted one keeps what it printed. It fits 100 columns:
// one table per series, whose constants (type, redop, root, and iters where the plan keeps them
// constant) are in its title; --wide prints them as columns, as nccl-tests does.
import { expandPoints, type Point } from '../../plan/plan.js';
import { getOp } from '../../ops/index.js';
import { patternLabel } from '../../plan/patterns.js';
import { formatBw, formatTime, joinWrapped } from '../format.js';
import { runFacts, type RunMeta } from '../meta.js';
import type { ResultRow } from '../row.js';
import { checkVerdict, TextSink, type ExporterDef } from './exporter.js';

export const TABLE_WIDTH = 100;
const GAP = '  ';

/** avg this far above p50 (or above p99) marks a row noisy: a few slow iterations raised the mean. */
export const NOISY_RATIO = 1.5;

export function isNoisy(r: ResultRow): boolean {
  const t = r.time_us;
  return t.avg > NOISY_RATIO * t.p50 || t.avg > t.p99;
}

interface Column {
  head: string;
  width: number;
  cell: (r: ResultRow) => string;
}

const TIME_WIDTH = 8; // "123.4 µs", "1.234 ms"
const BW_WIDTH = 8; // "0.000123", "<0.0001"

const col = (head: string, width: number, cell: (r: ResultRow) => string): Column => ({
  head,
  width: Math.max(head.length, width),
  cell,
});
const digits = (n: number) => String(n).length;

/** What one table shows: its columns and the constant values that went to its title. */
export interface Layout {
  columns: Column[];
  constants: string[]; // e.g. "float32", "sum", "root 0", "1000 iterations"
  plannedIters?: number; // iterations when constant over the table (rows below it were capped)
}

/**
 * The layout of the table `row` starts, from the plan's points of that table. A table is one
 * series (op, ranks, dtype, redop, form, cycle), so type, redop and root are constant in it and go
 * to the title, as do the iterations where the plan gives every size the same count; count
 * (size / element size, or per rank) is a column only with --wide.
 */
export function layoutFor(meta: RunMeta, row: ResultRow, wide = meta.plan.output.wide ?? false): Layout {
  const points = tablePoints(meta, row);
  const op = getOp(row.op);
  const sized = op.shape !== 'none';
  const constants: string[] = [];
  const columns: Column[] = [];
  const most = (f: (p: Point) => number, own: number) => Math.max(own, ...points.map(f));
  if (sized)
    columns.push(col('size (B)', digits(most((p) => p.sizeBytes, row.size_bytes)), (r) => String(r.size_bytes)));
  if (wide) {
    columns.push(col('count', digits(most((p) => p.count, row.count)), (r) => String(r.count)));
    columns.push(col('type', 8, (r) => r.dtype));
    columns.push(col('redop', 4, (r) => r.redop));
    columns.push(col('root', 4, (r) => (r.root < 0 ? '-' : String(r.root))));
  } else {
    if (row.pattern !== undefined) constants.push(`pattern ${row.pattern}`);
    if (sized) constants.push(row.dtype);
    if (op.reduces) constants.push(row.redop);
    if (op.rooted) constants.push(`root ${row.root}`);
  }
  let plannedIters: number | undefined;
  if (wide || points.length === 0 || new Set(points.map((p) => p.iters)).size > 1) {
    columns.push(col('iters', digits(most((p) => p.iters, row.iters)), (r) => String(r.iters)));
  } else {
    plannedIters = points[0].iters;
    constants.push(`${plannedIters} iterations`);
  }
  if (meta.plan.timing === 'overlap' || (meta.plan.concurrent ?? 1) > 1 || meta.plan.mix || meta.plan.groups) {
    if (meta.plan.timing === 'overlap') overlapColumns(columns);
    else concurrentColumns(columns);
    if (meta.plan.check || wide) columns.push(col('#wrong', 6, (r) => (r.wrong === null ? 'N/A' : String(r.wrong))));
    return { columns, constants, plannedIters };
  }
  // alltoallv's skew columns take the place of min and p99 (both stay in the JSON; --wide shows
  // them): max is the slowest rank's time, and slow says which rank that is.
  const skewed = op.shape === 'varied';
  for (const [head, f] of [
    ['avg', (r: ResultRow) => r.time_us.avg],
    ['min', (r: ResultRow) => r.time_us.min],
    ['max', (r: ResultRow) => r.time_us.max],
    ['p50', (r: ResultRow) => r.time_us.p50],
    ['p99', (r: ResultRow) => r.time_us.p99],
  ] as const)
    if (!(skewed && (head === 'min' || head === 'p99')) || wide)
      columns.push(col(head, TIME_WIDTH, (r) => formatTime(f(r))));
  if (sized) {
    columns.push(col('algbw', BW_WIDTH, (r) => formatBw(r.algbw_gbs)));
    columns.push(col('busbw', BW_WIDTH, (r) => formatBw(r.busbw_gbs)));
  }
  if (skewed) {
    const digits3 = (v: number | undefined) => (v === undefined ? '-' : v < 1000 ? v.toPrecision(3) : v.toFixed(0));
    columns.push(col('imb', 4, (r) => digits3(r.imbalance?.max_over_mean)));
    columns.push(col('gini', 4, (r) => (r.imbalance ? r.imbalance.gini.toFixed(2) : '-')));
    columns.push(col('slow', 3, (r) => slowestRank(r)));
  }
  if (meta.plan.check || wide) columns.push(col('#wrong', 6, (r) => (r.wrong === null ? 'N/A' : String(r.wrong))));
  return { columns, constants, plannedIters };
}

/** OSU's non-blocking columns: overall (start, compute, wait), compute, pure communication, overlap. */
function overlapColumns(columns: Column[]): void {
  const time = (r: ResultRow, f: (o: NonNullable<ResultRow['overlap']>) => number) =>
    r.overlap ? formatTime(f(r.overlap)) : '-';
  columns.push(col('overall', TIME_WIDTH, (r) => formatTime(r.time_us.avg)));
  columns.push(col('p50', TIME_WIDTH, (r) => formatTime(r.time_us.p50)));
  columns.push(col('compute', TIME_WIDTH, (r) => time(r, (o) => o.compute_us)));
  columns.push(col('pure comm', TIME_WIDTH, (r) => time(r, (o) => o.pure_us)));
  columns.push(
    col('overlap', 7, (r) =>
      r.overlap?.percent === null || r.overlap?.percent === undefined ? '-' : `${r.overlap.percent.toFixed(1)} %`,
    ),
  );
}

/** --concurrent: the copies together, one alone, the slowdown, one copy's and the aggregate busbw. */
function concurrentColumns(columns: Column[]): void {
  columns.push(col('together', TIME_WIDTH, (r) => formatTime(r.time_us.avg)));
  columns.push(col('p50', TIME_WIDTH, (r) => formatTime(r.time_us.p50)));
  columns.push(col('alone', TIME_WIDTH, (r) => (r.concurrent ? formatTime(r.concurrent.alone_us) : '-')));
  const slow = (r: ResultRow) => r.concurrent?.slowdown;
  columns.push(col('slowdown', 8, (r) => (typeof slow(r) === 'number' ? `${(slow(r) as number).toFixed(2)}×` : '-')));
  columns.push(col('busbw', BW_WIDTH, (r) => formatBw(r.busbw_gbs)));
  columns.push(col('agg busbw', BW_WIDTH, (r) => formatBw(r.concurrent?.aggregate_busbw_gbs ?? null)));
}

/** The rank whose mean time per op was the longest ("r3"), from alltoallv's per-rank times. */
function slowestRank(r: ResultRow): string {
  const t = r.rank_time_us;
  if (!t || t.length === 0) return '-';
  return `r${t.indexOf(Math.max(...t))}`;
}

function tablePoints(meta: RunMeta, row: ResultRow): Point[] {
  try {
    return expandPoints(meta.plan).filter((p) => tableKey(p) === tableKey(row));
  } catch {
    return []; // a plan that cannot be expanded here: show every column
  }
}

/** Rows with the same key share a table (and the cycle, which points do not have). */
const tableKey = (p: Point | ResultRow) =>
  `${p.op}/${p.ranks}/${p.dtype}/${p.redop}/${p.root}/${'inPlace' in p ? p.inPlace : p.in_place}/${patternOf(p)}`;

const patternOf = (p: Point | ResultRow) =>
  'in_place' in p ? (p.pattern ?? '') : p.pattern ? patternLabel(p.pattern) : '';

const line = (cells: string[], columns: Column[]) =>
  cells
    .map((c, i) => c.padStart(columns[i].width))
    .join(GAP)
    .trimEnd();

export function headerLine(layout: Layout): string {
  return line(
    layout.columns.map((c) => c.head),
    layout.columns,
  );
}

/**
 * A row's line; after it, "*" for a noisy row and, for a size the time cap stopped early, "N it"
 * where the iterations are in the title, else "↓" (the iters column has the count that ran).
 */
export function rowLine(r: ResultRow, layout: Layout): string {
  const marks = [
    isNoisy(r) ? '*' : '',
    r.iters < (r.iters_planned ?? r.iters) ? (layout.plannedIters !== undefined ? `${r.iters} it` : '↓') : '',
  ]
    .filter(Boolean)
    .join(' ');
  const body = line(
    layout.columns.map((c) => c.cell(r)),
    layout.columns,
  );
  return marks ? `${body}${GAP}${marks}` : body;
}

/** The title lines: the writer's title with the table's constants after op and ranks, wrapped. */
export function titleLines(title: string, layout: Layout): string[] {
  const pieces = title.replace(/^#\s*/, '').split(' · ');
  pieces.splice(2, 0, ...layout.constants);
  return joinWrapped(pieces, TABLE_WIDTH, '# ');
}

/** Said once per run, above the first table. */
export function legend(): string[] {
  return [
    '# times per operation in µs, ms or s · bandwidth in GB/s, 1 GB/s = 1e9 B/s',
    `# * noisy: avg > ${NOISY_RATIO} × p50 or > p99, a few slow iterations raised the mean (p50: the typical op)`,
  ];
}

/** Said before the first row the time cap cut short. */
export function cappedNote(meta: RunMeta): string {
  return `# "N it", "↓": --max-time-per-size ${meta.plan.maxTimePerSize} s ended the size before its planned iterations`;
}

export const tableExporter: ExporterDef = {
  name: 'table',
  summary: 'aligned columns for the terminal, 100 wide (the default; --wide: all)',
  extensions: ['txt'],
  create(meta, target) {
    const sink = new TextSink(target);
    let key = '';
    let layout: Layout | undefined;
    let first = true;
    let capped = false;
    return {
      open() {
        sink.open();
        for (const fact of runFacts(meta)) sink.write(`# ${fact}\n`);
      },
      add(row, title) {
        const k = `${tableKey(row)}/${row.cycle}`;
        if (k !== key || !layout) {
          key = k;
          layout = layoutFor(meta, row);
          const head = first ? legend() : [];
          first = false;
          sink.write(`\n${[...head, ...titleLines(title, layout), headerLine(layout)].join('\n')}\n`);
        }
        if (!capped && row.iters < (row.iters_planned ?? row.iters)) {
          capped = true;
          sink.write(`${cappedNote(meta)}\n`);
        }
        sink.write(`${rowLine(row, layout)}\n`);
      },
      close(end) {
        const verdict = checkVerdict(end);
        if (verdict) sink.write(`\n# check: ${verdict}\n`);
        sink.close();
      },
    };
  },
};
