// The terminal table, printed row by row as sizes finish (a long sweep shows progress, and an
// interrupted one keeps what it printed). Every row is its own cli-table3 table with fixed widths.
import Table from 'cli-table3';
import type { ResultRow } from './row.js';

const COLUMNS: [string, number][] = [
  ['size(B)', 15], ['count', 12], ['type', 11], ['redop', 6], ['root', 5], ['iters', 6],
  ['avg(us)', 11], ['min(us)', 11], ['max(us)', 11], ['p50(us)', 11], ['p99(us)', 11],
  ['algbw(GB/s)', 12], ['busbw(GB/s)', 12], ['#wrong', 7],
];

const PLAIN = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
  'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
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
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n');
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

export function rowLine(r: ResultRow): string {
  const t = r.time_us;
  return render([
    String(r.size_bytes), String(r.count), r.dtype, r.redop, r.root < 0 ? '-' : String(r.root), String(r.iters),
    formatTime(t.avg), formatTime(t.min), formatTime(t.max), formatTime(t.p50), formatTime(t.p99),
    formatBw(r.algbw_gbs), formatBw(r.busbw_gbs), r.wrong === null ? 'N/A' : String(r.wrong),
  ]);
}
