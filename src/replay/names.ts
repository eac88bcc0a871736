// Op and dtype names as traces write them, mapped to ccbench's; and the one place where a
// recorded (op, elements in, elements out, group) becomes ccbench's count and size column.
import { UsageError } from '../errors.js';
import { findOp, getOp } from '../ops/index.js';
import { dtypeSize, findDtype } from '../plan/dtypes.js';
import type { ReplayOp, TraceEntry } from './model.js';

// PARAM's paramToCommName (train/comms/pt/comms_utils.py) keeps letters only, lower-cased; the
// names below are its aliases plus PyTorch's record_param_comms names (ProcessGroupNCCL) and
// DeepSpeed's comm function names, all in that letters-only form.
const OP_NAMES: Record<string, ReplayOp | 'drop'> = {
  allreduce: 'allreduce',
  allreducecoalesced: 'allreduce',
  inferenceallreduce: 'allreduce',
  allgather: 'allgather',
  allgatherbase: 'allgather',
  allgathercoalesced: 'allgather',
  allgatherintotensor: 'allgather',
  allgatherintotensorcoalesced: 'allgather',
  reducescatter: 'reducescatter',
  reducescatterbase: 'reducescatter',
  reducescattertensor: 'reducescatter',
  reducescattertensorcoalesced: 'reducescatter',
  alltoall: 'alltoall',
  alltoallsingle: 'alltoall', // with splits: alltoallv (splitOp below)
  alltoallbase: 'alltoallv',
  alltoallv: 'alltoallv',
  broadcast: 'broadcast',
  broadcastoop: 'broadcast',
  reduce: 'reduce',
  reduceoop: 'reduce',
  gather: 'gather',
  scatter: 'scatter',
  barrier: 'barrier',
  send: 'send',
  isend: 'send',
  recv: 'recv',
  irecv: 'recv',
  recvanysource: 'recv',
  wait: 'drop',
  init: 'drop',
  batchisendirecv: 'drop', // a marker around the p2p entries it groups; carries no sizes
};

export const OP_ALIASES_TEXT =
  'all_reduce, all_gather(_base), reduce_scatter(_base), all_to_all(v/_single), broadcast, reduce, gather, scatter, barrier, send/recv/isend/irecv';

/** ccbench's op for a trace's op name ("nccl:all_reduce" and "| [Caller Func: f]" tails too), or 'drop'. */
export function mapOp(raw: string): ReplayOp | 'drop' | undefined {
  const name = raw.split('|')[0].replace(/^\w+:/, '');
  return OP_NAMES[name.toLowerCase().replace(/[^a-z]/g, '')];
}

// PyTorch's scalar type names (c10::toString, as Kineto writes them; "torch." as repr() does) and
// PARAM's short names; everything else is looked up among ccbench's own names and aliases.
const DTYPE_NAMES: Record<string, string> = {
  float: 'float32',
  half: 'float16',
  double: 'float64',
  bfloat16: 'bfloat16',
  int: 'int32',
  long: 'int64',
  byte: 'uint8',
  char: 'int8',
  bool: 'uint8', // one byte per element; only the size matters to a replay of a bool collective
  float8_e4m3fn: 'float8e4m3',
  float8_e5m2: 'float8e5m2',
};

export function mapDtype(raw: string): string | undefined {
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/^torch\./, '');
  return DTYPE_NAMES[key] ?? findDtype(key)?.name;
}

/** A whole number of at least 0 from a trace field, or one line naming the field. */
export function whole(v: unknown, field: string, where: string): number {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`${where}: ${field} is ${JSON.stringify(v) ?? 'missing'}, not a whole number of elements`);
  return n;
}

export interface Recorded {
  op: ReplayOp;
  inElems: number;
  outElems: number;
  dtype: string;
  group: number[];
  pg?: string;
  root?: number; // group-local
  inSplit?: number[];
  outSplit?: number[];
  peer?: number;
  recordedUs?: number;
  startUs?: number;
}

/**
 * count and bytes as ccbench means them (src/ops shapes; README "What the numbers mean"): the
 * size column is max(send, receive) bytes per rank, so the whole array for allgather, gather,
 * reducescatter, scatter and alltoall; the count is one rank's chunk for those (per peer for
 * alltoall). Traces record elements in and out per rank (PyTorch's tensors' numel).
 */
export function makeEntry(index: number, r: Recorded, where: string): TraceEntry {
  const n = r.group.length;
  const ts = r.op === 'compute' ? 1 : dtypeSize(r.dtype);
  // all_to_all_single with split lists is an alltoallv (PyTorch's alltoall_base carries both forms)
  if (r.op === 'alltoall' && (r.inSplit?.length || r.outSplit?.length)) r = { ...r, op: 'alltoallv' };
  const e: TraceEntry = { index, op: r.op, bytes: 0, count: 0, dtype: r.dtype, group: r.group };
  for (const k of ['pg', 'root', 'peer', 'recordedUs', 'startUs'] as const)
    if (r[k] !== undefined) e[k] = r[k] as never;
  const perRank = (whole: number, side: string) => {
    if (whole % n !== 0)
      throw new UsageError(`${where}: ${side} ${whole} elements of ${r.op} do not divide among its ${n} ranks`);
    return whole / n;
  };
  switch (r.op) {
    case 'allreduce':
    case 'broadcast':
    case 'reduce':
    case 'send':
    case 'recv':
      e.count = Math.max(r.inElems, r.outElems);
      break;
    case 'allgather':
    case 'gather':
      e.count = r.inElems || perRank(r.outElems, 'out');
      break;
    case 'reducescatter':
    case 'scatter':
      e.count = r.outElems || perRank(r.inElems, 'in');
      break;
    case 'alltoall':
      e.count = perRank(Math.max(r.inElems, r.outElems), 'in');
      break;
    case 'alltoallv':
      return splitEntry(e, r, ts, where);
    case 'barrier':
    case 'compute':
      e.dtype = r.op === 'barrier' ? getOp('barrier').defaultDtype : r.dtype;
      return e;
  }
  const def = findOp(r.op);
  e.bytes = e.count * ts * (def && def.shape !== 'same' ? n : 1);
  return e;
}

function splitEntry(e: TraceEntry, r: Recorded, ts: number, where: string): TraceEntry {
  const n = r.group.length;
  const check = (s: number[] | undefined, total: number, side: string): number[] => {
    if (!s || s.length === 0) {
      if (total % n !== 0)
        throw new UsageError(`${where}: all_to_allv without ${side}_split: ${total} elements do not divide among ${n}`);
      return Array<number>(n).fill(total / n);
    }
    if (s.length !== n)
      throw new UsageError(`${where}: ${side}_split has ${s.length} entries for a group of ${n} ranks`);
    const sum = s.reduce((a, b) => a + b, 0);
    if (total && sum !== total)
      throw new UsageError(`${where}: ${side}_split sums to ${sum} elements, but ${side}_msg_size is ${total}`);
    return s;
  };
  e.inSplit = check(r.inSplit, r.inElems, 'in');
  e.outSplit = check(r.outSplit, r.outElems, 'out');
  e.count = e.inSplit.reduce((a, b) => a + b, 0);
  e.bytes = e.count * ts;
  return e;
}
