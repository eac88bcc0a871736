// The replay's numbers, on rank 0, from every rank's entry times: each entry as a JSON Lines record,
// per op its replayed time next to the trace's own, the step's communication time, and what the
// replay itself added between entries (an iteration's time minus its entries').
import { formatBytes } from '../plan/sizes.js';
import { isComm, type ReplayOp, type Trace, type TraceEntry } from './model.js';
import { entriesOf } from './program.js';
import { pct, table, time } from './render.js';

export interface RankTimes {
  entryUs: Float64Array; // one iteration, one per entry
  iterationUs: number;
}

export interface ReplayOpRow {
  op: ReplayOp;
  entries: number; // per iteration, over all ranks
  bytes: number; // per iteration, over all ranks (the size column's meaning)
  replayed_us: number; // per iteration and rank: the mean over ranks of their total
  share: number; // of the replayed communication time, 0..1
  recorded_us?: number; // the same from the trace's own durations, where it has them
}

export interface ReplayReport {
  iterations: number;
  steps: number; // steps per iteration (Kineto's ProfilerStep marks; else 1)
  ops: ReplayOpRow[];
  step: {
    comm_us: { mean: number; max: number; max_rank: number }; // communication per step and rank
    recorded_comm_us?: { mean: number; max: number }; // the trace's own
    wall_us: number; // an iteration's time on its slowest rank, per step
    gaps_us: number; // compute gaps per step and rank (replayed with --gaps; else ~0)
  };
  overhead_us_per_entry: { mean: number; max: number }; // iteration − its entries, over entries
}

export class ReplayResults {
  private readonly lists: TraceEntry[][];
  private readonly comm: number[]; // per rank, summed over iterations
  private readonly gaps: number[];
  private readonly overhead: number[];
  private readonly byOp = new Map<ReplayOp, number[]>(); // per rank, summed over iterations
  private wall = 0;
  private iterations = 0;

  constructor(
    private readonly trace: Trace,
    private readonly ranks: number,
  ) {
    this.lists = Array.from({ length: ranks }, (_, r) => entriesOf(trace, r));
    this.comm = new Array<number>(ranks).fill(0);
    this.gaps = new Array<number>(ranks).fill(0);
    this.overhead = new Array<number>(ranks).fill(0);
  }

  /** One iteration of every rank; returns its JSON Lines records. */
  add(perRank: RankTimes[]): string[] {
    const it = this.iterations++;
    const lines: string[] = [];
    let wall = 0;
    perRank.forEach((t, r) => {
      const list = this.lists[r];
      let sum = 0;
      list.forEach((e, i) => {
        const us = t.entryUs[i];
        sum += us;
        if (isComm(e.op)) {
          this.comm[r] += us;
          const per = this.byOp.get(e.op) ?? new Array<number>(this.ranks).fill(0);
          per[r] += us;
          this.byOp.set(e.op, per);
        } else this.gaps[r] += us;
        lines.push(
          JSON.stringify({
            iteration: it,
            rank: r,
            index: e.index,
            op: e.op,
            bytes: e.bytes,
            ...(isComm(e.op) && { group_size: e.group.length }),
            ...(e.peer !== undefined && { peer: e.peer }),
            time_us: round(us),
            ...(e.recordedUs !== undefined && { recorded_us: e.recordedUs }),
          }),
        );
      });
      this.overhead[r] += list.length ? (t.iterationUs - sum) / list.length : 0;
      wall = Math.max(wall, t.iterationUs);
    });
    this.wall += wall;
    return lines;
  }

  report(): ReplayReport {
    const n = Math.max(1, this.iterations);
    const steps = this.trace.steps ?? 1;
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
    const perIt = (xs: number[]) => xs.map((x) => x / n / steps);
    const commTotal = mean(perIt(this.comm)) * steps;
    const ops = [...this.byOp].map(([op, per]): ReplayOpRow => {
      const mine = this.lists.flat().filter((e) => e.op === op);
      const rec = mine.filter((e) => e.recordedUs !== undefined);
      return {
        op,
        entries: mine.length,
        bytes: mine.reduce((a, e) => a + e.bytes, 0),
        replayed_us: round(mean(per) / n),
        share: commTotal ? mean(per) / n / commTotal : 0,
        ...(rec.length === mine.length && {
          recorded_us: round(rec.reduce((a, e) => a + e.recordedUs!, 0) / this.ranks),
        }),
      };
    });
    ops.sort((a, b) => b.replayed_us - a.replayed_us);
    const comm = perIt(this.comm);
    const maxRank = comm.indexOf(Math.max(...comm));
    const recorded = this.lists.map(
      (l) => l.reduce((a, e) => a + (isComm(e.op) ? (e.recordedUs ?? NaN) : 0), 0) / steps,
    );
    return {
      iterations: this.iterations,
      steps,
      ops,
      step: {
        comm_us: { mean: round(mean(comm)), max: round(comm[maxRank]), max_rank: maxRank },
        ...(recorded.every(Number.isFinite) && {
          recorded_comm_us: { mean: round(mean(recorded)), max: round(Math.max(...recorded)) },
        }),
        wall_us: round(this.wall / n / steps),
        gaps_us: round(mean(perIt(this.gaps))),
      },
      overhead_us_per_entry: {
        mean: round(mean(this.overhead) / n, 3),
        max: round(Math.max(...this.overhead) / n, 3),
      },
    };
  }
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export function renderReplay(title: string[], r: ReplayReport, gaps: boolean): string {
  const out = title.map((l) => `# ${l}`);
  out.push(
    ...table(
      ['op', 'entries', 'bytes', 'replayed', 'share', 'recorded', 'replayed/recorded'],
      r.ops.map((o) => [
        o.op,
        String(o.entries),
        formatBytes(o.bytes),
        time(o.replayed_us),
        pct(o.share),
        time(o.recorded_us),
        o.recorded_us ? `${(o.replayed_us / o.recorded_us).toFixed(2)}×` : '-',
      ]),
    ),
  );
  out.push('(entries and bytes: per iteration over all ranks; times: per iteration and rank, the mean over ranks)');
  const s = r.step;
  const per = r.steps > 1 ? `per step (${r.steps} per iteration)` : 'per step (the trace taken as one step)';
  out.push(
    `communication ${per}: ${time(s.comm_us.max)} at most (rank ${s.comm_us.max_rank}), ${time(s.comm_us.mean)} on average` +
      (s.recorded_comm_us
        ? `; recorded ${time(s.recorded_comm_us.max)} at most, ${time(s.recorded_comm_us.mean)} on average`
        : ''),
  );
  out.push(
    `an iteration took ${time(s.wall_us * r.steps)} on its slowest rank; compute gaps ${gaps ? `replayed: ${time(s.gaps_us)} per step and rank` : 'not replayed (--gaps replays them)'}`,
  );
  out.push(
    `replay overhead: ${r.overhead_us_per_entry.mean.toFixed(3)} µs per entry on average, ${r.overhead_us_per_entry.max.toFixed(3)} µs on the worst rank (an iteration's time minus its entries')`,
  );
  return out.join('\n') + '\n';
}
