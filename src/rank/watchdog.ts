// Hang protection: if the engine makes no progress (same point, phase and iteration) for
// --timeout seconds while a native call is in flight, report where it stopped and end the rank.
import type { Addon } from '../native/addon.js';

export class Watchdog {
  private last = '';
  private since = Date.now();
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private where = '';

  constructor(private readonly addon: Addon, private readonly timeoutSec: number,
    private readonly onHang: (message: string) => void) {}

  start(): void {
    if (this.timeoutSec <= 0) return;
    const every = Math.min(1000, (this.timeoutSec * 1000) / 4);
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Runs a native call under watch; `where` names it in a hang report. */
  async watch<T>(where: string, call: Promise<T>): Promise<T> {
    this.where = where;
    this.busy = true;
    this.since = Date.now();
    try {
      return await call;
    } finally {
      this.busy = false;
    }
  }

  private tick(): void {
    const p = this.addon.progress();
    const sig = `${this.where}|${p.phase}|${p.iteration}`;
    if (sig !== this.last || !this.busy) {
      this.last = sig;
      this.since = Date.now();
      return;
    }
    const stalled = (Date.now() - this.since) / 1000;
    if (stalled < this.timeoutSec) return;
    this.stop();
    const at = p.phase === 'idle' ? 'waiting for the other ranks' : `${p.phase} iteration ${p.iteration}`;
    this.onHang(`no progress for ${Math.round(stalled)} s in ${this.where} (${at}); ` +
      'a peer may have died or hung (raise --timeout if one size legitimately takes longer)');
  }
}
