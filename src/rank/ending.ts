// How a rank ends the job when something goes wrong after it joined.
//
// Rank 0 speaks for the job: it collects what went wrong for a short window, reports the root
// cause (a rank that died or fell silent explains the errors its peers then hit), marks the
// result files, tells every rank to stop, and exits with the cause's code. Another rank that
// fails reports to rank 0 and exits with the code rank 0 answers; it prints the message itself
// only if rank 0 does not answer. Exits go through hardExit: the engine thread may be stuck.
import { EXIT } from '../errors.js';
import { writeExitReport } from '../job/exit-report.js';
import type { Cause } from '../control/monitor.js';
import type { TcpControl } from '../control/tcp.js';
import type { Addon } from '../native/addon.js';
import type { ResultWriter } from '../report/writer.js';

// Having been stopped explains what this rank then sees; a death or silence explains what follows;
// a signal (the job being stopped) comes next.
const WEIGHT: Partial<Record<Cause, number>> = {
  suspended: 5,
  died: 4,
  silent: 4,
  signal: 3,
  stuck: 2,
  'peer-failed': 2,
  own: 1,
};
const WINDOW_MS = 300;

export class Ending {
  private started = false;
  private candidates: { cause: Cause; message: string; code: number }[] = [];
  private abortHeard: ((code: number) => void) | undefined;
  writer: ResultWriter | undefined;
  onStart: () => void = () => {};
  /** The words for a rank 0 that is gone (the monitor knows where everyone was). */
  describeLoss: () => string = () => 'lost the connection to rank 0';
  /** Stops the backend's work in flight (NCCL/RCCL abort their communicator); bounded. */
  abortBackend: () => Promise<void> = async () => {};

  constructor(
    private readonly rank: number,
    private readonly host: string,
    private readonly addon: Addon,
    private readonly tcp: TcpControl,
  ) {}

  async fail(cause: Cause, message: string, code: number): Promise<never> {
    if (this.rank === 0) return this.failAsRoot(cause, message, code);
    if (cause === 'abort') {
      this.abortHeard?.(code);
      if (!this.started) {
        this.begin();
        return this.exit(code); // rank 0 has said it
      }
      return new Promise<never>(() => {});
    }
    if (this.started) return new Promise<never>(() => {});
    this.begin();
    if (cause === 'suspended') return this.exit(code); // the others have said it
    if (cause === 'lost' || cause === 'silent') return this.lostRankZero(message, code);
    // Our own failure or signal: rank 0 names us and answers with the code the job ends with. If
    // rank 0 turns out to be gone (our failure was its death, seen by the backend first), that is
    // what we say. The wait holds the process open: nothing else may be left to.
    this.tcp.fail(message, code);
    await this.tcp.flush(1000);
    const answer = await new Promise<number | 'gone' | undefined>((resolve) => {
      this.abortHeard = resolve;
      void this.tcp.closed(0).then(() => resolve('gone'));
      setTimeout(() => resolve(undefined), cause === 'signal' ? 200 : 3000);
    });
    if (answer === 'gone') return this.lostRankZero(this.describeLoss(), EXIT.rankFailed);
    if (answer !== undefined) return this.exit(answer);
    if (cause !== 'signal') this.say(message);
    return this.exit(code);
  }

  private lostRankZero(message: string, code: number): Promise<never> {
    if (this.rank === 1) this.say(message); // one voice for a lost rank 0
    return this.exit(code);
  }

  private async failAsRoot(cause: Cause, message: string, code: number): Promise<never> {
    this.candidates.push({ cause, message, code });
    // An interruption (ours or a peer's) may be followed by SIGKILL: mark the files at once;
    // the final status is written after the window.
    if (code === EXIT.interrupted || code === EXIT.terminated)
      this.writer?.close('interrupted', `received ${code === EXIT.interrupted ? 'SIGINT' : 'SIGTERM'}`);
    if (this.started) return new Promise<never>(() => {});
    this.begin();
    await new Promise((r) => setTimeout(r, WINDOW_MS)); // the root cause may still be on its way
    const best = this.candidates.reduce((a, b) => ((WEIGHT[b.cause] ?? 0) > (WEIGHT[a.cause] ?? 0) ? b : a));
    const interrupted = best.code === EXIT.interrupted || best.code === EXIT.terminated;
    // An interruption of the whole job needs no report; the files say 'interrupted'.
    return this.finish(
      best.message,
      best.code,
      interrupted ? 'interrupted' : 'failed',
      best.cause !== 'signal' && best.cause !== 'suspended',
    );
  }

  private async finish(
    message: string,
    code: number,
    status: 'interrupted' | 'failed',
    report: boolean,
  ): Promise<never> {
    if (report) this.say(message);
    this.writer?.close(status, message);
    this.tcp.abort(message, code);
    await this.tcp.flush(1000);
    return this.exit(code);
  }

  private async exit(code: number): Promise<never> {
    if (this.rank === 0) writeExitReport(process.env, code);
    await this.abortBackend();
    return this.addon.hardExit(code);
  }

  private begin(): void {
    this.started = true;
    this.onStart();
  }

  private say(message: string): void {
    process.stderr.write(
      this.rank === 0 ? `ccbench: ${message}\n` : `ccbench: rank ${this.rank} (${this.host}): ${message}\n`,
    );
  }

  /**
   * Ctrl-C, or a scheduler's SIGTERM: every rank gets it; rank 0 marks the files interrupted.
   * SIGUSR2 is ccbench's own word for "the commander got SIGINT": mpirun answers a SIGINT with
   * SIGTERM to the ranks, so the commander sends its launcher SIGUSR2 instead, which mpirun and
   * srun pass on to the ranks as it is (launch/supervise.ts).
   */
  installSignalHandlers(): void {
    for (const [sig, code] of [
      ['SIGINT', EXIT.interrupted],
      ['SIGTERM', EXIT.terminated],
    ] as const)
      process.on(sig, () => void this.fail('signal', `received ${sig}`, code));
    process.on('SIGUSR2', () => void this.fail('signal', 'received SIGINT', EXIT.interrupted));
  }
}
