// Where this rank is: the point the sweep is on (set around each native call) and the engine's
// phase and iteration (read from the addon's atomics). The monitor sends it in every heartbeat.
import type { Position } from '../control/monitor.js';
import type { Addon } from '../native/addon.js';

export class Tracker {
  private where = '';
  /** The point of the sweep in flight (its index in the plan's points) and the cycle. */
  step: { index: number; cycle: number } | undefined;
  private inflight: Promise<unknown> = Promise.resolve();
  /** Called when the rank moves on (the monitor sends a heartbeat at once). */
  onMove: () => void = () => {};

  constructor(private readonly addon: Addon) {}

  /** Records where the rank is now (a heartbeat goes out at once when that changed). */
  at(where: string): void {
    if (where === this.where) return;
    this.where = where;
    this.onMove();
  }

  /** Runs a native or control call, recording where the rank is while it runs. */
  async watch<T>(where: string, call: Promise<T>): Promise<T> {
    this.at(where);
    this.inflight = call;
    return call;
  }

  /** Resolves when the call in flight has settled (either way), or after ms. */
  settled(ms: number): Promise<void> {
    const done = this.inflight.then(
      () => {},
      () => {},
    );
    return Promise.race([done, new Promise<void>((r) => setTimeout(r, ms).unref())]);
  }

  position(): Position {
    const p = this.addon.progress();
    return { where: this.where, phase: p.phase, iteration: p.iteration };
  }
}
