// JSON: one document with the run's metadata, status, units and every finished row. In a file it
// is replaced atomically after every size (a reader never sees half a document); on standard
// output it is printed once, at the end.
import { closeSync } from 'node:fs';
import { createOutput, writeAtomically } from '../files.js';
import { UNITS, type RunEnd, type RunMeta } from '../meta.js';
import type { ResultRow } from '../row.js';
import type { ExporterDef } from './exporter.js';

export const RESULT_SCHEMA = 'ccbench.result/1';

function document(meta: RunMeta, rows: ResultRow[], end: RunEnd): string {
  const doc = {
    schema: RESULT_SCHEMA,
    ...meta,
    end_time: end.endTime,
    status: end.status,
    errors: end.errors,
    units: UNITS,
    results: rows,
  };
  return JSON.stringify(doc, null, 1) + '\n';
}

export const jsonExporter: ExporterDef = {
  name: 'json',
  summary: 'the run metadata, status and every row in one document',
  extensions: ['json'],
  create(meta, target) {
    const rows: ResultRow[] = [];
    const running: RunEnd = { status: 'running', endTime: null, errors: [], wrong: null };
    const flush = (end: RunEnd) => {
      if (target.kind === 'file') writeAtomically(target.path, document(meta, rows, end));
    };
    return {
      open() {
        if (target.kind === 'file') closeSync(createOutput(target.path, target.flag, target.overwrite));
        flush(running);
      },
      add(row) {
        rows.push(row);
        flush(running);
      },
      close(end) {
        if (target.kind === 'stdout') target.write(document(meta, rows, end));
        else flush(end);
      },
      amend: (end) => flush(end),
    };
  },
};
