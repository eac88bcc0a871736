// The HTML tables of the report: each op's results (the columns of ccbench's printed table), each
// file's run metadata, and compare's blocks (compare/render.ts: the same columns and lines as
// `ccbench compare`). Built by joining strings once, linear in the rows.
import type { Block } from '../compare/index.js';
import { formatBytes } from '../plan/sizes.js';
import type { ResultFile } from '../plot/load.js';
import type { ResultRow } from '../report/row.js';
import { escapeHtml } from './page.js';

const num = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v.toPrecision(digits)).toString();

interface Column {
  head: string;
  cell: (r: ResultRow, file: string) => string;
  numeric?: boolean;
}

/** One op's rows from every file, in file order then the run's order. */
export function resultsTable(op: string, files: ResultFile[]): string {
  const rows: [ResultRow, string][] = [];
  for (const f of files) for (const r of f.rows) if (r.op === op) rows.push([r, f.label]);
  if (rows.length === 0) return '';
  const varies = (f: (r: ResultRow) => unknown) => new Set(rows.map(([r]) => f(r))).size > 1;
  const cols: Column[] = [];
  if (files.length > 1) cols.push({ head: 'file', cell: (_, file) => escapeHtml(file) });
  cols.push({ head: 'ranks', cell: (r) => String(r.ranks), numeric: true });
  if (varies((r) => r.dtype)) cols.push({ head: 'dtype', cell: (r) => escapeHtml(r.dtype) });
  if (varies((r) => r.redop)) cols.push({ head: 'redop', cell: (r) => escapeHtml(r.redop) });
  if (varies((r) => r.in_place)) cols.push({ head: 'in place', cell: (r) => (r.in_place ? 'yes' : 'no') });
  if (varies((r) => r.cycle)) cols.push({ head: 'cycle', cell: (r) => String(r.cycle), numeric: true });
  if (varies((r) => r.pattern)) cols.push({ head: 'pattern', cell: (r) => escapeHtml(r.pattern ?? '—') });
  cols.push(
    { head: 'size', cell: (r) => formatBytes(r.size_bytes), numeric: true },
    { head: 'size (B)', cell: (r) => String(r.size_bytes), numeric: true },
    { head: 'iters', cell: (r) => String(r.iters), numeric: true },
    { head: 'avg µs', cell: (r) => num(r.time_us.avg), numeric: true },
    { head: 'min µs', cell: (r) => num(r.time_us.min), numeric: true },
    { head: 'max µs', cell: (r) => num(r.time_us.max), numeric: true },
    { head: 'p50 µs', cell: (r) => num(r.time_us.p50), numeric: true },
    { head: 'p99 µs', cell: (r) => num(r.time_us.p99), numeric: true },
    { head: 'algbw GB/s', cell: (r) => num(r.algbw_gbs), numeric: true },
    { head: 'busbw GB/s', cell: (r) => num(r.busbw_gbs), numeric: true },
  );
  if (rows.some(([r]) => r.imbalance))
    cols.push(
      { head: 'imb (max/mean)', cell: (r) => num(r.imbalance?.max_over_mean, 3), numeric: true },
      { head: 'gini', cell: (r) => num(r.imbalance?.gini, 2), numeric: true },
      {
        head: 'slowest rank',
        cell: (r) => (r.rank_time_us?.length ? String(r.rank_time_us.indexOf(Math.max(...r.rank_time_us))) : '—'),
        numeric: true,
      },
    );
  if (rows.some(([r]) => r.wrong !== null))
    cols.push({
      head: '#wrong',
      cell: (r) => (r.wrong === null ? '—' : r.wrong > 0 ? `<span class="bad">${r.wrong}</span>` : '0'),
      numeric: true,
    });
  const out: string[] = [`<table class="results"><thead><tr>`];
  for (const c of cols) out.push(`<th>${c.head}</th>`);
  out.push('</tr></thead><tbody>');
  for (const [r, file] of rows) {
    out.push('<tr>');
    for (const c of cols) out.push(c.numeric ? `<td class="n">${c.cell(r, file)}</td>` : `<td>${c.cell(r, file)}</td>`);
    out.push('</tr>');
  }
  out.push('</tbody></table>');
  const table = out.join('');
  // A long table is folded so the charts stay in reach.
  return rows.length > 40 ? `<details><summary>${rows.length} rows (click to show)</summary>${table}</details>` : table;
}

