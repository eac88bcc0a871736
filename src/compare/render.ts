// A comparison as text: aligned columns for a terminal, GitHub tables for an issue, or JSON (the
// comparison object itself, with the gate's verdict). Every format says the same things: the
// files, each series' points, the summary, the environment's differences, the gate. The HTML
// report draws the same blocks (html/tables.ts).
import { formatBytes } from '../plan/sizes.js';
import type { Measured } from './align.js';
import type { ComparedSeries, Comparison } from './compare.js';
import { describeFailure, type GateResult } from './gate.js';
import type { Verdict } from './noise.js';

export const COMPARE_FORMATS = ['table', 'markdown', 'json'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

const t = (us: number) => us.toFixed(2);
const bw = (m: Measured) => (m.busbw === null ? 'N/A' : m.busbw.toFixed(2));
const ci = (m: Measured) => (m.ci ? `${t(m.ci.lo)}–${t(m.ci.hi)}` : 'N/A');
const DIFFERENCE: Record<Verdict, string> = {
  faster: 'beyond noise',
  slower: 'beyond noise',
  noise: 'within noise',
  unknown: 'noise unknown',
};

function sizesText(sizes: number[]): string {
  if (sizes.length === 0) return '0 sizes';
  const range = sizes.length === 1 ? formatBytes(sizes[0]) : `${formatBytes(sizes[0])}–${formatBytes(sizes.at(-1)!)}`;
  return `${sizes.length} size${sizes.length === 1 ? '' : 's'} (${range})`;
}

/** One titled table of a comparison, with the lines that follow it; every format draws these. */
export interface Block {
  title: string;
  series?: ComparedSeries; // a series' block (the others: the environment, the gate)
  text?: boolean; // columns of words, aligned left
  header: string[];
  rows: string[][];
  notes: string[];
}

export function blocks(c: Comparison, gate?: GateResult): Block[] {
  const L = c.files.map((f) => f.label);
  const out: Block[] = [];
  for (const s of c.series) {
    const header = ['size'];
    for (const l of L) header.push(`${l} p50(us)`, `${l} 95% CI(us)`, `${l} busbw(GB/s)`);
    for (const l of L.slice(1)) header.push(`${l}/${L[0]}`, 'faster', 'difference');
    const rows = s.points.map((p) => {
      const row = [formatBytes(p.size_bytes)];
      for (const m of p.sides) row.push(...(m ? [t(m.p50), ci(m), bw(m)] : ['-', '-', '-']));
      p.versus.slice(1).forEach((v, j) => {
        if (!v) return row.push('-', '-', '-');
        const faster = v.ratio === 1 ? '=' : v.ratio > 1 ? L[0] : L[j + 1];
        row.push(v.ratio.toFixed(3), faster, DIFFERENCE[v.verdict]);
      });
      return row;
    });
    const notes = c.summary
      .filter((m) => m.series === s.label)
      .map((m) => {
        const me = L[m.file];
        const cross = m.crossovers.length
          ? m.crossovers
              .map((x) => `${formatBytes(x.size_bytes)} (${x.faster === 'file' ? me : L[0]} faster from there)`)
              .join(', ')
          : 'none';
        return (
          `${me} against ${L[0]}: geometric mean of ${me}/${L[0]} ${m.geomean_ratio.toFixed(3)}; ${L[0]} faster at ${sizesText(m.baseline_faster)}, ` +
          `${me} at ${sizesText(m.file_faster)}, within noise at ${sizesText(m.within_noise)}; crossover: ${cross}` +
          (m.by_ratio_only.length ? ` (${m.by_ratio_only.length} judged by the ratio alone: noise unknown)` : '')
        );
      });
    out.push({ title: s.label, series: s, header, rows, notes });
  }
  const env = c.environment;
  out.push({
    title: `environment: ${env.differences.length} difference${env.differences.length === 1 ? '' : 's'}, ${env.same} facts the same`,
    header: ['fact', ...L],
    rows: env.differences.map((d) => [d.fact, ...d.values]),
    text: true,
    notes: env.ignored.length ? [`left out, as they name the job rather than steer it: ${env.ignored.join(', ')}`] : [],
  });
  if (gate && (gate.rules.failIfSlower.length || gate.rules.minBusbw.length)) {
    const rules = [
      ...gate.rules.failIfSlower.map((r) => `--fail-if-slower ${r}`),
      ...gate.rules.minBusbw.map((r) => `--min-busbw ${r}`),
    ].join(', ');
    out.push({
      title: gate.passed
        ? `gate: passed (${rules})`
        : `gate: failed at ${gate.failures.length} size${gate.failures.length === 1 ? '' : 's'} (${rules})`,
      header: [],
      rows: [],
      notes: [
        ...gate.failures.map((f) => describeFailure(c, f)),
        ...gate.unused.map((r) => `note: the rule '${r}' applied to no size of these files`),
      ],
    });
  }
  return out;
}

/** The files (A, B, …: name, backend, records, status) and how times and the noise are read. */
export function legend(c: Comparison): string[] {
  return [
    ...c.files.map(
      (f, i) =>
        `${f.label} = ${f.name}: ${f.backend} (${f.library}), ${f.records} records, ${f.status}` +
        (f.schema !== c.files[0].schema || f.schema.endsWith('/1') ? `, schema ${f.schema}` : '') +
        (i === 0 && c.files.length > 1 ? ' (baseline)' : '') +
        (f.unmatched ? `; ${f.unmatched} records with no counterpart` : ''),
    ),
    `times: each point's median (p50, µs) with its 95% confidence interval; busbw as nccl-tests (from the mean); ${c.noise_rule}`,
  ];
}

function aligned(header: string[], rows: string[][], left = false): string[] {
  const all = header.length ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => r[i]?.length ?? 0))) ?? [];
  return all.map((r) =>
    r
      .map((cell, i) => (i === 0 || left ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

export function renderTable(c: Comparison, gate?: GateResult): string {
  const lines = legend(c);
  for (const b of blocks(c, gate)) {
    lines.push('', `# ${b.title}`);
    if (b.rows.length) lines.push(...aligned(b.header, b.rows, b.text));
    lines.push(...b.notes);
  }
  return lines.join('\n') + '\n';
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderMarkdown(c: Comparison, gate?: GateResult): string {
  const lines = legend(c).map((l) => `- ${cell(l)}`);
  for (const b of blocks(c, gate)) {
    lines.push('', `### ${cell(b.title)}`, '');
    if (b.rows.length)
      lines.push(
        `| ${b.header.map(cell).join(' | ')} |`,
        `|${b.header.map((_, i) => (i === 0 || b.text ? '---' : '---:')).join('|')}|`,
        ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
      );
    if (b.notes.length) lines.push(...(b.rows.length ? [''] : []), ...b.notes.map((n) => `- ${cell(n)}`));
  }
  return lines.join('\n') + '\n';
}

export function renderJson(c: Comparison, gate?: GateResult): string {
  return JSON.stringify({ ...c, ...(gate && { gate }) }, null, 1) + '\n';
}

export function render(format: CompareFormat, c: Comparison, gate?: GateResult): string {
  return format === 'json'
    ? renderJson(c, gate)
    : format === 'markdown'
      ? renderMarkdown(c, gate)
      : renderTable(c, gate);
}
