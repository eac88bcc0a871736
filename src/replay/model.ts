// The normalized trace every reader (param.ts, kineto.ts, deepspeed.ts) produces and the rest of
// replay/ works on: per rank, the entries in the order the job ran them, each in ccbench's terms.

/** What an entry does: a ccbench op (src/ops), alltoallv (splits per peer), a p2p half, or a gap. */
export const REPLAY_OPS = [
  'allreduce',
  'allgather',
  'reducescatter',
  'broadcast',
  'reduce',
  'alltoall',
  'alltoallv',
  'gather',
  'scatter',
  'barrier',
  'send',
  'recv',
  'compute',
] as const;
export type ReplayOp = (typeof REPLAY_OPS)[number];

export const TRACE_FORMATS = ['param', 'kineto', 'deepspeed'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

export interface TraceEntry {
  index: number; // the entry's position in its rank's file, as error lines and the JSON name it
  op: ReplayOp;
  /**
   * Per rank, as ccbench's size column means it for the op (max(send, receive) bytes: the whole
   * gathered / scattered / exchanged array); alltoallv: the bytes this rank sends; compute: 0.
   */
  bytes: number;
  count: number; // ccbench's count argument (alltoall: per peer; allgather: per rank; alltoallv: sent)
  dtype: string; // a ccbench dtype name (src/plan/dtypes.ts)
  root?: number; // group-local
  group: number[]; // global ranks of its communicator, in group-rank order
  pg?: string; // the trace's own name for that communicator
  inSplit?: number[]; // alltoallv: elements sent to each group rank
  outSplit?: number[]; // alltoallv: elements received from each group rank
  peer?: number; // send / recv: the other side's global rank
  recordedUs?: number; // the trace's own duration of the entry
  startUs?: number; // when it started, from the trace's first entry
}

/** One (op, size) point of a size mix (DeepSpeed's logger): how often it ran, not when. */
export interface WeightedEntry extends TraceEntry {
  calls: number;
  totalUs?: number; // the logger's total latency over those calls
}

export interface Trace {
  format: TraceFormat;
  sources: string[]; // the files read
  worldSize: number; // ranks of the recorded job
  perRank: Map<number, TraceEntry[]>; // empty for a size mix
  steps?: number; // the training steps the trace covers, where it marks them (Kineto's ProfilerStep#N)
  replays?: number[]; // after --scale-ranks: the recorded rank whose entries each rank replays
  weights?: WeightedEntry[]; // DeepSpeed: a size mix with counts and no order
  dropped: Record<string, number>; // entries left out, by reason (wait, init, compute without duration)
  notes: string[]; // what a reader assumed, said once in the summary
}

export const isP2p = (op: ReplayOp): boolean => op === 'send' || op === 'recv';
export const isComm = (op: ReplayOp): boolean => op !== 'compute';

export function countDrop(dropped: Record<string, number>, reason: string): void {
  dropped[reason] = (dropped[reason] ?? 0) + 1;
}