function facts(f: ResultFile): [string, string][] {
  const m = f.meta;
  const b = m.backend;
  const sys = m.system;
  const lib = (x: { library: string; version: string } | { error: string } | undefined) =>
    !x ? '—' : 'error' in x ? x.error : `${x.library} ${x.version}`;
  const gpu = sys?.gpu
    ? 'error' in sys.gpu
      ? sys.gpu.error
      : `${sys.gpu.count} × ${sys.gpu.vendor} (${sys.gpu.runtime} ${sys.gpu.runtime_version}, driver ${sys.gpu.driver_version})`
    : '—';
  const plan = m.plan;
  return [
    ['file', f.path],
    ['status', f.status + (f.errors.length ? ` — ${f.errors.join('; ')}` : '')],
    ['command', (m.command ?? []).join(' ')],
    ['started / ended', `${m.start_time ?? '—'} / ${f.endTime ?? '—'}`],
    ['ccbench / Node', `${m.ccbench?.version ?? '?'} / ${m.ccbench?.node ?? '?'}`],
    ['launcher', m.launcher ?? '—'],
    ['backend', `${b.name} (${b.library}), ${b.device}${b.chosen_by ? `, chosen by --backend ${b.chosen_by}` : ''}`],
    ['MPI', m.mpi ? `${m.mpi.implementation} ${m.mpi.version} (${m.mpi.library_version})` : '—'],
    ['ranks / hosts', `${m.world_size} on ${(m.hosts ?? []).join(', ')}`],
    [
      'oversubscribed',
      (m.oversubscribed ?? []).map((o) => `${o.host}: ${o.ranks} ranks on ${o.cpus} CPUs`).join('; ') || 'no',
    ],
    [
      'timing',
      `${plan?.timing ?? '?'}${plan?.graphLaunches ? `, CUDA/HIP graphs of ${plan.graphLaunches} launches` : ''}${plan?.repeat > 1 ? `, ${plan.repeat} cycles` : ''}${plan?.check ? ', --check' : ''}`,
    ],
    ['GPUs', gpu],
    ['NCCL / RCCL', `${lib(sys?.nccl)} / ${lib(sys?.rccl)}`],
  ];
}

/** A file's metadata as a two-column table, its environment variables folded below. */
export function metaTable(f: ResultFile): string {
  const cell = (k: string, v: string) => {
    const text = escapeHtml(v);
    if (k === 'status' && f.status !== 'complete') return `<span class="bad">${text}</span>`;
    // A long reason (why no GPU library was found) folds behind its start.
    return v.length > 160 ? `<details><summary>${escapeHtml(v.slice(0, 110))}…</summary>${text}</details>` : text;
  };
  const rows = facts(f)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${cell(k, v)}</td></tr>`)
    .join('');
  const env = Object.entries(f.meta.environment ?? {});
  const envHtml = env.length
    ? `<details><summary>${env.length} environment variables of rank 0</summary><table class="meta">${env
        .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
        .join('')}</table></details>`
    : '<p class="note">No NCCL_*, UCX_*, OMPI_MCA_*, … variables were set.</p>';
  return `<table class="meta">${rows}</table>${envHtml}`;
}

/** One of compare's blocks (a series' points, the environment's differences) as a table, its lines below. */
export function compareTable(b: Block): string {
  const out: string[] = [];
  if (b.rows.length) {
    out.push('<table class="compare"><thead><tr>');
    for (const h of b.header) out.push(`<th>${escapeHtml(h)}</th>`);
    out.push('</tr></thead><tbody>');
    for (const r of b.rows) {
      out.push('<tr>');
      // numbers right-aligned, as the text table; a column of words (the environment) left
      r.forEach((c, i) =>
        out.push(i === 0 || b.text ? `<td>${escapeHtml(c)}</td>` : `<td class="n">${escapeHtml(c)}</td>`),
      );
      out.push('</tr>');
    }
    out.push('</tbody></table>');
  }
  const table = out.join('');
  const notes = b.notes.length
    ? `<ul class="note">${b.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
    : '';
  return (
    (b.rows.length > 40
      ? `<details><summary>${b.rows.length} rows (click to show)</summary>${table}</details>`
      : table) + notes
  );
}
