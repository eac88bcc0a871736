// `ccbench report`: result files → one self-contained HTML page (page.ts, sections.ts).
import { extname } from 'node:path';
import { blocks, compareDocuments, legend } from '../compare/index.js';
import { UsageError } from '../errors.js';
import { loadResults, type ResultFile } from '../plot/load.js';
import { chartPoints } from '../plot/series.js';
import { probeOutput, writeAtomically } from '../report/files.js';
import { escapeHtml, PageBuilder, renderPage } from './page.js';
import { SECTIONS, type ReportInput } from './sections.js';

export interface ReportOptions {
  output: string;
  title?: string;
  overwrite?: boolean;
}

/** Two files or more: compare's comparison (files with no record in common: why there is none). */
function compareFiles(files: ResultFile[]): ReportInput['comparison'] {
  if (files.length < 2) return null;
  try {
    const c = compareDocuments(files.map((f) => ({ name: f.label, schema: f.schema, doc: f.doc })));
    return { c, blocks: blocks(c), legend: legend(c) };
  } catch (e) {
    if (e instanceof UsageError) return { why: e.message }; // the rest of the page still holds
    throw e;
  }
}

/** The page's HTML for these files. */
export function reportHtml(paths: string[], title?: string): { html: string; rows: number; charts: number } {
  const files = loadResults(paths);
  const points = chartPoints(files);
  const ops: string[] = [];
  const seen = new Set<string>();
  let rows = 0;
  for (const f of files)
    for (const r of f.rows) {
      rows++;
      if (!seen.has(r.op)) {
        ops.push(r.op);
        seen.add(r.op);
      }
    }
  if (rows === 0)
    throw new UsageError(
      `${paths.join(', ')} hold${paths.length === 1 ? 's' : ''} no results yet; report on a run that finished a size`,
    );
  const input: ReportInput = { files, points, ops, comparison: compareFiles(files) };
  const page = new PageBuilder();
  const sections = SECTIONS.flatMap((make) => make(input, page));
  const heading = title ?? `ccbench report: ${files.map((f) => f.label).join(', ')}`;
  const intro =
    `<p class="note">${rows} results from ${files.length} file${files.length === 1 ? '' : 's'} (${files
      .map(
        (f) =>
          `${escapeHtml(f.label)}: ${escapeHtml(f.meta.backend.name)}, ${f.meta.world_size} ranks, ${escapeHtml(f.status)}`,
      )
      .join('; ')}). ` +
    'Sizes follow nccl-tests (max of send and receive bytes per rank; K/M/G are powers of 1024); time is µs per op; ' +
    'algbw = size / time and busbw = algbw × the op’s bus factor, GB/s = 1e9 B/s.</p>';
  return { html: renderPage(heading, intro, sections, page), rows, charts: Object.keys(page.specs).length };
}

/** Writes the page; returns what was written. */
export function reportCommand(paths: string[], o: ReportOptions): string {
  const ext = extname(o.output).toLowerCase();
  if (ext !== '.html' && ext !== '.htm')
    throw new UsageError(`-o ${o.output}: the report is an HTML page; end the name in .html`);
  probeOutput(o.output, '-o', o.overwrite ?? false);
  const { html, rows, charts } = reportHtml(paths, o.title);
  writeAtomically(o.output, html);
  return `${o.output}: ${rows} results, ${charts} charts (self-contained; open it in a browser, no network needed)`;
}
