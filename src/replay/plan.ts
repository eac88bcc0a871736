// The checks that make a trace replayable (every rank's view of each communicator agrees, every
// send has its receive) and the replay plan: what would run, on how many ranks, on which
// sub-communicators (each created once, before the timed entries).
import { UsageError } from '../errors.js';
import { isComm, isP2p, type Trace, type TraceEntry } from './model.js';

const fileOf = (t: Trace, rank: number) => (t.sources.length > 1 ? t.sources[t.replays?.[rank] ?? rank] : t.sources[0]);
const at = (t: Trace, rank: number, e: TraceEntry) => `${fileOf(t, rank)}: entry ${e.index} (rank ${rank})`;
export const groupKey = (g: number[]) => g.join(',');
const show = (g: number[]) => `[${g.join(', ')}]`;

function checkEntry(t: Trace, rank: number, e: TraceEntry): void {
  const where = at(t, rank, e);
  if (new Set(e.group).size !== e.group.length)
    throw new UsageError(`${where}: its group ${show(e.group)} repeats a rank`);
  const out = e.group.find((r) => r >= t.worldSize);
  if (out !== undefined)
    throw new UsageError(`${where}: its group names rank ${out}, beyond the job's ${t.worldSize} ranks`);
  if (!e.group.includes(rank))
    throw new UsageError(
      `${where}: ${e.op} on group ${show(e.group)}, which does not hold this rank; the rank files are mixed up`,
    );
  if (e.root !== undefined && e.root >= e.group.length)
    throw new UsageError(`${where}: root ${e.root} is outside its group of ${e.group.length}`);
  if (e.peer !== undefined && (e.peer === rank || !e.group.includes(e.peer)))
    throw new UsageError(`${where}: ${e.op} peer ${e.peer} is this rank or outside its group ${show(e.group)}`);
}

/** Every member of a communicator sees the same collectives in the same order; p2p halves pair up. */
export function checkTrace(t: Trace): void {
  const onGroup = new Map<string, Map<number, TraceEntry[]>>();
  const p2p = new Map<string, { send: TraceEntry[]; recv: TraceEntry[] }>();
  for (const [rank, entries] of t.perRank)
    for (const e of entries) {
      if (!isComm(e.op)) continue;
      checkEntry(t, rank, e);
      if (isP2p(e.op)) {
        const [a, b] = e.op === 'send' ? [rank, e.peer!] : [e.peer!, rank];
        const k = `${a}>${b}`;
        if (!p2p.has(k)) p2p.set(k, { send: [], recv: [] });
        p2p.get(k)![e.op as 'send' | 'recv'].push(e);
        continue;
      }
      const k = groupKey(e.group);
      if (!onGroup.has(k)) onGroup.set(k, new Map(e.group.map((r) => [r, []])));
      onGroup.get(k)!.get(rank)!.push(e);
    }
  for (const members of onGroup.values()) {
    const [first, ref] = [...members.entries()][0];
    for (const [rank, list] of members) {
      if (list.length !== ref.length)
        throw new UsageError(
          `${fileOf(t, rank)}: rank ${rank} has ${list.length} collectives on group ${show(ref[0]?.group ?? list[0].group)} but rank ${first} has ${ref.length}; give the traces of one job`,
        );
      list.forEach((e, i) => sameCall(t, [first, ref[i]], [rank, e], members, i));
    }
  }
  for (const [k, { send, recv }] of p2p) {
    const [a, b] = k.split('>').map(Number);
    if (send.length !== recv.length)
      throw new UsageError(
        `rank ${a} sends ${send.length} messages to rank ${b}, which receives ${recv.length} from it (${fileOf(t, a)}, ${fileOf(t, b)}); give the traces of one job`,
      );
    send.forEach((s, i) => {
      if (s.bytes !== recv[i].bytes)
        throw new UsageError(
          `${at(t, a, s)}: sends ${s.bytes} B to rank ${b}, whose matching receive (entry ${recv[i].index}) is ${recv[i].bytes} B`,
        );
    });
  }
}

