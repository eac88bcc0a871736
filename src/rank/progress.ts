// Rank 0's progress report on stderr, fed by what rank 0's heartbeats carry (the point it is on,
// the engine's phase and iteration) at each heartbeat and each move: never from a timed loop.
//  - tty: one live line (cli-progress): op, ranks, size k of N, iteration i of n, elapsed and an
//    estimate of the time left; cleared before each table row and at the end.
//  - log: nothing, except one plain line when a size has run for 10 s (and every minute after).
//  - off: --quiet.
// Which one: the ccbench that launched the job says whether its stderr is a terminal
// (CCBENCH_PROGRESS=tty:<columns> | log), as rank 0's own stderr is a pipe under mpirun or srun.
import type cliProgress from 'cli-progress';
import { createRequire } from 'node:module';
import type { Position } from '../control/monitor.js';
import type { Point } from '../plan/plan.js';
import { formatBytes } from '../plan/sizes.js';
import { describePoint } from './sweep.js';

export type ProgressMode = { kind: 'tty'; columns: number } | { kind: 'log' } | { kind: 'off' };

const ESC = '\u001b';

export const LOG_AFTER_MS = 10_000;
export const LOG_EVERY_MS = 60_000;

export function progressMode(
  quiet: boolean,
  env: NodeJS.ProcessEnv,
  stderr: { isTTY?: boolean; columns?: number },
): ProgressMode {
  if (quiet) return { kind: 'off' };
  const hint = /^(tty|log|off)(?::(\d+))?$/.exec(env.CCBENCH_PROGRESS ?? '');
  const kind = hint?.[1] ?? (stderr.isTTY ? 'tty' : 'log');
  if (kind === 'tty') return { kind, columns: Number(hint?.[2]) || stderr.columns || 100 };
  return { kind: kind as 'log' | 'off' };
}

