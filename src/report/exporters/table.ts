// The terminal table (the default on standard output), printed row by row as sizes finish, so a
// long sweep shows progress and an interrupted one keeps what it printed. Every row is its own
// cli-table3 table with fixed widths, so the columns line up across rows.
import Table from 'cli-table3';
import { runFacts } from '../meta.js';
import type { ResultRow } from '../row.js';
import { checkVerdict, Grouping, TextSink, type ExporterDef } from './exporter.js';

const COLUMNS: [string, number][] = [
  ['size(B)', 15],
  ['count', 12],
  ['type', 11],
  ['redop', 6],
  ['root', 5],
  ['iters', 6],
  ['avg(us)', 11],
  ['min(us)', 11],
  ['max(us)', 11],
  ['p50(us)', 11],
  ['p99(us)', 11],
  ['algbw(GB/s)', 12],
  ['busbw(GB/s)', 12],
  ['#wrong', 7],
];

const PLAIN = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};

function render(cells: string[]): string {
  const t = new Table({
    chars: PLAIN,
    colWidths: COLUMNS.map(([, w]) => w),
    colAligns: COLUMNS.map(() => 'right' as const),
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 1 },
    wordWrap: false,
  });
  t.push(cells);
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

export function formatTime(us: number): string {
  if (!Number.isFinite(us)) return '-';
  return us >= 1e6 ? us.toExponential(3) : us.toFixed(2);
}

export function formatBw(gbs: number | null): string {
  return gbs === null || !Number.isFinite(gbs) ? '-' : gbs.toFixed(2);
}

export function headerLine(): string {
  return render(COLUMNS.map(([name]) => name));
}

/** The cells of a row, shared with the other table-shaped formats. */
export function rowCells(r: ResultRow): string[] {
  const t = r.time_us;
  return [
    String(r.size_bytes),
    String(r.count),
    r.dtype,
    r.redop,
    r.root < 0 ? '-' : String(r.root),
    String(r.iters),
    formatTime(t.avg),
    formatTime(t.min),
    formatTime(t.max),
    formatTime(t.p50),
    formatTime(t.p99),
    formatBw(r.algbw_gbs),
    formatBw(r.busbw_gbs),
    r.wrong === null ? 'N/A' : String(r.wrong),
  ];
}

export function rowLine(r: ResultRow): string {
  return render(rowCells(r));
}

export const tableExporter: ExporterDef = {
  name: 'table',
  summary: 'aligned columns for the terminal (the default)',
  extensions: ['txt'],
  create(meta, target) {
    const sink = new TextSink(target);
    const groups = new Grouping();
    return {
      open() {
        sink.open();
        for (const fact of runFacts(meta)) sink.write(`# ${fact}\n`);
      },
      add(row, title) {
        if (groups.starts(row)) sink.write(`\n${title}\n${headerLine()}\n`);
        sink.write(`${rowLine(row)}\n`);
      },
      close(end) {
        const verdict = checkVerdict(end);
        if (verdict) sink.write(`\n# check: ${verdict}\n`);
        sink.close();
      },
    };
  },
};
