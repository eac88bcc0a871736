// Result files as `plot` and `report` read them: the JSON an exporter wrote (report/exporters/json.ts),
// checked just enough to say clearly what is wrong with a file that is not one.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import type { RunMeta, RunStatus } from '../report/meta.js';
import type { ResultRow } from '../report/row.js';

const SCHEMA = 'ccbench.result/1'; // report/exporters/json.ts RESULT_SCHEMA

export interface ResultFile {
  path: string;
  label: string; // how charts and tables name the file: its base name, made unique
  meta: RunMeta;
  status: RunStatus;
  endTime: string | null;
  errors: string[];
  rows: ResultRow[];
}

/** One result file, or a UsageError naming the file and the fix. */
export function loadResult(path: string): ResultFile {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${path} is a directory; give a result file (--json)`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `no file ${path}; give a result file written with --json`
        : `cannot read ${path} (${code}); check its permissions`,
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${path} is not JSON (${(e as Error).message}); give a result file written with --json`);
  }
  if (typeof doc !== 'object' || doc === null || doc.schema !== SCHEMA)
    throw new UsageError(
      `${path} is not a ccbench result file (no "schema": "${SCHEMA}"); give a file written with --json`,
    );
  if (!Array.isArray(doc.results) || !doc.plan || !doc.backend)
    throw new UsageError(`${path} lacks "results", "plan" or "backend"; it is damaged: write it again with --json`);
  const rows = (doc.results as ResultRow[]).filter(
    (r) => r && typeof r.op === 'string' && typeof r.size_bytes === 'number' && r.time_us,
  );
  return {
    path,
    label: basename(path).replace(/\.json$/, ''),
    meta: doc as unknown as RunMeta,
    status: doc.status as RunStatus,
    endTime: (doc.end_time as string | null) ?? null,
    errors: Array.isArray(doc.errors) ? (doc.errors as string[]) : [],
    rows,
  };
}

/** Several files; labels made unique (two a.json from different directories become a.json, a.json #2). */
export function loadResults(paths: string[]): ResultFile[] {
  if (paths.length === 0) throw new UsageError('give at least one result file (written with --json)');
  const files = paths.map(loadResult);
  const seen = new Map<string, number>();
  for (const f of files) {
    const n = (seen.get(f.label) ?? 0) + 1;
    seen.set(f.label, n);
    if (n > 1) f.label = `${f.label} #${n}`;
  }
  return files;
}
