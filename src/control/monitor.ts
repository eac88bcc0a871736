// Fault detection over the TCP control connections. Every rank sends a heartbeat with where it is
// (op, size, phase, iteration); rank 0 sends its own to everyone. Rank 0 ends the job, naming the
// rank, when one dies, reports a failure, falls silent for --timeout, or when no rank has made
// progress for --timeout. The other ranks end it when rank 0 dies or falls silent.
import { EXIT } from '../errors.js';
import type { PeerEvent, TcpControl } from './tcp.js';

/** Why the job ends, from this rank's point of view. */
export type Cause =
  | 'own' // this rank failed (an exception)
  | 'signal' // this rank got SIGINT / SIGTERM
  | 'died' // (rank 0) a rank's connection dropped
  | 'silent' // a rank (or, seen from others, rank 0) sent nothing for --timeout
  | 'stuck' // (rank 0) no rank made progress for --timeout
  | 'peer-failed' // (rank 0) a rank reported its own failure
  | 'lost' // (others) the connection to rank 0 dropped
  | 'abort' // (others) rank 0 ended the job
  | 'suspended'; // this rank was stopped meanwhile: what it sees now is the consequence, already reported

export interface Position {
  where: string; // e.g. "allreduce 1 MiB float32 sum on 4 ranks"
  phase: string; // idle, warmup, timed, check
  iteration: number;
}

export interface MonitorOptions {
  rank: number;
  host: string;
  timeoutSec: number; // 0: heartbeats still flow, but nothing is declared hung
  hosts?: string[]; // every rank's host, by rank, when known at start
  position: () => Position;
  /** After each heartbeat this rank sends (rank 0 reports progress from it). */
  onBeat?: () => void;
  /** Ends the job for this cause (rank/ending.ts decides who reports what). */
  fatal: (cause: Cause, message: string, code: number) => void;
}

export function describe(p: Partial<Position>): string {
  if (!p.where) return 'start-up';
  return p.phase && p.phase !== 'idle' ? `${p.where} (${p.phase} iteration ${p.iteration})` : p.where;
}

export class Monitor {
  private timer: NodeJS.Timeout | undefined;
  private lastSignature = '';
  private lastChange = Date.now();
  private hosts = new Map<number, string>();
  private every = 1000;
  private lastTick = Date.now();
  private resumedAt = 0; // when this process last came back from being stopped
  private stoppedMs = 0; // for how long

  constructor(
    private readonly control: TcpControl,
    private readonly o: MonitorOptions,
  ) {
    o.hosts?.forEach((h, r) => this.hosts.set(r, h));
  }

  start(): void {
    this.control.setEventHandler((e) => this.onEvent(e));
    this.every = this.o.timeoutSec > 0 ? Math.min(1000, (this.o.timeoutSec * 1000) / 4) : 1000;
    this.timer = setInterval(() => this.tick(), this.every);
    this.timer.unref();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Sends this rank's position now (it just moved to a new point). */
  beat(): void {
    this.control.heartbeat({ ...this.o.position(), host: this.o.host });
  }

  private name(rank: number): string {
    const host = this.hosts.get(rank);
    return host ? `rank ${rank} (${host})` : `rank ${rank}`;
  }

  private tick(): void {
    const now = Date.now();
    // A long gap since our own last tick means this process was stopped or starved, not its
    // peers: start their clocks afresh instead of blaming them for our own absence.
    const previous = this.lastTick;
    const suspended = now - previous > 3 * this.every;
    this.lastTick = now;
    if (suspended) {
      this.resumedAt = now;
      this.stoppedMs = now - previous;
      this.control.touchAll();
      this.lastChange = now;
    }
    const me = this.o.position();
    this.beat();
    this.o.onBeat?.();
    const peers = this.control.peerStates();
    for (const [r, s] of peers) if (typeof s.heartbeat.host === 'string') this.hosts.set(r, s.heartbeat.host);
    if (this.o.timeoutSec <= 0) return;
    const limit = this.o.timeoutSec * 1000;
    for (const [r, s] of peers) {
      if (now - s.heard <= limit) continue;
      const secs = Math.round((now - s.heard) / 1000);
      return this.o.fatal(
        'silent',
        `${this.name(r)} has sent nothing for ${secs} s (stopped or hung) during ${this.whereIs(r, me)}`,
        EXIT.timeout,
      );
    }
    if (this.o.rank !== 0) return;
    // Everyone is alive: is anyone getting anywhere?
    const positions = [[0, me] as const, ...[...peers].map(([r, s]) => [r, s.heartbeat as Partial<Position>] as const)];
    const signature = positions.map(([, p]) => `${p.where}|${p.phase}|${p.iteration}`).join(';');
    if (signature !== this.lastSignature) {
      this.lastSignature = signature;
      this.lastChange = now;
      return;
    }
    if (now - this.lastChange > limit) {
      const where = positions.map(([r, p]) => `${this.name(r)} in ${describe(p)}`).join('; ');
      this.o.fatal(
        'stuck',
        `no rank made progress for ${Math.round((now - this.lastChange) / 1000)} s: ${where}`,
        EXIT.timeout,
      );
    }
  }

  /**
   * Where a peer was last seen. Its last heartbeat may predate its last steps; when it was on our
   * point, the collective stopped where we did, so our phase and iteration say where.
   */
  private whereIs(rank: number, me = this.o.position()): string {
    const theirs = (this.control.peerStates().get(rank)?.heartbeat ?? {}) as Partial<Position>;
    return describe(theirs.where === me.where ? { ...theirs, phase: me.phase, iteration: me.iteration } : theirs);
  }

  /** What a rank says when rank 0 is gone: the same words as when the connection drops. */
  lossOfRankZero(): string {
    return `lost the connection to ${this.name(0)} during ${this.whereIs(0)}`;
  }

  private onEvent(e: PeerEvent): void {
    // Resumed after being stopped (SIGSTOP, a frozen VM): the peers that gave up on us meanwhile
    // have said so; a peer gone now is no news, and no reason to blame it.
    const now = Date.now();
    const away =
      now - this.lastTick > 3 * this.every
        ? now - this.lastTick
        : now - this.resumedAt < 3 * this.every
          ? this.stoppedMs
          : 0;
    if (away > 0 && e.kind !== 'aborted')
      return this.o.fatal(
        'suspended',
        `${this.name(this.o.rank)} was stopped for ${Math.round(away / 1000)} s, and the job ended meanwhile`,
        EXIT.timeout,
      );
    const last = this.whereIs(e.rank);
    if (e.kind === 'aborted') return this.o.fatal('abort', e.message ?? '', e.code ?? 1);
    if (e.kind === 'failed')
      return this.o.fatal(
        'peer-failed',
        `${this.name(e.rank)} failed during ${last}: ${e.message}`,
        e.code ?? EXIT.rankFailed,
      );
    if (this.o.rank === 0) return this.o.fatal('died', `${this.name(e.rank)} died during ${last}`, EXIT.rankFailed);
    this.o.fatal('lost', this.lossOfRankZero(), EXIT.rankFailed);
  }
}
