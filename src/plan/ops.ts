// The TypeScript op registry: what each operation is, how a swept size becomes its count, and
// how bandwidth is derived (nccl-tests definitions, shared/reference/metrics.md §3).
// native/engine/ops.cc is the native twin; test/registry.test.ts proves the two agree.

export type Shape = 'same' | 'gathered' | 'scattered' | 'exchanged' | 'none';
export type IterClass = 'coll' | 'lat' | 'bw';

export interface OpDef {
  name: string;
  aliases: string[];
  summary: string;
  shape: Shape;
  minRanks: number;
  evenRanks: boolean; // runs between pairs (r, r + n/2)
  reduces: boolean;
  rooted: boolean;
  hasInPlace: boolean;
  pairwise: boolean; // point-to-point; only the first half of the ranks reports times
  iterClass: IterClass; // which OSU iteration defaults apply
  busFactor: (n: number) => number;
}

const ring = (n: number) => (n - 1) / n;
const one = () => 1;

export const OPS: readonly OpDef[] = [
  { name: 'allreduce', aliases: ['all_reduce', 'all-reduce'], summary: 'every rank gets the reduction of all ranks\' buffers',
    shape: 'same', minRanks: 1, evenRanks: false, reduces: true, rooted: false, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: (n) => (2 * (n - 1)) / n },
  { name: 'allgather', aliases: ['all_gather', 'all-gather'], summary: 'every rank gets every rank\'s chunk',
    shape: 'gathered', minRanks: 1, evenRanks: false, reduces: false, rooted: false, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: ring },
  { name: 'reducescatter', aliases: ['reduce_scatter', 'reduce-scatter'], summary: 'reduce, then rank r keeps chunk r',
    shape: 'scattered', minRanks: 1, evenRanks: false, reduces: true, rooted: false, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: ring },
  { name: 'broadcast', aliases: ['bcast'], summary: 'the root\'s buffer is copied to every rank',
    shape: 'same', minRanks: 1, evenRanks: false, reduces: false, rooted: true, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: one },
  { name: 'reduce', aliases: [], summary: 'the root gets the reduction of all ranks\' buffers',
    shape: 'same', minRanks: 1, evenRanks: false, reduces: true, rooted: true, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: one },
  { name: 'alltoall', aliases: ['all_to_all', 'all-to-all', 'a2a'], summary: 'rank r sends chunk j to rank j, for every pair',
    shape: 'exchanged', minRanks: 1, evenRanks: false, reduces: false, rooted: false, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: ring },
  { name: 'gather', aliases: [], summary: 'the root gets every rank\'s chunk',
    shape: 'gathered', minRanks: 1, evenRanks: false, reduces: false, rooted: true, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: ring },
  { name: 'scatter', aliases: [], summary: 'rank r gets chunk r of the root\'s buffer',
    shape: 'scattered', minRanks: 1, evenRanks: false, reduces: false, rooted: true, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: ring },
  { name: 'sendrecv', aliases: ['send_recv'], summary: 'ring exchange: each rank sends to rank+1 and receives from rank-1',
    shape: 'same', minRanks: 1, evenRanks: false, reduces: false, rooted: false, hasInPlace: true, pairwise: false,
    iterClass: 'coll', busFactor: one },
  { name: 'latency', aliases: ['pingpong', 'ping-pong'], summary: 'ping-pong between pairs; one-way time = round trip / 2',
    shape: 'same', minRanks: 2, evenRanks: true, reduces: false, rooted: false, hasInPlace: false, pairwise: true,
    iterClass: 'lat', busFactor: one },
  { name: 'bw', aliases: ['bandwidth'], summary: 'uni-directional bandwidth: a window of messages, then an ack (OSU)',
    shape: 'same', minRanks: 2, evenRanks: true, reduces: false, rooted: false, hasInPlace: false, pairwise: true,
    iterClass: 'bw', busFactor: one },
  { name: 'bibw', aliases: ['bidirectional'], summary: 'bi-directional bandwidth: both ranks of a pair send a window',
    shape: 'same', minRanks: 2, evenRanks: true, reduces: false, rooted: false, hasInPlace: false, pairwise: true,
    iterClass: 'bw', busFactor: one },
  { name: 'barrier', aliases: [], summary: 'barrier latency (no data; --sizes is ignored)',
    shape: 'none', minRanks: 1, evenRanks: false, reduces: false, rooted: false, hasInPlace: false, pairwise: false,
    iterClass: 'coll', busFactor: one },
];

export function findOp(name: string): OpDef | undefined {
  const key = name.trim().toLowerCase();
  return OPS.find((o) => o.name === key || o.aliases.includes(key));
}

export function getOp(name: string): OpDef {
  const op = findOp(name);
  if (!op) throw new Error(`unknown op ${name}`);
  return op;
}

/**
 * The count argument for a swept size S (bytes): c = S / ts for whole-buffer ops; for ops that
 * split the buffer into per-rank chunks, b = c / n rounded down to a 16-byte multiple, exactly as
 * nccl-tests' setupArgs does.
 */
export function countFor(op: OpDef, bytes: number, typeSize: number, n: number): number {
  const c = Math.floor(bytes / typeSize);
  switch (op.shape) {
    case 'same': return c;
    case 'none': return 0;
    default: {
      const align = Math.max(1, 16 / typeSize);
      const b = Math.floor(c / n);
      return b - (b % align);
    }
  }
}

export function sendElems(op: OpDef, count: number, n: number): number {
  switch (op.shape) {
    case 'same': case 'gathered': return count;
    case 'scattered': case 'exchanged': return count * n;
    case 'none': return 0;
  }
}

export function recvElems(op: OpDef, count: number, n: number): number {
  switch (op.shape) {
    case 'same': case 'scattered': return count;
    case 'gathered': case 'exchanged': return count * n;
    case 'none': return 0;
  }
}

/** The size column: max(send, recv) bytes, as nccl-tests prints it. */
export function printedBytes(op: OpDef, count: number, typeSize: number, n: number): number {
  return Math.max(sendElems(op, count, n), recvElems(op, count, n)) * typeSize;
}

/** S in algbw = S / t: the whole array for chunked ops; both directions for bibw. */
export function algBytes(op: OpDef, count: number, typeSize: number, n: number): number {
  const s = printedBytes(op, count, typeSize, n);
  return op.name === 'bibw' ? 2 * s : s;
}
