// What a trace holds, before anything runs: per op type its entries, bytes and share of the step
// (by the trace's own recorded time where it has durations, and by bytes), the sub-groups, and the
// trace's own communication time per step.
import { isComm, type ReplayOp, type Trace, type TraceEntry } from './model.js';

export interface OpSummary {
  op: ReplayOp;
  entries: number; // over all ranks (a size mix: calls)
  bytes: number; // the size column summed over those entries
  recordedUs?: number; // the trace's own time of those entries, where it has durations
  timeShare?: number; // of the recorded communication time, 0..1
  byteShare: number; // of all bytes, 0..1
}

export interface TraceSummary {
  format: string;
  sources: string[];
  worldSize: number;
  ops: OpSummary[];
  groups: { size: number; count: number; example: number[] }[]; // distinct sub-groups by size
  /** The trace's own communication time per step and rank (its entries' durations over its steps). */
  stepCommUs?: { mean: number; max: number; maxRank: number };
  steps: number; // the steps the trace covers: 1 where it marks none
  computeUs?: { mean: number; max: number }; // recorded compute gaps per rank
  untimed: number; // communication entries without a duration
  dropped: Record<string, number>;
  notes: string[];
}

export function summarize(t: Trace): TraceSummary {
  const all: TraceEntry[] = t.weights ?? [...t.perRank.values()].flat();
  const calls = (e: TraceEntry) => ('calls' in e ? (e.calls as number) : 1);
  const byOp = new Map<ReplayOp, OpSummary>();
  let untimed = 0;
  for (const e of all) {
    if (!isComm(e.op)) continue;
    const s = byOp.get(e.op) ?? { op: e.op, entries: 0, bytes: 0, byteShare: 0 };
    s.entries += calls(e);
    s.bytes += e.bytes * calls(e);
    const us =
      'totalUs' in e && e.totalUs !== undefined ? (e.totalUs as number) : e.recordedUs && e.recordedUs * calls(e);
    if (us !== undefined) s.recordedUs = (s.recordedUs ?? 0) + us;
    else untimed += calls(e);
    byOp.set(e.op, s);
  }
  const ops = [...byOp.values()].sort((a, b) => b.bytes - a.bytes || a.op.localeCompare(b.op));
  const bytes = ops.reduce((a, s) => a + s.bytes, 0);
  const timed = ops.reduce((a, s) => a + (s.recordedUs ?? 0), 0);
  for (const s of ops) {
    s.byteShare = bytes ? s.bytes / bytes : 0;
    if (s.recordedUs !== undefined && timed) s.timeShare = s.recordedUs / timed;
  }
  const summary: TraceSummary = {
    format: t.format,
    sources: t.sources,
    worldSize: t.worldSize,
    ops,
    groups: subGroups(all, t.worldSize),
    untimed,
    steps: t.steps ?? 1,
    dropped: t.dropped,
    notes: t.notes,
  };
  if (!t.weights && timed) {
    const per = [...t.perRank].map(([rank, es]) => ({
      rank,
      comm: es.reduce((a, e) => a + (isComm(e.op) ? (e.recordedUs ?? 0) : 0), 0) / summary.steps,
      compute: es.reduce((a, e) => a + (isComm(e.op) ? 0 : (e.recordedUs ?? 0)), 0) / summary.steps,
    }));
    const top = per.reduce((a, b) => (b.comm > a.comm ? b : a));
    summary.stepCommUs = { mean: per.reduce((a, p) => a + p.comm, 0) / per.length, max: top.comm, maxRank: top.rank };
    if (per.some((p) => p.compute))
      summary.computeUs = {
        mean: per.reduce((a, p) => a + p.compute, 0) / per.length,
        max: Math.max(...per.map((p) => p.compute)),
      };
  }
  return summary;
}

function subGroups(all: TraceEntry[], world: number): TraceSummary['groups'] {
  const seen = new Map<string, number[]>();
  for (const e of all) if (isComm(e.op) && e.group.length !== world) seen.set(e.group.join(','), e.group);
  const bySize = new Map<number, number[][]>();
  for (const g of seen.values()) bySize.set(g.length, [...(bySize.get(g.length) ?? []), g]);
  return [...bySize]
    .sort((a, b) => a[0] - b[0])
    .map(([size, gs]) => ({ size, count: gs.length, example: gs.sort((a, b) => a[0] - b[0])[0] }));
}
