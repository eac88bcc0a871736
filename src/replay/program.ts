// What one rank hands the native replay runner: its entries in the trace's order as runner calls,
// the communicators (the world, then every sub-group, each created once by every rank in the same
// order), and the buffer sizes its largest entry needs. A size mix (DeepSpeed) becomes each
// (op, size) point repeated as often as the logger counted it, on the world.
import { getOp, recvElems, sendElems } from '../ops/index.js';
import { dtypeSize } from '../plan/dtypes.js';
import type { ReplayCall } from '../native/addon.js';
import { isP2p, type Trace, type TraceEntry } from './model.js';
import { groupKey, replayPlan } from './plan.js';

/** What `ccbench replay` asks the ranks to do, beside the run options. */
export interface ReplayRequest {
  trace: Trace;
  iterations: number;
  warmup: number; // untimed iterations first
  gaps: boolean; // spin through recorded compute gaps
  json?: string;
  jsonl?: string;
  overwrite: boolean;
}

export interface RankProgram {
  communicators: number[][]; // global ranks of each, the world first
  calls: ReplayCall[]; // comm: an index into communicators
  entries: TraceEntry[]; // the entry behind each call
  sendBytes: number;
  recvBytes: number;
}

/** The entries rank `rank` replays: its own, or the size mix unrolled. */
export function entriesOf(t: Trace, rank: number): TraceEntry[] {
  if (!t.weights) return t.perRank.get(rank) ?? [];
  return t.weights.flatMap((w) => Array.from({ length: w.calls }, () => w as TraceEntry));
}

/** The communicators every rank creates, in one order: the world first (the replay plan's). */
export function communicatorsOf(t: Trace): number[][] {
  return replayPlan(t, 1).communicators.map((c) => c.ranks);
}

export function rankProgram(t: Trace, rank: number): RankProgram {
  const communicators = communicatorsOf(t);
  const index = new Map(communicators.map((c, i) => [groupKey(c), i]));
  const entries = entriesOf(t, rank);
  // The k-th collective on a group is the same call on each member (checkTrace): alltoallv's
  // matrix is every member's k-th split on that group.
  const seen = new Map<string, number>();
  const nth = (key: string) => {
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    return k;
  };
  const onGroup = (r: number, key: string) =>
    entriesOf(t, r).filter((e) => !isP2p(e.op) && e.op !== 'compute' && groupKey(e.group) === key);
  const memo = new Map<string, TraceEntry[][]>();
  const membersOn = (key: string, group: number[]) => {
    if (!memo.has(key))
      memo.set(
        key,
        group.map((r) => onGroup(r, key)),
      );
    return memo.get(key)!;
  };
  let sendBytes = 0;
  let recvBytes = 0;
  let batch = { send: 0, recv: 0 }; // consecutive send / recv entries: one batch, each at its own offset
  const calls = entries.map((e): ReplayCall => {
    if (!isP2p(e.op)) batch = { send: 0, recv: 0 };
    if (e.op === 'compute') return { kind: 'gap', gapUs: e.recordedUs ?? 0 };
    if (isP2p(e.op)) {
      const side = e.op === 'send' ? 'send' : 'recv';
      const call: ReplayCall = { kind: side, peer: e.peer!, offset: batch[side], bytes: e.bytes };
      batch[side] += e.bytes;
      sendBytes = Math.max(sendBytes, batch.send);
      recvBytes = Math.max(recvBytes, batch.recv);
      return call;
    }
    const key = groupKey(e.group);
    const k = nth(key);
    const n = e.group.length;
    const size = dtypeSize(e.dtype);
    let matrix: Float64Array | undefined;
    if (e.op === 'alltoallv') {
      matrix = new Float64Array(n * n);
      membersOn(key, e.group).forEach((list, i) => {
        list[k]?.inSplit?.forEach((c, j) => (matrix![i * n + j] = c));
      });
      const me = e.group.indexOf(rank);
      let out = 0;
      let inn = 0;
      for (let j = 0; j < n; j++) {
        out += matrix[me * n + j];
        inn += matrix[j * n + me];
      }
      sendBytes = Math.max(sendBytes, out * size);
      recvBytes = Math.max(recvBytes, inn * size);
    } else {
      const op = getOp(e.op);
      sendBytes = Math.max(sendBytes, sendElems(op, e.count, n) * size);
      recvBytes = Math.max(recvBytes, recvElems(op, e.count, n) * size);
    }
    return {
      kind: 'op',
      op: e.op,
      comm: index.get(key)!,
      count: e.count,
      dtype: e.dtype,
      redop: 'sum',
      root: e.root ?? 0,
      ...(matrix && { matrix }),
    };
  });
  return { communicators, calls, entries, sendBytes, recvBytes };
}
