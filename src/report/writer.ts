// Where results go as the sweep runs: standard output in one format (the table by default) and
// any number of files, each through its exporter (exporters/), each updated after every size so
// an interrupted run keeps every finished size.
import { EXPORTERS, findExporter } from './exporters/index.js';
import { checkDistinct } from './files.js';
import type { Exporter, Target } from './exporters/exporter.js';
import { tableTitle, type RunEnd, type RunMeta, type RunStatus } from './meta.js';
import type { ResultRow } from './row.js';

export { UNITS, type RunMeta, type RunStatus } from './meta.js';

export class ResultWriter {
  private readonly rows: ResultRow[] = [];
  private exporters: Exporter[] = [];
  private broken = new Set<Exporter>(); // could not take a row: no more rows, but still an ending
  private ended: RunEnd | undefined;

  /** `out` prints one line (without its newline) on standard output. */
  constructor(
    private readonly meta: RunMeta,
    private readonly out: (line: string) => void,
  ) {}

  /**
   * Creates every output (refusing to replace an existing file unless --overwrite). If one cannot
   * be created, the ones already made are closed as failed and nothing is written to the refused one.
   */
  open(): void {
    const { stdout, files, overwrite } = this.meta.plan.output;
    checkDistinct(files);
    const targets: [string, Target][] = files.map((f) => [
      f.format,
      { kind: 'file', path: f.path, flag: f.flag, overwrite },
    ]);
    if (stdout) targets.unshift([stdout, { kind: 'stdout', write: (text) => this.out(text.replace(/\n$/, '')) }]);
    for (const [format, target] of targets) {
      const def = findExporter(format);
      if (!def) throw new Error(`no exporter '${format}' (known: ${EXPORTERS.map((e) => e.name).join(', ')})`);
      const e = def.create(this.meta, target);
      try {
        e.open();
      } catch (err) {
        this.close('failed', (err as Error).message);
        throw err;
      }
      this.exporters.push(e);
    }
    for (const note of this.meta.plan.notes) process.stderr.write(`ccbench: note: ${note}\n`);
  }

  /** Every output gets the row; one that cannot take it (a full disk) gets no more, and its error is thrown. */
  add(row: ResultRow, title = tableTitle(this.meta, row.op, row.ranks, row.in_place, row.cycle)): void {
    if (this.ended) return; // a row that finishes while the run is ending is not recorded half-way
    this.rows.push(row);
    this.each((e) => e.add(row, title), true);
  }

  /**
   * Ends every output with this status. An interruption is recorded at once (SIGKILL may follow);
   * a later close with the final status amends the outputs that can still change (the JSON).
   * Returns the error of an output that could not be finished, which has been said on stderr.
   */
  close(status: RunStatus, error?: string): string | undefined {
    const errors = this.ended?.errors ?? [];
    if (error && !errors.includes(error)) errors.push(error);
    const wrong = this.meta.plan.check ? this.rows.reduce((s, r) => s + (r.wrong ?? 0), 0) : null;
    const again = this.ended !== undefined;
    this.ended = { status, endTime: new Date().toISOString(), errors, wrong };
    const end = this.ended;
    try {
      this.each((e) => (again ? e.amend?.(end) : e.close(end)), false);
    } catch (err) {
      const message = (err as Error).message;
      // The same failure again (the disk is still full) was said already, by whoever closed with it.
      if (!errors.includes(message)) process.stderr.write(`ccbench: ${message}\n`);
      return message;
    }
    return undefined;
  }

  /** Runs `f` on every output (with `rows`, on those that took every row); throws the first failure after all ran. */
  private each(f: (e: Exporter) => void, rows: boolean): void {
    let first: unknown;
    for (const e of this.exporters) {
      if (rows && this.broken.has(e)) continue;
      try {
        f(e);
      } catch (err) {
        first ??= err;
        if (rows) this.broken.add(e);
      }
    }
    if (first !== undefined) throw first;
  }

  get results(): readonly ResultRow[] {
    return this.rows;
  }
}
