// --scale-ranks N: a trace recorded on W ranks, mapped onto N where its communicators allow it.
// Each group must be the world or one of equal groups tiling it (contiguous blocks, as tensor-
// parallel groups; or strided, as data-parallel ones); a tiling keeps its number of groups and
// scales their size by N / W. Sizes keep their meaning (the size column: the whole array of a
// gathered, scattered or exchanged op), so the count is recomputed for the new group size;
// alltoallv splits are re-binned proportionally. Anything else is refused with the reason.
import { UsageError } from '../errors.js';
import { dtypeSize } from '../plan/dtypes.js';
import { isComm, isP2p, type Trace, type TraceEntry, type WeightedEntry } from './model.js';
import { checkTrace, groupKey } from './plan.js';

type Tiling = { world: true } | { world: false; kind: 'block' | 'strided'; index: number; groups: number };

function tiling(g: number[], w: number, n: number): Tiling {
  if (g.length === w && g.every((r, i) => r === i)) return { world: true };
  const size = g.length;
  const groups = w / size;
  const block = g.every((r, i) => r === g[0] + i) && g[0] % size === 0;
  const strided = g.every((r, i) => r === g[0] + i * groups) && g[0] < groups;
  if (!Number.isInteger(groups) || (!block && !strided))
    throw new UsageError(
      `--scale-ranks ${n}: group [${g.join(', ')}] is neither the world nor one of equal contiguous or strided groups tiling the ${w} ranks, so it has no counterpart on ${n} ranks`,
    );
  if (n % groups !== 0)
    throw new UsageError(
      `--scale-ranks ${n}: the ${groups} groups of ${size} ranks (as [${g.join(', ')}]) cannot share ${n} ranks equally; give a multiple of ${groups}`,
    );
  return { world: false, kind: block ? 'block' : 'strided', index: block ? g[0] / size : g[0], groups };
}

function scaledGroup(t: Tiling, n: number): number[] {
  if (t.world) return Array.from({ length: n }, (_, r) => r);
  const size = n / t.groups;
  return Array.from({ length: size }, (_, j) => (t.kind === 'block' ? t.index * size + j : t.index + j * t.groups));
}

/** Elements per peer re-binned from split.length peers to m, by proportional overlap; the total is kept. */
export function rebin(split: number[], m: number): number[] {
  const k = split.length;
  const cum = [0];
  for (const x of split) cum.push(cum[cum.length - 1] + x);
  const at = (f: number) => {
    const pos = f * k;
    const i = Math.min(Math.floor(pos), k - 1);
    return Math.round(cum[i] + (pos - i) * split[i]);
  };
  return Array.from({ length: m }, (_, j) => at((j + 1) / m) - at(j / m));
}

/** The count and size column of an entry on a group of `size` ranks, from its kept size column. */
function resize(e: TraceEntry, size: number): void {
  if (e.op === 'alltoallv' || e.op === 'barrier' || e.op === 'compute') return;
  const ts = dtypeSize(e.dtype);
  if (['allgather', 'gather', 'reducescatter', 'scatter', 'alltoall'].includes(e.op)) {
    e.count = Math.floor(e.bytes / ts / size);
    e.bytes = e.count * ts * size;
  }
}