function sameCall(
  t: Trace,
  [r0, a]: [number, TraceEntry],
  [r, b]: [number, TraceEntry],
  members: Map<number, TraceEntry[]>,
  i: number,
): void {
  const differs =
    a.op !== b.op ||
    a.dtype !== b.dtype ||
    a.root !== b.root ||
    (a.op !== 'alltoallv' && a.count !== b.count) ||
    groupKey(a.group) !== groupKey(b.group);
  if (differs)
    throw new UsageError(
      `${at(t, r, b)}: ${b.op} of ${b.count} ${b.dtype}${b.root !== undefined ? ` root ${b.root}` : ''} where rank ${r0} has ${a.op} of ${a.count} ${a.dtype}${a.root !== undefined ? ` root ${a.root}` : ''} (its entry ${a.index}); the ranks' traces disagree`,
    );
  if (b.op !== 'alltoallv') return;
  // what r sends to each peer is what that peer receives from r
  const pos = b.group.indexOf(r);
  b.inSplit!.forEach((n, j) => {
    const peer = b.group[j];
    const theirs = members.get(peer)![i];
    if (theirs.outSplit![pos] !== n)
      throw new UsageError(
        `${at(t, r, b)}: alltoallv sends ${n} elements to rank ${peer}, whose entry ${theirs.index} receives ${theirs.outSplit![pos]} from it`,
      );
  });
}

export interface Communicator {
  ranks: number[];
  world: boolean;
  names: string[]; // the trace's names for it (pg_id, Process Group Name)
  entries: number; // collectives on it, over all its ranks, one iteration
}

export interface ReplayPlan {
  format: string;
  ranks: number;
  iterations: number;
  communicators: Communicator[]; // the world first; the rest are created once, before timing
  entriesPerRank: { min: number; max: number }; // entries run per iteration (collectives, p2p, gaps)
  gapsPerRank: { min: number; max: number };
  p2pPairs: number; // ordered (sender, receiver) pairs
  totalEntries: number; // over every rank and iteration
  mix?: { points: number; calls: number }; // a size mix: (op, size) points and calls per iteration
}

export function replayPlan(t: Trace, iterations: number): ReplayPlan {
  const comms = new Map<string, Communicator>();
  const world = Array.from({ length: t.worldSize }, (_, r) => r);
  comms.set(groupKey(world), { ranks: world, world: true, names: [], entries: 0 });
  const counts: number[] = [];
  const gaps: number[] = [];
  const pairs = new Set<string>();
  for (const [rank, entries] of t.perRank) {
    counts.push(entries.length);
    gaps.push(entries.filter((e) => !isComm(e.op)).length);
    for (const e of entries) {
      if (!isComm(e.op)) continue;
      if (isP2p(e.op)) {
        pairs.add(e.op === 'send' ? `${rank}>${e.peer}` : `${e.peer}>${rank}`);
        continue;
      }
      const k = groupKey(e.group);
      if (!comms.has(k)) comms.set(k, { ranks: e.group, world: false, names: [], entries: 0 });
      const c = comms.get(k)!;
      c.entries++;
      if (e.pg !== undefined && !c.names.includes(e.pg)) c.names.push(e.pg);
    }
  }
  const range = (v: number[]) => ({ min: v.length ? Math.min(...v) : 0, max: v.length ? Math.max(...v) : 0 });
  const plan: ReplayPlan = {
    format: t.format,
    ranks: t.worldSize,
    iterations,
    communicators: [...comms.values()].sort(
      (a, b) => Number(b.world) - Number(a.world) || a.ranks.length - b.ranks.length || a.ranks[0] - b.ranks[0],
    ),
    entriesPerRank: range(counts),
    gapsPerRank: range(gaps),
    p2pPairs: pairs.size,
    totalEntries: counts.reduce((a, b) => a + b, 0) * iterations,
  };
  if (t.weights) {
    const calls = t.weights.reduce((a, w) => a + w.calls, 0);
    plan.mix = { points: t.weights.length, calls };
    plan.communicators[0].entries = calls * t.worldSize;
    plan.totalEntries = calls * t.worldSize * iterations;
  }
  return plan;
}
