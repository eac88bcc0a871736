// npm run bench:report — how long `ccbench compare` (every format, with a gate), `ccbench
// validate` and `ccbench report a.json b.json -o x.html` (the page with its comparison) take on a
// 20,000-record result set, end to end (Node's start included); target: under 3 s each. A real run of 20,000 points is
// impractical here, so the two documents are SYNTHETIC: built from a real run's file
// (results/compare/mpi.json: its metadata and record shape), its records repeated over 20,000
// distinct sizes with deterministic pseudo-random times. Writes results/report-speed/<time>.json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareDocuments } from '../src/compare/compare.js';
import { judge, parseSlowerRules } from '../src/compare/gate.js';
import { loadResult } from '../src/compare/load.js';
import { render } from '../src/compare/render.js';
import { reportHtml } from '../src/html/command.js';
import type { ResultDocument, ResultRow } from '../src/report/schema.js';
import { machine, ROOT, saveResults } from './machine.js';

const RECORDS = Number(process.env.RECORDS ?? 20_000);
const LAUNCHES = Number(process.env.LAUNCHES ?? 3);
const TARGET_S = 3;
const SOURCE = join(ROOT, 'results', 'compare', 'mpi.json');
const CLI = join(ROOT, 'bin', 'ccbench.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];
const meta = machine();
const dir = mkdtempSync(join(tmpdir(), 'ccbench-bench-report-'));

// A small deterministic generator (LCG, Numerical Recipes' constants), so every run builds the same set.
let seed = 12345;
const random = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;

function synthetic(real: ResultDocument, spread: number): ResultDocument {
  const results: ResultRow[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const t = real.results[i % real.results.length];
    const f = 1 + spread * (random() - 0.5);
    const s = t.time_us;
    const ci = s.p50_ci ?? { lo: s.p50, hi: s.p50, level: 0.95 };
    results.push({
      ...t,
      size_bytes: 8 * (Math.floor(i / real.results.length) + 1) * (t.size_bytes || 1), // distinct per series
      time_us: { ...s, avg: s.avg * f, p50: s.p50 * f, p50_ci: { ...ci, lo: ci.lo * f, hi: ci.hi * f } },
      busbw_gbs: t.busbw_gbs === null ? null : t.busbw_gbs / f,
    });
  }
  return { ...real, results };
}

const real = loadResult(SOURCE).doc;
const files = { base: join(dir, 'baseline.json'), new: join(dir, 'new.json') };
// Laid out as ccbench writes it (report/exporters/json.ts): the metadata indented, a record a line.
const layout = (d: ResultDocument) =>
  JSON.stringify({ ...d, results: [] }, null, 1).replace(
    '"results": []',
    `"results": [\n  ${d.results.map((r) => JSON.stringify(r)).join(',\n  ')}\n ]`,
  ) + '\n';
writeFileSync(files.base, layout(synthetic(real, 0.1)));
writeFileSync(files.new, layout(synthetic(real, 0.3)));

function launch(args: string[]): { wall_s: number; code: number | null } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0 && r.status !== 5) throw new Error(`bench:report: ccbench ${args.join(' ')} failed: ${r.stderr}`);
  return { wall_s: Number(process.hrtime.bigint() - t0) / 1e9, code: r.status };
}

const commands: Record<string, string[]> = {
  'compare table': ['compare', files.base, files.new],
  'compare markdown': ['compare', files.base, files.new, '--format', 'markdown'],
  'compare json + gate': ['compare', files.base, files.new, '--format', 'json', '--fail-if-slower', '5%'],
  validate: ['validate', files.base],
};
// --overwrite: every launch writes the same page, as a user re-running it would.
commands.report = ['report', files.base, files.new, '-o', join(dir, 'report.html'), '--overwrite'];

const walls: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < LAUNCHES; i++) for (const [k, args] of Object.entries(commands)) walls[k].push(launch(args).wall_s);

// In one process, where the time goes (the files already on disk).
const t = (f: () => unknown) => {
  const t0 = process.hrtime.bigint();
  const v = f();
  return [v, Number(process.hrtime.bigint() - t0) / 1e6] as const;
};
const [loaded, loadMs] = t(() => [loadResult(files.base), loadResult(files.new)]);
const [c, compareMs] = t(() => compareDocuments(loaded as ReturnType<typeof loadResult>[]));
const comparison = c as ReturnType<typeof compareDocuments>;
const [gate, gateMs] = t(() => judge(comparison, parseSlowerRules(['5%']), []));
const [, renderMs] = t(() => render('table', comparison, gate as ReturnType<typeof judge>));
const bytes = readFileSync(files.base).length;
const pageBytes = readFileSync(join(dir, 'report.html')).length;
const [, reportMs] = t(() => reportHtml([files.base, files.new]));
rmSync(dir, { recursive: true, force: true });

const summary = Object.fromEntries(Object.entries(walls).map(([k, v]) => [k, median(v)]));
for (const [k, v] of Object.entries(summary))
  process.stdout.write(`${k}: ${v.toFixed(2)} s (median of ${LAUNCHES}; target < ${TARGET_S} s)\n`);
process.stdout.write(
  `in one process: load both ${loadMs.toFixed(0)} ms, compare ${compareMs.toFixed(0)} ms, gate ${gateMs.toFixed(0)} ms, table ${renderMs.toFixed(0)} ms; the report page (load, compare, HTML) ${reportMs.toFixed(0)} ms, ${(pageBytes / 1e6).toFixed(1)} MB\n`,
);
const file = saveResults('report-speed', {
  what: `ccbench compare / validate / report on two synthetic ${RECORDS}-record documents built from ${SOURCE.slice(ROOT.length)} (its metadata and record shape; times scaled pseudo-randomly)`,
  records: RECORDS,
  document_bytes: bytes,
  launches: LAUNCHES,
  target_s: TARGET_S,
  median_wall_s: summary,
  walls_s: walls,
  report_measured: true,
  report_command: ['report', 'baseline.json', 'new.json', '-o', 'report.html', '--overwrite'],
  report_page_bytes: pageBytes,
  in_process_ms: { load_both: loadMs, compare: compareMs, gate: gateMs, render_table: renderMs, report_html: reportMs },
  series: comparison.series.length,
  points: comparison.series.reduce((n, s) => n + s.points.length, 0),
  machine: meta,
});
process.stdout.write(`results: ${file}\n`);