export function scaleTrace(t: Trace, n: number): Trace {
  const w = t.worldSize;
  if (n === w) return t;
  const note = `scaled from ${w} to ${n} ranks (--scale-ranks): group sizes × ${n}/${w}, sizes kept`;
  if (t.weights) {
    const world = Array.from({ length: n }, (_, r) => r);
    const weights = t.weights.map((x) => ({ ...x, group: world }) as WeightedEntry);
    for (const x of weights) resize(x, n);
    return { ...t, worldSize: n, weights, notes: [...t.notes, note] };
  }
  const tilings = new Map<string, Tiling>();
  const uses = new Map<number, Set<string>>(); // source rank → its groups
  for (const [rank, entries] of t.perRank) {
    uses.set(rank, new Set());
    for (const e of entries) {
      if (!isComm(e.op)) continue;
      const k = groupKey(e.group);
      if (!tilings.has(k)) tilings.set(k, tiling(e.group, w, n));
      uses.get(rank)!.add(k);
    }
  }
  const scaled = new Map([...tilings].map(([k, ti]) => [k, scaledGroup(ti, n)]));
  const perRank = new Map<number, TraceEntry[]>();
  const source: number[] = [];
  for (let r = 0; r < n; r++) {
    const fits = (s: number) => [...uses.get(s)!].every((k) => scaled.get(k)!.includes(r));
    const first = Math.floor((r * w) / n);
    const s = fits(first) ? first : [...uses.keys()].find(fits);
    if (s === undefined)
      throw new UsageError(
        `--scale-ranks ${n}: no recorded rank's communicators all hold rank ${r} once scaled (the trace mixes block and strided groups), so it cannot be mapped`,
      );
    source.push(s);
  }
  // the i-th rank replaying s sends to the i-th rank replaying its peer: the pairs stay pairs
  const copies = new Map<number, number[]>();
  source.forEach((s, r) => copies.set(s, [...(copies.get(s) ?? []), r]));
  for (let r = 0; r < n; r++) {
    const s = source[r];
    const peerOf = (e: TraceEntry) => {
      const mine = copies.get(s)!;
      const theirs = copies.get(e.peer!) ?? [];
      if (theirs.length !== mine.length)
        throw new UsageError(
          `--scale-ranks ${n}: rank ${s}'s ${e.op} with rank ${e.peer} (entry ${e.index}) cannot be paired: rank ${s} is replayed by ${mine.length} of the ${n} ranks, rank ${e.peer} by ${theirs.length}`,
        );
      return theirs[mine.indexOf(r)];
    };
    perRank.set(
      r,
      t.perRank.get(s)!.map((e) => mapEntry(e, r, scaled, n, peerOf)),
    );
  }
  fillReceives(perRank);
  const out: Trace = {
    ...t,
    worldSize: n,
    perRank,
    replays: source,
    notes: [...t.notes, note],
  };
  try {
    checkTrace(out);
  } catch (e) {
    throw new UsageError(`--scale-ranks ${n}: the trace does not map onto ${n} ranks: ${(e as Error).message}`);
  }
  return out;
}

function mapEntry(
  e: TraceEntry,
  r: number,
  scaled: Map<string, number[]>,
  n: number,
  peerOf: (e: TraceEntry) => number,
): TraceEntry {
  if (!isComm(e.op)) return { ...e };
  const group = scaled.get(groupKey(e.group))!;
  const x: TraceEntry = { ...e, group };
  if (e.root !== undefined) x.root = Math.floor((e.root * group.length) / e.group.length);
  if (isP2p(e.op)) {
    const peer = peerOf(e);
    if (!group.includes(peer))
      throw new UsageError(
        `--scale-ranks ${n}: the ${e.op} of entry ${e.index} with rank ${e.peer} maps to rank ${peer}, outside its scaled group`,
      );
    x.peer = peer;
  }
  if (e.op === 'alltoallv') {
    x.inSplit = rebin(e.inSplit!, group.length);
    x.count = x.inSplit.reduce((a, b) => a + b, 0);
    x.bytes = x.count * dtypeSize(e.dtype);
  }
  resize(x, group.length);
  return x;
}

/** alltoallv: what each rank receives from a peer is what that peer now sends it. */
function fillReceives(perRank: Map<number, TraceEntry[]>): void {
  const calls = new Map<string, Map<number, TraceEntry>>();
  for (const [rank, entries] of perRank) {
    const seen = new Map<string, number>();
    for (const e of entries) {
      if (e.op !== 'alltoallv') continue;
      const k = groupKey(e.group);
      const i = seen.get(k) ?? 0;
      seen.set(k, i + 1);
      const key = `${k}#${i}`;
      if (!calls.has(key)) calls.set(key, new Map());
      calls.get(key)!.set(rank, e);
    }
  }
  for (const byRank of calls.values())
    for (const [rank, e] of byRank) {
      const q = e.group.indexOf(rank);
      e.outSplit = e.group.map((p) => byRank.get(p)?.inSplit?.[q] ?? 0);
    }
}
