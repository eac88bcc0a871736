// The interface every output format implements (one module per format, listed in index.ts).
// Streaming: open() when the run starts, add() as each size finishes, close() at the end, so a
// file holds every finished size at any moment. Exporters never throw away what they wrote.
import { closeSync, ftruncateSync } from 'node:fs';
import { createOutput, writeAll, writeFailure } from '../files.js';
import type { RunEnd, RunMeta } from '../meta.js';
import type { ResultRow } from '../row.js';

/** Where an exporter writes: standard output, or a file it creates (refusing an existing one unless overwrite). */
export type Target =
  { kind: 'stdout'; write: (text: string) => void } | { kind: 'file'; path: string; flag: string; overwrite: boolean };

export interface Exporter {
  open(): void;
  /** `title`: the heading of the row's table (a new one starts when op, ranks or cycle change). */
  add(row: ResultRow, title: string): void;
  close(end: RunEnd): void;
  /** After close: the run's final status differs from the one closed with (files that can, rewrite). */
  amend?(end: RunEnd): void;
}

export interface ExporterDef {
  name: string;
  summary: string;
  extensions: readonly string[]; // `--out results.<ext>` picks this format
  create(meta: RunMeta, target: Target): Exporter;
}

/**
 * Text appended to a target: stdout, or a file created once and written as the run goes. A write
 * that fails (a full disk) takes back what it half wrote, so the file ends on its last whole line,
 * and says which file and why; the sink writes nothing more.
 */
export class TextSink {
  private fd: number | undefined;
  private length = 0;

  constructor(private readonly target: Target) {}

  open(): void {
    if (this.target.kind === 'file') this.fd = createOutput(this.target.path, this.target.flag, this.target.overwrite);
  }

  write(text: string): void {
    if (this.target.kind === 'stdout') return this.target.write(text);
    if (this.fd === undefined) return;
    const bytes = Buffer.from(text);
    try {
      writeAll(this.fd, bytes, this.length);
      this.length += bytes.length;
    } catch (e) {
      const fd = this.fd;
      this.fd = undefined;
      try {
        ftruncateSync(fd, this.length);
        closeSync(fd);
      } catch {
        // the file stays as the failed write left it
      }
      throw writeFailure(this.target.flag, this.target.path, e);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Rows grouped into tables: true when `row` starts a new one (op, ranks or cycle changed). */
export class Grouping {
  private key = '';

  starts(row: ResultRow): boolean {
    const key = `${row.op}/${row.ranks}/${row.cycle}/${row.in_place}`;
    if (key === this.key) return false;
    this.key = key;
    return true;
  }
}

/** The line --check leaves at the end of a printed table. */
export function checkVerdict(end: RunEnd): string | undefined {
  if (end.wrong === null) return undefined;
  return end.wrong === 0 ? '0 wrong elements: OK' : `${end.wrong} wrong elements: FAILED`;
}
