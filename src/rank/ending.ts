// How a rank ends the job when something goes wrong after it joined. Rank 0 reports the failure
// (naming the rank), marks the result files, tells every rank to stop and exits. Another rank
// that fails itself reports through rank 0, which names it; it prints the message itself only if
// rank 0 does not answer. Exits go through hardExit: the engine thread may be stuck in a library.
import { EXIT } from '../cli/errors.js';
import type { TcpControl } from '../control/tcp.js';
import type { Addon } from '../native/addon.js';
import type { ResultWriter } from '../report/writer.js';

export class Ending {
  private started = false;
  private abortHeard: (() => void) | undefined;
  writer: ResultWriter | undefined;
  onStart: () => void = () => {};

  constructor(private readonly rank: number, private readonly host: string, private readonly addon: Addon,
    private readonly tcp: TcpControl) {}

  /**
   * report: print (rank 0) or relay (others) the message. selfFailure: this rank failed itself, so
   * the others must hear it; otherwise it learned of a failure from the control plane.
   */
  async fail(message: string, code: number, report: boolean, selfFailure = false): Promise<never> {
    if (this.started) {
      if (!report) this.abortHeard?.(); // rank 0's abort arrived while we were reporting
      return new Promise<never>(() => {});
    }
    this.started = true;
    this.onStart();
    const interrupted = code === 130 || code === 143;
    if (this.rank === 0) {
      if (report) process.stderr.write(`ccbench: ${message}\n`);
      this.writer?.close(interrupted ? 'interrupted' : 'failed', message);
      this.tcp.abort(message, code);
      await this.tcp.flush(1000);
      return this.addon.hardExit(code);
    }
    if (selfFailure) {
      this.tcp.fail(message, code);
      await this.tcp.flush(1000);
      // Rank 0 names us and answers with an abort; if it does not, say it ourselves.
      const heard = await new Promise<boolean>((resolve) => {
        this.abortHeard = () => resolve(true);
        setTimeout(() => resolve(false), interrupted ? 200 : 3000).unref();
      });
      if (!heard && !interrupted) process.stderr.write(`ccbench: rank ${this.rank} (${this.host}): ${message}\n`);
    } else if (report) {
      process.stderr.write(`ccbench: rank ${this.rank} (${this.host}): ${message}\n`);
    }
    return this.addon.hardExit(code);
  }

  /** Ctrl-C, or a scheduler's SIGTERM: every rank gets it; rank 0 marks the files interrupted. */
  installSignalHandlers(): void {
    for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const)
      process.on(sig, () => void this.fail(`received ${sig}`, code, this.rank !== 0, true));
  }
}

export function exitCodeOf(e: unknown): number {
  const c = (e as { code?: string }).code;
  return (e as { name?: string }).name === 'UsageError' || c === 'E_USAGE' || c === 'E_UNAVAILABLE' ? EXIT.usage : EXIT.internal;
}
