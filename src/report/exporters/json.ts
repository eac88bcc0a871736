// JSON: one document with the run's metadata, status, units and every finished row. In a file it
// stays a valid document after every size at a cost that does not grow with the rows: the rows
// are the document's last list, and each new one is written over the closing lines (which follow
// it again); the status and end time sit in fixed-width slots rewritten in place at the end. On
// standard output the document is printed once, at the end.
import { ftruncateSync, readFileSync, unlinkSync } from 'node:fs';
import { createOutput, writeAll, writeAtomically, writeFailure } from '../files.js';
import { UNITS, type RunEnd, type RunMeta } from '../meta.js';
import type { ResultRow } from '../row.js';
import { RESULT_SCHEMA } from '../schema-id.js';
import type { ExporterDef } from './exporter.js';

export { RESULT_SCHEMA }; // its definition: schema.ts; its version: schema-id.ts

// Widths of the slots: the longest status ("check-failed") and an ISO time, quoted, plus room.
const STATUS_SLOT = 16;
const TIME_SLOT = 28;

const slot = (value: unknown, width: number) => JSON.stringify(value).padEnd(width);
const indent = (json: string) => json.replace(/\n/g, '\n ');
const closing = (errors: string[]) => `\n ],\n "errors": ${JSON.stringify(errors)}\n}\n`;

/** The whole document at once (standard output). */
function document(meta: RunMeta, rows: ResultRow[], end: RunEnd): string {
  const doc = {
    schema: RESULT_SCHEMA,
    ...meta,
    status: end.status,
    end_time: end.endTime,
    units: UNITS,
    results: rows,
    errors: end.errors,
  };
  return JSON.stringify(doc, null, 1) + '\n';
}

/** The document in a file, grown in place. */
class JsonFile {
  private fd: number;
  private statusAt = 0;
  private timeAt = 0;
  private tail = 0; // where the closing lines start
  private rows = 0;
  private errors: string[] = [];

  constructor(
    private readonly path: string,
    private readonly flag: string,
    overwrite: boolean,
    meta: RunMeta,
  ) {
    this.fd = createOutput(path, flag, overwrite);
    let text = JSON.stringify({ schema: RESULT_SCHEMA, ...meta }, null, 1).replace(/\n}$/, '') + ',\n "status": ';
    this.statusAt = Buffer.byteLength(text);
    text += slot('running', STATUS_SLOT) + ',\n "end_time": ';
    this.timeAt = Buffer.byteLength(text);
    text += slot(null, TIME_SLOT) + `,\n "units": ${indent(JSON.stringify(UNITS, null, 1))},\n "results": [`;
    try {
      this.write(text + closing([]), 0);
    } catch (e) {
      try {
        unlinkSync(path); // ours, and not a document yet
      } catch {
        // gone already
      }
      throw writeFailure(flag, path, e);
    }
    this.tail = Buffer.byteLength(text);
  }

  add(row: ResultRow): void {
    const text = `${this.rows === 0 ? '\n  ' : ',\n  '}${JSON.stringify(row)}`;
    try {
      this.write(text + closing(this.errors), this.tail);
    } catch (e) {
      // Put the closing lines back after the last whole row, so the document stays valid.
      try {
        ftruncateSync(this.fd, this.tail);
        this.write(closing(this.errors), this.tail);
      } catch {
        // nothing more can be written: the file ends where the failed write left it
      }
      throw writeFailure(this.flag, this.path, e);
    }
    this.tail += Buffer.byteLength(text);
    this.rows++;
  }

  /** The final status, end time and errors; without room for the errors, the status at least. */
  end(end: RunEnd): void {
    try {
      this.write(slot(end.status, STATUS_SLOT), this.statusAt);
      this.write(slot(end.endTime, TIME_SLOT), this.timeAt);
      this.finish(end.errors);
      this.errors = end.errors;
    } catch (e) {
      try {
        this.finish(this.errors);
      } catch {
        // the file ends where the failed write left it
      }
      throw writeFailure(this.flag, this.path, e);
    }
  }

  private finish(errors: string[]): void {
    const last = closing(errors);
    ftruncateSync(this.fd, this.tail);
    this.write(last, this.tail);
  }

  private write(text: string, at: number): void {
    writeAll(this.fd, Buffer.from(text), at);
  }
}

export const jsonExporter: ExporterDef = {
  name: 'json',
  summary: 'the run metadata, status and every row in one document',
  extensions: ['json'],
  create(meta, target) {
    if (target.kind === 'stdout') {
      const rows: ResultRow[] = [];
      return { open() {}, add: (row) => rows.push(row), close: (end) => target.write(document(meta, rows, end)) };
    }
    let file: JsonFile | undefined;
    return {
      open: () => (file = new JsonFile(target.path, target.flag, target.overwrite, meta)),
      add: (row) => file?.add(row),
      // The descriptor stays open after close(): a later, final status is written through it.
      close: (end) => file?.end(end),
      amend: (end) => file?.end(end),
    };
  },
};

/**
 * A result file still "running" after its job ended (rank 0 was killed before it could close it):
 * marked failed, for the ccbench that launched the job. Anything else is left as it is.
 */
export function markUnfinished(path: string, exitCode: number): void {
  let doc: { schema?: string; status?: string; end_time?: string | null; errors?: string[] };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc;
  } catch {
    return; // not there, not ours, or not JSON: nothing to mend
  }
  if (doc.schema !== RESULT_SCHEMA || doc.status !== 'running') return;
  doc.status = 'failed';
  doc.end_time = new Date().toISOString();
  doc.errors = [
    ...(doc.errors ?? []),
    `the job ended (exit code ${exitCode}) before rank 0 could close this file: rank 0 died or was killed`,
  ];
  try {
    writeAtomically(path, JSON.stringify(doc, null, 1) + '\n');
  } catch {
    // the file stays as rank 0 left it
  }
}
