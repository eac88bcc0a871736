// Result files as `plot` and `report` read them: through compare's loader (compare/load.ts: any
// readable schema version, migrated and validated; a bad file is one UsageError line), plus what
// charts and tables need on top: a unique label per file and the rows under their own names.
import { basename } from 'node:path';
import { loadResult as loadDocument } from '../compare/index.js';
import { UsageError } from '../errors.js';
import type { RunMeta, RunStatus } from '../report/meta.js';
import type { ResultRow } from '../report/row.js';
import type { ResultDocument } from '../report/schema.js';

export interface ResultFile {
  path: string;
  label: string; // how charts and tables name the file: its base name, made unique
  schema: string; // the version the file was written in
  doc: ResultDocument; // as the current schema (what compare takes)
  meta: RunMeta;
  status: RunStatus;
  endTime: string | null;
  errors: string[];
  rows: ResultRow[];
}

/** One result file, or a UsageError naming the file and the fix. */
export function loadResult(path: string): ResultFile {
  const { schema, doc } = loadDocument(path);
  return {
    path,
    label: basename(path).replace(/\.json$/, ''),
    schema,
    doc,
    meta: doc,
    status: doc.status as RunStatus, // the schema checked it is one
    endTime: doc.end_time,
    errors: doc.errors,
    rows: doc.results,
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