/** m:ss or h:mm:ss. */
export function clock(ms: number): string {
  const t = Math.max(0, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

interface Done {
  bytes: number;
  perIter: number; // ms of wall time per warm-up or timed iteration
}

export interface ProgressOptions {
  mode: ProgressMode;
  points: Point[];
  repeat: number;
  maxTimePerSize: number; // s, 0 = no cap
  position: () => Position;
  step: () => { index: number; cycle: number } | undefined;
  now?: () => number;
  write?: (text: string) => void; // stderr
}

export class Progress {
  private readonly now: () => number;
  private readonly write: (text: string) => void;
  private readonly started: number;
  private bar: cliProgress.SingleBar | undefined;
  private current: { key: string; index: number; since: number; timed?: { at: number; iteration: number } } | undefined;
  private logged = 0; // when the current size was last said (log mode)
  private done = new Map<string, Done[]>(); // by op
  private line = '';

  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? Date.now;
    this.write = o.write ?? ((t) => process.stderr.write(t));
    this.started = this.now();
    if (o.mode.kind !== 'tty') return;
    const columns = o.mode.columns;
    const write = this.write;
    // The line is rewritten in place; the cursor is never saved and restored (table rows printed
    // meanwhile would make a saved position wrong), nor hidden (a killed run could not show it).
    const stream = {
      isTTY: true,
      columns,
      write: (s: string) => (write(s.split(`${ESC}7`).join('').split(`${ESC}8`).join('')), true),
    } as unknown as NodeJS.WriteStream;
    // Loaded where a progress line shows, not by every rank at start-up (npm run bench:startup).
    const { SingleBar } = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
    this.bar = new SingleBar({
      stream,
      format: () => this.line,
      fps: 2,
      forceRedraw: true,
      linewrap: true, // cli-progress: cut the line at the terminal's width
      hideCursor: false,
      clearOnComplete: true,
      gracefulExit: false,
    });
  }

  start(): void {
    this.bar?.start(1, 0);
  }

  /** Called at every heartbeat and every move of rank 0. */
  tick(): void {
    if (this.o.mode.kind === 'off') return;
    const step = this.o.step();
    if (!step) return;
    const now = this.now();
    const key = `${step.index}/${step.cycle}`;
    const pos = this.o.position();
    if (this.current?.key !== key) {
      if (this.current) this.finish(this.current.index, now - this.current.since);
      this.current = { key, index: step.index, since: now };
      this.logged = 0;
    }
    const cur = this.current;
    if (pos.phase === 'timed' && !cur.timed) cur.timed = { at: now, iteration: pos.iteration };
    const point = this.o.points[step.index];
    const left = this.timeLeft(step, pos, now);
    if (this.o.mode.kind === 'tty') {
      const total = this.o.points.length * this.o.repeat;
      const at = (step.cycle - 1) * this.o.points.length + step.index;
      const share = total > 1 ? `${Math.floor((100 * at) / total)}% · ` : ''; // of the sizes, for `all` and suites
      this.line = share + this.describe(point, step, pos, now, left);
      this.bar?.update(total ? at / total : 0);
    } else if (now - cur.since >= LOG_AFTER_MS && now - this.logged >= (this.logged ? LOG_EVERY_MS : 0)) {
      this.logged = now;
      const it =
        pos.phase === 'idle'
          ? ''
          : `, ${pos.phase} iteration ${pos.iteration}${pos.phase === 'timed' ? ` of ${point.iters}` : ''}`;
      const rest = left === undefined ? '' : `, about ${clock(left)} left in the run`;
      this.write(`ccbench: ${describePoint(point)}: running for ${clock(now - cur.since)}${it}${rest}\n`);
    }
  }

  /** Runs `print` (a table row on stdout) with the live line out of its way. */
  around(print: () => void): void {
    if (!this.bar) return print();
    this.write(`\r${ESC}[K`);
    print();
  }

  stop(): void {
    if (this.bar) {
      this.line = '';
      this.bar.stop();
      this.bar = undefined;
    }
  }

  private describe(
    p: Point,
    step: { index: number; cycle: number },
    pos: Position,
    now: number,
    left?: number,
  ): string {
    const series = this.o.points.filter((q) => sameSeries(p, q));
    const k = series.indexOf(p) + 1;
    const size = p.op === 'barrier' ? '' : ` (${formatBytes(p.sizeBytes)})`;
    const capped = this.o.maxTimePerSize > 0 ? ` (≤ ${this.o.maxTimePerSize} s)` : '';
    const phase =
      pos.phase === 'idle'
        ? 'starting'
        : pos.phase === 'timed'
          ? `iteration ${pos.iteration} of ${p.iters}${capped}`
          : pos.phase === 'warmup'
            ? `warm-up ${pos.iteration} of ${p.warmup}`
            : pos.phase;
    const cycle = this.o.repeat > 1 ? ` · cycle ${step.cycle} of ${this.o.repeat}` : '';
    return (
      `${p.op} · ${p.ranks} ranks · size ${k} of ${series.length}${size} · ${phase}${cycle} · ` +
      `${clock(now - this.started)} elapsed · ${left === undefined ? 'time left unknown' : `~${clock(left)} left`}`
    );
  }

  private finish(index: number, ms: number): void {
    const p = this.o.points[index];
    const list = this.done.get(p.op) ?? [];
    list.push({ bytes: p.sizeBytes, perIter: ms / Math.max(1, p.iters + p.warmup) });
    this.done.set(p.op, list);
  }

  /**
   * The run's time left: the current size at its measured rate (or its estimate), plus every
   * size to come at a cost per iteration of a + b·bytes fitted to the finished sizes of its op (of
   * any op until one finished), each capped by --max-time-per-size. Undefined before any estimate.
   */
  private timeLeft(step: { index: number; cycle: number }, pos: Position, now: number): number | undefined {
    const cur = this.o.points[step.index];
    const t = this.current?.timed;
    const rate =
      pos.phase === 'timed' && t && pos.iteration > t.iteration && now > t.at
        ? (pos.iteration - t.iteration) / (now - t.at)
        : 0;
    const all = [...this.done.values()].flat();
    // Before any size finished, the one running says what an iteration costs.
    if (all.length === 0 && rate > 0) all.push({ bytes: cur.sizeBytes, perIter: 1 / rate });
    if (all.length === 0) return undefined;
    const cost = (p: Point) => {
      const done = this.done.get(p.op) ?? all;
      const a = Math.min(...done.map((d) => d.perIter));
      const b = Math.max(0, ...done.map((d) => (d.bytes > 0 ? (d.perIter - a) / d.bytes : 0)));
      const per = a + b * p.sizeBytes;
      const timed = p.iters * per;
      const cap = this.o.maxTimePerSize * 1000;
      return p.warmup * per + (cap > 0 ? Math.min(cap, timed) : timed);
    };
    let left = 0;
    const cap = this.o.maxTimePerSize * 1000;
    if (rate > 0 && t) {
      // The engine may have cut the iterations to fit the cap (from its warm-up): the cap bounds it.
      const atRate = (cur.iters - pos.iteration) / rate;
      left += cap > 0 ? Math.max(0, Math.min(atRate, cap - (now - t.at))) : atRate;
    } else left += Math.max(0, cost(cur) - (now - (this.current?.since ?? now)));
    const n = this.o.points.length;
    for (let c = step.cycle, i = step.index + 1; c <= this.o.repeat; c++, i = 0)
      for (; i < n; i++) left += cost(this.o.points[i]);
    return left;
  }
}

const sameSeries = (a: Point, b: Point) =>
  a.op === b.op && a.ranks === b.ranks && a.dtype === b.dtype && a.redop === b.redop && a.inPlace === b.inPlace;
