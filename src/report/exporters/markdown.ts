// Markdown: GitHub-flavoured tables, one per op and rank count, for pasting into issues and notes.
import { formatBw, formatMicros } from '../format.js';
import { runFacts } from '../meta.js';
import type { ResultRow } from '../row.js';
import { checkVerdict, Grouping, TextSink, type ExporterDef } from './exporter.js';

const HEAD = [
  'size (B)',
  'count',
  'type',
  'redop',
  'root',
  'iters',
  'avg (µs)',
  'min (µs)',
  'max (µs)',
  'p50 (µs)',
  'p99 (µs)',
  'algbw (GB/s)',
  'busbw (GB/s)',
  '#wrong',
];
const NUMERIC = new Set([0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);

/** Every field of a row, times in µs (the headers say so), never an exponent. */
export function markdownCells(r: ResultRow): string[] {
  const t = r.time_us;
  return [
    String(r.size_bytes),
    String(r.count),
    r.dtype,
    r.redop,
    r.root < 0 ? '-' : String(r.root),
    String(r.iters),
    ...[t.avg, t.min, t.max, t.p50, t.p99].map(formatMicros),
    formatBw(r.algbw_gbs),
    formatBw(r.busbw_gbs),
    r.wrong === null ? 'N/A' : String(r.wrong),
  ];
}

// A cell may hold no raw pipe or line break (they would end the cell or the table).
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |\n`;

export const markdownExporter: ExporterDef = {
  name: 'markdown',
  summary: 'GitHub-flavoured Markdown tables, to paste into issues',
  extensions: ['md', 'markdown'],
  create(meta, target) {
    const sink = new TextSink(target);
    const groups = new Grouping();
    return {
      open() {
        sink.open();
        for (const fact of runFacts(meta)) sink.write(`> ${cell(fact)}\n`);
      },
      add(row: ResultRow, title) {
        if (groups.starts(row)) {
          sink.write(`\n**${cell(title.replace(/^#\s*/, ''))}**\n\n${line(HEAD)}`);
          sink.write(line(HEAD.map((_, i) => (NUMERIC.has(i) ? '---:' : ':---'))));
        }
        sink.write(line(markdownCells(row)));
      },
      close(end) {
        const verdict = checkVerdict(end);
        if (verdict) sink.write(`\n**check:** ${verdict}\n`);
        if (end.status !== 'complete' && end.status !== 'check-failed')
          sink.write(`\n**run ${end.status}:** ${cell(end.errors.join('; '))}\n`);
        sink.close();
      },
    };
  },
};
