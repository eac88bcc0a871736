// Fault detection over the TCP control connections. Every rank sends a heartbeat with where it is
// (op, size, phase, iteration); rank 0 sends its own to everyone. Rank 0 ends the job, naming the
// rank, when one dies, reports a failure, falls silent for --timeout, or when no rank has made
// progress for --timeout. The other ranks end it when rank 0 dies or falls silent.
import { EXIT } from '../cli/errors.js';
import type { PeerEvent, TcpControl } from './tcp.js';

export interface Position {
  where: string; // e.g. "allreduce 1 MiB float32 sum on 4 ranks"
  phase: string; // idle, warmup, timed, check
  iteration: number;
}

export interface MonitorOptions {
  rank: number;
  host: string;
  timeoutSec: number; // 0: heartbeats still flow, but nothing is declared hung
  position: () => Position;
  /** Ends this rank: report (if `report`), tell the others, write files, exit. Never returns. */
  fatal: (message: string, code: number, report: boolean) => void;
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

  constructor(private readonly control: TcpControl, private readonly o: MonitorOptions) {}

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
    const suspended = now - this.lastTick > 3 * this.every;
    this.lastTick = now;
    if (suspended) {
      this.control.touchAll();
      this.lastChange = now;
    }
    const me = this.o.position();
    this.beat();
    const peers = this.control.peerStates();
    for (const [r, s] of peers) if (typeof s.heartbeat.host === 'string') this.hosts.set(r, s.heartbeat.host);
    if (this.o.timeoutSec <= 0) return;
    const limit = this.o.timeoutSec * 1000;
    for (const [r, s] of peers) {
      if (now - s.heard <= limit) continue;
      const secs = Math.round((now - s.heard) / 1000);
      // Its last heartbeat may predate its last steps; when it was on our point, the collective
      // stopped where we did, so our phase and iteration say where.
      const theirs = s.heartbeat as Partial<Position>;
      const at = theirs.where === me.where ? { ...theirs, phase: me.phase, iteration: me.iteration } : theirs;
      // Rank 0 names the silent rank; of the others only rank 1 reports a silent rank 0.
      return this.o.fatal(`${this.name(r)} has sent nothing for ${secs} s (stopped or hung) during ${describe(at)}`,
        EXIT.timeout, this.o.rank === 0 || this.o.rank === 1);
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
      this.o.fatal(`no rank made progress for ${Math.round((now - this.lastChange) / 1000)} s: ${where}`, EXIT.timeout, true);
    }
  }

  private onEvent(e: PeerEvent): void {
    const last = describe(this.control.peerStates().get(e.rank)?.heartbeat as Partial<Position>);
    if (e.kind === 'aborted') return this.o.fatal(e.message ?? '', e.code ?? 1, false); // rank 0 has said it
    if (e.kind === 'failed') return this.o.fatal(`${this.name(e.rank)} failed during ${last}: ${e.message}`, e.code ?? EXIT.rankFailed, true);
    const who = this.o.rank === 0 ? `${this.name(e.rank)} died` : `lost the connection to ${this.name(0)}`;
    this.o.fatal(`${who} during ${last}`, EXIT.rankFailed, this.o.rank === 0 || this.o.rank === 1);
  }
}
