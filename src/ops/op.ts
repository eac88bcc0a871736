// What an operation is, in one descriptor per op (src/ops/<op>.ts); native/ops/<op>.cc is its
// native twin and test/registry.test.ts proves the two agree. Backends only say how to run one.
// Size and bandwidth semantics are nccl-tests' (shared/reference/metrics.md §3).

/**
 * How send / receive element counts follow from the count argument c (b: per-rank chunk);
 * 'varied': a count per pair of ranks from a matrix (alltoallv), c the mean a rank sends.
 */
export type Shape = 'same' | 'gathered' | 'scattered' | 'exchanged' | 'none' | 'varied';
/** Which OSU iteration defaults apply (plan/iterations.ts). */
export type IterClass = 'coll' | 'lat' | 'bw';
/**
 * The bytes OSU's size column means for this op, on which its iteration counts switch: the whole
 * buffer (allreduce, reduce_scatter, bcast, ...) or one rank's message (allgather, alltoall,
 * gather, scatter: OSU 7.4 c/mpi/collective/blocking/osu_<op>.c pass `size / type size` as the
 * per-rank count).
 */
export type OsuSize = 'buffer' | 'per-rank';
/** How one timed iteration becomes the reported per-op time. */
export type Sample = 'op' | 'half-round-trip' | 'per-message';

/** busbw = algbw × busFactor(n), as nccl-tests' doc/PERFORMANCE.md defines and writes it. */
export interface BusFactor {
  busFactor: (n: number) => number;
  busFormula: string;
}

export interface OpDef {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string; // one line: `ccbench list` and the command's description
  readonly timed: string; // what one sample is (help, table title)
  readonly help: readonly string[]; // further lines for `ccbench <op> --help`
  readonly shape: Shape;
  readonly minRanks: number;
  readonly evenRanks: boolean; // runs between pairs (r, r + n/2)
  readonly reduces: boolean;
  readonly rooted: boolean;
  readonly hasInPlace: boolean;
  readonly pairwise: boolean; // point-to-point; only the first half of the ranks reports times
  readonly barrierPerIter: boolean; // an untimed barrier separates per-op iterations (OSU collectives)
  readonly sample: Sample;
  readonly minCount: number; // smallest count argument (0: zero-byte messages are measured)
  readonly iterClass: IterClass;
  readonly osuSize: OsuSize;
  readonly defaultDtype: string; // when no --dtype is given
  readonly busFactor: (n: number) => number;
  readonly busFormula: string;
  readonly algFactor: number; // S in algbw = S / t, as a multiple of the size column
}

export const BUS = {
  one: { busFormula: '1', busFactor: () => 1 },
  ring: { busFormula: '(n-1)/n', busFactor: (n: number) => (n - 1) / n },
  allreduce: { busFormula: '2(n-1)/n', busFactor: (n: number) => (2 * (n - 1)) / n },
} as const satisfies Record<string, BusFactor>;

type Specific = Pick<OpDef, 'name' | 'summary' | 'timed'> & Partial<OpDef>;

/** A collective: every rank takes part, timed per op between barriers (OSU) or in a batch. */
export function collective(d: Specific & Pick<OpDef, 'shape'> & BusFactor): OpDef {
  return {
    aliases: [],
    help: [],
    minRanks: 1,
    evenRanks: false,
    reduces: false,
    rooted: false,
    hasInPlace: true,
    pairwise: false,
    barrierPerIter: true,
    sample: 'op',
    minCount: 1,
    iterClass: 'coll',
    osuSize: 'buffer',
    defaultDtype: 'float32',
    algFactor: 1,
    ...d,
  };
}

/** Point-to-point between pairs (r, r + n/2), OSU's multi-pair layout; bytes by default, as OSU. */
export function pointToPoint(d: Specific & Pick<OpDef, 'sample' | 'iterClass'>): OpDef {
  return {
    aliases: [],
    help: [],
    shape: 'same',
    minRanks: 2,
    evenRanks: true,
    reduces: false,
    rooted: false,
    hasInPlace: false,
    pairwise: true,
    barrierPerIter: false,
    minCount: 0,
    osuSize: 'buffer',
    defaultDtype: 'int8',
    ...BUS.one,
    algFactor: 1,
    ...d,
  };
}

export const SIZE_MEANING: Record<Shape, string> = {
  same: 'the size is the whole buffer each rank sends and receives',
  gathered: 'the size is the whole gathered array (each rank contributes size / ranks)',
  scattered: 'the size is the whole array before scattering (each rank keeps size / ranks)',
  exchanged: "the size is each rank's whole send buffer (size / ranks to every peer)",
  none: 'no data is moved; only the time is reported',
  varied: 'the size is the mean of what one rank sends in all (--pattern splits it over the peers)',
};

/**
 * The count argument for a swept size S (bytes): c = S / ts for whole-buffer ops; for ops that
 * split the buffer into per-rank chunks, b = c / n rounded down to a 16-byte multiple, exactly as
 * nccl-tests' setupArgs does.
 */
export function countFor(op: OpDef, bytes: number, typeSize: number, n: number): number {
  const c = Math.floor(bytes / typeSize);
  switch (op.shape) {
    case 'same':
    case 'varied':
      return c;
    case 'none':
      return 0;
    case 'gathered':
    case 'scattered':
    case 'exchanged': {
      const align = Math.max(1, 16 / typeSize);
      const b = Math.floor(c / n);
      return b - (b % align);
    }
  }
}

export function sendElems(op: OpDef, count: number, n: number): number {
  switch (op.shape) {
    case 'same':
    case 'varied': // the mean; the buffers follow the matrix (plan/expand.ts)
    case 'gathered':
      return count;
    case 'scattered':
    case 'exchanged':
      return count * n;
    case 'none':
      return 0;
  }
}

export function recvElems(op: OpDef, count: number, n: number): number {
  switch (op.shape) {
    case 'same':
    case 'varied':
    case 'scattered':
      return count;
    case 'gathered':
    case 'exchanged':
      return count * n;
    case 'none':
      return 0;
  }
}

/** The size column: max(send, recv) bytes, as nccl-tests prints it. */
export function printedBytes(op: OpDef, count: number, typeSize: number, n: number): number {
  return Math.max(sendElems(op, count, n), recvElems(op, count, n)) * typeSize;
}

/** S in algbw = S / t: the whole array for chunked ops; both directions for bibw. */
export function algBytes(op: OpDef, count: number, typeSize: number, n: number): number {
  return op.algFactor * printedBytes(op, count, typeSize, n);
}
